package shoal.peer;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.function.Supplier;

/**
 * The one Vert.x context on which a peer node's state changes: its share (index, scanner, hash
 * cache), its tracker session and its downloads. Work from elsewhere hops onto it ({@link #run}, {@link #execute}); outcomes of calls
 * that complete elsewhere are handed back onto it ({@link #here}). What it owns is never touched
 * by two threads, so none of it needs volatile fields, locks or concurrent collections.
 */
public final class NodeContext {

  private final ContextInternal context;

  public NodeContext(Vertx vertx) {
    this.context = (ContextInternal) vertx.getOrCreateContext();
  }

  /** Runs {@code work} on the node's context and answers its outcome, wherever the caller is. */
  public <T> Future<T> run(Supplier<Future<T>> work) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> {
      try {
        work.get().onComplete(promise);
      } catch (RuntimeException e) {
        promise.fail(e);
      }
    });
    return promise.future();
  }

  /** Runs {@code work} on the node's context, later. */
  public void execute(Runnable work) {
    context.runOnContext(v -> work.run());
  }

  /** {@code foreign}'s outcome, delivered on the node's context whichever thread completes it. */
  public <T> Future<T> here(Future<T> foreign) {
    Promise<T> promise = context.promise();
    foreign.onComplete(promise);
    return promise.future();
  }
}

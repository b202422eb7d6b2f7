package shoal.peer.fetch;

import io.vertx.core.Future;
import java.nio.file.Path;
import shoal.peer.share.PieceHashes;

/** Where a download hands its verified file: the node makes it servable before the tracker hears of it. */
@FunctionalInterface
public interface VerifiedFiles {

  /**
   * @param file where the verified file now lies, in the target folder
   * @param pieces the piece hashes every piece was checked against, so the node need not read the
   *     file again to serve them; null when the file was checked whole
   */
  Future<Void> adopt(Path file, String sha256, PieceHashes pieces);
}

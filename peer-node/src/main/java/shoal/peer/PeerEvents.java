package shoal.peer;

/**
 * The local event-bus address where a node announces what its control clients are pushed:
 * {@code {"event": "download.progress" | "download.done" | "download.failed" | "files.changed", …}}.
 * Local to the node's Vert.x instance; nothing is bridged outside it except through the control socket.
 */
public final class PeerEvents {

  public static final String ADDRESS = "shoal.peer.events";
  public static final String DOWNLOAD_PROGRESS = "download.progress";
  public static final String DOWNLOAD_DONE = "download.done";
  public static final String DOWNLOAD_FAILED = "download.failed";
  public static final String FILES_CHANGED = "files.changed";

  private PeerEvents() {}
}

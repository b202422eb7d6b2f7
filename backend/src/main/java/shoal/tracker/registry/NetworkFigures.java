package shoal.tracker.registry;

/**
 * The network's size at one moment, as a tracker's read model holds it: live peers, the files
 * they hold whole, their holdings, and the transfers under way from them (their active uploads).
 */
public record NetworkFigures(long peers, long files, long holdings, long activeTransfers) {}

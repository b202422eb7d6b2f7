package shoal.common.transfer;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Why a transfer failed, as the downloader reports it to the tracker. Only these codes are
 * accepted and shown to anyone: a remote's own answer (an error page, a redirect target, an
 * exception text) never travels further than the downloader that received it.
 *
 * <p>{@link #blamesSource()} tells the reasons that are the source's own fault from those that
 * say nothing about it (a busy holder, a cancelled download, the downloader's own disk).
 */
public enum FailureReason {
  CORRUPT(true, "The source's data did not match the SHA-256."),
  OVERSIZED(true, "The source sent more bytes than its file's size."),
  SIZE_MISMATCH(true, "The source's Content-Length or Content-Range disagreed with its file's size."),
  STALLED(true, "The source sent nothing for longer than the stall timeout."),
  TOO_SLOW(true, "The source stayed below the minimum transfer rate."),
  REFUSED(true, "The source answered with an error or a redirect instead of the file."),
  BAD_ADDRESS(true, "The source's address is not one Shoal downloads from."),
  BUSY(false, "The source was serving as many uploads as it allows."),
  CONNECTION_LOST(false, "The connection to the source broke off."),
  UNREACHABLE(false, "The source could not be reached."),
  INCONCLUSIVE(false, "The file did not verify, and the bytes of this source cannot be told from another's."),
  CANCELLED(false, "The downloader cancelled the download."),
  DOWNLOADER_ERROR(false, "The downloader could not write the file to its disk."),
  UNSPECIFIED(false, "No reason was given.");

  private final boolean blamesSource;
  private final String sentence;

  FailureReason(boolean blamesSource, String sentence) {
    this.blamesSource = blamesSource;
    this.sentence = sentence;
  }

  /** The code on the wire: {@code corrupt}, {@code too_slow}, … */
  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Shoal's own sentence for it. */
  public String sentence() {
    return sentence;
  }

  /** Whether the reason is a fault of the source (as opposed to the downloader, or nobody's). */
  public boolean blamesSource() {
    return blamesSource;
  }

  public static Optional<FailureReason> fromCode(String code) {
    return Arrays.stream(values()).filter(reason -> reason.code().equals(code)).findFirst();
  }

  /** Every code, comma-separated: for error messages that list what is accepted. */
  public static String codes() {
    return String.join(", ", Arrays.stream(values()).map(FailureReason::code).toList());
  }
}

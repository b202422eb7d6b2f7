package shoal.peer.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads rates in bytes per second: {@code 500K}, {@code 10M}, {@code 1G}, a plain number, or 0 for no limit. */
public final class RateConverter implements ITypeConverter<Long> {

  private static final Pattern FORMAT = Pattern.compile("(\\d{1,12})([KMG]?)");

  @Override
  public Long convert(String value) {
    return parse(value);
  }

  public static long parse(String value) {
    Matcher m = FORMAT.matcher(value.trim().toUpperCase(Locale.ROOT));
    if (!m.matches()) {
      throw new TypeConversionException("'" + value + "' is not a rate; write it like 500K or 10M (bytes per second)");
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "K" -> amount * 1024;
      case "M" -> amount * 1024 * 1024;
      case "G" -> amount * 1024 * 1024 * 1024;
      default -> amount;
    };
  }
}

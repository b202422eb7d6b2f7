package shoal.tracker.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Prometheus's text exposition format (version 0.0.4), parsed as a scraper reads it: families with
 * their HELP and TYPE, and samples with their labels (escapes undone) and values. Enough to read
 * what a series did between two scrapes, and to hand a family's own lines on to {@code promtool}.
 */
public final class PrometheusText {

  /** One sample: a series name as exposed ({@code _total} included), its labels and value. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  /** A metric family: its name as in HELP and TYPE, and the exposition lines that belong to it. */
  public record Family(String name, String help, String type, List<String> lines) {}

  private final Map<String, Family> families;
  private final List<Sample> samples;

  private PrometheusText(Map<String, Family> families, List<Sample> samples) {
    this.families = families;
    this.samples = samples;
  }

  public static PrometheusText parse(String exposition) {
    Map<String, String> help = new LinkedHashMap<>();
    Map<String, String> types = new LinkedHashMap<>();
    Map<String, List<String>> lines = new LinkedHashMap<>();
    List<Sample> samples = new ArrayList<>();
    String current = null;
    for (String line : exposition.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ", 2);
        current = parts[0];
        (line.startsWith("# HELP ") ? help : types).put(current, parts.length > 1 ? parts[1] : "");
        lines.computeIfAbsent(current, name -> new ArrayList<>()).add(line);
      } else if (!line.startsWith("#")) {
        Sample sample = sample(line);
        samples.add(sample);
        String family = current != null && sample.name().startsWith(current) ? current : sample.name();
        lines.computeIfAbsent(family, name -> new ArrayList<>()).add(line);
      }
    }
    Map<String, Family> families = new LinkedHashMap<>();
    lines.forEach((name, own) -> families.put(name, new Family(name, help.get(name), types.get(name), List.copyOf(own))));
    return new PrometheusText(families, samples);
  }

  /** {@code name{a="x",b="y"} value [timestamp]}, label values with {@code \\}, {@code \"} and {@code \n} escapes. */
  private static Sample sample(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    Map<String, String> labels = new TreeMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (line.charAt(i) != '}') {
        int equals = line.indexOf('=', i);
        String label = line.substring(i, equals).trim();
        i = equals + 2; // past ="
        StringBuilder value = new StringBuilder();
        while (line.charAt(i) != '"') {
          char c = line.charAt(i++);
          if (c == '\\') {
            char escaped = line.charAt(i++);
            value.append(escaped == 'n' ? '\n' : escaped);
          } else {
            value.append(c);
          }
        }
        labels.put(label, value.toString());
        i++; // past the closing quote
        if (line.charAt(i) == ',') {
          i++;
        }
      }
      i++; // past }
    }
    String[] rest = line.substring(i).trim().split(" ");
    return new Sample(name, Map.copyOf(labels), parseValue(rest[0]));
  }

  private static double parseValue(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(text);
    };
  }

  /**
   * The value of the one series {@code name} with exactly {@code labels} (given as name, value,
   * name, value…); fails when there is none.
   */
  public double value(String name, String... labels) {
    Map<String, String> wanted = new TreeMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      wanted.put(labels[i], labels[i + 1]);
    }
    return samples.stream()
        .filter(sample -> sample.name().equals(name) && sample.labels().equals(wanted))
        .mapToDouble(Sample::value)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no series " + name + wanted + " among " + seriesNames()));
  }

  public Family family(String name) {
    Family family = families.get(name);
    if (family == null) {
      throw new AssertionError("no metric family " + name + " among " + families.keySet());
    }
    return family;
  }

  /** The names of the families whose names start with {@code prefix}. */
  public Set<String> familyNames(String prefix) {
    return families.keySet().stream().filter(name -> name.startsWith(prefix)).collect(Collectors.toCollection(TreeSet::new));
  }

  /** The exposition of just the families whose names start with {@code prefix}: HELP, TYPE and samples. */
  public String only(String prefix) {
    StringBuilder text = new StringBuilder();
    families.values().stream().filter(family -> family.name().startsWith(prefix))
        .forEach(family -> family.lines().forEach(line -> text.append(line).append('\n')));
    return text.toString();
  }

  public Set<String> seriesNames() {
    return samples.stream().map(Sample::name).collect(Collectors.toCollection(TreeSet::new));
  }
}

package org.bml.bench;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One bench case's figures: the headline value (median of the timed windows), the case's settings,
 * every timed window with its spread, and the peak resident memory while the case ran.
 *
 * @param name the case name
 * @param value the headline figure (for timed cases the median window)
 * @param unit the headline's unit ({@code it/s}, {@code ms}, ...)
 * @param decimals decimals of the printed headline (the {@code bench} line keeps its old format)
 * @param settings what the case ran, in print order
 * @param windows the timed windows' values in the order they ran (empty for untimed figures)
 * @param rssStartBytes resident memory when the case started (−1 unknown)
 * @param peakRssBytes peak resident memory while the case ran (−1 unknown)
 * @param peakPerCase whether the peak was reset at the start of the case ({@code true}) or is the
 *     process's peak so far, which includes earlier cases
 */
public record BenchResult(String name, double value, String unit, int decimals, Map<String, Object> settings,
    double[] windows, long rssStartBytes, long peakRssBytes, boolean peakPerCase) {

  public BenchResult {
    settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    windows = windows.clone();
  }

  /** Order statistics of the windows (quartiles interpolated linearly between order statistics). */
  public record Spread(int count, double min, double q1, double median, double q3, double max, double iqr, double mad) {}

  /** The windows' spread; NaN everywhere when there are none. */
  public Spread spread() {
    return spread(windows);
  }

  /** Order statistics of {@code values}; NaN everywhere when empty. */
  public static Spread spread(double[] values) {
    int n = values.length;
    if (n == 0) {
      return new Spread(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    double[] s = values.clone();
    Arrays.sort(s);
    double median = quantile(s, 0.5);
    double q1 = quantile(s, 0.25);
    double q3 = quantile(s, 0.75);
    double[] dev = new double[n];
    for (int i = 0; i < n; i++) {
      dev[i] = Math.abs(s[i] - median);
    }
    Arrays.sort(dev);
    return new Spread(n, s[0], q1, median, q3, s[n - 1], q3 - q1, quantile(dev, 0.5));
  }

  /** The p-quantile of sorted values, interpolated linearly (Hyndman &amp; Fan type 7, R's default). */
  static double quantile(double[] sorted, double p) {
    double h = (sorted.length - 1) * p;
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }

  /**
   * Prints the case: first the line {@code bench <case> <value> <unit>} that scripts parse, then
   * indented lines for a reader (settings, windows, memory), which such scripts skip.
   */
  public void print(PrintStream out) {
    out.printf(Locale.ROOT, "bench %s %." + decimals + "f %s%n", name, value, unit);
    if (!settings.isEmpty()) {
      StringBuilder b = new StringBuilder();
      settings.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
      out.println("    settings: " + b);
    }
    if (windows.length > 0) {
      Spread s = spread();
      String f = "%." + (decimals + 1) + "f";
      out.printf(Locale.ROOT, "    windows:  %d, median " + f + ", min " + f + ", max " + f + ", IQR " + f + " (q1 " + f
          + ", q3 " + f + "), MAD " + f + " %s%n", s.count(), s.median(), s.min(), s.max(), s.iqr(), s.q1(), s.q3(),
          s.mad(), unit);
    }
    if (peakRssBytes >= 0) {
      out.printf(Locale.ROOT, "    memory:   peak RSS %.3f GB %s (RSS at its start %.3f GB)%n", peakRssBytes / 1e9,
          peakPerCase ? "during this case" : "of the process so far (could not reset the peak; includes earlier cases)",
          rssStartBytes / 1e9);
    }
  }

  /** This result as a JSON object. */
  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("case", name);
    m.put("value", value);
    m.put("unit", unit);
    m.put("settings", settings);
    Spread s = spread();
    Map<String, Object> w = new LinkedHashMap<>();
    w.put("count", s.count());
    w.put("values", windows);
    w.put("median", s.median());
    w.put("min", s.min());
    w.put("max", s.max());
    w.put("q1", s.q1());
    w.put("q3", s.q3());
    w.put("iqr", s.iqr());
    w.put("mad", s.mad());
    m.put("windows", w);
    Map<String, Object> mem = new LinkedHashMap<>();
    mem.put("rss_start_bytes", rssStartBytes < 0 ? null : rssStartBytes);
    mem.put("peak_rss_bytes", peakRssBytes < 0 ? null : peakRssBytes);
    mem.put("peak_scope", peakPerCase ? "case" : "process");
    m.put("memory", mem);
    return json(m);
  }

  /** A whole run as one JSON document: the host line's facts, the cases, the process's peak RSS. */
  public static String toJson(Map<String, Object> host, List<BenchResult> results, long processPeakRssBytes) {
    StringBuilder b = new StringBuilder("{\"host\":").append(json(host)).append(",\"cases\":[");
    for (int i = 0; i < results.size(); i++) {
      b.append(i == 0 ? "\n" : ",\n").append(results.get(i).toJson());
    }
    return b.append("\n],\"peak_rss_bytes\":").append(processPeakRssBytes < 0 ? "null" : processPeakRssBytes)
        .append("}\n").toString();
  }

  static String json(Object v) {
    return org.bml.core.io.Json.write(v);
  }
}

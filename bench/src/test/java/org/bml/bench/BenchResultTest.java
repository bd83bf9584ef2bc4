package org.bml.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The statistics, the printed lines and the JSON of {@link BenchResult}, on hand-computed values. */
class BenchResultTest {

  @Test
  void spreadOfKnownValues() {
    // sorted 1 2 4 7 10: median 4; q1 = 2, q3 = 7 (type 7 at h = 1 and 3); |x − 4| = 3 2 0 3 6 → MAD 3
    BenchResult.Spread s = BenchResult.spread(new double[] {7, 1, 10, 4, 2});
    assertEquals(5, s.count());
    assertEquals(1, s.min());
    assertEquals(10, s.max());
    assertEquals(4, s.median());
    assertEquals(2, s.q1());
    assertEquals(7, s.q3());
    assertEquals(5, s.iqr());
    assertEquals(3, s.mad());
    // even count: the mean of the middle two; quartiles interpolated (h = 0.75 and 2.25)
    BenchResult.Spread e = BenchResult.spread(new double[] {4, 1, 3, 2});
    assertEquals(2.5, e.median());
    assertEquals(1.75, e.q1(), 1e-15);
    assertEquals(3.25, e.q3(), 1e-15);
    assertTrue(Double.isNaN(BenchResult.spread(new double[0]).median()));
    assertEquals(3.0, BenchResult.spread(new double[] {3}).q3());
  }

  private static BenchResult sample() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("model", "MLP \"1-40\"");
    settings.put("meta-batch", 25);
    return new BenchResult("sine-x", 349.84, "it/s", 1, settings, new double[] {350.0, 340.0, 360.0}, 100_000_000L,
        450_000_000L, true);
  }

  @Test
  void printsTheParsedLineFirstAndTheDetailsIndented() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    sample().print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals("bench sine-x 349.8 it/s", lines.get(0));
    assertEquals(4, lines.size(), lines.toString());
    assertTrue(lines.get(1).contains("meta-batch 25"), lines.get(1));
    assertTrue(lines.get(2).contains("median 350.00") && lines.get(2).contains("min 340.00")
        && lines.get(2).contains("max 360.00") && lines.get(2).contains("IQR 10.00"), lines.get(2));
    assertTrue(lines.get(3).contains("peak RSS 0.450 GB during this case"), lines.get(3));
    for (String l : lines.subList(1, lines.size())) {
      assertTrue(l.startsWith(" "), "detail lines must not look like 'bench <case>' lines: " + l);
    }
  }

  @Test
  void jsonHoldsTheSameFigures() {
    String j = BenchResult.toJson(Map.of("cores", 2), List.of(sample()), 500_000_000L);
    assertTrue(j.startsWith("{\"host\":{\"cores\":2},\"cases\":["), j);
    assertTrue(j.contains("\"case\":\"sine-x\",\"value\":349.84,\"unit\":\"it/s\""), j);
    assertTrue(j.contains("\"model\":\"MLP \\\"1-40\\\"\",\"meta-batch\":25"), j);
    assertTrue(j.contains("\"values\":[350.0,340.0,360.0],\"median\":350.0,\"min\":340.0,\"max\":360.0,"
        + "\"q1\":345.0,\"q3\":355.0,\"iqr\":10.0,\"mad\":10.0"), j);
    assertTrue(j.contains("\"memory\":{\"rss_start_bytes\":100000000,\"peak_rss_bytes\":450000000,"
        + "\"peak_scope\":\"case\"}"), j);
    assertTrue(j.trim().endsWith("\"peak_rss_bytes\":500000000}"), j);
    // JSON has no NaN: an untimed figure's statistics are null
    BenchResult untimed = new BenchResult("omniglot-load", 3.2, "s", 1, Map.of(), new double[0], -1, -1, false);
    String u = untimed.toJson();
    assertTrue(u.contains("\"median\":null") && u.contains("\"peak_rss_bytes\":null"), u);
  }
}

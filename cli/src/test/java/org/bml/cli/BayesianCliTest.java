package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Bayesian methods and the MR-MAML regularizers through the command line, on tiny sinusoid
 * runs (2 iterations of 2 tasks): each trains, evaluates with {@code --uncertainty} (printed and
 * as JSON) and, where it has several hypotheses, predicts with mean, std and a central interval.
 */
class BayesianCliTest {
  private static String[] quick(String method, Path out) {
    return new String[] {"train", "--method", method, "--iterations", "2", "--meta-batch", "2", "--shots", "3",
        "--queries", "3", "--val-every", "0", "--out", out.toString()};
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "platipus", "bmaml", "emaml"})
  void bayesianMethodsTrainEvaluateWithUncertaintyAndPredict(String method, @TempDir Path tmp) throws Exception {
    Path run = tmp.resolve(method);
    String[] train = quick(method, run);
    if (method.endsWith("maml")) {
      train = CliRun.concat(train, "--hp", "particles=3");
    }
    CliRun.Result r = CliRun.run(train);
    assertEquals(0, r.exit(), r.toString());

    Path json = tmp.resolve("eval.jsonl");
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "4", "--uncertainty", "--samples",
        "4", "--json", json.toString());
    assertEquals(0, e.exit(), e.toString());
    assertTrue(e.out().contains(method + " on sinusoid"), e.toString());
    int expectedHypotheses = method.endsWith("maml") ? 3 : 4;
    assertTrue(e.out().contains("predictive over " + expectedHypotheses + " hypotheses"), e.toString());
    assertTrue(e.out().contains("coverage of the central intervals: 50%"), e.toString());
    Map<String, String> line = CliRun.jsonLines(json).get(0);
    for (String key : List.of("predictive_nll", "predictive_mse", "predictive_coverage_50", "predictive_coverage_90",
        "predictive_coverage_95", "predictive_coverage_95_ci95")) {
      assertTrue(line.containsKey(key), key + " in " + line);
      assertTrue(Double.isFinite(Double.parseDouble(line.get(key))), key + " in " + line);
    }
    assertEquals(method.equals("bmaml") ? "learned" : "support-fit", line.get("noise"), line.toString());
    assertEquals(Integer.toString(expectedHypotheses), line.get("predictive_hypotheses").replace(".0", ""));

    Path s = Files.writeString(tmp.resolve("support.csv"), "x,y\n-1,-0.8\n0,0.1\n1.5,1.0\n");
    Path q = Files.writeString(tmp.resolve("query.csv"), "x\n-2\n0.5\n3\n");
    CliRun.Result p = CliRun.run("predict", "--checkpoint", run.toString(), "--support", s.toString(), "--query",
        q.toString(), "--samples", "4", "--level", "0.8");
    assertEquals(0, p.exit(), p.toString());
    String[] rows = p.out().strip().split("\n");
    assertEquals("x,prediction,mean,std,lo80,hi80", rows[0], p.toString());
    assertEquals(4, rows.length, p.toString());
    for (int i = 1; i < rows.length; i++) {
      String[] v = rows[i].split(",");
      double std = Double.parseDouble(v[3]);
      double lo = Double.parseDouble(v[4]);
      double hi = Double.parseDouble(v[5]);
      assertTrue(std >= 0 && lo < hi, rows[i]);
    }
  }

  @ParameterizedTest
  @CsvSource({"maml,mr-w", "anil,mr-w", "fomaml,mr-a", "maml,mr-a"})
  void mrMamlRegularizersTrainAndEvaluate(String method, String regularizer, @TempDir Path tmp) throws Exception {
    Path run = tmp.resolve(method + "-" + regularizer);
    String[] train = CliRun.concat(quick(method, run), "--dataset", "nonmutex-sinusoid", "--regularizer", regularizer,
        "--hp", "beta=1e-3");
    CliRun.Result r = CliRun.run(train);
    assertEquals(0, r.exit(), r.toString());
    Path json = tmp.resolve("eval.jsonl");
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "4", "--steps", "0,2",
        "--uncertainty", "--samples", "3", "--noise-std", "0.1", "--json", json.toString());
    assertEquals(0, e.exit(), e.toString());
    assertTrue(e.out().contains(method + " + " + regularizer + " on nonmutex-sinusoid"), e.toString());
    assertTrue(e.out().contains("predictive over 3 hypotheses (noise std 0.1)"), e.toString());
    // Two MSEs, each saying what it is of (issue #13: they were unlabelled).
    assertTrue(e.out().contains("; of the adapted parameters)") && e.out().contains("MSE of the predictive mean "),
        e.toString());
    List<Map<String, String>> lines = CliRun.jsonLines(json);
    assertEquals(2, lines.size());
    assertEquals(regularizer, lines.get(1).get("regularizer"));
    assertEquals("4.0", lines.get(1).get("predictive_tasks"), lines.get(1).toString());
    assertEquals("2", lines.get(1).get("steps"));
  }

  @Test
  void sineAndLineReportsModeCoverage(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("platipus");
    CliRun.Result r = CliRun.run(CliRun.concat(quick("platipus", run), "--dataset", "sine-and-line"));
    assertEquals(0, r.exit(), r.toString());
    Path json = tmp.resolve("eval.jsonl");
    // Two support points: both a sine and a line fit every task exactly, so every task is ambiguous.
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "6", "--shots", "2",
        "--uncertainty", "--samples", "5", "--json", json.toString());
    assertEquals(0, e.exit(), e.toString());
    assertTrue(e.out().contains("mode coverage"), e.toString());
    Map<String, String> line = CliRun.jsonLines(json).get(0);
    assertEquals("6.0", line.get("predictive_mode_coverage_tasks"), line.toString());
    double coverage = Double.parseDouble(line.get("predictive_mode_coverage"));
    assertTrue(coverage >= 0 && coverage <= 1, line.toString());
  }

  @Test
  void pointEstimateHasOneHypothesisAndNoIntervalColumns(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("maml");
    assertEquals(0, CliRun.run(quick("maml", run)).exit());
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "3", "--uncertainty");
    assertEquals(0, e.exit(), e.toString());
    assertTrue(e.out().contains("predictive over 1 hypothesis (noise support-fit)"), e.toString());
    Path s = Files.writeString(tmp.resolve("s.csv"), "0,0\n1,1\n");
    Path q = Files.writeString(tmp.resolve("q.csv"), "0.5\n");
    CliRun.Result p = CliRun.run("predict", "--checkpoint", run.toString(), "--support", s.toString(), "--query",
        q.toString());
    assertEquals(0, p.exit(), p.toString());
    assertTrue(p.out().startsWith("x,prediction\n"), p.toString());
  }
}

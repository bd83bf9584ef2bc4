package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.bml.datasets.omniglot.OmniglotPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eval --plots}, {@code --temperature-scale}, {@code --inner-lr} and the divergence screen, end to end. */
class EvalPlotsTest {
  private static Path train(Path tmp, String name, String... extra) {
    Path run = tmp.resolve(name);
    CliRun.Result r = CliRun.run(CliRun.concat(CliRun.concat(CliRun.QUICK, "--out", run.toString()), extra));
    assertEquals(0, r.exit(), r.toString());
    return run;
  }

  private static void assertPng(Path file, int minWidth) throws Exception {
    assertTrue(Files.isRegularFile(file), file + " missing");
    BufferedImage img = ImageIO.read(file.toFile());
    assertNotNull(img, file + " is not a PNG");
    assertTrue(img.getWidth() >= minWidth, file + " width " + img.getWidth());
  }

  @Test
  void platipusRegressionPlotsFanCoverageAndLearningCurves(@TempDir Path tmp) throws Exception {
    Path run = train(tmp, "platipus", "--method", "platipus", "--dataset", "sine-and-line");
    assertPng(run.resolve("fan.png"), 1000); // written by train for a method with hypotheses
    Path plots = tmp.resolve("plots");
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "6", "--samples", "4",
        "--plots", plots.toString());
    assertEquals(0, e.exit(), e.toString());
    assertTrue(e.out().contains("plots: "), e.toString());
    assertPng(plots.resolve("fan.png"), 1000);
    assertPng(plots.resolve("coverage.png"), 600);
    assertPng(plots.resolve("learning-curves.png"), 600);
    assertEquals(3, CliRun.files(plots).size(), "no temporary files: " + CliRun.files(plots));
  }

  @Test
  void aMethodWithoutHypothesesHasNoFanAndNothingIsWritten(@TempDir Path tmp) throws Exception {
    Path run = train(tmp, "maml");
    assertFalse(Files.exists(run.resolve("fan.png")), "train draws no fan for a point estimate");
    Path plots = tmp.resolve("plots");
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "4", "--plots", plots.toString());
    BadInputTest.assertRefused(e, "maml has no task hypotheses to draw");
    assertFalse(Files.exists(plots), "nothing written");
  }

  @Test
  void aPlotDirectoryThatIsAFileIsRefused(@TempDir Path tmp) throws Exception {
    Path run = train(tmp, "platipus", "--method", "platipus");
    Path file = Files.writeString(tmp.resolve("plots"), "keep");
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "4", "--plots", file.toString());
    BadInputTest.assertRefused(e, "--plots " + file + " exists and is not a directory");
    assertEquals("keep", Files.readString(file));
  }

  @Test
  void innerLrChangesTheTestTimeStepAndExplodingTasksAreScreened(@TempDir Path tmp) throws Exception {
    Path run = train(tmp, "maml");
    Path json = tmp.resolve("r.jsonl");
    CliRun.Result same = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "8", "--inner-lr", "0.01",
        "--json", json.toString());
    CliRun.Result plain = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "8");
    assertEquals(0, same.exit(), same.toString());
    assertEquals(plain.out().lines().skip(1).findFirst(), same.out().lines().skip(1).findFirst(),
        "--inner-lr equal to the trained one changes nothing");
    List<Map<String, String>> lines = CliRun.jsonLines(json);
    assertEquals(0.01, Double.parseDouble(lines.get(0).get("inner_lr")), 0);
    assertEquals("0", lines.get(0).get("diverged_tasks"));

    // A step of 1e4 on an MLP blows the adapted weights up: losses overflow on some or all tasks.
    CliRun.Result wild = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "8", "--inner-lr", "1e4",
        "--steps", "20");
    assertEquals(0, wild.exit(), wild.toString());
    assertTrue(wild.out().contains("test-time inner-lr 10000.0"), wild.toString());
    assertTrue(wild.out().contains("test tasks diverged after 20 step(s)"), wild.toString());
    CliRun.Result fail = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "8", "--inner-lr", "1e4",
        "--steps", "20", "--fail-on-divergence", "--json", tmp.resolve("none.jsonl").toString());
    assertEquals(Main.EXIT_DIVERGED, fail.exit(), fail.toString());
    assertTrue(fail.err().contains("bml: error: --fail-on-divergence: "), fail.toString());
    assertFalse(Files.exists(tmp.resolve("none.jsonl")), "nothing written");

    BadInputTest.assertRefused(CliRun.run("eval", "--checkpoint", run.toString(), "--inner-lr", "0"),
        "--inner-lr must be finite and > 0, got 0.0");
    BadInputTest.assertRefused(CliRun.run("eval", "--checkpoint", run.toString(), "--temperature-scale", "--tasks",
        "2"), "--temperature-scale applies to classification only");
  }

  @Test
  void omniglotReliabilityDiagramHistogramAndTemperatureScaling(@TempDir Path tmp) throws Exception {
    assumeTrue(OmniglotPaths.find().isPresent(), "Omniglot data not found");
    Path run = tmp.resolve("proto");
    CliRun.Result r = CliRun.run("train", "--method", "protonet", "--dataset", "omniglot", "--ways", "2", "--shots", "1",
        "--queries", "2", "--meta-batch", "2", "--iterations", "2", "--val-every", "2", "--val-tasks", "2", "--hp",
        "temperature=8", "--out", run.toString());
    assertEquals(0, r.exit(), r.toString());
    Path plots = tmp.resolve("plots");
    Path json = tmp.resolve("r.jsonl");
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "8", "--temperature-scale",
        "--plots", plots.toString(), "--json", json.toString());
    assertEquals(0, e.exit(), e.toString());
    assertTrue(e.out().contains("temperature scaling (Guo et al. 2017): T = "), e.toString());
    assertPng(plots.resolve("reliability.png"), 600);
    assertPng(plots.resolve("confidence-histogram.png"), 600);
    double t = Double.parseDouble(CliRun.jsonLines(json).get(0).get("temperature"));
    assertTrue(t > 0, "T " + t);
  }
}

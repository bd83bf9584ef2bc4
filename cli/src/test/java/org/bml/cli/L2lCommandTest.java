package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bml l2l}: a tiny meta-training and comparison writes the loss-curve PNG and CSV and prints
 * the headline; bad options are refused with exit 2 and nothing written.
 */
class L2lCommandTest {
  @Test
  void tinyRunPrintsTheComparisonAndWritesThePlot(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("l2l");
    CliRun.Result r = CliRun.run("l2l", "--epochs", "2", "--tasks", "4", "--horizon", "6", "--unroll", "3",
        "--hidden", "4", "--test-tasks", "4", "--steps", "6", "--out", out.toString());
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("loss after 6 steps: LSTM"), r.out());
    for (String rule : new String[] {"SGD", "momentum 0.9", "NAG 0.9", "Adam", "RMSprop"}) {
      assertTrue(r.out().contains(rule + " ("), r.out());
    }
    assertTrue(Files.size(out.resolve(L2lCommand.PLOT)) > 1000, "PNG written");
    List<String> csv = Files.readAllLines(out.resolve(L2lCommand.CSV));
    assertEquals(8, csv.size(), "header and steps 0..6");
    assertTrue(csv.get(0).startsWith("step,LSTM"), csv.get(0));
  }

  @Test
  void tinyMlpRunWritesItsOwnPlot(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("mlp");
    CliRun.Result r = CliRun.run("l2l", "--problem", "mlp", "--epochs", "1", "--tasks", "2", "--horizon", "4",
        "--unroll", "2", "--hidden", "3", "--test-tasks", "2", "--steps", "4", "--out", out.toString());
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("held-out MLPs") && r.out().contains("NAG 0.9 ("), r.out());
    assertTrue(Files.size(out.resolve(L2lCommand.MLP_PLOT)) > 1000, "PNG written");
    List<String> csv = Files.readAllLines(out.resolve(L2lCommand.MLP_CSV));
    assertEquals(6, csv.size(), "header and steps 0..4");
  }

  @Test
  void badOptionsAreRefused(@TempDir Path tmp) {
    Path out = tmp.resolve("l2l");
    String dir = out.toString();
    BadInputTest.assertRefused(CliRun.run("l2l", "--horizon", "10", "--unroll", "3", "--out", dir),
        "--unroll 3 must divide --horizon 10");
    BadInputTest.assertRefused(CliRun.run("l2l", "--preprocessing", "log", "--out", dir),
        "--preprocessing must be log-sign or none, got 'log'");
    BadInputTest.assertRefused(CliRun.run("l2l", "--epochs", "0", "--out", dir), "--epochs");
    BadInputTest.assertRefused(CliRun.run("l2l", "--problem", "mnist", "--out", dir),
        "--problem must be quadratics or mlp, got 'mnist'");
    BadInputTest.assertRefused(CliRun.run("l2l", "--meta-lr", "-1", "--out", dir), "--meta-lr");
    BadInputTest.assertRefused(CliRun.run("l2l", "--tasks", "100000", "--out", dir), "sizes too large");
    assertTrue(!Files.exists(out), "nothing written on bad input");
  }
}

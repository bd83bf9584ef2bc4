package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bml.algorithms.Mann;
import org.bml.datasets.omniglot.OmniglotPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MANN through the command line: listed with its hyperparameters, bad {@code --hp} values refused
 * (exit 2, nothing written), a tiny Omniglot train + {@code eval --uncertainty} +
 * {@code mann-table} (skipped where the data is absent), and the table's layout.
 */
class MannCliTest {
  @Test
  void listedWithItsHyperparameters() {
    CliRun.Result r = CliRun.run("train", "--list");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("mann") && r.out().contains("Santoro et al."), r.out());
    for (String hp : new String[] {"memory-slots", "slot-size", "controller", "reads", "gamma", "pool"}) {
      assertTrue(r.out().contains(hp), hp + " in\n" + r.out());
    }
  }

  @Test
  void badHyperparametersAreRefused(@TempDir Path tmp) {
    Path out = tmp.resolve("run");
    String[][] cases = {
        {"memory-slots=4", "--hp memory-slots=4: must exceed reads=4"},
        {"reads=0", "--hp reads=0: must be >= 1"},
        {"gamma=1.5", "--hp gamma=1.5: must be in [0, 1]"},
        {"pool=3", "--hp pool=3: must divide the image size 28x28"},
        {"controller=x", "--hp controller=x: not an integer"},
        {"sharpness=0", "--hp sharpness=0: must be > 0"}};
    for (String[] c : cases) {
      BadInputTest.assertRefused(CliRun.run("train", "--method", "mann", "--dataset", "omniglot", "--hp", c[0],
          "--out", out.toString()), c[1]);
    }
    BadInputTest.assertRefused(CliRun.run("train", "--method", "mann", "--out", out.toString()),
        "method mann handles classification data sets only");
    BadInputTest.assertRefused(CliRun.run("mann-table", "--checkpoint", out.toString(), "--tasks", "0"),
        "--tasks");
    assertTrue(!Files.exists(out), "nothing written on bad input");
  }

  @Test
  void trainEvaluateAndTabulateOnOmniglot(@TempDir Path tmp) {
    assumeTrue(OmniglotPaths.find().isPresent(), "Omniglot data not found");
    Path run = tmp.resolve("mann");
    CliRun.Result r = CliRun.run("train", "--method", "mann", "--dataset", "omniglot", "--ways", "2", "--shots", "1",
        "--queries", "2", "--meta-batch", "2", "--iterations", "2", "--val-every", "2", "--val-tasks", "2",
        "--hp", "controller=8", "--hp", "memory-slots=6", "--hp", "slot-size=4", "--hp", "reads=1", "--hp", "pool=4",
        "--out", run.toString());
    assertEquals(0, r.exit(), r.toString());
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "4", "--uncertainty");
    assertEquals(0, e.exit(), e.toString());
    assertTrue(e.out().contains("accuracy") && e.out().contains("ECE"), e.toString());
    CliRun.Result t = CliRun.run("mann-table", "--checkpoint", run.toString(), "--tasks", "3", "--batch", "2");
    assertEquals(0, t.exit(), t.toString());
    assertTrue(t.out().contains("3 episodes of 2 classes x 3 presentations"), t.out());
    assertTrue(t.out().contains("1st") && t.out().contains("3rd") && t.out().contains("accuracy %"), t.out());
    assertTrue(!t.out().contains("paper %"), "the paper's row is for 5 classes only");
  }

  @Test
  void tableShowsThePaperRowForFiveClasses() {
    long[] correct = new long[12];
    long[] total = new long[12];
    for (int k = 0; k < 10; k++) {
      total[k] = 10;
      correct[k] = k;
    }
    String s = MannTableCommand.table(new Mann.InstanceCounts(correct, total), true);
    assertTrue(s.contains("10th") && s.contains("36.4") && s.contains("92.6"), s);
    assertTrue(!s.contains("11th") && !s.contains("NaN"), "columns end at the last presentation reached:\n" + s);
    assertTrue(s.contains("   0.0   10.0   20.0"), s);
    assertEquals("11th", MannTableCommand.ordinal(11));
    assertEquals("22nd", MannTableCommand.ordinal(22));
  }
}

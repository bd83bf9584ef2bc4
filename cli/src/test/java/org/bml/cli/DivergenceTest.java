package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bml.algorithms.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A NaN or infinite loss stops training with exit status 3, names the iteration and keeps the last
 * good checkpoint (an absurd outer learning rate makes Adam's steps ~1e30, so the next forward
 * pass overflows float).
 */
class DivergenceTest {
  private static final String[] OPTS = {"train", "--meta-batch", "3", "--shots", "4", "--queries", "4", "--val-every", "0",
      "--checkpoint-every", "2", "--log-every", "1"};

  @Test
  void nanLossStopsAndKeepsTheLastGoodCheckpoint(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("run");
    assertEquals(0, CliRun.run(CliRun.concat(OPTS, "--iterations", "4", "--out", run.toString())).exit());
    Checkpoint before = Checkpoint.read(run.resolve("checkpoint.bml"));
    assertEquals(4, before.iteration());

    CliRun.Result r = CliRun.run("train", "--resume", "--out", run.toString(), "--iterations", "20", "--outer-lr",
        "1e30");
    assertEquals(Main.EXIT_DIVERGED, r.exit(), r.toString());
    assertTrue(r.err().contains("bml: error: training stopped at iteration 6: meta-loss is"), r.toString());
    assertTrue(r.err().contains("the last good checkpoint (after 4 iterations) is kept"), r.toString());

    Checkpoint after = Checkpoint.read(run.resolve("checkpoint.bml"));
    assertEquals(4, after.iteration());
    assertEquals("0.001", String.valueOf(Double.parseDouble(after.config().get("outer-lr"))), "config not overwritten");
    ResumeTest.assertBitEqual(before.params(), after.params());
    List<Map<String, String>> metrics = CliRun.jsonLines(run.resolve("metrics.jsonl"));
    Map<String, String> last = metrics.get(metrics.size() - 1);
    assertEquals("diverged", last.get("event"));
    assertEquals("6", last.get("iteration"));
    try (var s = Files.list(run)) {
      assertEquals(2, s.count(), "no temporary files");
    }
  }

  @Test
  void firstBadLossWritesTheLastGoodStateWhenNoCheckpointExists(@TempDir Path tmp) throws Exception {
    // Iteration 0's loss is fine but its step (~1e30) ruins θ: iteration 1's loss overflows. The
    // initial state is the last good one and gets written.
    Path run = tmp.resolve("run");
    CliRun.Result r = CliRun.run(CliRun.concat(OPTS, "--iterations", "5", "--outer-lr", "1e30", "--out",
        run.toString()));
    assertEquals(Main.EXIT_DIVERGED, r.exit(), r.toString());
    assertTrue(r.err().contains("training stopped at iteration 2: meta-loss is"), r.toString());
    assertTrue(r.err().contains("the last good state (after 0 iterations) is saved"), r.toString());
    Checkpoint c = Checkpoint.read(run.resolve("checkpoint.bml"));
    assertEquals(0, c.iteration());
    assertTrue(TrainCommand.finite(c.params()));
    CliRun.Result eval = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "4");
    assertEquals(0, eval.exit(), "the kept state is usable: " + eval);
  }

  @Test
  void nonFiniteUpdateKeepsTheStateBeforeIt(@TempDir Path tmp) throws Exception {
    Path straight = tmp.resolve("straight");
    assertEquals(0, CliRun.run(CliRun.concat(OPTS, "--iterations", "3", "--out",
        straight.toString())).exit());
    Path run = tmp.resolve("run");
    TrainCommand.afterStepForTests = (it, opt) -> {
      if (it == 3) {
        opt.flatParams().putScalar(0, Float.NaN);
      }
    };
    CliRun.Result r;
    try {
      r = CliRun.run(CliRun.concat(OPTS, "--iterations", "6", "--out", run.toString()));
    } finally {
      TrainCommand.afterStepForTests = null;
    }
    assertEquals(Main.EXIT_DIVERGED, r.exit(), r.toString());
    assertTrue(r.err().contains("training stopped at iteration 4: the update made the meta-parameters or optimizer "
        + "state non-finite"), r.toString());
    assertTrue(r.err().contains("the last good state (after 3 iterations) is saved"), r.toString());
    Checkpoint c = Checkpoint.read(run.resolve("checkpoint.bml"));
    assertEquals(3, c.iteration());
    ResumeTest.assertBitEqual(Checkpoint.read(straight.resolve("checkpoint.bml")).params(), c.params());
  }
}

package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.bml.algorithms.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --outer-optimizer} and MR-MAML(W)'s {@code learn-std}: the notebook defaults recorded in
 * the checkpoint, per-group updaters resuming bit for bit, a changed optimizer refused on resume,
 * and layout-1 checkpoints (before both options) still read as Adam with a learned σ.
 */
class OuterOptimizerCliTest {
  private static String[] quick(String regularizer, Path out) {
    return new String[] {"train", "--regularizer", regularizer, "--dataset", "nonmutex-sinusoid", "--meta-batch", "1",
        "--shots", "3", "--queries", "3", "--val-every", "0", "--checkpoint-every", "2", "--log-every", "1", "--out",
        out.toString()};
  }

  @Test
  void mrWDefaultsToTheNotebooksSignDescentWithFixedSigma(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("mr-w");
    CliRun.Result r = CliRun.run(CliRun.concat(quick("mr-w", run), "--iterations", "2"));
    assertEquals(0, r.exit(), r.toString());
    Checkpoint c = Checkpoint.read(run.resolve("checkpoint.bml"));
    assertEquals("sign", c.config().get("outer-optimizer"));
    assertEquals("false", c.config().get("hp.learn-std"));
    assertEquals("3", c.config().get("layout"));
    // Encoder 21-100-5 and decoder 5-40-40-1, no log σ tensors.
    long model = 21 * 100 + 100 + 100 * 5 + 5 + 5 * 40 + 40 + 40 * 40 + 40 + 40 + 1;
    assertEquals(model, c.params().length());
    assertEquals("Adam[0+" + model + ";" + 2 * model + "]", c.optimizerLayout());

    CliRun.Result changed = CliRun.run("train", "--resume", "--out", run.toString(), "--iterations", "3",
        "--outer-optimizer", "adam");
    assertEquals(Main.EXIT_BAD_INPUT, changed.exit(), changed.toString());
    assertTrue(changed.err().contains("--outer-optimizer adam differs from the resumed run's sign"), changed.toString());
    CliRun.Result same = CliRun.run("train", "--resume", "--out", run.toString(), "--iterations", "3",
        "--outer-optimizer", "auto");
    assertEquals(0, same.exit(), same.toString());
    Path json = tmp.resolve("eval.jsonl");
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "2", "--steps", "1", "--json",
        json.toString());
    assertEquals(0, e.exit(), e.toString());
    assertEquals("sign", CliRun.jsonLines(json).get(0).get("outer_optimizer"));

    Path learned = tmp.resolve("learned");
    CliRun.Result l = CliRun.run(CliRun.concat(quick("mr-w", learned), "--iterations", "1", "--hp", "learn-std=true",
        "--outer-optimizer", "adam"));
    assertEquals(0, l.exit(), l.toString());
    Checkpoint cl = Checkpoint.read(learned.resolve("checkpoint.bml"));
    assertEquals(model + 21 * 100 + 100 * 5, cl.params().length(), "log σ of both encoder weight matrices");
  }

  @Test
  void mrAGroupsResumeBitForBit(@TempDir Path tmp) throws Exception {
    Path straight = tmp.resolve("straight");
    Path split = tmp.resolve("split");
    assertEquals(0, CliRun.run(CliRun.concat(quick("mr-a", straight), "--iterations", "5")).exit());
    CliRun.Result b1 = CliRun.run(CliRun.concat(quick("mr-a", split), "--iterations", "3"));
    assertEquals(0, b1.exit(), b1.toString());
    CliRun.Result b2 = CliRun.run("train", "--resume", "--out", split.toString(), "--iterations", "5");
    assertEquals(0, b2.exit(), b2.toString());
    Checkpoint ca = Checkpoint.read(straight.resolve("checkpoint.bml"));
    Checkpoint cb = Checkpoint.read(split.resolve("checkpoint.bml"));
    assertEquals("encoder=sign,decoder=adam", ca.config().get("outer-optimizer"));
    long encoder = 21 * 80 + 80 + 80 * 10 + 10;
    assertTrue(ca.optimizerLayout().startsWith("Adam[0+" + encoder + ";" + 2 * encoder + "],Adam[" + encoder + "+"),
        ca.optimizerLayout());
    ResumeTest.assertBitEqual(ca.params(), cb.params());
    ResumeTest.assertBitEqual(ca.updaterState(), cb.updaterState());
  }

  @Test
  void layoutOneCheckpointsReadAsAdamWithLearnedSigma(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("learned");
    CliRun.Result r = CliRun.run(CliRun.concat(quick("mr-w", run), "--iterations", "2", "--hp", "learn-std=true",
        "--outer-optimizer", "adam"));
    assertEquals(0, r.exit(), r.toString());
    Checkpoint c = Checkpoint.read(run.resolve("checkpoint.bml"));
    Map<String, String> old = new TreeMap<>(c.config());
    old.put("layout", "1");
    old.remove("outer-optimizer");
    old.remove("hp.learn-std");
    Path legacy = tmp.resolve("legacy");
    Files.createDirectories(legacy);
    new Checkpoint(c.params(), c.updaterState(), c.iteration(), old, c.provenance()).write(
        legacy.resolve("checkpoint.bml"));
    CliRun.Result e = CliRun.run("eval", "--checkpoint", legacy.toString(), "--tasks", "2", "--steps", "0,1");
    assertEquals(0, e.exit(), e.toString());
    CliRun.Result resumed = CliRun.run("train", "--resume", "--out", legacy.toString(), "--iterations", "3");
    assertEquals(0, resumed.exit(), resumed.toString());
    Checkpoint after = Checkpoint.read(legacy.resolve("checkpoint.bml"));
    assertEquals("adam", after.config().get("outer-optimizer"));
    assertEquals("true", after.config().get("hp.learn-std"));
    assertFalse(after.optimizerLayout() == null);

    Map<String, String> future = new TreeMap<>(c.config());
    future.put("layout", "4");
    Path f = tmp.resolve("future.bml");
    new Checkpoint(c.params(), c.updaterState(), c.iteration(), future, c.provenance()).write(f);
    CliRun.Result fe = CliRun.run("eval", "--checkpoint", f.toString());
    assertEquals(Main.EXIT_BAD_INPUT, fe.exit(), fe.toString());
    assertTrue(fe.err().contains("has configuration layout 4; this bml reads layouts 1, 2 and 3"), fe.toString());
  }
}

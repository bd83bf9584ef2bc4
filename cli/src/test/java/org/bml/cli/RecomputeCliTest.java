package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bml.algorithms.Checkpoint;
import org.bml.algorithms.InnerLoopLearner;
import org.bml.algorithms.Maml;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code train --recompute}: recorded in the checkpoint (old ones read as off), wired to MAML's
 * inner loop (and, through {@code InnerLoopLearner}, to ANIL's), the same training up to float32
 * rounding, and refused, naming the method and why, where it cannot apply.
 */
class RecomputeCliTest {

  private static String[] run(Path out, String... extra) {
    return CliRun.concat(CliRun.concat(CliRun.QUICK, "--inner-steps", "4", "--out",
        out.toString()), extra);
  }

  @Test
  void recordedWiredAndTrainsTheSame(@TempDir Path tmp) throws Exception {
    CliRun.Result stored = CliRun.run(run(tmp.resolve("stored")));
    assertEquals(0, stored.exit(), stored.toString());
    CliRun.Result sqrt = CliRun.run(run(tmp.resolve("sqrt"), "--recompute", "sqrt"));
    assertEquals(0, sqrt.exit(), sqrt.toString());
    Checkpoint a = Checkpoint.read(tmp.resolve("stored/checkpoint.bml"));
    Checkpoint b = Checkpoint.read(tmp.resolve("sqrt/checkpoint.bml"));
    assertEquals("off", a.config().get("recompute"));
    assertEquals("sqrt", b.config().get("recompute"));
    // Six Adam steps from the same θ and tasks: equal up to float32 rounding of the reordered sums.
    INDArray pa = a.params();
    INDArray pb = b.params();
    double diff = pa.sub(pb).amaxNumber().doubleValue();
    assertTrue(diff <= 1e-5 * (1 + pa.amaxNumber().doubleValue()), "max difference " + diff);

    // The rebuilt learner's inner loop is checkpointed in ⌈√4⌉ = 2 segments (and not without the option).
    RunConfig c = RunConfig.fromMap(b.config(), "x");
    Maml m = (Maml) Experiment.build(c, c.episode()).learner;
    assertEquals(2, m.inner().recomputeSegments(4));
    assertEquals(0, ((Maml) Experiment.build(c.withRecompute("off"), c.episode()).learner).inner()
        .recomputeSegments(4));
    assertEquals(3, ((Maml) Experiment.build(c.withRecompute("3"), c.episode()).learner).inner()
        .recomputeSegments(4));

    // Resume may change it (memory only), with a note.
    CliRun.Result resumed = CliRun.run("train", "--resume", "--out", tmp.resolve("sqrt").toString(), "--iterations",
        "7", "--recompute", "off");
    assertEquals(0, resumed.exit(), resumed.toString());
    assertTrue(resumed.err().contains("--recompute changed from sqrt to off"), resumed.toString());
  }

  @Test
  void checkpointsFromBeforeTheOptionReadAsOff() {
    RunConfig c = new RunConfig("maml", "none", "sinusoid", "-", "-", 1, 5, 5, 4, 0.01, 1e-3, "adam", 4, 4, 6, 1, 0,
        "constant", Map.of(), "2");
    Map<String, String> m = new LinkedHashMap<>(c.toMap());
    assertEquals("2", RunConfig.fromMap(m, "x").recompute());
    m.remove("recompute");
    assertEquals("off", RunConfig.fromMap(m, "x").recompute());
    assertEquals(0, RunConfig.fromMap(m, "x").recomputeSegments());
  }

  /** Every inner-loop learner that can take it gets it through InnerLoopLearner, not only MAML. */
  @Test
  void otherInnerLoopLearnersAreWired() {
    for (String method : new String[] {"fomaml", "anil", "platipus", "llama"}) {
      RunConfig c = new RunConfig(method, "none", "sinusoid", "-", "-", 1, 5, 5, 4, 0.01, 1e-3, "adam", 4, 4, 6, 1, 0,
          "constant", Map.of(), "sqrt");
      InnerLoopLearner l = (InnerLoopLearner) Experiment.build(c, c.episode()).learner;
      assertEquals(2, l.inner().recomputeSegments(4), method);
    }
  }

  @Test
  void badValuesAndOtherMethodsAreRefused(@TempDir Path tmp) {
    for (String bad : new String[] {"0", "-1", "half", ""}) {
      BadInputTest.assertRefused(CliRun.run(run(tmp.resolve("a"), "--recompute", bad)),
          "--recompute must be off, sqrt or a segment count >= 1, got '" + bad + "'");
    }
    BadInputTest.assertRefused(CliRun.run(run(tmp.resolve("a"), "--recompute", "sqrt", "--method", "meta-sgd")),
        "--recompute does not apply to --method meta-sgd: its learned per-parameter step sizes are a learned "
            + "preconditioner");
    BadInputTest.assertRefused(CliRun.run(run(tmp.resolve("a"), "--recompute", "2", "--method", "bmaml")),
        "--recompute does not apply to --method bmaml: it has no TruncatedGradientDescent inner loop to checkpoint");
    assertFalse(Files.exists(tmp.resolve("a")));
  }
}

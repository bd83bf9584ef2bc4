package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bml.algorithms.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints written before the one naming scheme of parameter groups (configuration layout 2, built at
 * 2d14110, in src/test/resources/legacy-checkpoints): they evaluate to the figures that build printed, and
 * resume to its losses, with the legacy {@code --outer-optimizer} prefixes ({@code lr/},
 * {@code particle1/}) mapped to the current groups; a prefix in neither scheme is refused, naming the format
 * version.
 *
 * <p>Two oracles: (1) bit for bit, the same state written in the current layout (layout 3, the mapped
 * prefixes) evaluates and resumes to exactly the legacy file's figures on this machine; (2) the figures
 * that the old build printed, to {@value #CROSS_CPU} relative: they were recorded on an Intel Xeon, and
 * OpenBLAS's float32 kernels on other CPUs (AMD EPYC, measured 2.3e-8 and 1.1e-7 relative) round
 * differently in the last bits, so exact equality there tested the CPU, not the checkpoint.
 */
class LegacyCheckpointTest {
  private static final double CROSS_CPU = 1e-6;

  private static Path resource(String name) throws Exception {
    return Path.of(LegacyCheckpointTest.class.getResource("/legacy-checkpoints/" + name).toURI());
  }

  /** eval --tasks 8 --steps 0,1 --seed 1: the query MSE of steps 0 and 1, as the old build wrote them. */
  private static void assertEvaluatesAsBefore(Path ckpt, Path tmp, String outerOptimizer, double step0, double step1)
      throws Exception {
    double[] legacy = evaluate(ckpt, tmp, outerOptimizer);
    double[] current = evaluate(currentLayoutCopy(ckpt, tmp, outerOptimizer), tmp, outerOptimizer);
    assertEquals(current[0], legacy[0], 0.0, ckpt + " after 0 steps: as its current-layout copy, bit for bit");
    assertEquals(current[1], legacy[1], 0.0, ckpt + " after 1 step: as its current-layout copy, bit for bit");
    assertEquals(step0, legacy[0], CROSS_CPU * Math.abs(step0), ckpt + " after 0 steps");
    assertEquals(step1, legacy[1], CROSS_CPU * Math.abs(step1), ckpt + " after 1 step");
  }

  /** eval --tasks 8 --steps 0,1 --seed 1: the query MSE of steps 0 and 1. */
  private static double[] evaluate(Path ckpt, Path tmp, String outerOptimizer) throws Exception {
    Path json = tmp.resolve(ckpt.getParent().getFileName() + "-" + ckpt.getFileName() + ".jsonl");
    CliRun.Result r = CliRun.run("eval", "--checkpoint", ckpt.toString(), "--tasks", "8", "--steps", "0,1", "--seed",
        "1", "--json", json.toString());
    assertEquals(0, r.exit(), r.toString());
    List<Map<String, String>> lines = CliRun.jsonLines(json);
    assertEquals(outerOptimizer, lines.get(0).get("outer_optimizer"));
    return new double[] {Double.parseDouble(lines.get(0).get("loss")), Double.parseDouble(lines.get(1).get("loss"))};
  }

  /** The same state in the current configuration layout: layout 3 and the current group prefixes. */
  private static Path currentLayoutCopy(Path legacy, Path tmp, String outerOptimizer) throws Exception {
    Checkpoint c = Checkpoint.read(legacy);
    Map<String, String> config = new TreeMap<>(c.config());
    assertTrue(!RunConfig.LAYOUT.equals(config.get("layout")), legacy + " is a legacy layout");
    config.put("layout", RunConfig.LAYOUT);
    config.put("outer-optimizer", outerOptimizer);
    Path dir = tmp.resolve("current-" + legacy.getFileName());
    Files.createDirectories(dir);
    Path out = dir.resolve("checkpoint.bml");
    new Checkpoint(c.params(), c.updaterState(), c.iteration(), config, c.provenance(), c.optimizerLayout()).write(out);
    return out;
  }

  private static Path runDir(Path tmp, String name, String resource) throws Exception {
    Path dir = tmp.resolve(name);
    Files.createDirectories(dir);
    Files.copy(resource(resource), dir.resolve("checkpoint.bml"));
    return dir;
  }

  @Test
  void oldCheckpointsEvaluateAsBefore(@TempDir Path tmp) throws Exception {
    assertEvaluatesAsBefore(resource("maml-arch-before.bml"), tmp, "adam", 2.0634998716413975, 1.8890113830566406);
    assertEvaluatesAsBefore(resource("meta-sgd-lr-prefix.bml"), tmp, "lr.=sign,adam", 1.9541761428117752,
        1.8995050620287657);
    assertEvaluatesAsBefore(resource("emaml-particle-prefix.bml"), tmp, "particle1.=sign,adam", 2.0197374913841486,
        1.9647245239466429);
  }

  /**
   * train --resume --iterations 6 from iteration 3: bit for bit the loss at iteration 6 of the same state in
   * the current layout, and the old build's within {@link #CROSS_CPU}.
   */
  @Test
  void legacyGroupPrefixesResumeBitForBit(@TempDir Path tmp) throws Exception {
    Map<String, Double> lossAt6 = Map.of("meta-sgd-lr-prefix.bml", 8.455719947814941);
    for (Map.Entry<String, Double> e : lossAt6.entrySet()) {
      Path dir = runDir(tmp, e.getKey(), e.getKey());
      CliRun.Result r = CliRun.run("train", "--resume", "--out", dir.toString(), "--iterations", "6");
      assertEquals(0, r.exit(), r.toString());
      List<Map<String, String>> m = CliRun.jsonLines(dir.resolve("metrics.jsonl"));
      Map<String, String> last = m.get(m.size() - 1);
      assertEquals("6", last.get("iteration"));
      double loss = Double.parseDouble(last.get("loss"));
      Path current = currentLayoutCopy(resource(e.getKey()), tmp, "lr.=sign,adam").getParent();
      CliRun.Result rc = CliRun.run("train", "--resume", "--out", current.toString(), "--iterations", "6");
      assertEquals(0, rc.exit(), rc.toString());
      List<Map<String, String>> mc = CliRun.jsonLines(current.resolve("metrics.jsonl"));
      assertEquals(Double.parseDouble(mc.get(mc.size() - 1).get("loss")), loss, 0.0,
          e.getKey() + ": as its current-layout copy, bit for bit");
      assertEquals(e.getValue(), loss, CROSS_CPU * Math.abs(e.getValue()), e.getKey());
      Checkpoint after = Checkpoint.read(dir.resolve("checkpoint.bml"));
      assertEquals(RunConfig.LAYOUT, after.config().get("layout"));
      assertEquals("lr.=sign,adam", after.config().get("outer-optimizer"));
    }
  }

  @Test
  void groupsInNeitherSchemeAreRefusedNamingTheFormat(@TempDir Path tmp) throws Exception {
    Checkpoint c = Checkpoint.read(resource("meta-sgd-lr-prefix.bml"));
    Map<String, String> config = new TreeMap<>(c.config());
    config.put("outer-optimizer", "lr:=sign,adam");
    Path dir = tmp.resolve("neither");
    new Checkpoint(c.params(), c.updaterState(), c.iteration(), config, c.provenance(), c.optimizerLayout())
        .write(dir.resolve("checkpoint.bml"));
    BadInputTest.assertRefused(CliRun.run("train", "--resume", "--out", dir.toString(), "--iterations", "6"),
        "(bml-checkpoint-1, configuration layout 2): its parameter groups match neither the legacy names of layouts "
            + "1-2 nor the names of layout 3: --outer-optimizer 'lr:=sign,adam': entry 'lr:=sign' matches no parameter");
  }
}

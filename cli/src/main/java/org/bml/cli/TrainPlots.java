package org.bml.cli;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bml.algorithms.predictive.Predictives;
import org.bml.core.model.Params;
import org.bml.datasets.TaskDistribution;
import org.bml.datasets.TaskKind;

/**
 * After {@code ./bml train} of a method that samples task hypotheses (PLATIPUS, BMAML, EMAML,
 * LLAMA) on 1-d regression: the hypothesis fan of the first {@value EvalPlots#FAN_TASKS} test
 * tasks, {@code DIR/fan.png}, with {@value #SAMPLES} hypotheses and the automatic noise model of
 * {@code eval --uncertainty}. Point-estimate methods (one hypothesis) and other data get no fan.
 */
final class TrainPlots {
  static final int SAMPLES = 10;
  static final String FAN = "fan.png";

  private TrainPlots() {}

  /** Writes {@code dir/fan.png} where it applies; returns whether it did. */
  static boolean fanAfterTraining(Experiment exp, Params meta, Path dir, PrintWriter out) {
    if (exp.dataset.images() || exp.dataset.kind() != TaskKind.REGRESSION || exp.dataset.inputShape().length != 1
        || exp.dataset.inputShape()[0] != 1) {
      return false;
    }
    TaskDistribution test = exp.tasks().splits().get("test");
    long taskSeed = org.bml.datasets.TaskSeeds.of(exp.config.seed()).test();
    Uncertainty unc = Uncertainty.forEval(exp, null, SAMPLES, exp.config.seed());
    // A point-estimate method returns one hypothesis: nothing to fan out.
    try (var scope = org.bml.core.memory.MemoryScope.open("bml-cli-train-fan")) {
      var b = test.batch(taskSeed, 0, 1);
      List<Params> hs = Predictives.hypotheses(exp.learner, meta, org.bml.algorithms.Episodes.support(b),
          exp.config.innerSteps(), SAMPLES, org.bml.datasets.Seeds.streamSeed(exp.config.seed(), 0));
      if (hs.size() < 2) {
        return false;
      }
    }
    String what = exp.config.method() + " on " + exp.config.dataset();
    BufferedImage fan = EvalPlots.fan(what, exp.learner, meta, test, taskSeed, exp.config.innerSteps(), unc.options(),
        exp.config.method());
    Map<String, BufferedImage> images = Plots.images();
    images.put("fan", fan);
    Plots.writeAll(dir, images);
    out.println("  fan plot:   " + dir.resolve(FAN));
    return true;
  }
}

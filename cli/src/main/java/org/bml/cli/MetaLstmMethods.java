package org.bml.cli;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import org.bml.algorithms.learnedopt.MetaLearnerLstm;
import org.bml.core.model.Model;
import org.bml.datasets.TaskKind;
import org.bml.inference.GradientOrder;

/**
 * The meta-learner LSTM (Ravi &amp; Larochelle, "Optimization as a Model for Few-Shot Learning", ICLR
 * 2017; {@link MetaLearnerLstm}) in the registry, as {@code meta-lstm}. The learner is the data set's
 * predictor (MLP for regression, Conv-4 for images); {@code --inner-steps} is the number of
 * meta-learner updates T, {@code --inner-lr} the input gate's initial value σ(b_I) (so it must be
 * in (0, 1)). Predictions are the adapted learner's outputs, a point predictive.
 */
final class MetaLstmMethods {
  private MetaLstmMethods() {}

  static void registerAll() {
    Methods.register(new Methods.Method("meta-lstm",
        "meta-learner LSTM: θ is the cell state, input gate = learned step size, forget gate = learned decay, "
            + "θ_0 meta-learned; --inner-lr is the initial input gate (Ravi & Larochelle ICLR 2017)",
        EnumSet.allOf(TaskKind.class),
        List.of(new Methods.Hyper("hidden", "20", "units H >= 1 of the first (ordinary) LSTM layer"),
            new Methods.Hyper("order", "first",
                "first: the paper's meta-gradient, ∇ and loss inputs constant; second: exact, through them"),
            new Methods.Hyper("forget-bias", "5", "initial forget-gate bias b_F (finite; large keeps f ≈ 1)")),
        MetaLstmMethods::create));
  }

  private static MetaLearnerLstm create(MethodContext c) {
    int hidden = c.hp().integer("hidden", 1);
    GradientOrder order = c.hp().choice("order", "first", "second").equals("second") ? GradientOrder.SECOND
        : GradientOrder.FIRST;
    double forgetBias = c.hp().real("forget-bias", false);
    if (!(c.innerLr() > 0 && c.innerLr() < 1)) {
      throw new BadInputException(String.format(Locale.ROOT,
          "--inner-lr %s: method meta-lstm takes it as the initial input gate σ(b_I), which must be in (0, 1)",
          c.innerLr()));
    }
    if (c.innerSteps() < 1) {
      throw new BadInputException("--inner-steps " + c.innerSteps() + ": method meta-lstm needs at least 1 update");
    }
    Model m = c.predictor();
    return new MetaLearnerLstm(m, c.likelihood(m), c.innerSteps(), hidden, c.innerLr(), forgetBias, order);
  }
}

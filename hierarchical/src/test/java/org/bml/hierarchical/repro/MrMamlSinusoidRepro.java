package org.bml.hierarchical.repro;

import java.util.List;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.Maml;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.MetaTrainer;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.synthetic.NonMutexSinusoidTasks;
import org.bml.hierarchical.MrMamlActivations;
import org.bml.hierarchical.MrMamlWeights;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.regularizers.Composed;
import org.bml.regularizers.StochasticBottleneck;
import org.bml.regularizers.WeightRegularizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Reproduction of the non-mutually-exclusive sinusoid experiment of MR-MAML (Yin et al., ICLR
 * 2020, arXiv:1912.03820, Appendix / the authors' {@code sinusoid/MR_MAML.ipynb}): 5-shot query
 * MSE after 100 test-time SGD steps (α = 0.01) for MAML, MR-MAML(W) and MR-MAML(A). Reference:
 * MAML 0.51, MR-MAML(W) 0.16, MR-MAML(A) 0.15.
 *
 * <p>Protocol (as the notebook): training tasks from the 16-point amplitude grid with the task's
 * one-hot in the input, K = 10 support and 10 query points, noise 0.1, one task per
 * meta-iteration, one second-order inner step α = 0.01, Adam 1e-3; 15,000 iterations for MAML and
 * MR-MAML(W), 10,000 for MR-MAML(A). Models: MAML an MLP 21-40-40-1 (ReLU, all adapted);
 * MR-MAML(W) a stochastic encoder 21-100-5 (weight matrices ~ N(μ, σ²), σ0 = 1e-5, β = 5e-5 on the
 * summed KL) before an adapted 5-40-40-1 decoder; MR-MAML(A) an encoder 21-80-(μ, s) with a
 * 5-dimensional z (β = 1 on the KL summed over z's dimensions, = the notebook's 5 on the mean)
 * before an adapted 5-40-40-1 decoder. Test: amplitude ~ U(0.1, 4), a random one-hot, 5 support
 * points and 200 query points, 600 tasks (the notebook uses 100), mean ± 95% CI.
 *
 * <p>Not run by surefire. Usage: {@code java -cp ... org.bml.hierarchical.repro.MrMamlSinusoidRepro
 * [maml|mr-w|mr-a|all] [iteration scale, default 1.0]}.
 */
public final class MrMamlSinusoidRepro {
  private static final long TRAIN_SEED = 2020;
  private static final long TEST_SEED = 1912;
  private static final int TEST_TASKS = 600;
  private static final int TEST_STEPS = 100;
  private static final double ALPHA = 0.01;

  private MrMamlSinusoidRepro() {}

  public static void main(String[] args) {
    String which = args.length > 0 ? args[0] : "all";
    double scale = args.length > 1 ? Double.parseDouble(args[1]) : 1.0;
    NonMutexSinusoidTasks train = new NonMutexSinusoidTasks(NonMutexSinusoidTasks.Split.TRAIN, 10, 10);
    NonMutexSinusoidTasks test = new NonMutexSinusoidTasks(NonMutexSinusoidTasks.Split.TEST, 5, 200);
    if (which.equals("maml") || which.equals("all")) {
      Mlp net = new Mlp(Activation.RELU, 21, 40, 40, 1);
      run("MAML", new Maml(net, Likelihood.meanSquaredError(net), 1, ALPHA, GradientOrder.SECOND),
          (int) (15_000 * scale), train, test);
    }
    if (which.equals("mr-w") || which.equals("all")) {
      Composed net = new Composed(new Mlp(Activation.RELU, 21, 100, 5), new Mlp(Activation.RELU, 5, 40, 40, 1));
      List<String> kernels = List.of(Composed.ENCODER + Mlp.weight(0), Composed.ENCODER + Mlp.weight(1));
      WeightRegularizer weights = new WeightRegularizer(kernels, 5e-5, Math.log(1e-5));
      run("MR-MAML(W)", new MrMamlWeights(net, Likelihood.meanSquaredError(net), net.decoderNames(), weights, 1, ALPHA,
          GradientOrder.SECOND), (int) (15_000 * scale), train, test);
    }
    if (which.equals("mr-a") || which.equals("all")) {
      StochasticBottleneck net = new StochasticBottleneck(new Mlp(Activation.RELU, 21, 80, 10),
          new Mlp(Activation.RELU, 5, 40, 40, 1), 5);
      run("MR-MAML(A)", MrMamlActivations.create(net, Likelihood::meanSquaredError, 1.0, 1, ALPHA,
          GradientOrder.SECOND), (int) (10_000 * scale), train, test);
    }
  }

  private static void run(String name, MetaLearner learner, int iterations, NonMutexSinusoidTasks train,
      NonMutexSinusoidTasks test) {
    MetaOptimizer opt = new MetaOptimizer(learner.initialize(1, DataType.FLOAT), new Adam(1e-3), 0);
    MetaTrainer trainer = new MetaTrainer(learner, train, opt, 1, TRAIN_SEED);
    long start = System.nanoTime();
    double window = 0;
    for (int it = 0; it < iterations; it++) {
      window += trainer.step(it);
      if ((it + 1) % 1000 == 0) {
        System.out.printf("%s iteration %d: mean meta-loss %.4f over the last 1000 (%.0f s)%n", name, it + 1,
            window / 1000, (System.nanoTime() - start) / 1e9);
        window = 0;
      }
    }
    double trainSeconds = (System.nanoTime() - start) / 1e9;
    Evaluation.Summary before = Evaluation.queryLoss(learner, opt.params(), test, TEST_SEED, TEST_TASKS, 100, 0);
    Evaluation.Summary after = Evaluation.queryLoss(learner, opt.params(), test, TEST_SEED, TEST_TASKS, 100,
        TEST_STEPS);
    System.out.printf("RESULT %s: %d iterations in %.0f s; 5-shot query MSE %s before, %s after %d steps%n", name,
        iterations, trainSeconds, before, after, TEST_STEPS);
  }
}

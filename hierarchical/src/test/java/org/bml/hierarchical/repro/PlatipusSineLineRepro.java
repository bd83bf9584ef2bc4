package org.bml.hierarchical.repro;

import java.util.List;
import org.bml.algorithms.Episodes;
import org.bml.algorithms.Maml;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.MetaTrainer;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.synthetic.LineInfo;
import org.bml.datasets.synthetic.SineAndLineTasks;
import org.bml.hierarchical.Platipus;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.QRDecomposition;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Sine-and-line ambiguity (PLATIPUS, Finn, Xu &amp; Levine 2018, §5.1): train PLATIPUS and MAML with
 * the same budget on {@link SineAndLineTasks}, then on ambiguous test tasks (few support points)
 * sample k hypotheses per task and measure mode coverage.
 *
 * <p>Definitions. Each hypothesis is evaluated on a grid of 101 points of [−5, 5] and classified by
 * least squares: "sine-like" if its residual to the best a·sin x + c·cos x (the sine family, any
 * amplitude and phase) is below its residual to the best m·x + q (the line family), else
 * "line-like". A task is <b>covered</b> when its hypotheses include at least one of each kind; mode
 * coverage is the fraction of covered tasks. A single hypothesis (MAML) never covers a task; for it
 * we report how often its one hypothesis has the task's true family ({@code TaskInfo}), next to the
 * same figure for PLATIPUS's majority and "some hypothesis has the true family".
 *
 * <p>Run: {@code java -cp hierarchical/target/test-classes:hierarchical/target/classes:$(cat /tmp/cp.txt)
 * org.bml.hierarchical.repro.PlatipusSineLineRepro [iterations] [supportPoints]}.
 */
public final class PlatipusSineLineRepro {
  private static final int GRID = 101;

  public static void main(String[] args) {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
    int shots = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int k = 10;
    int testSteps = 5;
    int testTasks = 200;
    Mlp mlp = new Mlp(Activation.RELU, 1, 40, 40, 1);
    Likelihood mse = Likelihood.meanSquaredError(mlp);
    SineAndLineTasks train = new SineAndLineTasks(5, 10, SineAndLineTasks.PLATIPUS_NOISE_STD, DataType.FLOAT);
    SineAndLineTasks test = new SineAndLineTasks(shots, 10, SineAndLineTasks.PLATIPUS_NOISE_STD, DataType.FLOAT);
    Platipus platipus = new Platipus(mlp, mse, new Platipus.Config(1, 0.01, 0.05, 0.01, 0.01, 0.01, 0.01,
        GradientOrder.SECOND, false));
    Maml maml = new Maml(mlp, mse, 1, 0.01, GradientOrder.SECOND);
    System.out.printf("sine-and-line: %d meta-iterations x 10 tasks (5-shot train), test %d-shot, %d tasks, k = %d,"
        + " %d test steps%n", iterations, shots, testTasks, k, testSteps);
    Params pm = train(platipus, train, iterations);
    Params mm = train(maml, train, iterations);
    report("PLATIPUS", platipus, pm, test, testTasks, k, testSteps);
    report("MAML", maml, mm, test, testTasks, 1, testSteps);
  }

  static Params train(MetaLearner learner, SineAndLineTasks tasks, int iterations) {
    long t0 = System.nanoTime();
    MetaOptimizer opt = new MetaOptimizer(learner.initialize(1, DataType.FLOAT), new Adam(1e-3), 0);
    MetaTrainer trainer = new MetaTrainer(learner, tasks, opt, 10, 7);
    double recent = 0;
    for (int it = 0; it < iterations; it++) {
      double l = trainer.step(it);
      recent += l;
      if ((it + 1) % 1000 == 0) {
        System.out.printf("  %s it %d: mean meta-loss %.4f%n", learner.getClass().getSimpleName(), it + 1,
            recent / 1000);
        recent = 0;
      }
    }
    System.out.printf("  %s trained in %.1f s%n", learner.getClass().getSimpleName(), (System.nanoTime() - t0) / 1e9);
    return opt.params().detach();
  }

  static void report(String name, MetaLearner learner, Params meta, SineAndLineTasks tasks, int count, int k,
      int steps) {
    double[] grid = new double[GRID];
    for (int i = 0; i < GRID; i++) {
      grid[i] = -5 + 10.0 * i / (GRID - 1);
    }
    int covered = 0;
    int someTrue = 0;
    int majorityTrue = 0;
    int[] coveredBy = new int[2];
    int[] byFamily = new int[2];
    for (int start = 0; start < count; start += 20) {
      TaskBatch b = tasks.batch(777, start, 20);
      Data support = Episodes.support(b);
      List<Params> hyps = learner.hypotheses(meta, support, steps, k, 4242 + start);
      Tensor x = Tensor.constant(Nd4j.create(grid, new long[] {1, GRID, 1}, DataType.DOUBLE)
          .castTo(DataType.FLOAT).broadcast(20, GRID, 1).dup());
      int[][] sineLike = new int[20][hyps.size()];
      try (GradMode.Scope ng = GradMode.noGrad()) {
        for (int h = 0; h < hyps.size(); h++) {
          double[] f = learner.predict(hyps.get(h), x).value().castTo(DataType.DOUBLE).dup().data().asDouble();
          for (int t = 0; t < 20; t++) {
            double[] curve = new double[GRID];
            System.arraycopy(f, t * GRID, curve, 0, GRID);
            sineLike[t][h] = residual(grid, curve, true) < residual(grid, curve, false) ? 1 : 0;
          }
        }
      }
      for (int t = 0; t < 20; t++) {
        boolean line = b.info().get(t) instanceof LineInfo;
        int sines = 0;
        for (int v : sineLike[t]) {
          sines += v;
        }
        int n = hyps.size();
        byFamily[line ? 1 : 0]++;
        if (sines > 0 && sines < n) {
          covered++;
          coveredBy[line ? 1 : 0]++;
        }
        if (line ? sines < n : sines > 0) {
          someTrue++;
        }
        if (line ? 2 * sines < n : 2 * sines > n) {
          majorityTrue++;
        }
      }
    }
    System.out.printf("%s: mode coverage %.3f (%d/%d tasks; sine tasks %d/%d, line tasks %d/%d); some hypothesis of"
        + " the true family %.3f; majority of the true family %.3f%n", name, covered / (double) count, covered, count,
        coveredBy[0], byFamily[0], coveredBy[1], byFamily[1], someTrue / (double) count,
        majorityTrue / (double) count);
  }

  /** Residual sum of squares of the least-squares fit of a curve by {sin x, cos x} or {x, 1}. */
  static double residual(double[] x, double[] y, boolean sine) {
    RealMatrix a = new Array2DRowRealMatrix(x.length, 2);
    for (int i = 0; i < x.length; i++) {
      a.setEntry(i, 0, sine ? Math.sin(x[i]) : x[i]);
      a.setEntry(i, 1, sine ? Math.cos(x[i]) : 1.0);
    }
    RealVector yv = new ArrayRealVector(y);
    RealVector coef = new QRDecomposition(a).getSolver().solve(yv);
    return a.operate(coef).subtract(yv).getNorm();
  }
}

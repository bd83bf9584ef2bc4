package org.bml.algorithms.learnedopt;

import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The small-MLP optimizee of Andrychowicz et al. (NeurIPS 2016, §3.2, Fig. 4): a network with one
 * hidden layer of 20 sigmoid units, trained by the optimizer on the cross-entropy of a 10-class
 * batch of 128 examples. The paper's data is MNIST; there is no MNIST here, so the stand-in is a
 * seeded synthetic 10-class Gaussian mixture in {@value #INPUTS} dimensions (class means N(0, I)
 * fixed by the seed — the "data set" — and points mean + N(0, σ²I), σ = {@value #NOISE}). Task j
 * is its own batch of 128 points and its own initial weights (U(±1/√fan-in), as Torch's default),
 * a pure function of (seed, j); unlike the paper the batch is fixed over the steps (the
 * {@link Optimizee} contract is a deterministic objective), so this is full-batch training.
 *
 * <p>θ per task is the flat vector (W1 {@code [D, 20]}, b1 {@code [20]}, W2 {@code [20, 10]},
 * b2 {@code [10]}), d = 20·D + 20 + 200 + 10.
 */
public final class MlpClassification implements Optimizee {
  public static final int INPUTS = 20;
  public static final int HIDDEN = 20;
  public static final int CLASSES = 10;
  public static final int BATCH = 128;
  public static final double NOISE = 1.5;

  private final int tasks;
  private final int inputs;
  private final int hidden;
  private final int classes;
  private final Tensor x;
  private final Tensor y;
  private final INDArray theta0;

  private MlpClassification(int tasks, int inputs, int hidden, int classes, INDArray x, INDArray y, INDArray theta0) {
    this.tasks = tasks;
    this.inputs = inputs;
    this.hidden = hidden;
    this.classes = classes;
    this.x = Tensor.constant(x);
    this.y = Tensor.constant(y);
    this.theta0 = theta0;
  }

  /** Tasks {@code first .. first + tasks − 1} of a seed with the paper's sizes, float64. */
  public static MlpClassification sample(long seed, long first, int tasks) {
    return sample(seed, first, tasks, INPUTS, HIDDEN, CLASSES, BATCH);
  }

  /** Tasks of a seed with given sizes (all positive); the class means depend on the seed only. */
  public static MlpClassification sample(long seed, long first, int tasks, int inputs, int hidden, int classes,
      int batch) {
    if (tasks <= 0 || inputs <= 0 || hidden <= 0 || classes < 2 || batch <= 0 || first < 0) {
      throw new IllegalArgumentException("MlpClassification: need tasks, inputs, hidden, batch > 0, classes >= 2 and"
          + " first >= 0, got " + tasks + ", " + inputs + ", " + hidden + ", " + batch + ", " + classes + ", " + first);
    }
    SplittableRandom data = new SplittableRandom(seed * 0x9E3779B97F4A7C15L - 1);
    double[][] means = new double[classes][inputs];
    for (double[] m : means) {
      for (int k = 0; k < inputs; k++) {
        m[k] = data.nextGaussian();
      }
    }
    int d = dim(inputs, hidden, classes);
    double[] xv = new double[tasks * batch * inputs];
    double[] yv = new double[tasks * batch * classes];
    double[] tv = new double[tasks * d];
    for (int j = 0; j < tasks; j++) {
      SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + first + j);
      for (int i = 0; i < batch; i++) {
        int c = rng.nextInt(classes);
        yv[(j * batch + i) * classes + c] = 1;
        for (int k = 0; k < inputs; k++) {
          xv[(j * batch + i) * inputs + k] = means[c][k] + NOISE * rng.nextGaussian();
        }
      }
      int o = j * d;
      double b1 = 1 / Math.sqrt(inputs);
      double b2 = 1 / Math.sqrt(hidden);
      for (int k = 0; k < inputs * hidden + hidden; k++) {
        tv[o++] = b1 * (2 * rng.nextDouble() - 1);
      }
      for (int k = 0; k < hidden * classes + classes; k++) {
        tv[o++] = b2 * (2 * rng.nextDouble() - 1);
      }
    }
    return new MlpClassification(tasks, inputs, hidden, classes,
        Nd4j.create(xv, new long[] {tasks, batch, inputs}, DataType.DOUBLE),
        Nd4j.create(yv, new long[] {tasks, batch, classes}, DataType.DOUBLE),
        Nd4j.create(tv, new long[] {tasks, d, 1}, DataType.DOUBLE));
  }

  private static int dim(int inputs, int hidden, int classes) {
    return inputs * hidden + hidden + hidden * classes + classes;
  }

  @Override
  public int tasks() {
    return tasks;
  }

  @Override
  public int dim() {
    return dim(inputs, hidden, classes);
  }

  /** Inputs {@code [T, n, D]}. */
  public INDArray x() {
    return x.value();
  }

  /** One-hot targets {@code [T, n, C]}. */
  public INDArray y() {
    return y.value();
  }

  @Override
  public INDArray initial() {
    return theta0;
  }

  @Override
  public Tensor losses(Tensor theta) {
    if (theta.rank() != 3 || theta.size(0) != tasks || theta.size(1) != dim() || theta.size(2) != 1) {
      throw new IllegalArgumentException("MlpClassification: θ must be [" + tasks + ", " + dim() + ", 1], got "
          + java.util.Arrays.toString(theta.shape()));
    }
    long o = 0;
    Tensor w1 = Ops.reshape(Ops.slice(theta, 1, o, o += (long) inputs * hidden), tasks, inputs, hidden);
    Tensor b1 = Ops.reshape(Ops.slice(theta, 1, o, o += hidden), tasks, hidden);
    Tensor w2 = Ops.reshape(Ops.slice(theta, 1, o, o += (long) hidden * classes), tasks, hidden, classes);
    Tensor b2 = Ops.reshape(Ops.slice(theta, 1, o, o + classes), tasks, classes);
    Tensor h = Ops.sigmoid(Ops.linear(x, w1, b1));
    return Ops.mean(Ops.softmaxCrossEntropy(Ops.linear(h, w2, b2), y, -1), false, 1);
  }
}

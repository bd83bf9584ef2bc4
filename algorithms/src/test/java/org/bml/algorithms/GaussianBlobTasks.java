package org.bml.algorithms;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bml.datasets.EpisodeInfo;
import org.bml.datasets.Seeds;
import org.bml.datasets.Task;
import org.bml.datasets.TaskDistribution;
import org.bml.datasets.TaskKind;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A tiny N-way K-shot classification family for the metric methods: inputs in ℝ^dim whose first
 * {@code informative} coordinates hold the class centre (drawn per task from N(0, I)) plus small
 * noise, and whose other coordinates are loud noise shared by all classes. A good embedding
 * learns to ignore the noisy coordinates, so meta-training has something to learn.
 */
final class GaussianBlobTasks implements TaskDistribution {
  private final int ways;
  private final int shots;
  private final int queries;
  private final int dim;
  private final int informative;
  private final double classNoise;
  private final double distractorNoise;

  GaussianBlobTasks(int ways, int shots, int queries, int dim, int informative, double classNoise,
      double distractorNoise) {
    this.ways = ways;
    this.shots = shots;
    this.queries = queries;
    this.dim = dim;
    this.informative = informative;
    this.classNoise = classNoise;
    this.distractorNoise = distractorNoise;
  }

  static GaussianBlobTasks small() {
    return new GaussianBlobTasks(3, 2, 4, 6, 2, 0.3, 2.0);
  }

  int ways() {
    return ways;
  }

  int shots() {
    return shots;
  }

  int dim() {
    return dim;
  }

  @Override
  public Task task(long seed, long index) {
    SplittableRandom rng = Seeds.stream(seed, index);
    double[][] centres = new double[ways][informative];
    for (double[] c : centres) {
      for (int j = 0; j < informative; j++) {
        c[j] = rng.nextGaussian();
      }
    }
    int[] sLabels = labels(shots);
    int[] qLabels = labels(queries);
    List<String> names = new ArrayList<>();
    int[] classes = new int[ways];
    for (int c = 0; c < ways; c++) {
      classes[c] = c;
      names.add("blob" + c);
    }
    return new Task(inputs(rng, centres, sLabels), oneHot(sLabels), inputs(rng, centres, qLabels), oneHot(qLabels),
        new EpisodeInfo(index, classes, names, sLabels, qLabels));
  }

  private int[] labels(int perClass) {
    int[] l = new int[ways * perClass];
    for (int i = 0; i < l.length; i++) {
      l[i] = i % ways;
    }
    return l;
  }

  private org.nd4j.linalg.api.ndarray.INDArray inputs(SplittableRandom rng, double[][] centres, int[] labels) {
    double[] x = new double[labels.length * dim];
    for (int i = 0; i < labels.length; i++) {
      for (int j = 0; j < dim; j++) {
        x[i * dim + j] = j < informative
            ? centres[labels[i]][j] + classNoise * rng.nextGaussian()
            : distractorNoise * rng.nextGaussian();
      }
    }
    return Nd4j.create(x, new long[] {labels.length, dim}, DataType.DOUBLE);
  }

  private org.nd4j.linalg.api.ndarray.INDArray oneHot(int[] labels) {
    double[] y = new double[labels.length * ways];
    for (int i = 0; i < labels.length; i++) {
      y[i * ways + labels[i]] = 1;
    }
    return Nd4j.create(y, new long[] {labels.length, ways}, DataType.DOUBLE);
  }

  @Override
  public TaskKind kind() {
    return TaskKind.CLASSIFICATION;
  }
}

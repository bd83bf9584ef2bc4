package org.bml.bench;

import java.util.Locale;
import org.bml.algorithms.Maml;
import org.bml.algorithms.MetaTrainer;
import org.bml.core.model.Conv4;
import org.bml.core.optim.MetaOptimizer;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * One point of the {@code conv4-maml2-memory} case, run in a JVM of its own so that its peak
 * resident memory is its own (a process keeps memory it once held): second-order MAML, Conv-4
 * 5-way 1-shot 15-query on random images, K inner steps, the inner graph stored or checkpointed.
 * Prints one line {@code point K MODE RSS_START PEAK_RSS RATE,RATE,...} (bytes, it/s).
 *
 * <p>Arguments: K, {@code stored} or a {@code --recompute} value ({@code sqrt}, a segment count),
 * meta-batch, warm-up iterations, timed windows (one iteration each).
 */
public final class MemoryPoint {
  private MemoryPoint() {}

  public static void main(String[] args) {
    int steps = Integer.parseInt(args[0]);
    String mode = args[1];
    int metaBatch = Integer.parseInt(args[2]);
    int warmup = Integer.parseInt(args[3]);
    int windows = Integer.parseInt(args[4]);
    Conv4 model = new Conv4(5);
    Maml maml = new Maml(model, Likelihood.softmaxCrossEntropy(model), steps, 0.4, GradientOrder.SECOND);
    if (!mode.equals("stored")) {
      maml = maml.withRecompute(mode.equals("sqrt") ? -1 : Integer.parseInt(mode));
    }
    MetaOptimizer opt = new MetaOptimizer(maml.initialize(1, DataType.FLOAT), new Adam(1e-3), 0);
    // One task per forward/backward pass, as the conv4 case and ./bml train on images.
    MetaTrainer trainer = new MetaTrainer(maml, new Bench.RandomImageTasks(5, 1, 15), opt, metaBatch, 1, 1);
    Memory.resetPeak();
    long start = Memory.rssBytes();
    double[] rates = Bench.rates(trainer::step, warmup, 1, windows);
    long peak = Memory.peakRssBytes();
    StringBuilder b = new StringBuilder();
    for (double r : rates) {
      b.append(b.length() == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.6g", r));
    }
    System.out.println("point " + steps + " " + mode + " " + start + " " + peak + " " + b);
  }
}

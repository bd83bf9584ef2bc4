package org.bml.cli;

import java.util.List;
import org.bml.algorithms.Conv4Embedding;
import org.bml.core.model.Activation;
import org.bml.core.model.Conv4;
import org.bml.core.model.Mlp;
import org.bml.core.model.Model;
import org.bml.datasets.TaskKind;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;

/**
 * What a method's factory gets: the data set's kind and input shape, the episode's number of
 * classes, the shared hyperparameters ({@code --inner-steps}, {@code --inner-lr}) and the method's
 * own ({@code --hp}). The model follows from the data set: an MLP d-40-40-1 (ReLU) for regression,
 * the standard Conv-4 (64 filters) with an N-way head for images, or its body alone as an
 * embedding for the metric methods.
 *
 * @param method the method's registry name (a regularizer may build its own model for it)
 * @param inputShape one example's shape: {@code [d]} for regression, {@code [channels, side, side]} for images
 * @param ways classes per episode (1 for regression)
 * @param trainingSupport support points per task in the training episodes (shots × ways); fixed by
 *     the run's configuration, so values derived from it (e.g. BMAML's default SVGD step) are the
 *     same at evaluation, whatever episode is evaluated
 * @param hp the method's and the regularizer's own hyperparameters
 * @param batchNorm Conv-4's batch-norm statistics ({@code --batch-norm}; unused for regression)
 */
public record MethodContext(String method, TaskKind kind, long[] inputShape, int ways, int trainingSupport,
    int innerSteps, double innerLr, HyperValues hp, Conv4.BatchNorm batchNorm) {
  /** With MAML's transductive batch norm. */
  public MethodContext(String method, TaskKind kind, long[] inputShape, int ways, int trainingSupport, int innerSteps,
      double innerLr, HyperValues hp) {
    this(method, kind, inputShape, ways, trainingSupport, innerSteps, innerLr, hp, Conv4.BatchNorm.TRANSDUCTIVE);
  }

  /** Hidden widths of the regression MLP (the MAML paper's sinusoid network). */
  public static final int[] MLP_HIDDEN = {40, 40};
  /** Filters of each Conv-4 block (the MAML paper's Omniglot network). */
  public static final int CONV4_FILTERS = 64;

  public boolean regression() {
    return kind == TaskKind.REGRESSION;
  }

  /** The method's {@code --hp order}: second (the default) or first. */
  public GradientOrder gradientOrder() {
    return hp.choice("order", "second", "first").equals("first") ? GradientOrder.FIRST : GradientOrder.SECOND;
  }

  /** The model mapping inputs to outputs: MLP d-40-40-1 or Conv-4 with an N-way linear head. */
  public Model predictor() {
    if (regression()) {
      int[] widths = new int[MLP_HIDDEN.length + 2];
      widths[0] = Math.toIntExact(inputShape[0]);
      System.arraycopy(MLP_HIDDEN, 0, widths, 1, MLP_HIDDEN.length);
      widths[widths.length - 1] = 1;
      return new Mlp(Activation.RELU, widths);
    }
    return conv4();
  }

  /** Conv-4's body as an embedding (metric methods; images only). */
  public Model embedding() {
    if (regression()) {
      throw new BadInputException("metric methods need a classification data set");
    }
    return new Conv4Embedding(conv4());
  }

  /** MSE for regression, softmax cross-entropy for classification. */
  public Likelihood likelihood(Model model) {
    return regression() ? Likelihood.meanSquaredError(model) : Likelihood.softmaxCrossEntropy(model);
  }

  /** The last layer's parameters of a {@link #predictor()} (what ANIL adapts). */
  public List<String> headNames(Model model) {
    if (model instanceof Mlp mlp) {
      int last = mlp.layers() - 1;
      return List.of(Mlp.weight(last), Mlp.biasName(last));
    }
    return Conv4.headNames();
  }

  /** A short description of the predictor, recorded in checkpoints. */
  public String modelDescription() {
    if (regression()) {
      StringBuilder b = new StringBuilder("mlp-relu-").append(inputShape[0]);
      for (int h : MLP_HIDDEN) {
        b.append('-').append(h);
      }
      return b.append("-1").toString();
    }
    // Transductive runs keep the description they had before the option existed.
    return "conv4-" + CONV4_FILTERS + "-" + inputShape[0] + "x" + inputShape[1] + "x" + inputShape[2]
        + (batchNorm == Conv4.BatchNorm.TRANSDUCTIVE ? "" : "-bn-per-example");
  }

  private Conv4 conv4() {
    return new Conv4(Math.toIntExact(inputShape[0]), CONV4_FILTERS, Math.toIntExact(inputShape[1]), ways, batchNorm);
  }
}

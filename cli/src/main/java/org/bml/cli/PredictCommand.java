package org.bml.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.predictive.ClassificationPredictive;
import org.bml.algorithms.predictive.Predictives;
import org.bml.algorithms.predictive.RegressionPredictive;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Tensor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./bml predict}: adapts a checkpoint to a support set read from CSV and prints predictions
 * for query points as CSV on stdout. Regression: support columns {@code x1..xd,y}, query columns
 * {@code x1..xd}; output {@code x1..xd,prediction} plus, when the method has several sampled
 * hypotheses, their {@code mean,std} and the central {@code --level} interval {@code loC,hiC} of the
 * predictive mixture (the hypotheses with their observation noise, as {@code eval --uncertainty}). Classification: one row per image (its 784 pixels row-major, then
 * for the support set the class label 0..N−1); output {@code row,prediction,p0..p(N−1)}.
 * The whole output is computed before anything is printed, so an error prints no partial CSV.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Adapt a checkpoint to a support set (CSV) and print predictions for query points (CSV on stdout).",
        "Regression: support.csv has columns x1..xd,y and query.csv x1..xd (d = 1, or 21 for nonmutex-sinusoid); "
            + "the output has x1..xd,prediction, and for methods with several sampled hypotheses their mean,std and "
            + "the central --level interval loC,hiC of the predictive mixture (hypotheses plus noise); "
            + "'prediction' is the model at the adapted parameters (one deterministic adaptation), 'mean' the "
            + "average over the sampled hypotheses, so they differ for Bayesian methods. "
            + "Classification (Omniglot checkpoints): one image per row, 784 pixel values (28x28, row-major, ink = 1), "
            + "then the class label 0..N-1 in support.csv; the output has row,prediction,p0..p(N-1).",
        "A header line is optional; blank lines are skipped; every value must be a finite number."},
    footer = {"", "Example:",
        "  ./bml predict --checkpoint runs/maml-sine --support support.csv \\",
        "      --query query.csv --steps 10", ""})
final class PredictCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @picocli.CommandLine.Mixin
  InputLimits.Memory memory = new InputLimits.Memory();

  @Option(names = "--checkpoint", paramLabel = "FILE", required = true,
      description = "checkpoint file, or a training --out directory")
  Path checkpoint;

  @Option(names = "--support", paramLabel = "CSV", required = true, description = "support set (inputs and targets)")
  Path support;

  @Option(names = "--query", paramLabel = "CSV", required = true, description = "query inputs")
  Path query;

  @Option(names = "--steps", paramLabel = "K", description = "adaptation steps (default: the training --inner-steps)")
  Integer steps;

  @Option(names = "--samples", paramLabel = "N",
      description = "task hypotheses to sample for mean/std (methods with a posterior; default 20)")
  int samples = 20;

  @Option(names = "--seed", paramLabel = "S", description = "seed of the sampled hypotheses (default 0)")
  long seed;

  @Option(names = "--level", paramLabel = "C",
      description = "regression with several hypotheses: level in (0, 1) of the central interval of the predictive "
          + "mixture printed as loC,hiC (default 0.9)")
  double level = 0.9;

  @Option(names = "--noise-std", paramLabel = "S",
      description = "regression: observation noise of each hypothesis in that interval: a standard deviation S > 0, "
          + "support-fit, learned (BMAML) or auto (default auto: learned where the method has it, else support-fit)")
  String noiseStd;

  @picocli.CommandLine.Mixin
  BackendOptions backendOptions;

  @Override
  public Integer call() {
    if (steps != null) {
      RunConfig.atLeast("--steps", steps, 0);
    }
    RunConfig.atLeast("--samples", samples, 1);
    if (!(level > 0 && level < 1)) {
      throw new BadInputException("--level must be in (0, 1), got " + level);
    }
    Uncertainty.checkNoiseOption(noiseStd);
    Experiment.Loaded loaded = Experiment.load(checkpoint, Experiment.EpisodeOverride.NONE);
    Experiment exp = loaded.experiment();
    boolean images = exp.dataset.images();
    if (images && noiseStd != null) {
      throw new BadInputException("--noise-std applies to regression only; " + exp.dataset.name() + " is classification");
    }
    Uncertainty.Noise noise = images ? null : Uncertainty.noise(exp, noiseStd);
    long[] shape = exp.dataset.inputShape();
    int d = Math.toIntExact(product(shape));
    int ways = exp.context.ways();
    String inputs = images ? d + " pixel values" : columnNames(d);
    Csv.Table s = Csv.read(support, d + 1, inputs + (images ? " and a class label 0.." + (ways - 1) : ",y"));
    Csv.Table q = Csv.read(query, d, inputs);
    InputLimits.check("predict (" + samples + " hypotheses, " + (s.rows().length + q.rows().length) + " rows)",
        InputLimits.add(InputLimits.BASE_BYTES, InputLimits.mul(samples + 1L, s.rows().length + q.rows().length,
            InputLimits.adaptExampleBytes(exp.dataset), (steps == null ? exp.config.innerSteps() : steps) + 1L)),
        memory.bytes());
    int k = steps == null ? exp.config.innerSteps() : steps;
    String csv;
    try (MemoryScope scope = MemoryScope.open("bml-cli-predict")) {
      Data supportData = images ? classificationSupport(s, d, ways, shape) : regressionSupport(s, d);
      Tensor queryX = Tensor.constant(inputs(q.rows(), d, shape));
      csv = images ? classify(exp.learner, loaded.meta(), supportData, queryX, q, k, ways)
          : regress(exp.learner, loaded.meta(), supportData, queryX, q, k, d, noise);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(csv);
    out.flush();
    return 0;
  }

  private String regress(MetaLearner learner, Params meta, Data supportData, Tensor queryX, Csv.Table q, int k, int d,
      Uncertainty.Noise noise) {
    Params theta = meta.detach();
    double[] point = column(predictOne(learner, learner.adapt(theta, supportData, k), queryX), q, "prediction");
    List<Params> hyps = learner.hypotheses(theta, supportData, k, samples, seed);
    int m = q.rows().length;
    double[][] h = new double[hyps.size()][];
    for (int j = 0; j < hyps.size(); j++) {
      h[j] = column(predictOne(learner, hyps.get(j), queryX), q, "hypothesis " + j + "'s prediction");
    }
    RegressionPredictive.Interval interval = null;
    String pct = Uncertainty.percentLabel(level);
    if (h.length > 1) {
      interval = Predictives.regression(learner, hyps, supportData, queryX, noise.model()).interval(level);
    }
    StringBuilder b = new StringBuilder(columnNames(d)).append(",prediction");
    if (h.length > 1) {
      b.append(",mean,std,lo").append(pct).append(",hi").append(pct);
    }
    b.append('\n');
    for (int i = 0; i < m; i++) {
      for (int c = 0; c < d; c++) {
        b.append(fmt(q.rows()[i][c])).append(',');
      }
      b.append(out(point[i]));
      if (h.length > 1) {
        double mean = 0;
        for (double[] hj : h) {
          mean += hj[i];
        }
        mean /= h.length;
        double var = 0;
        for (double[] hj : h) {
          var += (hj[i] - mean) * (hj[i] - mean);
        }
        b.append(',').append(out(mean)).append(',').append(out(Math.sqrt(var / (h.length - 1))));
        double lo = interval.lower()[0][i][0];
        double hi = interval.upper()[0][i][0];
        if (!Double.isFinite(lo) || !Double.isFinite(hi)) {
          throw new DivergedException("the predictive interval for query row " + (i + 1) + " (" + q.file() + ":"
              + q.lines()[i] + ") is [" + lo + ", " + hi + "]", i);
        }
        b.append(',').append(out(lo)).append(',').append(out(hi));
      }
      b.append('\n');
    }
    return b.toString();
  }

  private String classify(MetaLearner learner, Params meta, Data supportData, Tensor queryX, Csv.Table q, int k,
      int ways) {
    Params theta = meta.detach();
    List<Params> hyps = learner.hypotheses(theta, supportData, k, samples, seed);
    int m = q.rows().length;
    double[][][][] logits = Predictives.outputs(learner, hyps, queryX);
    for (double[][][] l : logits) {
      for (int i = 0; i < m; i++) {
        for (double v : l[0][i]) {
          if (!Double.isFinite(v)) {
            throw new DivergedException("the class probabilities of query row " + (i + 1) + " ("
                + q.file() + ":" + q.lines()[i] + ") are not finite", i);
          }
        }
      }
    }
    ClassificationPredictive predictive = new ClassificationPredictive(logits);
    double[][] probs = predictive.probabilities()[0];
    int[] predicted = predictive.predictedClass()[0];
    StringBuilder b = new StringBuilder("row,prediction");
    for (int c = 0; c < ways; c++) {
      b.append(",p").append(c);
    }
    b.append('\n');
    for (int i = 0; i < m; i++) {
      b.append(i + 1).append(',').append(predicted[i]);
      for (int c = 0; c < ways; c++) {
        b.append(',').append(out(probs[i][c]));
      }
      b.append('\n');
    }
    return b.toString();
  }

  private static INDArray predictOne(MetaLearner learner, Params adapted, Tensor x) {
    try (GradMode.Scope ng = GradMode.noGrad()) {
      return learner.predict(adapted, x).value();
    }
  }

  /** The single output of each query point, refusing NaN or infinite predictions. */
  private static double[] column(INDArray out, Csv.Table q, String what) {
    double[] v = out.reshape(out.length()).toDoubleVector();
    for (int i = 0; i < v.length; i++) {
      if (!Double.isFinite(v[i])) {
        throw new DivergedException("the " + what + " for query row " + (i + 1) + " (" + q.file() + ":" + q.lines()[i]
            + ") is " + v[i] + "; try fewer --steps", i);
      }
    }
    return v;
  }

  private static Data regressionSupport(Csv.Table s, int d) {
    int n = s.rows().length;
    double[] x = new double[n * d];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(s.rows()[i], 0, x, i * d, d);
      y[i] = s.rows()[i][d];
    }
    return new Data(Tensor.constant(Nd4j.create(x, new long[] {1, n, d}, DataType.FLOAT)),
        Tensor.constant(Nd4j.create(y, new long[] {1, n, 1}, DataType.FLOAT)));
  }

  private static Data classificationSupport(Csv.Table s, int d, int ways, long[] shape) {
    int n = s.rows().length;
    double[] y = new double[n * ways];
    boolean[] seen = new boolean[ways];
    for (int i = 0; i < n; i++) {
      double label = s.rows()[i][d];
      if (label != Math.rint(label) || label < 0 || label >= ways) {
        throw new BadInputException(s.file() + ":" + s.lines()[i] + ": column " + (d + 1) + ": class label "
            + fmt(label) + " is not an integer in 0.." + (ways - 1) + " (the checkpoint is " + ways + "-way)");
      }
      seen[(int) label] = true;
      y[i * ways + (int) label] = 1;
    }
    for (int c = 0; c < ways; c++) {
      if (!seen[c]) {
        throw new BadInputException(s.file() + ": no support example of class " + c + " (every class 0.." + (ways - 1)
            + " needs at least one)");
      }
    }
    return new Data(Tensor.constant(inputs(s.rows(), d, shape)),
        Tensor.constant(Nd4j.create(y, new long[] {1, n, ways}, DataType.FLOAT)));
  }

  /** The first d columns of the rows as a batch of one task {@code [1, n, shape...]}. */
  private static INDArray inputs(double[][] rows, int d, long[] shape) {
    int n = rows.length;
    double[] x = new double[n * d];
    for (int i = 0; i < n; i++) {
      System.arraycopy(rows[i], 0, x, i * d, d);
    }
    long[] full = new long[shape.length + 2];
    full[0] = 1;
    full[1] = n;
    System.arraycopy(shape, 0, full, 2, shape.length);
    return Nd4j.create(x, full, DataType.FLOAT);
  }

  private static String columnNames(int d) {
    if (d == 1) {
      return "x";
    }
    StringBuilder b = new StringBuilder();
    for (int c = 1; c <= d; c++) {
      b.append(c > 1 ? "," : "").append('x').append(c);
    }
    return b.toString();
  }

  private static long product(long[] shape) {
    long p = 1;
    for (long s : shape) {
      p *= s;
    }
    return p;
  }

  /** A computed value, to the precision of the float model that produced it. */
  private static String out(double v) {
    return String.format("%.7g", v).trim();
  }

  /** An input value as read (integers without a decimal point). */
  private static String fmt(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }
}

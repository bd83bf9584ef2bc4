package org.bml.priors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.hipparchus.special.Gamma;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A Gamma(shape a, rate b) hyper-prior on precisions λ, over their logarithms s = log λ: the
 * parameters are log-precisions (unconstrained, as BMAML's particles carry them), and the density
 * includes the Jacobian |dλ/ds| = e^s of the change of variables:
 *
 * <pre>  log p(s) = a log b − log Γ(a) + a s − b e^s     (= log Gamma(e^s; a, b) + s)</pre>
 *
 * <p>Every element of every parameter is an independent log-precision. The shape and rate are
 * fixed numbers (hyper-parameters); draws are exact but not reparameterised, since there is
 * nothing to differentiate them by.
 */
public final class GammaPrecisionPrior implements Prior {
  private final double shape;
  private final double rate;
  private final LinkedHashMap<String, long[]> shapes;
  private final DataType dtype;

  /**
   * @param shape a &gt; 0
   * @param rate b &gt; 0 (mean precision a / b)
   * @param parameterShapes names and shapes of the log-precision parameters
   */
  public GammaPrecisionPrior(double shape, double rate, LinkedHashMap<String, long[]> parameterShapes,
      DataType dtype) {
    if (!(shape > 0) || !Double.isFinite(shape)) {
      throw new IllegalArgumentException("GammaPrecisionPrior: shape must be positive and finite, got " + shape);
    }
    if (!(rate > 0) || !Double.isFinite(rate)) {
      throw new IllegalArgumentException("GammaPrecisionPrior: rate must be positive and finite, got " + rate);
    }
    if (parameterShapes == null || parameterShapes.isEmpty()) {
      throw new IllegalArgumentException("GammaPrecisionPrior: no parameter shapes given");
    }
    if (dtype == null || !dtype.isFPType()) {
      throw new IllegalArgumentException("GammaPrecisionPrior: need a floating dtype, got " + dtype);
    }
    this.shape = shape;
    this.rate = rate;
    this.shapes = new LinkedHashMap<>();
    parameterShapes.forEach((n, s) -> this.shapes.put(n, s.clone()));
    this.dtype = dtype;
  }

  /** A prior on one scalar log-precision named {@code name}. */
  public static GammaPrecisionPrior scalar(double shape, double rate, String name, DataType dtype) {
    LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
    s.put(name, new long[0]);
    return new GammaPrecisionPrior(shape, rate, s, dtype);
  }

  public double shape() {
    return shape;
  }

  public double rate() {
    return rate;
  }

  @Override
  public Tensor logDensity(Params logPrecision) {
    String where = "GammaPrecisionPrior.logDensity";
    long tasks = Structures.tasksOf(where, shapes, dtype, logPrecision);
    double constant = shape * Math.log(rate) - Gamma.logGamma(shape);
    List<Tensor> terms = new ArrayList<>();
    for (String name : shapes.keySet()) {
      Tensor s = logPrecision.get(name);
      Tensor elementwise = Ops.addScalar(Ops.sub(Ops.mulScalar(s, shape), Ops.mulScalar(Ops.exp(s), rate)), constant);
      terms.add(Structures.sumElements(elementwise, tasks > 0));
    }
    return Structures.total(terms);
  }

  @Override
  public Params sample(long seed) {
    return draw(0, seed);
  }

  @Override
  public Params sample(long tasks, long seed) {
    Structures.requireTaskCount("GammaPrecisionPrior.sample", tasks);
    return draw(tasks, seed);
  }

  private Params draw(long tasks, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      long[] s = Structures.withTasks(tasks, e.getValue());
      double[] v = new double[Math.toIntExact(Structures.numel(s))];
      for (int i = 0; i < v.length; i++) {
        v[i] = logGammaVariate(rng, shape) - Math.log(rate);
      }
      out.put(e.getKey(), Tensor.constant((s.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.createFromArray(v).reshape('c', s))
          .castTo(dtype)));
    }
    return Params.of(out);
  }

  /**
   * log of a Gamma(a, 1) variate by Marsaglia &amp; Tsang (2000); for a &lt; 1 through
   * Gamma(a) = Gamma(a + 1) · U^{1/a}, added in log space so that tiny variates do not underflow.
   */
  static double logGammaVariate(SplittableRandom rng, double a) {
    if (a < 1) {
      double u = 1.0 - rng.nextDouble(); // (0, 1]
      return logGammaVariate(rng, a + 1) + Math.log(u) / a;
    }
    double d = a - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x = rng.nextGaussian();
      double v = 1 + c * x;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = 1.0 - rng.nextDouble();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
        return Math.log(d * v);
      }
    }
  }

  /**
   * KL between two Gamma priors over the same structure, which a change of variables leaves
   * unchanged: per element (a₁ − a₂)ψ(a₁) − log Γ(a₁) + log Γ(a₂) + a₂(log b₁ − log b₂)
   * + a₁(b₂ − b₁)/b₁. A constant scalar.
   */
  @Override
  public Optional<Tensor> klDivergenceTo(Prior other) {
    if (!(other instanceof GammaPrecisionPrior p)) {
      return Optional.empty();
    }
    Structures.requireSameShapes("GammaPrecisionPrior.klDivergenceTo", shapes, p.shapes);
    double perElement = (shape - p.shape) * digamma(shape) - Gamma.logGamma(shape) + Gamma.logGamma(p.shape)
        + p.shape * (Math.log(rate) - Math.log(p.rate)) + shape * (p.rate - rate) / rate;
    return Optional.of(Tensor.constant(Nd4j.scalar(dtype, perElement * Structures.numel(shapes))));
  }

  /**
   * ψ(x) for x &gt; 0 to about 1e-15 · max(1, |ψ(x)|). Hipparchus' digamma is off by up to ~3e-9
   * for moderate arguments (ψ(2.5)), too coarse for a KL oracle test at 1e-9, so: recur
   * ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the asymptotic series
   * ln x − 1/(2x) − Σ B_{2n}/(2n x^{2n}) through n = 7, whose next term is below 1e-16 there.
   */
  static double digamma(double x) {
    if (!(x > 0) || !Double.isFinite(x)) {
      throw new IllegalArgumentException("digamma: need a positive finite argument, got " + x);
    }
    double shift = 0;
    while (x < 10) {
      shift -= 1 / x;
      x += 1;
    }
    double inv2 = 1 / (x * x);
    double series = inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 * (1.0 / 132
        - inv2 * (691.0 / 32760 - inv2 / 12))))));
    return shift + Math.log(x) - 0.5 / x - series;
  }

  @Override
  public LinkedHashMap<String, long[]> parameterShapes() {
    return Structures.copy(shapes);
  }

  @Override
  public long tasks() {
    return 0;
  }

  @Override
  public DataType dtype() {
    return dtype;
  }

  @Override
  public String toString() {
    return "GammaPrecisionPrior(a=" + shape + ", b=" + rate + ")" + Structures.describe(shapes);
  }
}

package org.bml.inference.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.Likelihood;
import org.bml.inference.TaskPosterior;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What every {@link InferenceStrategy} must do: a posterior whose mode has θ's parameters with the
 * leading task axis, samples reproducible for a seed (different for another seed unless it is a
 * point mass, whose samples are its mode), tasks inferred independently (chunks of the support
 * batch give the same per-task posteriors as the whole batch), a mode differentiable with respect
 * to θ in float64 as central finite differences say, and a refusal of a θ that lacks a parameter.
 * A subclass per implementation builds it on {@link #MODEL}, a 1-4-1 tanh MLP, with 3 tasks of 5
 * points.
 */
public abstract class InferenceStrategyContract {
  protected static final Mlp MODEL = new Mlp(Activation.TANH, 1, 4, 1);
  protected static final int TASKS = 3;

  protected abstract InferenceStrategy strategy();

  /** θ as the strategy wants it (the model's parameters by default; amortized strategies add their own). */
  protected Params theta() {
    return MODEL.init(5, DataType.DOUBLE);
  }

  protected Likelihood likelihood() {
    return Likelihood.meanSquaredError(MODEL);
  }

  protected double gradientTolerance() {
    return 1e-6;
  }

  protected static Data support() {
    return new Data(Tensor.constant(GradientCheck.uniform(21, -1, 1, TASKS, 5, 1)),
        Tensor.constant(GradientCheck.uniform(22, -1, 1, TASKS, 5, 1)));
  }

  static double[] bits(Params p) {
    List<Double> all = new ArrayList<>();
    for (String n : MODEL.parameterShapes().keySet()) {
      for (double v : p.get(n).value().castTo(DataType.DOUBLE).dup('c').data().asDouble()) {
        all.add(v);
      }
    }
    return all.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static Data tasks(Data d, long from, long to) {
    return new Data(Ops.slice(d.x(), 0, from, to), Ops.slice(d.y(), 0, from, to));
  }

  @Test
  void modeHasThetasParametersWithTheTaskAxis() {
    TaskPosterior q = strategy().infer(theta(), support(), likelihood());
    for (Map.Entry<String, long[]> e : MODEL.parameterShapes().entrySet()) {
      long[] expected = new long[e.getValue().length + 1];
      expected[0] = TASKS;
      System.arraycopy(e.getValue(), 0, expected, 1, e.getValue().length);
      assertArrayEquals(expected, q.mode().get(e.getKey()).shape(), e.getKey());
      assertEquals(DataType.DOUBLE, q.mode().get(e.getKey()).dtype(), e.getKey() + ": θ's dtype");
    }
  }

  @Test
  void samplesAreSeeded() {
    TaskPosterior q = strategy().infer(theta(), support(), likelihood());
    double[] a = bits(q.sample(7));
    assertArrayEquals(a, bits(q.sample(7)), "same seed, same bits");
    if (q.isPointMass()) {
      assertArrayEquals(bits(q.mode()), a, "a point mass's sample is its mode");
    } else {
      assertFalse(Arrays.equals(a, bits(q.sample(8))), "another seed, another sample");
    }
    assertThrows(IllegalArgumentException.class, () -> q.sample(0, 1), "k = 0 samples");
  }

  @Test
  void tasksAreInferredIndependently() {
    InferenceStrategy s = strategy();
    Params theta = theta();
    Data d = support();
    double[] whole = bits(s.infer(theta, d, likelihood()).mode());
    Params first = s.infer(theta, tasks(d, 0, 2), likelihood()).mode();
    Params last = s.infer(theta, tasks(d, 2, 3), likelihood()).mode();
    LinkedHashMap<String, Tensor> joined = new LinkedHashMap<>();
    for (String n : MODEL.parameterShapes().keySet()) {
      joined.put(n, Ops.concat(0, List.of(first.get(n), last.get(n))));
    }
    double[] chunked = bits(Params.of(joined));
    for (int i = 0; i < whole.length; i++) {
      assertEquals(whole[i], chunked[i], 1e-12 * Math.max(1, Math.abs(whole[i])), "entry " + i);
    }
  }

  @Test
  void modeIsDifferentiableInThetaAsFiniteDifferencesSay() {
    InferenceStrategy s = strategy();
    Params theta = theta();
    List<String> names = theta.names();
    List<INDArray> at = new ArrayList<>();
    for (Tensor t : theta.tensors()) {
      at.add(t.value());
    }
    Data d = support();
    double err = GradientCheck.gradientError(vars -> {
      Params mode = s.infer(Params.of(names, vars), d, likelihood()).mode();
      Tensor total = null;
      int i = 0;
      for (String n : MODEL.parameterShapes().keySet()) {
        Tensor p = GradientCheck.probe(mode.get(n), 100 + i++);
        total = total == null ? p : Ops.add(total, p);
      }
      return total;
    }, at, 1e-6);
    assertTrue(err <= gradientTolerance(), "∂ mode / ∂θ vs central differences: rel err " + err);
  }

  @Test
  void aThetaWithoutAParameterIsRefused() {
    Params theta = theta();
    String missing = MODEL.parameterShapes().keySet().iterator().next();
    LinkedHashMap<String, Tensor> rest = new LinkedHashMap<>();
    for (String n : theta.names()) {
      if (!n.equals(missing)) {
        rest.put(n, theta.get(n));
      }
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> strategy().infer(Params.of(rest), support(), likelihood()).mode());
    assertTrue(e.getMessage() != null && e.getMessage().contains(missing), "names the missing parameter: "
        + e.getMessage());
  }
}

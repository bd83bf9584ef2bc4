package org.bml.inference.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.Likelihood;
import org.bml.inference.MetaObjective;
import org.bml.inference.TruncatedGradientDescent;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What every {@link MetaObjective} must do: a finite scalar, the same bits for the same inputs,
 * the mean over tasks (chunks of the batch, weighted by their task counts, give the whole batch's
 * value) unless it has a term shared by the batch, a float64 gradient with respect to θ (through
 * the inference that made the posterior) equal to central finite differences, and a refusal of a
 * query batch whose task count is not the posterior's. A subclass per objective names it and the
 * inference it scores (by default two second-order gradient steps on a 1-4-1 tanh MLP).
 */
public abstract class MetaObjectiveContract {
  protected static final Mlp MODEL = new Mlp(Activation.TANH, 1, 4, 1);
  protected static final int TASKS = 3;

  protected abstract MetaObjective objective();

  protected InferenceStrategy strategy() {
    return new TruncatedGradientDescent(2, 0.1, GradientOrder.SECOND);
  }

  protected Likelihood likelihood() {
    return Likelihood.meanSquaredError(MODEL);
  }

  /** False where the objective has a term shared by the whole batch (so it is not a mean over tasks). */
  protected boolean meanOverTasks() {
    return true;
  }

  protected double gradientTolerance() {
    return 1e-6;
  }

  protected static Data data(long seed, int tasks, int points) {
    return new Data(Tensor.constant(GradientCheck.uniform(seed, -1, 1, tasks, points, 1)),
        Tensor.constant(GradientCheck.uniform(seed + 1, -1, 1, tasks, points, 1)));
  }

  private static Data tasks(Data d, long from, long to) {
    return new Data(Ops.slice(d.x(), 0, from, to), Ops.slice(d.y(), 0, from, to));
  }

  private Tensor loss(Params theta, Data support, Data query) {
    return objective().loss(strategy().infer(theta, support, likelihood()), query, likelihood());
  }

  private static Params theta() {
    return MODEL.init(5, DataType.DOUBLE);
  }

  @Test
  void aFiniteScalarWithTheSameBitsForTheSameInputs() {
    Data s = data(21, TASKS, 5);
    Data q = data(23, TASKS, 4);
    Params theta = theta();
    Tensor l = loss(theta, s, q);
    assertEquals(0, l.shape().length, "a scalar, got " + Arrays.toString(l.shape()));
    assertTrue(Double.isFinite(l.item()), "finite, got " + l.item());
    assertEquals(l.item(), loss(theta, s, q).item(), 0.0, "same inputs, same bits");
  }

  @Test
  void theMeanOverTasks() {
    assumeTrue(meanOverTasks(), "has a term shared by the batch");
    Data s = data(21, TASKS, 5);
    Data q = data(23, TASKS, 4);
    Params theta = theta();
    double whole = loss(theta, s, q).item();
    double chunked = (2 * loss(theta, tasks(s, 0, 2), tasks(q, 0, 2)).item()
        + loss(theta, tasks(s, 2, 3), tasks(q, 2, 3)).item()) / TASKS;
    assertEquals(whole, chunked, 1e-12 * Math.max(1, Math.abs(whole)), "chunks {0,1}, {2} vs the whole batch");
  }

  @Test
  void float64GradientInThetaMatchesCentralDifferences() {
    Data s = data(21, TASKS, 5);
    Data q = data(23, TASKS, 4);
    Params theta = theta();
    List<String> names = theta.names();
    List<INDArray> at = new ArrayList<>();
    for (Tensor t : theta.tensors()) {
      at.add(t.value());
    }
    double err = GradientCheck.gradientError(vars -> loss(Params.of(names, vars), s, q), at, 1e-6);
    assertTrue(err <= gradientTolerance(), "gradient vs central differences: rel err " + err);
  }

  @Test
  void aQueryBatchOfAnotherTaskCountIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> loss(theta(), data(21, TASKS, 5), data(23, TASKS - 1, 4)));
    assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "says what is wrong");
  }
}

package org.bml.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.bml.algorithms.predictive.LeastSquaresModes;
import org.bml.algorithms.predictive.NoiseModel;
import org.bml.algorithms.predictive.UncertaintyOptions;
import org.bml.algorithms.predictive.UncertaintyReport;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.datasets.TaskKind;
import org.bml.datasets.synthetic.SineAndLineTasks;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Meta-test evaluation: accuracy and uncertainty reports agree with the plain query loss. */
class EvaluationTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 1, 10, 1);
  private static final Maml MAML = new Maml(MLP, Likelihood.meanSquaredError(MLP), 1, 0.05, GradientOrder.SECOND);
  private static final SinusoidTasks SINES = new SinusoidTasks(SinusoidTasks.Config.maml(), 5, 8, DataType.DOUBLE);

  @Test
  void regressionReportOfAPointEstimateMatchesTheQueryLossAndTheGaussianNll() {
    Params theta = MAML.initialize(1, DataType.DOUBLE);
    Evaluation.Summary loss = Evaluation.queryLoss(MAML, theta, SINES, 77, 7, 3, 1);
    double sigma2 = 0.4;
    UncertaintyReport r = Evaluation.uncertainty(MAML, theta, SINES, 77, 7, 3, 1,
        UncertaintyOptions.defaults(5, 3).withNoise(NoiseModel.fixed(sigma2)).withCoverageLevels(0.5, 0.9));
    assertEquals(TaskKind.REGRESSION, r.kind());
    assertEquals(7, r.tasks());
    assertEquals(1, r.hypotheses(), "MAML is a point estimate");
    assertEquals(loss.mean(), r.mse().mean(), 1e-12);
    assertEquals(loss.ci95(), r.mse().ci95(), 1e-12);
    // One Gaussian of fixed variance: per-task NLL = ½ log(2πσ²) + MSE / (2σ²), and so is the mean.
    assertEquals(0.5 * Math.log(2 * Math.PI * sigma2) + loss.mean() / (2 * sigma2), r.nll().mean(), 1e-12);
    assertEquals(2, r.coverage().size());
    double c50 = r.coverage().get(0.5).mean();
    double c90 = r.coverage().get(0.9).mean();
    assertTrue(0 <= c50 && c50 <= c90 && c90 <= 1, c50 + " ≤ " + c90);
    assertNull(r.accuracy());
    assertNull(r.calibration());
    assertNull(r.modeCoverage());
    Map<String, Double> f = r.figures();
    assertEquals(r.mse().mean(), f.get("mse"));
    assertEquals(c90, f.get("coverage@0.9"));
    // The default noise model fits σ² on the support set.
    UncertaintyReport d = Evaluation.uncertainty(MAML, theta, SINES, 77, 7, 3, 1, UncertaintyOptions.defaults(1, 3));
    assertEquals(loss.mean(), d.mse().mean(), 1e-12);
    assertEquals(3, d.coverage().size());
  }

  @Test
  void aSingleHypothesisCoversOneOfTheTwoModesOfEverySineAndLineTask() {
    SineAndLineTasks tasks = new SineAndLineTasks(5, 5, 0.3, DataType.DOUBLE);
    Params theta = MAML.initialize(2, DataType.DOUBLE);
    UncertaintyReport r = Evaluation.uncertainty(MAML, theta, tasks, 5, 6, 4, 1, UncertaintyOptions.defaults(1, 0)
        .withNoise(NoiseModel.fixed(0.09))
        .withModes(LeastSquaresModes.sineAndLine(-5, 5, 50, Double.POSITIVE_INFINITY), Double.POSITIVE_INFINITY));
    assertEquals(6, r.modeCoverage().tasks());
    assertEquals(0.5, r.modeCoverage().mean(), 1e-15);
    assertEquals(0.0, r.modeCoverage().ci95(), 1e-15);
    assertEquals(6.0, r.figures().get("mode_coverage_tasks"));
  }

  @Test
  void classificationReportMatchesCrossEntropyAndAccuracy() {
    GaussianBlobTasks blobs = GaussianBlobTasks.small();
    Mlp embedding = new Mlp(Activation.TANH, blobs.dim(), 8, 4);
    ProtoNet proto = new ProtoNet(embedding);
    Params theta = proto.initialize(4, DataType.DOUBLE);
    Evaluation.Summary ce = Evaluation.queryLoss(proto, theta, blobs, 21, 9, 4, 0);
    Evaluation.Summary acc = Evaluation.queryAccuracy(proto, theta, blobs, 21, 9, 4, 0);
    UncertaintyReport r = Evaluation.uncertainty(proto, theta, blobs, 21, 9, 4, 0, UncertaintyOptions.defaults(3, 0));
    assertEquals(TaskKind.CLASSIFICATION, r.kind());
    assertEquals(ce.mean(), r.nll().mean(), 1e-12, "one hypothesis: NLL is the cross-entropy");
    assertEquals(acc.mean(), r.accuracy().mean(), 1e-15);
    assertTrue(acc.mean() >= 0 && acc.mean() <= 1);
    assertTrue(r.brier().mean() >= 0 && r.brier().mean() <= 2);
    assertEquals(9 * 3 * 4, r.calibration().points(), "pooled over all query points (3 ways × 4 queries)");
    assertEquals(15, r.calibration().bins());
    assertTrue(r.calibration().ece() >= 0 && r.calibration().ece() <= r.calibration().mce() + 1e-15);
    assertTrue(r.coverage().isEmpty());
    assertNull(r.mse());

    BayesianProtoNet bayes = new BayesianProtoNet(embedding, 1.0, 0.5, false);
    UncertaintyReport b = Evaluation.uncertainty(bayes, bayes.initialize(4, DataType.DOUBLE), blobs, 21, 9, 4, 0,
        UncertaintyOptions.defaults(6, 8));
    assertEquals(6, b.hypotheses(), "sampled class means");
    assertTrue(Double.isFinite(b.nll().mean()) && Double.isFinite(b.calibration().ece()));
  }

  @Test
  void badRunsAreRejected() {
    Params theta = MAML.initialize(1, DataType.DOUBLE);
    assertThrows(IllegalArgumentException.class, () -> Evaluation.queryAccuracy(MAML, theta, SINES, 1, 4, 2, 1));
    GaussianBlobTasks blobs = GaussianBlobTasks.small();
    ProtoNet proto = new ProtoNet(new Mlp(Activation.TANH, blobs.dim(), 4));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Evaluation.uncertainty(proto,
        proto.initialize(1, DataType.DOUBLE), blobs, 1, 4, 2, 0, UncertaintyOptions.defaults(1, 0)
            .withModes(LeastSquaresModes.sineAndLine(-5, 5, 5, 1), 1)));
    assertTrue(e.getMessage().contains("regression tasks only"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Evaluation.uncertainty(MAML, theta, SINES, 1, 0, 2, 1,
        UncertaintyOptions.defaults(1, 0)));
    assertThrows(IllegalArgumentException.class, () -> Evaluation.uncertainty(MAML, theta, SINES, 1, 2, 2, 1, null));
    assertThrows(IllegalArgumentException.class, () -> UncertaintyOptions.defaults(0, 0));
    assertThrows(IllegalArgumentException.class, () -> UncertaintyOptions.defaults(1, 0).withCoverageLevels(0.5, 1.0));
    assertThrows(IllegalArgumentException.class, () -> UncertaintyOptions.defaults(1, 0).withBins(0));
  }
}

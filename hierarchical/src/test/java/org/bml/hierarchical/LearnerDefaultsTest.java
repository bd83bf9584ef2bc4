package org.bml.hierarchical;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bml.core.model.Activation;
import org.bml.core.model.Conv4;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.Likelihood;
import org.bml.inference.LogLikelihood;
import org.bml.inference.laplace.Curvature;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The algorithm defaults that the learners' factories own (the CLI's "auto" values are these). */
class LearnerDefaultsTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 1, 6, 1);

  @Test
  void llamaPriorPrecisionIsOneOverStepsTimesStepSize() {
    assertEquals(1.0 / (5 * 0.01), Llama.defaultPriorPrecision(5, 0.01));
    assertEquals(1.0 / (1 * 0.4), Llama.defaultPriorPrecision(1, 0.4));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Llama.defaultPriorPrecision(0, 0.1));
    assertTrue(e.getMessage().contains("inner steps"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Llama.defaultPriorPrecision(2, 0.0));
  }

  @Test
  void llamaDefaultsIsTheConstructorWithTheDefaultPrecision() {
    Llama d = Llama.defaults(MLP, Likelihood.meanSquaredError(MLP), LogLikelihood.gaussian(MLP, 0.5), 2, 0.1, 1e-3,
        1e-3, Curvature.KFAC);
    Llama c = new Llama(MLP, Likelihood.meanSquaredError(MLP), LogLikelihood.gaussian(MLP, 0.5), 2, 0.1, 1e-3,
        1.0 / (2 * 0.1), 1e-3, Curvature.KFAC);
    assertEquals(1.0 / (2 * 0.1), d.priorPrecision());
    Params theta = d.initialize(4, DataType.DOUBLE);
    Data support = BmamlTestData.regression(7, 2, 4, 1, 1);
    Data query = BmamlTestData.regression(9, 2, 4, 1, 1);
    assertEquals(c.metaLoss(theta, support, query).value().getDouble(0),
        d.metaLoss(theta, support, query).value().getDouble(0));
  }

  @Test
  void llamaPredictsWithTheDisplacementPriorOnClassificationOnly() {
    assertEquals(Llama.PredictivePrior.DISPLACEMENT, Llama.defaultPredictivePrior(true));
    assertEquals(Llama.PredictivePrior.AS_TRAINED, Llama.defaultPredictivePrior(false));
    Mlp classifier = new Mlp(Activation.RELU, 3, 4, 5);
    assertEquals(Llama.PredictivePrior.DISPLACEMENT,
        Llama.classification(classifier, 1, 0.4, 1e-3, 1e-3).predictivePrior());
    assertEquals(Llama.PredictivePrior.AS_TRAINED, Llama.regression(MLP, 0.5, 1, 0.01, 1e-3, 1e-3).predictivePrior());
  }

  // The displacement rule: the predictive's H has λ_t = max(λ, P / ‖φ̂_t − θ‖²) in place of λ, i.e. it is
  // the posterior of the LLAMA built with that λ; the meta-loss is the trained one (η = 0: MAML's).
  @Test
  void llamaDisplacementRuleIsTheLaplacePosteriorAtMaxOfLambdaAndPOverTheSquaredStep() {
    Llama trained = Llama.defaults(MLP, Likelihood.meanSquaredError(MLP), LogLikelihood.gaussian(MLP, 0.5), 2, 0.1, 0.0,
        1e-3, Curvature.KFAC);
    Llama rule = trained.withPredictivePrior(Llama.PredictivePrior.DISPLACEMENT);
    Params theta = trained.initialize(4, DataType.DOUBLE);
    Data support = BmamlTestData.regression(7, 1, 4, 1, 1);
    Data query = BmamlTestData.regression(9, 1, 4, 1, 1);
    assertEquals(trained.metaLoss(theta, support, query).item(), rule.metaLoss(theta, support, query).item(), 0.0);
    double d2 = trained.posterior(theta, support, 2).displacementSquared(theta)[0];
    int p = trained.posterior(theta, support, 2).dimension();
    double lambda = Math.max(trained.priorPrecision(), p / d2);
    assertTrue(lambda > trained.priorPrecision(), "this case exercises the displacement side: " + lambda);
    Llama built = new Llama(MLP, Likelihood.meanSquaredError(MLP), LogLikelihood.gaussian(MLP, 0.5), 2, 0.1, 0.0,
        lambda, 1e-3, Curvature.KFAC);
    double[][] expected = built.posterior(theta, support, 2).precision(0);
    double[][] actual = rule.predictivePosterior(theta, support, 2).precision(0);
    for (int i = 0; i < expected.length; i++) {
      for (int j = 0; j < expected.length; j++) {
        assertEquals(expected[i][j], actual[i][j], 1e-9 * lambda, "entry " + i + "," + j);
      }
    }
    assertTrue(trained.predictivePosterior(theta, support, 2).precision(0)[0][0] < expected[0][0] - 1,
        "the trained λ's posterior is wider");
  }

  @Test
  void bmamlStepSizeDividesBySupportPointsOnlyUnderPriors() {
    BmamlPosterior regression = BmamlPosterior.gaussianRegression(MLP, 1, 0.1, 1, 0.1);
    BmamlPosterior loss = BmamlPosterior.negativeLoss(MLP, Likelihood.meanSquaredError(MLP),
        BmamlEnsemble.Output.REGRESSION);
    assertEquals(0.01 / 10, Bmaml.defaultStepSize(regression, 0.01, 10));
    assertEquals(0.01, Bmaml.defaultStepSize(loss, 0.01, 10));
    Mlp classifier = new Mlp(Activation.RELU, 3, 4, 5);
    assertEquals(0.4 / 25, Bmaml.defaultStepSize(BmamlPosterior.classification(classifier, 1, 0.1), 0.4, 25));
    assertThrows(IllegalArgumentException.class, () -> Bmaml.defaultStepSize(regression, 0.01, 0));
  }

  @Test
  void bmamlPrecisionStepIsTwoOverPOnClassificationWithPriorsOnly() {
    Conv4 conv = new Conv4(1, 4, 28, 5);
    BmamlPosterior images = BmamlPosterior.classification(conv, 1, 0.1);
    assertEquals(2.0 / images.weightCount(), Bmaml.defaultPrecisionStepScale(images));
    assertTrue(Bmaml.defaultPrecisionStepScale(images) < 1e-2);
    assertEquals(1.0, Bmaml.defaultPrecisionStepScale(BmamlPosterior.gaussianRegression(MLP, 1, 0.1, 1, 0.1)));
    assertEquals(1.0, Bmaml.defaultPrecisionStepScale(BmamlPosterior.negativeLoss(conv,
        Likelihood.softmaxCrossEntropy(conv), BmamlEnsemble.Output.CLASSIFICATION)));
  }

  @Test
  void mrMamlActivationsLatentDimIsThePapers() {
    assertEquals(5, MrMamlActivations.defaultLatentDim(true));
    assertEquals(64, MrMamlActivations.defaultLatentDim(false));
  }
}

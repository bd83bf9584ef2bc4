package org.bml.hierarchical.contract;

import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.functional.NeuralProcess;

/**
 * {@link MetaLearnerContract} for the latent neural process: z is sampled from the seed in the ELBO,
 * one [T, …] draw per call, so a chunk of tasks draws other noise (another Monte Carlo draw of the
 * same estimator; the chunk check is skipped, as for PLATIPUS).
 */
class LatentNeuralProcessContractTest extends PerChunkNoiseContract {
  @Override
  protected MetaLearner learner() {
    return new NeuralProcess(NeuralProcess.Variant.LATENT, 1, 1, 2, new int[] {3}, new int[] {3});
  }
}

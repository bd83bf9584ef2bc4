package org.bml.hierarchical.contract;

/**
 * {@link MetaLearnerContract} for a stochastic meta-loss whose noise has the batch's task count
 * (one draw of shape [T, …] from the seed), so a chunk of tasks draws other noise: another Monte
 * Carlo draw of the same estimator, and the chunk check does not apply.
 */
abstract class PerChunkNoiseContract extends MetaLearnerContract {
  @Override
  protected final boolean stochastic() {
    return true;
  }

  @Override
  protected final boolean chunksReplayTheNoise() {
    return false;
  }
}

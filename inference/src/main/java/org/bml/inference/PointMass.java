package org.bml.inference;

import org.bml.core.model.Params;

/** A delta posterior at φ: every sample is φ itself. MAML's task posterior. */
public record PointMass(Params phi) implements TaskPosterior {
  @Override
  public Params mode() {
    return phi;
  }

  @Override
  public Params sample(long seed) {
    return phi;
  }

  @Override
  public boolean isPointMass() {
    return true;
  }
}

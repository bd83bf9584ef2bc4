package org.bml.inference.particles;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.inference.ParamLayout;
import org.bml.inference.TaskPosterior;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An empirical posterior of M particles per task, q = (1/M) Σ_m δ(φ − φ_m): BMAML's task posterior
 * (Yoon et al. 2018) after {@link Svgd}.
 *
 * <p>Lifecycle: made by {@link Svgd}, immutable; the particles {@code [T, M, P]} (flat layout) keep
 * their graph to the initial particles and θ. The {@linkplain #mode() mode} is the particle mean
 * (the posterior mean of q; for a multimodal posterior it may fall between modes); a
 * {@linkplain #sample(long) sample} is one particle per task, chosen uniformly with the seed.
 */
public final class ParticlePosterior implements TaskPosterior {
  private final ParamLayout layout;
  private final Tensor particles;

  /**
   * @param layout the flat layout of one particle
   * @param particles {@code [T, M, P]}
   */
  public ParticlePosterior(ParamLayout layout, Tensor particles) {
    if (layout == null || particles == null) {
      throw new IllegalArgumentException("ParticlePosterior: layout and particles must be given");
    }
    if (particles.rank() != 3 || particles.size(2) != layout.size() || particles.size(1) < 1) {
      throw new IllegalArgumentException("ParticlePosterior: particles must be [T, M, " + layout.size() + "], got "
          + Arrays.toString(particles.shape()));
    }
    this.layout = layout;
    this.particles = particles;
  }

  public ParamLayout layout() {
    return layout;
  }

  /** The particles {@code [T, M, P]}. */
  public Tensor particles() {
    return particles;
  }

  /** M. */
  public int count() {
    return (int) particles.size(1);
  }

  public long tasks() {
    return particles.size(0);
  }

  /** Particle m of every task, {@code [T, ...]} parameters. */
  public Params particle(int m) {
    if (m < 0 || m >= count()) {
      throw new IllegalArgumentException("ParticlePosterior: particle " + m + " out of range [0, " + count() + ")");
    }
    return layout.unflatten(Ops.reshape(Ops.slice(particles, 1, m, m + 1), tasks(), layout.size()));
  }

  /** All particles, in order. */
  public List<Params> all() {
    List<Params> out = new ArrayList<>();
    for (int m = 0; m < count(); m++) {
      out.add(particle(m));
    }
    return out;
  }

  /** The particle mean per task. */
  @Override
  public Params mode() {
    return layout.unflatten(Ops.mean(particles, false, 1));
  }

  /** One particle per task, indices uniform from the seed (task by task). */
  @Override
  public Params sample(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    long t = tasks();
    int m = count();
    INDArray mask = Nd4j.zeros(particles.dtype(), t, m, 1);
    for (int i = 0; i < t; i++) {
      mask.putScalar(i, rng.nextInt(m), 0, 1.0);
    }
    return layout.unflatten(Ops.sum(Ops.mul(particles, Tensor.constant(mask)), false, 1));
  }

  /** The particles themselves, in order: the expectation over this empirical distribution is exact. */
  @Override
  public List<Params> hypotheses(int k, long seed) {
    return all();
  }

  /** One particle: a point mass. */
  @Override
  public boolean isPointMass() {
    return count() == 1;
  }
}

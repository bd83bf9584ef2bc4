package org.bml.core.autodiff;

/**
 * A backward rule written with {@link Ops}, so that it is recorded when run under grad mode.
 * Returns one gradient per input (same shape as that input) or null where {@code need[i]} is false.
 */
@FunctionalInterface
interface BackwardFn {
  Tensor[] apply(Tensor upstream, Tensor output, boolean[] need);
}

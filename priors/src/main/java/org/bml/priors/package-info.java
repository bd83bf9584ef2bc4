/**
 * Prior distributions p(φ) over parameter collections, hyper-priors, and the implicit Gaussian
 * prior of early stopping.
 *
 * <p>Priors are differentiable: log densities, reparameterised draws and closed-form KL
 * divergences are tensors built from the core ops, so a learnable prior (a mean and log-variance
 * held as variables) is trained by the same meta-gradients as the model. Parameters may carry a
 * leading task axis; results are then one value per task. The early-stopping prior and the
 * full-covariance Gaussian are exact double-precision algebra (Hipparchus), the oracles against
 * which the inference layer's gradient-descent strategies are tested.
 */
package org.bml.priors;

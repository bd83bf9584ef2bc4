package org.bml.inference.laplace;

/**
 * Which approximation of the precision H = −∇² log p(D, φ | θ) at the mode a {@link Laplace}
 * posterior uses. Every choice adds the prior's curvature to the data term's.
 */
public enum Curvature {
  /**
   * The exact Hessian of the negative log joint, column by column from P Hessian-vector products
   * (grad of grad on the tape). Any log-likelihood and prior; cost P reverse passes and P² memory
   * per task, so for small models. Exact: on linear-Gaussian tasks the Laplace evidence is the true
   * marginal likelihood.
   */
  EXACT_HESSIAN,
  /**
   * The diagonal of the generalised Gauss-Newton matrix Σ_points Jᵀ Λ J of the likelihood (equal to
   * the Fisher information for Gaussian and categorical outputs; positive semi-definite), plus the
   * prior's Hessian, which must be diagonal (checked). Needs a
   * {@link org.bml.inference.ModelLikelihood}; any model, including convolutional ones and models
   * whose points interact (batch-norm), at n·R reverse passes for n support points and R = outputs.
   */
  DIAGONAL_GGN,
  /**
   * Kronecker-factored blocks A ⊗ G per dense layer (Martens & Grosse 2015; the Laplace of Ritter,
   * Botev & Barber 2018), A = (1/n) Σ ā āᵀ of the layer inputs (with a 1 appended for the bias),
   * G = Σ g gᵀ of the Gauss-Newton "gradients" of the pre-activations, and the prior precision,
   * which must be the same for all entries of a layer, added exactly in the joint eigenbasis.
   * Convolutions get the KFC blocks of Grosse & Martens (2016, "A Kronecker-factored approximate
   * Fisher matrix for convolution layers"): A = Ω = (1/n) Σ_i Σ_t ā_it ā_itᵀ over the input patches
   * at every output position t, G = Γ = (1/|T|) Σ_i Σ_t g_it g_itᵀ over the output-gradient maps
   * (|T| output positions); batch-norm scale and shift parameters get a diagonal block (see
   * {@link ConvNetwork}). Needs a {@link org.bml.inference.ModelLikelihood} whose model is a
   * {@link DenseNetwork} or a {@link ConvNetwork} (an {@link org.bml.core.model.Mlp} or a
   * {@link org.bml.core.model.Conv4} is wrapped); any other model throws
   * {@link UnsupportedOperationException}: use {@link #DIAGONAL_GGN} there.
   */
  KFAC
}

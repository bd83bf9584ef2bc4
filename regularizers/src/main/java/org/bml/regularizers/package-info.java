/**
 * Meta-regularizers usable with any gradient-based meta-learner: MR-MAML (Yin, Tucker, Zhou,
 * Levine &amp; Finn, ICLR 2020, "Meta-Learning without Memorization", arXiv:1912.03820).
 *
 * <ul>
 *   <li>{@link org.bml.regularizers.WeightRegularizer}: MR-MAML(W), a Gaussian q(θ) = N(θ_μ, θ_σ²)
 *       over the parameters the inner loop does not adapt, penalised by β·KL(q(θ) ‖ N(0, I));</li>
 *   <li>{@link org.bml.regularizers.StochasticBottleneck} and
 *       {@link org.bml.regularizers.ActivationRegularizer}: MR-MAML(A), a stochastic activation
 *       z ~ q(z | x) = N(μ(x), σ(x)²) between an encoder and an adapted decoder, penalised by
 *       β·KL(q(z | x) ‖ N(0, I)) averaged over points;</li>
 *   <li>{@link org.bml.regularizers.PacBayesBeta}: the paper's PAC-Bayes bound and the β it implies;</li>
 *   <li>{@link org.bml.regularizers.Composed}: a model made of two models in sequence, with
 *       {@code encoder.} / {@code decoder.} parameter names.</li>
 * </ul>
 *
 * <p>The regularizers only turn meta-parameters into (sampled) model parameters or activations and
 * penalties; the meta-learners that compose them with an inner loop live in
 * {@code org.bml.hierarchical} ({@code MrMamlWeights}, {@code MrMamlActivations}).
 */
package org.bml.regularizers;

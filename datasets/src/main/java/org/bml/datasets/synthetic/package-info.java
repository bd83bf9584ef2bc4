/**
 * Synthetic regression task distributions with known ground truth.
 *
 * <p>{@link org.bml.datasets.synthetic.SinusoidTasks} (MAML and BMAML protocols),
 * {@link org.bml.datasets.synthetic.SineAndLineTasks} (PLATIPUS ambiguous regression),
 * {@link org.bml.datasets.synthetic.NonMutexSinusoidTasks} (MR-MAML memorisation benchmark) and
 * {@link org.bml.datasets.synthetic.LinearGaussianTasks}, whose hierarchy is linear-Gaussian so
 * that {@link org.bml.datasets.synthetic.LinearGaussianOracle} gives the exact posterior,
 * marginal likelihood and predictive against which approximate methods are tested.
 *
 * <p>All share {@link org.bml.datasets.synthetic.RegressionTasks}: samples are generated in
 * double precision into flat arrays and wrapped into INDArrays once per task or batch.
 */
package org.bml.datasets.synthetic;

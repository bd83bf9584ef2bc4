/**
 * Omniglot (Lake et al. 2015) read straight from its standard zips, and episode samplers on it.
 *
 * <p>{@link org.bml.datasets.omniglot.OmniglotImages} decodes {@code images_background.zip} and
 * {@code images_evaluation.zip} once into a single float array of 28x28 images (area-averaged
 * from 105x105, ink = 1; with each drawing's four quarter turns).
 * {@link org.bml.datasets.omniglot.OmniglotSplits} builds class lists
 * (MAML's seeded 1200/423 character split with four rotations, or the Vinyals split files);
 * a class is a character under one of four rotations. The rotated copies are computed once at
 * load time ({@link org.bml.datasets.omniglot.ImageOps}) and stored in the same array, so an
 * episode is a sequence of contiguous copies.
 * {@link org.bml.datasets.omniglot.OmniglotTasks} samples N-way K-shot Q-query episodes,
 * {@link org.bml.datasets.omniglot.NonMutexOmniglotTasks} the non-mutually-exclusive variant of
 * MR-MAML, and {@link org.bml.datasets.omniglot.OneShotBenchmark} serves the 20 fixed runs of
 * the original one-shot benchmark. {@link org.bml.datasets.omniglot.OmniglotPaths} locates the
 * data directory.
 */
package org.bml.datasets.omniglot;

package org.bml.algorithms;

/**
 * The closed-form linear MAML meta-gradient oracle, finite differences through the inner loop
 * and the FOMAML Hessian term ({@link MamlMetaGradientTest}) with the torch backend selected.
 */
class TorchMamlMetaGradientTest extends MamlMetaGradientTest {}

package org.bml.inference;

/** The explicit-prior runs to the closed-form linear-Gaussian MAP, preconditioners and their meta-gradients ({@link TruncatedGradientDescentTest}) with the torch backend selected. */
class TorchTruncatedGradientDescentTest extends TruncatedGradientDescentTest {}

package org.bml.inference.laplace;

/** Laplace's evidence, covariance and evidence gradient against the exact linear-Gaussian posterior ({@link LaplaceOracleTest}) with the torch backend selected. */
class TorchLaplaceOracleTest extends LaplaceOracleTest {}

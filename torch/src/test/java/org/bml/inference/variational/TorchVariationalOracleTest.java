package org.bml.inference.variational;

/** The maximal ELBO recovering the exact linear-Gaussian posterior and log evidence ({@link VariationalOracleTest}) with the torch backend selected. */
class TorchVariationalOracleTest extends VariationalOracleTest {}

package org.bml.inference;

/** Early stopping = MAP under the implicit Gaussian prior N(θ, Q_k) ({@link EarlyStoppingPriorProperties}) with the torch backend selected. */
class TorchEarlyStoppingPriorProperties extends EarlyStoppingPriorProperties {}

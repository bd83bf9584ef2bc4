package org.bml.algorithms;

/** The reductions between the point-estimate methods (FOMAML = MAML on linear losses, ...) ({@link PointEstimateReductionProperties}) with the torch backend selected. */
class TorchPointEstimateReductionProperties extends PointEstimateReductionProperties {}

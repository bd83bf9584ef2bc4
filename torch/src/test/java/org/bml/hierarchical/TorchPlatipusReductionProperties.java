package org.bml.hierarchical;

/** PLATIPUS at zero variance is MAML ({@link PlatipusReductionProperties}) with the torch backend selected. */
class TorchPlatipusReductionProperties extends PlatipusReductionProperties {}

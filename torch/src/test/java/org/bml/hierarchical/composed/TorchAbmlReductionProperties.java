package org.bml.hierarchical.composed;

/** ABML at (near) zero variance is MAML ({@link AbmlReductionProperties}) with the torch backend selected. */
class TorchAbmlReductionProperties extends AbmlReductionProperties {}

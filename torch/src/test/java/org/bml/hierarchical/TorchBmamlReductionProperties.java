package org.bml.hierarchical;

/** BMAML with one particle (and EMAML with one member) is MAML ({@link BmamlReductionProperties}) with the torch backend selected. */
class TorchBmamlReductionProperties extends BmamlReductionProperties {}

package org.bml.hierarchical;

/** MR-MAML at β = 0 and zero variance is ANIL ({@link MrMamlReductionProperties}) with the torch backend selected. */
class TorchMrMamlReductionProperties extends MrMamlReductionProperties {}

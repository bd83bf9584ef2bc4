/**
 * Contract tests of the inference layer: {@link org.bml.inference.contract.InferenceStrategyContract}
 * and {@link org.bml.inference.contract.MetaObjectiveContract} state what every strategy and
 * meta-objective must do; one thin subclass per implementation runs them.
 */
package org.bml.inference.contract;

/**
 * Contract tests: {@link org.bml.hierarchical.contract.MetaLearnerContract} states what every
 * meta-learner must do; one thin subclass per implementation runs it on a small float64 learner.
 */
package org.bml.hierarchical.contract;

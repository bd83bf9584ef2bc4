/**
 * Contract tests of the priors: {@link org.bml.priors.contract.PriorContract} states what every
 * {@link org.bml.priors.Prior} must do; one thin subclass per implementation runs it.
 */
package org.bml.priors.contract;

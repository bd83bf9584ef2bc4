/** The Bayesian meta-learners: LLAMA, PLATIPUS, BMAML. */
package org.bml.hierarchical;

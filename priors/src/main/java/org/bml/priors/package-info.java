/** Prior distributions over parameters p(φ | θ) and hyper-priors. */
package org.bml.priors;

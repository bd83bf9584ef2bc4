/**
 * Relational meta-learning: the task's initialisation depends on how its support set relates to
 * knowledge shared across tasks. ARML (Yao et al. ICLR 2020, "Automated Relational
 * Meta-Learning") queries a learned meta-knowledge graph with the task's prototypes and gates
 * MAML's initialisation by the result, then runs MAML's inner loop
 * ({@link org.bml.inference.TruncatedGradientDescent}).
 */
package org.bml.algorithms.relational;

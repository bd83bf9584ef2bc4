/**
 * Meta-reinforcement learning: MAML for RL (Finn, Abbeel &amp; Levine 2017, §5.3) on a 2-D point
 * navigation task family. The environment is plain Java, seeded and deterministic; the policy is
 * a pure Gaussian MLP on the tape, so the policy-gradient inner step is differentiated through
 * like MAML's supervised inner step.
 */
package org.bml.algorithms.rl;

/**
 * Runnable examples of bml used as a library, each a short {@code main} on the public API only:
 * {@link org.bml.examples.MamlSinusoid} (MAML: meta-train, adapt to a new task, query MSE before and
 * after), {@link org.bml.examples.PlatipusSineAndLine} (PLATIPUS: sampled hypotheses and a predictive
 * interval on an ambiguous task) and {@link org.bml.examples.ProtoNetOmniglot} (prototypical networks
 * on Omniglot 5-way 1-shot: accuracy and calibration). Settings are {@code name=value} arguments
 * ({@link org.bml.examples.ExampleArgs}); the tests run every example with small ones.
 */
package org.bml.examples;

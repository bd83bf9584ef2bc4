package org.bml.cli;

import java.util.EnumSet;
import java.util.List;
import org.bml.algorithms.Mann;
import org.bml.datasets.TaskKind;

/**
 * The memory-augmented neural network (MANN; Santoro et al., "Meta-Learning with Memory-Augmented
 * Neural Networks", ICML 2016) in the method registry (issue 15): LSTM controller with an LRUA
 * external memory, classification only. The episode's support and query examples form one
 * shuffled sequence with labels shown one step late (see {@link Mann}); its adaptation is the
 * memory's, so {@code --inner-steps} and {@code --inner-lr} do not apply (recorded, unused).
 * {@code ./bml mann-table} prints the paper's accuracy-by-instance table for a checkpoint.
 */
final class MannMethods {
  private MannMethods() {}

  static void registerAll() {
    Methods.register(new Methods.Method("mann",
        "memory-augmented neural network: LSTM controller + LRUA memory, labels one step late (Santoro et al. "
            + "ICML 2016)", EnumSet.of(TaskKind.CLASSIFICATION),
        List.of(new Methods.Hyper("memory-slots", "128", "memory slots N (> reads; paper 128)"),
            new Methods.Hyper("slot-size", "40", "entries S per memory slot (paper 40)"),
            new Methods.Hyper("controller", "200", "LSTM controller width (paper 200)"),
            new Methods.Hyper("reads", "4", "read heads R (paper 4)"),
            new Methods.Hyper("gamma", "0.95", "usage decay γ in [0, 1]"),
            new Methods.Hyper("sharpness", "1", "s > 0 multiplying the cosine similarities of the read (1: the paper)"),
            new Methods.Hyper("pool", "2", "average-pooling factor of the images before flattening (2: 28x28 -> "
                + "14x14; must divide the image size)")),
        MannMethods::mann));
  }

  private static Mann mann(MethodContext c) {
    if (c.regression()) {
      throw new BadInputException("method " + c.method() + " handles classification data sets only");
    }
    HyperValues hp = c.hp();
    int slots = hp.integer("memory-slots", 2);
    int reads = hp.integer("reads", 1);
    if (slots <= reads) {
      throw new BadInputException("--hp memory-slots=" + slots + ": must exceed reads=" + reads + " (method "
          + c.method() + ")");
    }
    double gamma = hp.nonNegative("gamma");
    if (gamma > 1) {
      throw new BadInputException("--hp gamma=" + hp.string("gamma") + ": must be in [0, 1] (method " + c.method()
          + ")");
    }
    int pool = hp.integer("pool", 1);
    long[] shape = c.inputShape();
    if (shape.length == 3 && (shape[1] % pool != 0 || shape[2] % pool != 0)) {
      throw new BadInputException("--hp pool=" + pool + ": must divide the image size " + shape[1] + "x" + shape[2]
          + " (method " + c.method() + ")");
    }
    return new Mann(shape, c.ways(), hp.integer("controller", 1), slots, hp.integer("slot-size", 1), reads, gamma,
        hp.positive("sharpness", false), pool);
  }
}

package org.bml.cli;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bml.algorithms.Conv4Embedding;
import org.bml.algorithms.GraphNeuralNet;
import org.bml.algorithms.HyperNet;
import org.bml.datasets.TaskKind;

/**
 * The few-shot GNN (Garcia &amp; Bruna ICLR 2018) and the hypernetwork head generator (Ha et al. 2017;
 * a simplification of Munkhdalai &amp; Yu's Meta Networks, 2017) in the method registry (issue 15),
 * both on Conv-4's body as the embedding, classification only. Their adaptation is closed form,
 * so {@code --inner-steps} and {@code --inner-lr} do not apply (recorded, unused).
 */
final class GnnHyperMethods {
  private static final Set<TaskKind> CLASSIFICATION = EnumSet.of(TaskKind.CLASSIFICATION);

  private GnnHyperMethods() {}

  static void registerAll() {
    Methods.register(new Methods.Method("gnn",
        "few-shot GNN: support+query graph, learned edges, dense graph convolutions (Garcia & Bruna ICLR 2018)",
        CLASSIFICATION,
        List.of(new Methods.Hyper("layers", "2", "message-passing layers before the output layer (>= 0)"),
            new Methods.Hyper("features", "48", "new invariant node features per layer (>= 1)"),
            new Methods.Hyper("class-features", "16", "new per-class node features per layer (>= 1)"),
            new Methods.Hyper("edge-hidden", "64", "hidden width of the edge MLP on |x_i - x_j| (>= 1)")),
        c -> {
          Conv4Embedding e = (Conv4Embedding) c.embedding();
          return new GraphNeuralNet(e, Math.toIntExact(e.embeddingSize()), c.hp().integer("layers", 0),
              c.hp().integer("features", 1), c.hp().integer("class-features", 1), c.hp().integer("edge-hidden", 1),
              true);
        }));
    Methods.register(new Methods.Method("hypernet",
        "hypernetwork: generator MLP emits each class's head weights from its mean Conv-4 feature (Ha et al. 2017; "
            + "simplified Meta Networks, Munkhdalai & Yu 2017)",
        CLASSIFICATION,
        List.of(new Methods.Hyper("hidden", "128", "hidden width of the weight generator d -> hidden -> d + 1 (>= 1)")),
        c -> {
          Conv4Embedding e = (Conv4Embedding) c.embedding();
          return new HyperNet(e, Math.toIntExact(e.embeddingSize()), c.hp().integer("hidden", 1));
        }));
  }
}

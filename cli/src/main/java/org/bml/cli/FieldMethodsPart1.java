package org.bml.cli;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bml.algorithms.Conv4Embedding;
import org.bml.algorithms.ConvRelationModule;
import org.bml.algorithms.RelationEncoder;
import org.bml.algorithms.RelationNet;
import org.bml.algorithms.SiameseNet;
import org.bml.datasets.TaskKind;

/**
 * Methods from the rest of the few-shot field (issue 15, part 1) in the method registry: relation
 * networks (Sung et al. 2018) and Siamese networks (Koch et al. 2015), both on Conv-4's body as
 * the embedding, classification only.
 */
final class FieldMethodsPart1 {
  private static final Set<TaskKind> CLASSIFICATION = EnumSet.of(TaskKind.CLASSIFICATION);

  private FieldMethodsPart1() {}

  static void registerAll() {
    Methods.register(new Methods.Method("relation",
        "relation network: learned relation module on feature maps, sigmoid-MSE (Sung et al. 2018)",
        CLASSIFICATION,
        List.of(new Methods.Hyper("module", "conv",
                "conv (the paper's: encoder to 64×5×5 maps, relation module 2 conv blocks + FC) or mlp "
                    + "(Conv-4's pooled 64-d vector, MLP 2d → hidden → 1)"),
            new Methods.Hyper("hidden", "8", "hidden width of the relation module's fully connected layer"),
            new Methods.Hyper("loss", "mse", "mse (the paper's, sigmoid score vs one-hot) or cross-entropy"),
            new Methods.Hyper("temperature", "1", "τ > 0 dividing the relation scores in the logits")),
        c -> {
          RelationNet.Loss loss = c.hp().choice("loss", "mse", "cross-entropy").equals("mse")
              ? RelationNet.Loss.MSE : RelationNet.Loss.CROSS_ENTROPY;
          boolean conv = c.hp().choice("module", "conv", "mlp").equals("conv");
          int hidden = c.hp().integer("hidden", 1);
          double temperature = c.hp().positive("temperature", false);
          if (conv) {
            if (c.regression()) {
              throw new BadInputException("metric methods need a classification data set");
            }
            long[] in = c.inputShape();
            RelationEncoder enc = new RelationEncoder(Math.toIntExact(in[0]), MethodContext.CONV4_FILTERS,
                Math.toIntExact(in[1]), c.batchNorm());
            return new RelationNet(enc, ConvRelationModule.forEncoder(enc, hidden, c.batchNorm()), temperature, loss);
          }
          Conv4Embedding e = (Conv4Embedding) c.embedding();
          return new RelationNet(e, RelationNet.RelationModule.mlp(Math.toIntExact(e.embeddingSize()), hidden),
              temperature, loss);
        }));
    Methods.register(new Methods.Method("siamese",
        "Siamese network: verification-trained (weighted L1, BCE), one-shot by nearest support (Koch et al. 2015)",
        CLASSIFICATION, List.of(), c -> {
          Conv4Embedding e = (Conv4Embedding) c.embedding();
          return new SiameseNet(e, Math.toIntExact(e.embeddingSize()));
        }));
  }
}

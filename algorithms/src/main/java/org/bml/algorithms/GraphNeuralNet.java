package org.bml.algorithms;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.GraphConv;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Few-shot learning with graph neural networks (Garcia &amp; Bruna, ICLR 2018, arXiv:1711.04043):
 * each query is classified in its own fully connected graph whose nodes are the embedded support
 * images and the query. A node's initial features are its embedding φ(x) (Conv-4 here) and its label
 * one-hot, the uniform 1/N for the query; {@code layers} message-passing layers ({@link GraphConv}:
 * adjacency from a learned MLP on |x_i − x_j|, softmax over neighbours, graph convolution with
 * operators {I, A}) each append their new features to the old ones (dense growth, leaky ReLU
 * slope 0.01), and a last graph layer maps the query node to one logit per class. Trained by the
 * query cross-entropy; {@link #predict} returns those logits, whose softmax is the predictive
 * distribution. Default: 2 layers as the paper's Omniglot network, 48 new invariant features per
 * layer (the paper's nf/2 with nf = 96).
 *
 * <p>Differences from the paper, stated: (1) every linear map ties its weights across the label
 * classes (the node's label one-hot is the class axis of {@link GraphConv}'s class-indexed part, the
 * edge MLP sees |x_i − x_j| summed over classes for that part), so the classifier is exactly
 * equivariant to permutations of the episode's labels and handles any number of ways with one set
 * of weights; the paper's last layer maps to N fixed outputs and learns that symmetry from random
 * label orders. (2) The edge MLP has two hidden layers of width {@code edgeHidden} (ReLU) instead of
 * the paper's four 1×1 convolutions with batch norm; no batch norm in the graph convolutions either.
 * (3) Conv-4 is bml's standard body (no batch norm, 64-d), not the paper's embedding with a 64-d
 * fully connected layer on top.
 *
 * <p>Reduction: with the edge function fixed to −‖x_i − x_j‖² ({@code learnedEdges = false}), no
 * hidden layers, and an output layer that reads only the aggregated labels, the query's output is
 * Σ_j softmax_j(−‖φ(x̂) − φ(x_j)‖²) y_j, a soft nearest neighbour; on unit-norm embeddings that is
 * {@link MatchingNet}'s P(y | x̂, S) at attention scale 2 (−‖u − v‖² = 2 cos(u, v) − 2).
 *
 * <p>{@link #adapt} memorises the embedded support set ({@value #SUPPORT_EMBEDDINGS} {@code [T, n, d]},
 * {@value #SUPPORT_LABELS} {@code [T, n, N]}); steps are ignored. One query per graph, so predictions
 * do not depend on which other queries are scored with it (no transduction).
 */
public final class GraphNeuralNet implements MetaLearner {
  public static final String SUPPORT_EMBEDDINGS = "support.embeddings";
  public static final String SUPPORT_LABELS = "support.labels";
  /** Prefix of the graph layers' parameters. */
  public static final String PREFIX = "gnn.";
  /** The paper's leaky ReLU slope (PyTorch's default). */
  public static final double LEAKY_SLOPE = 0.01;

  private final Model embedding;
  private final List<GraphConv> hidden = new ArrayList<>();
  private final GraphConv output;

  /** The paper's form on an embedding of width d: 2 layers, 48 invariant and 16 class features each, edge MLP 64. */
  public GraphNeuralNet(Model embedding, int embeddingSize) {
    this(embedding, embeddingSize, 2, 48, 16, 64, true);
  }

  /**
   * @param layers hidden message-passing layers (≥ 0) before the output layer
   * @param features new invariant features per hidden layer (≥ 1)
   * @param classFeatures new features per class per hidden layer (≥ 1)
   * @param edgeHidden hidden width of the learned edge MLPs (≥ 1)
   * @param learnedEdges false fixes every edge function to −‖x_i − x_j‖² (the reduction)
   */
  public GraphNeuralNet(Model embedding, int embeddingSize, int layers, int features, int classFeatures,
      int edgeHidden, boolean learnedEdges) {
    this.embedding = Hyper.nonNull("GraphNeuralNet", "embedding model", embedding);
    Hyper.positiveCount("GraphNeuralNet", "embedding size", embeddingSize);
    Hyper.atLeast("GraphNeuralNet", "layers", layers, 0);
    Hyper.positiveCount("GraphNeuralNet", "features per layer", features);
    Hyper.positiveCount("GraphNeuralNet", "class features per layer", classFeatures);
    Hyper.positiveCount("GraphNeuralNet", "edge hidden width", edgeHidden);
    Hyper.reserved("GraphNeuralNet", embedding, SUPPORT_EMBEDDINGS, SUPPORT_LABELS);
    int h = embeddingSize;
    int c = 1;
    for (int i = 0; i < layers; i++) {
      hidden.add(layer(PREFIX + "layer" + i + ".", h, c, features, classFeatures, edgeHidden, learnedEdges));
      h += features;
      c += classFeatures;
    }
    output = layer(PREFIX + "out.", h, c, 0, 1, edgeHidden, learnedEdges);
    for (String n : parameterShapes().keySet()) {
      if (embedding.parameterShapes().containsKey(n)) {
        throw new IllegalArgumentException("GraphNeuralNet: graph parameter '" + n + "' clashes with an embedding parameter");
      }
    }
  }

  private static GraphConv layer(String prefix, int h, int c, int hOut, int cOut, int edgeHidden, boolean learned) {
    return learned ? new GraphConv(prefix, h, c, hOut, cOut, edgeHidden)
        : new GraphConv(prefix, h, c, hOut, cOut, GraphConv.Edge.negativeSquaredDistance());
  }

  /** The graph layers' parameter shapes (hidden layers, then the output layer). */
  public LinkedHashMap<String, long[]> parameterShapes() {
    LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
    hidden.forEach(g -> s.putAll(g.parameterShapes()));
    s.putAll(output.parameterShapes());
    return s;
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    Params p = embedding.init(seed, dtype);
    for (int i = 0; i < hidden.size(); i++) {
      p = p.withAll(hidden.get(i).init(seed ^ (0x6A11L + 31L * i), dtype));
    }
    return p.withAll(output.init(seed ^ 0x6A11_0F7L, dtype));
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return Ops.mean(perTaskLoss(adapt(meta, support, 0), query), false);
  }

  @Override
  public Params adapt(Params meta, Data support, int steps) {
    Hyper.atLeast("GraphNeuralNet", "adaptation steps", steps, 0); // no steps are taken, but −1 is a caller's bug
    ClassStats.counts("GraphNeuralNet", support.y());
    Tensor e = ClassStats.embed("GraphNeuralNet", embedding, meta, support.x());
    return meta.with(SUPPORT_EMBEDDINGS, e).with(SUPPORT_LABELS, support.y());
  }

  /** Class logits {@code [T, m, N]} of each query, read from the query node of its graph. */
  @Override
  public Tensor predict(Params adapted, Tensor x) {
    Tensor es = adapted.get(SUPPORT_EMBEDDINGS);
    Tensor ys = adapted.get(SUPPORT_LABELS);
    Tensor z = ClassStats.embed("GraphNeuralNet", embedding, adapted, x);
    long t = z.size(0);
    long m = z.size(1);
    long d = z.size(2);
    long n = es.size(1);
    long classes = ys.size(2);
    if (es.size(0) != t || es.size(2) != d) {
      throw new IllegalArgumentException("GraphNeuralNet: support embeddings " + java.util.Arrays.toString(es.shape())
          + " do not match the queries' " + java.util.Arrays.toString(z.shape()));
    }
    // One graph per query: its support nodes, then the query node (index n).
    Tensor h = Ops.concat(2, List.of(Ops.broadcastTo(Ops.unsqueeze(es, 1), t, m, n, d), Ops.unsqueeze(z, 2)));
    h = Ops.reshape(h, t * m, n + 1, d);
    Tensor uniform = Tensor.constant(Nd4j.valueArrayOf(new long[] {t, m, 1, classes}, 1.0 / classes).castTo(ys.dtype()));
    Tensor l = Ops.concat(2, List.of(Ops.broadcastTo(Ops.unsqueeze(ys, 1), t, m, n, classes), uniform));
    l = Ops.reshape(l, t * m, n + 1, classes, 1);
    for (GraphConv g : hidden) {
      GraphConv.Nodes o = g.forward(adapted, h, l);
      h = Ops.concat(2, List.of(h, GraphConv.leakyRelu(o.h(), LEAKY_SLOPE)));
      l = Ops.concat(3, List.of(l, GraphConv.leakyRelu(o.l(), LEAKY_SLOPE)));
    }
    Tensor out = output.forward(adapted, h, l).l(); // [T·m, n + 1, N, 1]
    return Ops.reshape(Ops.slice(out, 1, n, n + 1), t, m, classes);
  }

  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    return ClassStats.crossEntropy(predict(adapted, data.x()), data.y());
  }
}

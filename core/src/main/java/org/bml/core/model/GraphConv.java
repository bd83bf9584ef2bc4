package org.bml.core.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One message-passing layer of the few-shot graph neural network of Garcia &amp; Bruna ("Few-Shot
 * Learning with Graph Neural Networks", ICLR 2018, arXiv:1711.04043), as a pure function of
 * (params, nodes), written with {@link Ops} only, so a loss through any number of layers is
 * differentiable to any order.
 *
 * <p>The layer, for a batch of B fully connected graphs of n nodes:
 * <pre>
 *   s_ij  = φ(|x_i − x_j|)                          learned edge function (an MLP), i ≠ j
 *   A_ij  = softmax_j(s_ij),  A_ii = 0               (self-edges excluded: the identity operator carries them)
 *   x'_i  = ρ( [x_i, (A x)_i] W + b )                graph convolution with the operator family {I, A}
 * </pre>
 * as the paper's §4 (adjacency "learned from the current node features", rows normalised by a
 * softmax; operators {I, A}). The paper's network concatenates x' to x (dense growth) and uses a
 * leaky ReLU ρ; both are left to the caller ({@link #leakyRelu}, {@link Ops#concat}).
 *
 * <p>Node features come in two parts, so that a layer can be exactly equivariant to permutations
 * of a class axis (the few-shot label one-hot): invariant features {@code h [B, n, H]} and
 * class-indexed features {@code l [B, n, N, C]} (C channels for each of N classes). The layer ties
 * its weights so that permuting the N classes of l permutes the N classes of l' and leaves h'
 * unchanged:
 * <pre>
 *   edge input   u_ij = [ |h_i − h_j|,  Σ_k |l_ik − l_jk| ]                    (invariant)
 *   h̄ = [h, A h],  l̄_k = [l_k, A l_k]
 *   h' = h̄ W_hh + (Σ_k l̄_k) W_lh + b_h
 *   l'_k = l̄_k W_ll + h̄ W_hl + b_l                                             (same weights for every k)
 * </pre>
 * With N = 1 and C = the label width this is the paper's untied layer on [h, l] up to the tying of
 * its edge input; the tying is what makes the few-shot classifier label-permutation equivariant
 * (the paper's fixed-width output layer learns that symmetry from random label orders instead).
 *
 * <p>Parameters (names after {@code prefix}): the edge MLP's {@code edge.layer<i>.weight/bias}
 * (widths H + C → hidden → hidden → 1, ReLU), {@code hh.weight [2H, H']}, {@code hh.bias [H']},
 * {@code lh.weight [2C, H']}, {@code ll.weight [2C, C']}, {@code ll.bias [C']},
 * {@code hl.weight [2H, C']}; a part of width 0 (H' = 0 or C' = 0) has no weights. All are shared
 * across the batch (no task axis). The edge function can be replaced (e.g. by the fixed
 * {@link Edge#negativeSquaredDistance()}, the soft-nearest-neighbour reduction).
 */
public final class GraphConv {
  /** Scores s_ij {@code [B, n, n]} of node pairs (the diagonal is masked later). */
  public interface Edge {
    Tensor scores(Params params, Tensor h, Tensor l);

    /** Its parameter shapes (names already prefixed); empty if it has none. */
    LinkedHashMap<String, long[]> parameterShapes();

    /** Seeded initial parameters, or null if it has none. */
    Params init(long seed, DataType dtype);

    /**
     * The fixed s_ij = −‖x_i − x_j‖² over all features of both parts (no parameters). With one
     * query among labelled support nodes, its class part contributes the same Σ_k (y_jk − 1/N)²
     * to every support node, so the query's attention is softmax_j(−‖h_q − h_j‖²).
     */
    static Edge negativeSquaredDistance() {
      return new Edge() {
        @Override
        public Tensor scores(Params params, Tensor h, Tensor l) {
          Tensor x = h == null ? flatClasses(l) : l == null ? h : Ops.concat(2, List.of(h, flatClasses(l)));
          return Ops.neg(Ops.squaredDistances(x, x));
        }

        @Override
        public LinkedHashMap<String, long[]> parameterShapes() {
          return new LinkedHashMap<>();
        }

        @Override
        public Params init(long seed, DataType dtype) {
          return null;
        }
      };
    }

    /** The paper's learned edge function: an MLP (H + C) → hidden → hidden → 1 (ReLU) on u_ij. */
    static Edge mlp(String prefix, int invariant, int channels, int hidden) {
      if (hidden <= 0) {
        throw new IllegalArgumentException("GraphConv: edge hidden width must be positive, got " + hidden);
      }
      Prefixed phi = new Prefixed(prefix + "edge.", new Mlp(Activation.RELU, invariant + channels, hidden, hidden, 1));
      return new Edge() {
        @Override
        public Tensor scores(Params params, Tensor h, Tensor l) {
          Tensor any = h != null ? h : l;
          long b = any.size(0);
          long n = any.size(1);
          Tensor u = invariant == 0 ? classSummedPairwiseAbs(l) : channels == 0 ? pairwiseAbs(h)
              : Ops.concat(3, List.of(pairwiseAbs(h), classSummedPairwiseAbs(l)));
          Tensor s = phi.forward(params, Ops.reshape(u, b, n * n, invariant + channels));
          return Ops.reshape(s, b, n, n);
        }

        @Override
        public LinkedHashMap<String, long[]> parameterShapes() {
          return phi.parameterShapes();
        }

        @Override
        public Params init(long seed, DataType dtype) {
          return phi.init(seed, dtype);
        }
      };
    }
  }

  /** The masked-out score of a self-edge: exp of it underflows to exactly 0 in float32 and float64. */
  static final double SELF_EDGE = -1e30;

  private final String prefix;
  private final int invariant;
  private final int channels;
  private final int invariantOut;
  private final int channelsOut;
  private final Edge edge;

  /**
   * @param invariant H, width of h (≥ 0); @param channels C, channels of l per class (≥ 0; H + C &gt; 0)
   * @param invariantOut H' (≥ 0); @param channelsOut C' (≥ 0; H' + C' &gt; 0)
   * @param edgeHidden hidden width of the learned edge MLP
   */
  public GraphConv(String prefix, int invariant, int channels, int invariantOut, int channelsOut, int edgeHidden) {
    this(prefix, invariant, channels, invariantOut, channelsOut, edgeOf(prefix, invariant, channels, edgeHidden));
  }

  public GraphConv(String prefix, int invariant, int channels, int invariantOut, int channelsOut, Edge edge) {
    if (prefix == null) {
      throw new IllegalArgumentException("GraphConv: prefix must not be null (use \"\" for none)");
    }
    if (invariant < 0 || channels < 0 || invariant + channels == 0 || invariantOut < 0 || channelsOut < 0
        || invariantOut + channelsOut == 0) {
      throw new IllegalArgumentException("GraphConv: widths must be >= 0 with some input and some output, got H "
          + invariant + ", C " + channels + ", H' " + invariantOut + ", C' " + channelsOut);
    }
    if (edge == null) {
      throw new IllegalArgumentException("GraphConv: edge function must not be null");
    }
    this.prefix = prefix;
    this.invariant = invariant;
    this.channels = channels;
    this.invariantOut = invariantOut;
    this.channelsOut = channelsOut;
    this.edge = edge;
  }

  private static Edge edgeOf(String prefix, int invariant, int channels, int hidden) {
    if (prefix == null) {
      throw new IllegalArgumentException("GraphConv: prefix must not be null (use \"\" for none)");
    }
    return Edge.mlp(prefix, invariant, channels, hidden);
  }

  public String name(String local) {
    return prefix + local;
  }

  public int invariantOut() {
    return invariantOut;
  }

  public int channelsOut() {
    return channelsOut;
  }

  public LinkedHashMap<String, long[]> parameterShapes() {
    LinkedHashMap<String, long[]> s = new LinkedHashMap<>(edge.parameterShapes());
    if (invariantOut > 0) {
      if (invariant > 0) {
        s.put(name("hh.weight"), new long[] {2L * invariant, invariantOut});
      }
      if (channels > 0) {
        s.put(name("lh.weight"), new long[] {2L * channels, invariantOut});
      }
      s.put(name("hh.bias"), new long[] {invariantOut});
    }
    if (channelsOut > 0) {
      if (channels > 0) {
        s.put(name("ll.weight"), new long[] {2L * channels, channelsOut});
      }
      if (invariant > 0) {
        s.put(name("hl.weight"), new long[] {2L * invariant, channelsOut});
      }
      s.put(name("ll.bias"), new long[] {channelsOut});
    }
    return s;
  }

  /** Seeded U(±1/√fan_in) weights (fan_in = the width of [x, A x] feeding each output), as {@link Mlp}. */
  public Params init(long seed, DataType dtype) {
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    Params e0 = edge.init(seed, dtype);
    if (e0 != null) {
      e0.entries().forEach(e -> m.put(e.getKey(), e.getValue()));
    }
    SplittableRandom rng = new SplittableRandom(seed ^ 0x6C0F1A2BL);
    double bound = 1.0 / Math.sqrt(2.0 * (invariant + channels));
    for (var e : parameterShapes().entrySet()) {
      if (!m.containsKey(e.getKey())) {
        m.put(e.getKey(), Tensor.variable(Layers.uniform(rng, bound, dtype, e.getValue()), e.getKey()));
      }
    }
    return Params.of(m);
  }

  /** The adjacency A {@code [B, n, n]}: rows softmax-normalised over j ≠ i, zero diagonal. */
  public Tensor adjacency(Params params, Tensor h, Tensor l) {
    check(h, l);
    return normalise(edge.scores(params, h, l));
  }

  /** Row softmax of scores {@code [B, n, n]} with the diagonal masked out. */
  public static Tensor normalise(Tensor scores) {
    long n = scores.size(1);
    INDArray diag = Nd4j.eye(n).castTo(scores.dtype()).muli(SELF_EDGE).reshape(1, n, n);
    return Ops.softmax(Ops.add(scores, Tensor.constant(diag)), -1);
  }

  /** The layer's new features (h', l') before any nonlinearity; a part of width 0 is null. */
  public Nodes forward(Params params, Tensor h, Tensor l) {
    return aggregate(params, adjacency(params, h, l), h, l);
  }

  /** The graph convolution [x, A x] W + b for a given adjacency a {@code [B, n, n]}. */
  public Nodes aggregate(Params params, Tensor a, Tensor h, Tensor l) {
    check(h, l);
    long b = a.size(0);
    long n = a.size(1);
    if (invariant == 0) {
      h = null;
    }
    if (channels == 0) {
      l = null;
    }
    Tensor hBar = invariant > 0 ? Ops.concat(2, List.of(h, Ops.matmul(a, h))) : null;
    Tensor lBar = null;
    long classes = 0;
    if (channels > 0) {
      classes = l.size(2);
      Tensor al = Ops.reshape(Ops.matmul(a, Ops.reshape(l, b, n, classes * channels)), b, n, classes, channels);
      lBar = Ops.concat(3, List.of(l, al));
    }
    Tensor hOut = null;
    if (invariantOut > 0) {
      hOut = null;
      if (hBar != null) {
        hOut = Ops.linear(hBar, params.get(name("hh.weight")), params.get(name("hh.bias")));
      }
      if (lBar != null) {
        Tensor fromL = Ops.linear(Ops.sum(lBar, false, 2), params.get(name("lh.weight")),
            hOut == null ? params.get(name("hh.bias")) : null);
        hOut = hOut == null ? fromL : Ops.add(hOut, fromL);
      }
    }
    Tensor lOut = null;
    if (channelsOut > 0) {
      if (classes == 0) {
        throw new IllegalArgumentException("GraphConv: class outputs need class-indexed inputs l [B, n, N, C]");
      }
      Tensor bias = params.get(name("ll.bias"));
      if (lBar != null) {
        lOut = Ops.reshape(Ops.linear(Ops.reshape(lBar, b, n * classes, 2L * channels),
            params.get(name("ll.weight")), bias), b, n, classes, channelsOut);
      }
      if (hBar != null) {
        Tensor fromH = Ops.unsqueeze(Ops.linear(hBar, params.get(name("hl.weight")), lBar == null ? bias : null), 2);
        lOut = lOut == null ? Ops.broadcastTo(fromH, b, n, classes, channelsOut) : Ops.add(lOut, fromH);
      }
    }
    return new Nodes(hOut, lOut);
  }

  /** Node features: invariant {@code h [B, n, H]} and class-indexed {@code l [B, n, N, C]}; either may be null. */
  public record Nodes(Tensor h, Tensor l) {}

  /** ρ(x) = x for x &gt; 0, slope·x otherwise (the paper's leaky ReLU), by a constant sign mask. */
  public static Tensor leakyRelu(Tensor x, double slope) {
    return Ops.where(x.value().gt(0), x, Ops.mulScalar(x, slope));
  }

  private void check(Tensor h, Tensor l) {
    if (invariant > 0 && (h == null || h.rank() != 3 || h.size(2) != invariant)) {
      throw new IllegalArgumentException("GraphConv: invariant features must be [B, n, " + invariant + "], got "
          + (h == null ? "null" : java.util.Arrays.toString(h.shape())));
    }
    if (channels > 0 && (l == null || l.rank() != 4 || l.size(3) != channels)) {
      throw new IllegalArgumentException("GraphConv: class features must be [B, n, N, " + channels + "], got "
          + (l == null ? "null" : java.util.Arrays.toString(l.shape())));
    }
    if (h != null && l != null && (h.size(0) != l.size(0) || h.size(1) != l.size(1))) {
      throw new IllegalArgumentException("GraphConv: h " + java.util.Arrays.toString(h.shape()) + " and l "
          + java.util.Arrays.toString(l.shape()) + " must share the batch and node axes");
    }
  }

  /** |x_i − x_j| {@code [B, n, n, F]} of x {@code [B, n, F]}. */
  static Tensor pairwiseAbs(Tensor x) {
    long b = x.size(0);
    long n = x.size(1);
    long f = x.size(2);
    Tensor d = Ops.sub(Ops.broadcastTo(Ops.unsqueeze(x, 2), b, n, n, f), Ops.broadcastTo(Ops.unsqueeze(x, 1), b, n, n, f));
    // |d| as a choice between d and −d by a constant sign mask: differentiable to any order away from 0.
    return Ops.where(d.value().gt(0), d, Ops.neg(d));
  }

  /** Σ_k |l_ik − l_jk| {@code [B, n, n, C]} of l {@code [B, n, N, C]}. */
  static Tensor classSummedPairwiseAbs(Tensor l) {
    long b = l.size(0);
    long n = l.size(1);
    long k = l.size(2);
    long c = l.size(3);
    Tensor d = pairwiseAbs(Ops.reshape(l, b, n, k * c));
    return Ops.sum(Ops.reshape(d, b, n, n, k, c), false, 3);
  }

  static Tensor flatClasses(Tensor l) {
    return Ops.reshape(l, l.size(0), l.size(1), l.size(2) * l.size(3));
  }
}

package org.bml.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/** Parameter groups: per-segment updaters equal separate optimizers, state layout, sign descent, validation. */
class MetaOptimizerTest {
  private static final List<String> NAMES = List.of("a", "b", "c");
  private static final long[][] SHAPES = {{3, 2}, {4}, {2, 5}};

  private static Params initial(DataType dtype) {
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i < NAMES.size(); i++) {
      m.put(NAMES.get(i), Tensor.variable(Nd4j.rand(dtype, SHAPES[i]).subi(0.5), NAMES.get(i)));
    }
    return Params.of(m);
  }

  /** Deterministic pseudo-gradients for step t (same for every optimizer under test). */
  private static List<Tensor> grads(Params p, int t) {
    Random r = new Random(100 + t);
    List<Tensor> g = new ArrayList<>();
    for (Tensor x : p.tensors()) {
      double[] v = new double[(int) x.value().length()];
      for (int i = 0; i < v.length; i++) {
        v[i] = r.nextGaussian() * Math.pow(10, -r.nextInt(4));
      }
      g.add(Tensor.constant(Nd4j.create(v, x.shape()).castTo(x.dtype())));
    }
    return g;
  }

  private static List<Tensor> subset(List<Tensor> g, int... idx) {
    List<Tensor> out = new ArrayList<>();
    for (int i : idx) {
      out.add(g.get(i));
    }
    return out;
  }

  @Test
  void splittingEqualConfigurationsChangesNothingAndKeepsOneSegment() {
    Params init = initial(DataType.DOUBLE);
    MetaOptimizer one = new MetaOptimizer(init, new Adam(1e-2), 0);
    Map<String, IUpdater> same = Map.of("a", new Adam(1e-2), "b", new Adam(1e-2), "c", new Adam(1e-2));
    MetaOptimizer grouped = new MetaOptimizer(init, same, 0);
    assertEquals(1, grouped.segmentCount());
    assertEquals(one.layout(), grouped.layout());
    for (int t = 0; t < 5; t++) {
      one.step(grads(one.params(), t));
      grouped.step(grads(grouped.params(), t));
    }
    assertEquals(one.flatParams(), grouped.flatParams());
    assertEquals(one.updaterState(), grouped.updaterState());
  }

  @Test
  void eachSegmentFollowsItsOwnUpdaterAsASeparateOptimizerWould() {
    Params init = initial(DataType.DOUBLE);
    Map<String, IUpdater> cfg = new LinkedHashMap<>();
    cfg.put("a", MetaOptimizer.signDescent(1e-2));
    cfg.put("b", new Adam(1e-2));
    cfg.put("c", MetaOptimizer.signDescent(1e-2));
    MetaOptimizer grouped = new MetaOptimizer(init, cfg, 0);
    assertEquals(3, grouped.segmentCount());
    assertEquals("Adam[0+6;12],Adam[6+4;8],Adam[10+10;20]", grouped.layout());
    MetaOptimizer signAc = new MetaOptimizer(init.subset(List.of("a", "c")), MetaOptimizer.signDescent(1e-2), 0);
    MetaOptimizer adamB = new MetaOptimizer(init.subset(List.of("b")), new Adam(1e-2), 0);
    for (int t = 0; t < 6; t++) {
      List<Tensor> g = grads(grouped.params(), t);
      grouped.step(g);
      signAc.step(subset(g, 0, 2));
      adamB.step(subset(g, 1));
    }
    assertEquals(signAc.params().get("a").value(), grouped.params().get("a").value());
    assertEquals(signAc.params().get("c").value(), grouped.params().get("c").value());
    assertEquals(adamB.params().get("b").value(), grouped.params().get("b").value());
    assertThrows(IllegalStateException.class, grouped::config);
  }

  @Test
  void signDescentMovesEveryEntryByTheLearningRateTimesItsSign() {
    Params init = initial(DataType.DOUBLE);
    MetaOptimizer opt = new MetaOptimizer(init, MetaOptimizer.signDescent(1e-3), 0);
    for (int t = 0; t < 3; t++) {
      INDArray before = opt.flatParams().dup();
      List<Tensor> g = grads(opt.params(), t);
      opt.step(g);
      INDArray flatG = Nd4j.toFlattened('c', g.stream().map(Tensor::value).toList()).reshape(before.length());
      for (long i = 0; i < before.length(); i++) {
        double gi = flatG.getDouble(i);
        double expected = 1e-3 * gi / (Math.abs(gi) + MetaOptimizer.SIGN_EPSILON);
        assertEquals(expected, before.getDouble(i) - opt.flatParams().getDouble(i), 1e-15, "entry " + i + " step " + t);
      }
    }
  }

  @Test
  void groupedStateRestoresBitForBit() {
    Params init = initial(DataType.FLOAT);
    Map<String, IUpdater> cfg = Map.of("a", MetaOptimizer.signDescent(1e-2), "b", new Adam(1e-2), "c", new Sgd(0.1));
    MetaOptimizer a = new MetaOptimizer(init, cfg, 0);
    for (int t = 0; t < 3; t++) {
      a.step(grads(a.params(), t));
    }
    MetaOptimizer b = new MetaOptimizer(init, cfg, 0);
    b.restore(a.flatParams().dup(), a.updaterState().dup(), a.iteration());
    for (int t = 3; t < 6; t++) {
      a.step(grads(a.params(), t));
      b.step(grads(b.params(), t));
    }
    assertEquals(a.flatParams(), b.flatParams());
    assertEquals(a.updaterState(), b.updaterState());
    assertEquals("Adam[0+6;12],Adam[6+4;8],Sgd[10+10;0]", a.layout());
  }

  @Test
  void groupsMustNameEveryParameterAndNoOther() {
    Params init = initial(DataType.DOUBLE);
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> new MetaOptimizer(init, Map.of("a", new Adam(), "b", new Adam()), 0));
    assertTrue(missing.getMessage().contains("'c'"), missing.getMessage());
    Map<String, IUpdater> extra = new LinkedHashMap<>(Map.of("a", new Adam(), "b", new Adam(), "c", new Adam()));
    extra.put("z", new Adam());
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> new MetaOptimizer(init, extra, 0));
    assertTrue(unknown.getMessage().contains("'z'"), unknown.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new MetaOptimizer(init, (IUpdater) null, 0));
  }
}

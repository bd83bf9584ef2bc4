package org.bml.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one naming scheme of meta-parameter groups and the legacy → current table checkpoints are read with. */
class ParamNamesTest {
  private static final List<String> GROUPS = List.of(ParamNames.HEAD, ParamNames.BODY, ParamNames.ENCODER,
      ParamNames.DECODER, ParamNames.INFERENCE_NETWORK, ParamNames.STEP_SIZE, ParamNames.LOG_PRIOR_VARIANCE,
      ParamNames.LOG_POSTERIOR_VARIANCE, ParamNames.GAMMA_P, ParamNames.GAMMA_Q, ParamNames.LOG_STD,
      ParamNames.ABML_LOG_VARIANCE, ParamNames.particle(0), ParamNames.particle(12));

  @Test
  void everyGroupIsAWordAndTheOneSeparator() {
    for (String g : GROUPS) {
      assertTrue(g.endsWith(ParamNames.SEPARATOR), g);
      assertFalse(g.contains("/") || g.contains(":"), g);
    }
    assertEquals(List.of("head.weight", "head.bias"), Conv4.headNames());
    assertEquals("particle3.", ParamNames.particle(3));
    assertThrows(IllegalArgumentException.class, () -> ParamNames.particle(-1));
  }

  /** The strings of configuration layouts 1 and 2 (before the one separator), each mapped to its current group. */
  @Test
  void legacyGroupsMapToTheCurrentOnes() {
    Map<String, String> expected = Map.of("lr/layer0.weight", "lr.layer0.weight",
        "logvar_theta/layer1.bias", "logvar_theta.layer1.bias", "logvar_q/layer0.weight", "logvar_q.layer0.weight",
        "gamma_p/layer2.weight", "gamma_p.layer2.weight", "gamma_q/head.bias", "gamma_q.head.bias",
        "mr-w.logStd:encoder.layer0.weight", "mr-w.logStd.encoder.layer0.weight",
        "abml.logvar/conv0.weight", "abml.logvar.conv0.weight", "particle3/layer0.weight", "particle3.layer0.weight",
        "particle10/log_gamma", "particle10.log_gamma");
    expected.forEach((legacy, current) -> {
      assertEquals(current, ParamNames.fromLegacy(legacy), legacy);
      assertTrue(ParamNames.isLegacy(legacy), legacy);
      assertEquals(current, ParamNames.fromLegacy(current), "identity on current names: " + current);
      assertFalse(ParamNames.isLegacy(current), current);
    });
    for (String legacyGroup : ParamNames.LEGACY.keySet()) {
      assertTrue(expected.keySet().stream().anyMatch(k -> k.startsWith(legacyGroup)), "row " + legacyGroup + " tested");
    }
  }

  @Test
  void prefixesAndNestedGroupsMapToo() {
    assertEquals("lr.", ParamNames.fromLegacy("lr/"));
    assertEquals("particle1.", ParamNames.fromLegacy("particle1/"));
    assertEquals("lr.lay", ParamNames.fromLegacy("lr/lay"));
    assertEquals("mr-w.logStd.particle0.layer0.weight", ParamNames.fromLegacy("mr-w.logStd:particle0/layer0.weight"));
    assertEquals("infnet.encoder.lr.x", ParamNames.fromLegacy("infnet.encoder.lr/x"));
    // Not a group: left alone (a prefix without a separator matches in both schemes).
    for (String s : List.of("lr", "particle1", "mr-w.logStd", "layer0.weight", "encoder", "", "particle/x")) {
      assertEquals(s, ParamNames.fromLegacy(s), s);
    }
    assertThrows(IllegalArgumentException.class, () -> ParamNames.fromLegacy(null));
  }
}

package org.bml.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void writesNestedValuesInOrderWithNonFiniteNumbersAsNull() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("b", 1.5);
    m.put("a", Double.NaN);
    m.put("f", 0.25f);
    m.put("n", 3L);
    m.put("ok", true);
    m.put("xs", new double[] {1, Double.POSITIVE_INFINITY});
    m.put("list", List.of("s", Map.of("k", 2)));
    m.put("none", null);
    assertEquals("{\"b\":1.5,\"a\":null,\"f\":0.25,\"n\":3,\"ok\":true,\"xs\":[1.0,null],"
        + "\"list\":[\"s\",{\"k\":2}],\"none\":null}", Json.write(m));
  }

  @Test
  void escapesStrings() {
    assertEquals("\"q\\\"b\\\\n\\nt\\tc\\u0001\"", Json.write("q\"b\\n\nt\tc\u0001"));
  }
}

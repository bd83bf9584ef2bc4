package org.bml.cli;

import java.util.Map;

/** Minimal JSON formatting for the metrics and evaluation lines (flat objects only). */
final class Json {
  private Json() {}

  /** One JSON object on one line; non-finite doubles become {@code null} (JSON has no NaN). */
  static String object(Map<String, ?> fields) {
    StringBuilder b = new StringBuilder("{");
    boolean first = true;
    for (Map.Entry<String, ?> e : fields.entrySet()) {
      if (!first) {
        b.append(',');
      }
      first = false;
      string(b, e.getKey());
      b.append(':');
      value(b, e.getValue());
    }
    return b.append('}').toString();
  }

  private static void value(StringBuilder b, Object v) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof Double d) {
      b.append(Double.isFinite(d) ? Double.toString(d) : "null");
    } else if (v instanceof Float f) {
      value(b, f.doubleValue());
    } else if (v instanceof Number || v instanceof Boolean) {
      b.append(v);
    } else {
      string(b, v.toString());
    }
  }

  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}

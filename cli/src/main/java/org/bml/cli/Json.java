package org.bml.cli;

import java.util.Map;

/** The metrics and evaluation lines as JSON (one flat object per line). */
final class Json {
  private Json() {}

  /** One JSON object on one line; non-finite doubles become {@code null} (JSON has no NaN). */
  static String object(Map<String, ?> fields) {
    return org.bml.core.io.Json.write(fields);
  }
}

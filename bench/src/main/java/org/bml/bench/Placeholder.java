package org.bml.bench;

final class Placeholder {
  private Placeholder() {}
}

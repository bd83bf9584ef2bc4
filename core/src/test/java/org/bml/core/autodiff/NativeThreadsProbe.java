package org.bml.core.autodiff;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Run in a child JVM by {@link NativeThreadsTest}: prints ND4J's thread counts before and after
 * the first op, and the policy applied.
 */
public final class NativeThreadsProbe {
  private NativeThreadsProbe() {}

  public static void main(String[] args) {
    Nd4j.getBackend();
    System.out.println("before " + NativeThreads.reported());
    Ops.add(Tensor.constant(Nd4j.ones(2)), Tensor.constant(Nd4j.ones(2)));
    System.out.println("after " + NativeThreads.reported());
    System.out.println("policy " + NativeThreads.applied());
  }
}

package org.bml.cli;

/** Entry point of {@code ./bml}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    SineMamlJob.run(iterations, 1, 500, System.out);
  }
}

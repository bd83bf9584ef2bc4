package org.bml.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bml.algorithms.Episodes;
import org.bml.algorithms.Mann;
import org.bml.core.memory.MemoryScope;
import org.bml.core.model.Params;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskDistribution;
import org.bml.datasets.Seeds;
import org.bml.datasets.TaskSeeds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ./bml mann-table}: the accuracy-by-instance table of Santoro et al. (ICML 2016, Table 1)
 * for a {@code mann} checkpoint: over {@code --tasks} fresh episodes, each episode's support and
 * query examples as one shuffled sequence (labels one step late), the fraction of correct
 * predictions at the 1st, 2nd, ... presentation of a class. With 5 classes the paper's MANN (LRUA)
 * row is printed beneath (1st 36.4%, 2nd 82.8%, 5th 91.0%, 10th 92.6%).
 */
@Command(name = "mann-table", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Accuracy by instance (1st, 2nd, ... presentation of a class) of a MANN checkpoint, as Santoro et "
        + "al. 2016 Table 1: each test episode's support and query examples form one shuffled sequence with labels "
        + "shown one step late."},
    footer = {"", "Example:", "  ./bml mann-table --checkpoint runs/mann-omniglot --tasks 200", ""})
final class MannTableCommand implements Callable<Integer> {
  /** The paper's Table 1, MANN (LRUA), 5 classes: instance → accuracy %. */
  static final double[][] PAPER = {{1, 36.4}, {2, 82.8}, {5, 91.0}, {10, 92.6}};

  @Spec
  CommandSpec spec;

  @Option(names = "--checkpoint", paramLabel = "FILE", required = true,
      description = "checkpoint file, or a training --out directory (method mann)")
  Path checkpoint;

  @Option(names = "--tasks", paramLabel = "N", description = "test episodes (default ${DEFAULT-VALUE})")
  int tasks = 100;

  @Option(names = "--split", paramLabel = "NAME", description = "test, val or train (default ${DEFAULT-VALUE})")
  String split = "test";

  @Option(names = "--seed", paramLabel = "S", description = "base seed of the episodes (default: the run's seed)")
  Long seed;

  @Option(names = "--shots", paramLabel = "K", description = "support examples per class (default: as trained)")
  Integer shots;

  @Option(names = "--queries", paramLabel = "Q", description = "query examples per class (default: as trained)")
  Integer queries;

  @Option(names = "--batch", paramLabel = "T", description = "episodes run at once (default ${DEFAULT-VALUE})")
  int batch = 16;

  @Override
  public Integer call() {
    RunConfig.atLeast("--tasks", tasks, 1);
    RunConfig.atLeast("--batch", batch, 1);
    Datasets.seedOffset(split);
    Experiment.Loaded loaded = Experiment.load(checkpoint, new Experiment.EpisodeOverride(null, shots, queries));
    Experiment exp = loaded.experiment();
    if (!(exp.learner instanceof Mann mann)) {
      throw new BadInputException("mann-table needs a checkpoint of method mann; " + loaded.file()
          + " was trained with method " + exp.config.method()
          + ("none".equals(exp.config.regularizer()) ? "" : " + " + exp.config.regularizer()));
    }
    TaskDistribution dist = exp.tasks().splits().get(split);
    long base = seed == null ? exp.config.seed() : seed;
    long taskSeed = TaskSeeds.of(base).seed(TaskSeeds.Split.parse(split));
    Params theta = loaded.meta().detach();
    Mann.InstanceCounts counts = new Mann.InstanceCounts(new long[0], new long[0]);
    for (int start = 0; start < tasks; start += batch) {
      int size = Math.min(batch, tasks - start);
      try (MemoryScope scope = MemoryScope.open("bml-cli-mann-table")) {
        TaskBatch b = dist.batch(taskSeed, start, size);
        // The sequence orders of a batch come from (seed, first episode): reproducible for a given --batch.
        counts = counts.plus(mann.instanceAccuracy(theta, Episodes.support(b), Episodes.query(b),
            Seeds.stream(taskSeed, start).nextLong()));
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    Datasets.Episode ep = new Experiment.EpisodeOverride(null, shots, queries).apply(exp.config);
    out.printf("%s (mann on %s, iteration %d): %s split, %d episodes of %d classes x %d presentations%n",
        loaded.file(), exp.config.dataset(), loaded.checkpoint().iteration(), split, tasks, ep.ways(),
        ep.shots() + ep.queries());
    out.print(table(counts, ep.ways() == 5));
    out.flush();
    return 0;
  }

  static String ordinal(int k) {
    int m = k % 100;
    String suffix = m >= 11 && m <= 13 ? "th" : k % 10 == 1 ? "st" : k % 10 == 2 ? "nd" : k % 10 == 3 ? "rd" : "th";
    return k + suffix;
  }

  /** The table: one column per presentation number reached, accuracy in percent, and the paper's row if asked. */
  static String table(Mann.InstanceCounts c, boolean withPaper) {
    int n = c.total().length;
    while (n > 0 && c.total()[n - 1] == 0) {
      n--; // presentation numbers no episode reached
    }
    StringBuilder b = new StringBuilder(String.format("%-12s", "instance"));
    for (int k = 1; k <= n; k++) {
      b.append(String.format("%7s", ordinal(k)));
    }
    b.append(String.format("%n%-12s", "accuracy %"));
    for (int k = 1; k <= n; k++) {
      b.append(String.format("%7.1f", 100 * c.accuracy(k)));
    }
    b.append(String.format("%n%-12s", "predictions"));
    for (int k = 1; k <= n; k++) {
      b.append(String.format("%7d", c.total()[k - 1]));
    }
    b.append(String.format("%n"));
    if (withPaper) {
      b.append(String.format("%-12s", "paper %"));
      for (int k = 1; k <= n; k++) {
        String v = "-";
        for (double[] p : PAPER) {
          if ((int) p[0] == k) {
            v = String.format("%.1f", p[1]);
          }
        }
        b.append(String.format("%7s", v));
      }
      b.append(String.format("%n"));
    }
    return b.toString();
  }
}

package org.bml.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bml.datasets.LoadNotice;
import org.bml.datasets.Task;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskDistribution;
import org.bml.datasets.TaskKind;
import org.bml.datasets.omniglot.CactusPartitions;
import org.bml.datasets.omniglot.CactusTasks;
import org.bml.datasets.omniglot.OmniglotImages;
import org.bml.datasets.omniglot.OmniglotSplit;
import org.bml.datasets.omniglot.OmniglotTasks;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The CACTUs data set (Hsu, Levine &amp; Finn, "Unsupervised Learning via Meta-Learning", ICLR 2019):
 * {@code --dataset cactus-omniglot} meta-trains on tasks whose classes are k-means clusters of
 * the unlabelled Omniglot training drawings ({@link CactusTasks}) and evaluates on ordinary
 * labelled episodes of the usual splits, so {@code eval} and {@code compare} score it as any
 * Omniglot run. Options go in the name, {@code cactus-omniglot:partitions=4,clusters=500,...}
 * (recorded in the checkpoint with it): {@value #OPTIONS_TEXT}. The k-means seeds follow the run's
 * {@code --seed}. The clustering (tens of seconds) runs only when training tasks are first drawn,
 * so {@code eval} never pays for it.
 */
final class CactusDatasets {
  static final String NAME = "cactus-omniglot";
  static final String OPTIONS_TEXT = "partitions P (default 4), clusters k (500), embedding (pca: pixels projected "
      + "on their principal components, the only one), dims (32 components), kmeans-iterations (20), rotations "
      + "(false: unrotated drawings only; true: every rotation class of the training split)";

  private CactusDatasets() {}

  /** Options of one CACTUs data set. */
  record Options(int partitions, int clusters, int dims, int iterations, boolean rotations) {
    static final Options DEFAULT = new Options(4, 500, 32, 20, false);

    static Options parse(String text) {
      Map<String, String> given = new LinkedHashMap<>();
      for (String part : text.split(",", -1)) {
        int eq = part.indexOf('=');
        if (eq <= 0) {
          throw new BadInputException("dataset " + NAME + ": option '" + part + "' is not NAME=VALUE (" + OPTIONS_TEXT + ")");
        }
        String key = part.substring(0, eq).strip();
        if (given.put(key, part.substring(eq + 1).strip()) != null) {
          throw new BadInputException("dataset " + NAME + ": option '" + key + "' given twice");
        }
      }
      int partitions = DEFAULT.partitions;
      int clusters = DEFAULT.clusters;
      int dims = DEFAULT.dims;
      int iterations = DEFAULT.iterations;
      boolean rotations = DEFAULT.rotations;
      for (Map.Entry<String, String> e : given.entrySet()) {
        String v = e.getValue();
        switch (e.getKey()) {
          case "partitions" -> partitions = integer(e.getKey(), v, 1, 1000);
          case "clusters" -> clusters = integer(e.getKey(), v, 2, 100_000);
          case "dims" -> dims = integer(e.getKey(), v, 1, OmniglotImages.PIXELS);
          case "kmeans-iterations" -> iterations = integer(e.getKey(), v, 1, 10_000);
          case "rotations" -> {
            if (!v.equals("true") && !v.equals("false")) {
              throw new BadInputException("dataset " + NAME + ": rotations=" + v + ": must be true or false");
            }
            rotations = v.equals("true");
          }
          case "embedding" -> {
            if (!v.equals("pca")) {
              throw new BadInputException("dataset " + NAME + ": embedding=" + v + ": unknown (have: pca)");
            }
          }
          default -> throw new BadInputException("dataset " + NAME + ": unknown option '" + e.getKey() + "' ("
              + OPTIONS_TEXT + ")");
        }
      }
      return new Options(partitions, clusters, dims, iterations, rotations);
    }

    private static int integer(String key, String v, int min, int max) {
      int x;
      try {
        x = Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw new BadInputException("dataset " + NAME + ": " + key + "=" + v + ": not an integer");
      }
      if (x < min || x > max) {
        throw new BadInputException("dataset " + NAME + ": " + key + "=" + v + ": must be in " + min + ".." + max);
      }
      return x;
    }
  }

  /**
   * The data set whose labelled episodes evaluate a run on {@code dataset}: {@code omniglot} for
   * every CACTUs variant (its val and test splits are Omniglot's), else the name itself; so
   * {@code compare} accepts a CACTUs run beside an Omniglot run on the same test tasks.
   */
  static String evaluatedOn(String dataset) {
    return dataset.equals(NAME) || dataset.startsWith(NAME + ":") ? "omniglot" : dataset;
  }

  static void registerAll() {
    Datasets.register(dataset(NAME, Options.DEFAULT));
    Datasets.registerFamily(NAME, text -> dataset(NAME + ":" + text, Options.parse(text)));
  }

  private static Datasets.Dataset dataset(String name, Options o) {
    Datasets.Defaults defaults = new Datasets.Defaults(5, 1, 15, 0.4, 32, 1000);
    long[] image = {1, OmniglotImages.SIDE, OmniglotImages.SIDE};
    return new Datasets.Dataset(name, "CACTUs (Hsu et al. 2019): meta-train on k-means clusters of unlabelled "
        + "Omniglot training drawings, evaluate on labelled episodes; options " + NAME + ":NAME=VALUE,... (" + OPTIONS_TEXT
        + ")", TaskKind.CLASSIFICATION, image, defaults, Datasets.OMNIGLOT_DRAWINGS, (e, scheme, seed) -> {
          Map<String, OmniglotSplit> parts = Datasets.omniglotSplits(scheme);
          Map<String, TaskDistribution> splits = new LinkedHashMap<>();
          parts.forEach((split, classes) -> splits.put(split,
              new OmniglotTasks(Datasets.images(), classes, e.ways(), e.shots(), e.queries())));
          CactusPartitions.Config config = new CactusPartitions.Config(o.partitions(), o.clusters(), o.dims(),
              o.iterations(), seed);
          return new Datasets.TaskSet(new Lazy(() -> {
            try (LoadNotice n = LoadNotice.start("CACTUs: embedding the unlabelled " + parts.get("train").name()
                + " drawings (pixel PCA, " + o.dims() + " dims) and clustering them " + o.partitions() + " x k-means, k = "
                + o.clusters())) {
              return CactusTasks.fromSplit(Datasets.images(), parts.get("train"), o.rotations(), config, e.ways(),
                  e.shots(), e.queries(), DataType.FLOAT);
            } catch (IllegalArgumentException ex) {
              throw new BadInputException("dataset " + name + ": " + ex.getMessage(), ex);
            }
          }), splits);
        });
  }

  /** Builds the CACTUs tasks on first use, so loading the data set for evaluation does not cluster. */
  private static final class Lazy implements TaskDistribution {
    private final java.util.function.Supplier<CactusTasks> build;
    private CactusTasks tasks;

    Lazy(java.util.function.Supplier<CactusTasks> build) {
      this.build = build;
    }

    private synchronized CactusTasks tasks() {
      if (tasks == null) {
        tasks = build.get();
      }
      return tasks;
    }

    @Override
    public Task task(long seed, long index) {
      return tasks().task(seed, index);
    }

    @Override
    public TaskBatch batch(long seed, long firstIndex, int size) {
      return tasks().batch(seed, firstIndex, size);
    }

    @Override
    public TaskKind kind() {
      return TaskKind.CLASSIFICATION;
    }
  }
}

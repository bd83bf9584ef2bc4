package org.bml.cli;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bml.datasets.TaskDistribution;
import org.bml.datasets.TaskKind;
import org.bml.datasets.TaskSeeds;
import org.bml.datasets.omniglot.NonMutexOmniglotTasks;
import org.bml.datasets.omniglot.OmniglotImages;
import org.bml.datasets.omniglot.OmniglotPaths;
import org.bml.datasets.omniglot.OmniglotSplit;
import org.bml.datasets.omniglot.OmniglotSplits;
import org.bml.datasets.omniglot.OmniglotTasks;
import org.bml.datasets.synthetic.NonMutexSinusoidTasks;
import org.bml.datasets.synthetic.SineAndLineTasks;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The data sets {@code --dataset NAME} knows, each with its task kind, input shape, default
 * episode and optimisation settings, and a loader giving the meta-training distribution and the
 * evaluation splits ({@code train}, {@code val}, {@code test}).
 *
 * <p>Seeds: meta-training draws tasks under the run's seed; evaluation draws split {@code s} under
 * the seed plus {@link #seedOffset(String)} (the library's {@link TaskSeeds}) ({@code train}: 0, i.e. the tasks trained on;
 * {@code val} and {@code test}: fixed large offsets), so regression splits differ by their tasks
 * and Omniglot splits also by their classes. Omniglot's {@code maml} split (Finn et al. 2017: 1200
 * characters for training, the other 423 for test, each in four rotations, shuffled with split
 * seed 0) has no validation classes: as in the MAML reference code, {@code val} uses the test
 * classes (under its own seed); the {@code vinyals} split has its own train/val/test files.
 */
public final class Datasets {
  /** Offset of the test seed from the run's seed (the library's {@link TaskSeeds.Split#TEST}). */
  public static final long TEST_SEED_OFFSET = TaskSeeds.Split.TEST.offset();
  /** Offset of the validation seed from the run's seed ({@link TaskSeeds.Split#VALIDATION}). */
  public static final long VALIDATION_SEED_OFFSET = TaskSeeds.Split.VALIDATION.offset();
  /** Drawings per Omniglot character. */
  public static final int OMNIGLOT_DRAWINGS = 20;
  /** Seed of the MAML character split (fixed, so every run uses the same test characters). */
  public static final long MAML_SPLIT_SEED = 0;
  public static final List<String> SPLITS = List.of("train", "val", "test");
  public static final List<String> OMNIGLOT_SPLIT_SCHEMES = List.of("maml", "vinyals");
  /** Training tasks of the BMAML-protocol sinusoid (the paper's larger pool). */
  public static final int BMAML_POOL = 1000;

  /** Classes, examples per class in the support set, and query examples per class (or per task). */
  public record Episode(int ways, int shots, int queries) {}

  /** Defaults a run takes from its data set. */
  public record Defaults(int ways, int shots, int queries, double innerLr, int metaBatch, int iterations) {}

  /** Meta-training tasks and the evaluation splits' distributions. */
  public record TaskSet(TaskDistribution train, Map<String, TaskDistribution> splits) {
    public TaskSet {
      splits = Collections.unmodifiableMap(new LinkedHashMap<>(splits));
    }
  }

  /** Builds the distributions of an episode shape (may load files). */
  @FunctionalInterface
  public interface Loader {
    TaskSet load(Episode episode, String splitScheme, long seed);
  }

  /**
   * A registry entry.
   *
   * @param inputShape one example's shape ({@code [d]} or {@code [channels, side, side]})
   * @param examplesPerClass examples each class has (0: unlimited), checked against shots + queries
   */
  public record Dataset(String name, String summary, TaskKind kind, long[] inputShape, Defaults defaults,
      int examplesPerClass, Loader loader) {
    public boolean images() {
      return inputShape.length == 3;
    }
  }

  private static final Map<String, Dataset> REGISTRY = new LinkedHashMap<>();
  /** Parameterised names {@code PREFIX:options}: the prefix's parser builds the entry from the options. */
  private static final Map<String, java.util.function.Function<String, Dataset>> FAMILIES = new LinkedHashMap<>();
  private static OmniglotImages omniglot;

  static {
    Defaults regression = new Defaults(1, 10, 10, 0.01, 25, 4000);
    Defaults omniglotDefaults = new Defaults(5, 1, 15, 0.4, 32, 1000);
    long[] scalar = {1};
    long[] image = {1, OmniglotImages.SIDE, OmniglotImages.SIDE};
    register(new Dataset("sinusoid", "sinusoid regression, MAML protocol (Finn et al. 2017)", TaskKind.REGRESSION,
        scalar, regression, 0, (e, s, seed) -> {
          SinusoidTasks t = new SinusoidTasks(SinusoidTasks.Config.maml(), e.shots(), e.queries(), DataType.FLOAT);
          return new TaskSet(t, Map.of("train", t, "val", t, "test", t));
        }));
    register(new Dataset("bmaml-sinusoid",
        "sinusoid regression, BMAML protocol (Yoon et al. 2018): frequency and phase vary, noise 0.01·A, a pool of "
            + BMAML_POOL + " training tasks; evaluation on fresh tasks", TaskKind.REGRESSION, scalar, regression, 0,
        (e, s, seed) -> {
          SinusoidTasks train = new SinusoidTasks(SinusoidTasks.Config.bmaml(BMAML_POOL), e.shots(), e.queries(),
              DataType.FLOAT);
          SinusoidTasks fresh = train.unpooled();
          return new TaskSet(train, Map.of("train", train, "val", fresh, "test", fresh));
        }));
    register(new Dataset("sine-and-line", "ambiguous sine-or-line regression, PLATIPUS protocol (Finn et al. 2018)",
        TaskKind.REGRESSION, scalar, regression, 0, (e, s, seed) -> {
          SineAndLineTasks t = new SineAndLineTasks(e.shots(), e.queries());
          return new TaskSet(t, Map.of("train", t, "val", t, "test", t));
        }));
    register(new Dataset("nonmutex-sinusoid",
        "non-mutually-exclusive sinusoids, MR-MAML protocol (Yin et al. 2020); input x plus a 20-way one-hot",
        TaskKind.REGRESSION, new long[] {1 + NonMutexSinusoidTasks.GRID}, regression, 0, (e, s, seed) -> {
          NonMutexSinusoidTasks train = new NonMutexSinusoidTasks(NonMutexSinusoidTasks.Split.TRAIN, e.shots(),
              e.queries());
          NonMutexSinusoidTasks test = new NonMutexSinusoidTasks(NonMutexSinusoidTasks.Split.TEST, e.shots(),
              e.queries());
          return new TaskSet(train, Map.of("train", train, "val", test, "test", test));
        }));
    register(new Dataset("omniglot", "Omniglot N-way K-shot episodes (Lake et al. 2015; MAML/Vinyals splits)",
        TaskKind.CLASSIFICATION, image, omniglotDefaults, OMNIGLOT_DRAWINGS, (e, s, seed) -> {
          Map<String, OmniglotSplit> parts = omniglotSplits(s);
          Map<String, TaskDistribution> splits = new LinkedHashMap<>();
          parts.forEach((name, split) -> splits.put(name, episodes(split, e)));
          return new TaskSet(splits.get("train"), splits);
        }));
    register(new Dataset("nonmutex-omniglot",
        "non-mutually-exclusive Omniglot (Yin et al. 2020): fixed class groups with fixed labels for training, "
            + "ordinary episodes for evaluation",
        TaskKind.CLASSIFICATION, image, omniglotDefaults, OMNIGLOT_DRAWINGS, (e, s, seed) -> {
          Map<String, OmniglotSplit> parts = omniglotSplits(s);
          Map<String, TaskDistribution> splits = new LinkedHashMap<>();
          parts.forEach((name, split) -> splits.put(name, episodes(split, e)));
          // The partition into fixed groups is part of the training data, so it follows the run's seed.
          NonMutexOmniglotTasks train = new NonMutexOmniglotTasks(images(), parts.get("train"), e.ways(), e.shots(),
              e.queries(), seed);
          return new TaskSet(train, splits);
        }));
    SibArmlMethods.registerDatasets();
    CactusDatasets.registerAll();
    GpFunctionDatasets.registerAll();
  }

  private Datasets() {}

  public static synchronized void register(Dataset d) {
    if (REGISTRY.containsKey(d.name())) {
      throw new IllegalStateException("dataset '" + d.name() + "' is already registered");
    }
    REGISTRY.put(d.name(), d);
  }

  /** Names {@code prefix:options} resolve through {@code parse(options)} (which throws BadInputException). */
  public static synchronized void registerFamily(String prefix, java.util.function.Function<String, Dataset> parse) {
    if (FAMILIES.putIfAbsent(prefix, parse) != null) {
      throw new IllegalStateException("dataset family '" + prefix + "' is already registered");
    }
  }

  public static synchronized Dataset get(String name) {
    Dataset d = REGISTRY.get(name);
    int colon = name.indexOf(':');
    if (d == null && colon > 0 && FAMILIES.containsKey(name.substring(0, colon))) {
      return FAMILIES.get(name.substring(0, colon)).apply(name.substring(colon + 1));
    }
    if (d == null) {
      throw new BadInputException("unknown dataset '" + name + "' (have: " + String.join(", ", REGISTRY.keySet()) + ")");
    }
    return d;
  }

  public static synchronized List<String> names() {
    return List.copyOf(REGISTRY.keySet());
  }

  /** Seed offset of an evaluation split ({@link TaskSeeds.Split}), see the class comment. */
  public static long seedOffset(String split) {
    if (!SPLITS.contains(split)) {
      throw new BadInputException("unknown split '" + split + "' (have: " + String.join(", ", SPLITS) + ")");
    }
    return TaskSeeds.Split.parse(split).offset();
  }

  /** The Omniglot images, decoded once per process (a few seconds; the data directory is checked first). */
  static synchronized OmniglotImages images() {
    if (omniglot == null) {
      if (OmniglotPaths.find().isEmpty()) {
        OmniglotPaths.root(); // throws, saying where it looked
      }
      omniglot = OmniglotImages.load();
    }
    return omniglot;
  }

  static Map<String, OmniglotSplit> omniglotSplits(String scheme) {
    OmniglotImages images = images();
    Map<String, OmniglotSplit> out = new LinkedHashMap<>();
    if ("vinyals".equals(scheme)) {
      for (String part : SPLITS) {
        out.put(part, OmniglotSplits.vinyals(images, OmniglotPaths.root(), part));
      }
    } else {
      OmniglotSplits.TrainTest tt = OmniglotSplits.maml(images, MAML_SPLIT_SEED);
      out.put("train", tt.train());
      out.put("val", tt.test());
      out.put("test", tt.test());
    }
    return out;
  }

  private static OmniglotTasks episodes(OmniglotSplit split, Episode e) {
    return new OmniglotTasks(images(), split, e.ways(), e.shots(), e.queries());
  }

  /** Completion candidates for picocli's help. */
  static final class Names implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return names().iterator();
    }
  }
}

package org.bml.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bml.algorithms.Checkpoint;
import org.bml.algorithms.InnerLoopLearner;
import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.DatasetException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * A configuration turned into objects: the data set's task distributions, the method's learner
 * (with its regularizer) and the model's description. Shared by {@code train}, {@code eval} and
 * {@code predict}, so all three build a method the same way.
 */
final class Experiment {
  /** File name of a run's checkpoint inside its output directory. */
  static final String CHECKPOINT = "checkpoint.bml";

  final RunConfig config;
  final Datasets.Dataset dataset;
  final MethodContext context;
  final MetaLearner learner;
  private final Datasets.Episode episode;
  private Datasets.TaskSet tasks;

  private Experiment(RunConfig config, Datasets.Dataset dataset, MethodContext context, MetaLearner learner,
      Datasets.Episode episode) {
    this.config = config;
    this.dataset = dataset;
    this.context = context;
    this.learner = learner;
    this.episode = episode;
  }

  /** The task distributions, loaded on first use (Omniglot takes seconds; predict needs none). */
  Datasets.TaskSet tasks() {
    if (tasks == null) {
      try {
        tasks = dataset.loader().load(episode, config.omniglotSplit(), config.seed());
      } catch (DatasetException | IllegalArgumentException e) {
        throw new BadInputException("dataset " + dataset.name() + ": " + e.getMessage(), e);
      }
    }
    return tasks;
  }

  /**
   * Validates the configuration and builds the learner for tasks of shape {@code episode} (which
   * may differ from the training episode at evaluation); the tasks themselves load lazily.
   */
  static Experiment build(RunConfig config, Datasets.Episode episode) {
    HyperValues hp = config.validate();
    Datasets.Dataset d = config.datasetEntry();
    RunConfig.episodeChecks(d, episode.ways(), episode.shots(), episode.queries());
    MethodContext ctx = new MethodContext(config.method(), d.kind(), d.inputShape(), episode.ways(),
        config.shots() * config.ways(), config.innerSteps(), config.innerLr(), hp, config.conv4BatchNorm());
    MetaLearner base;
    try {
      base = config.methodEntry().factory().create(ctx);
      int segments = config.recomputeSegments();
      if (segments != 0) {
        // Anything that cannot checkpoint its inner loop is refused: it would silently keep the whole graph.
        String why = base instanceof InnerLoopLearner il ? il.recomputeRefusal()
            : "it has no TruncatedGradientDescent inner loop to checkpoint";
        if (why != null) {
          throw new BadInputException("--recompute does not apply to --method " + config.method() + ": " + why);
        }
        base = ((InnerLoopLearner) base).withRecompute(segments);
      }
    } catch (IllegalArgumentException e) {
      throw new BadInputException("cannot build method " + config.method() + ": " + e.getMessage(), e);
    }
    MetaLearner learner;
    try {
      learner = Regularizers.get(config.regularizer()).apply(base, ctx);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("cannot build regularizer " + config.regularizer() + " for " + config.method() + ": "
          + e.getMessage(), e);
    }
    return new Experiment(config, d, ctx, learner, episode);
  }

  /**
   * The outer optimizer: the {@code --outer-optimizer} updaters (per parameter group) with the
   * configured rate and schedule, clipping, seeded initial θ.
   */
  MetaOptimizer newOptimizer() {
    return newOptimizer(null, null);
  }

  /**
   * As {@link #newOptimizer()} for a resumed run: the SPEC was recorded in {@code checkpoint} (of
   * configuration {@code layout}), so a PREFIX that matches no parameter means that its groups fit
   * neither naming scheme, and the error says so.
   */
  MetaOptimizer newOptimizer(Path checkpoint, String layout) {
    ISchedule schedule = Schedules.parse(config.lrSchedule(), config.outerLr(), config.iterations());
    Params init = learner.initialize(config.seed(), DataType.FLOAT);
    java.util.Map<String, org.nd4j.linalg.learning.config.IUpdater> updaters;
    try {
      updaters = OuterOptimizers.updaters(config.outerOptimizer(), init.names(), config.outerLr(), schedule);
    } catch (BadInputException e) {
      if (checkpoint == null) {
        throw e;
      }
      throw new BadInputException("checkpoint " + checkpoint + " (" + Checkpoint.FORMAT + ", configuration layout "
          + layout + "): its parameter groups match neither the legacy names of layouts 1-2 nor the names of layout "
          + RunConfig.LAYOUT + ": " + e.getMessage(), e);
    }
    return new MetaOptimizer(init, updaters, config.clip());
  }

  /** The learning rate the optimizer uses at an iteration (every group shares rate and schedule). */
  static double learningRate(MetaOptimizer opt, long iteration) {
    return opt.updaters().values().iterator().next().getLearningRate(Math.toIntExact(iteration), 0);
  }

  /** A checkpoint's file: the path itself, or {@value #CHECKPOINT} inside it when it is a directory. */
  static Path checkpointFile(Path given) {
    return Files.isDirectory(given) ? given.resolve(CHECKPOINT) : given;
  }

  /** Reads a checkpoint, turning any defect into a {@link BadInputException} that names the file. */
  static Checkpoint readCheckpoint(Path file) {
    try {
      return Checkpoint.read(file);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new BadInputException("checkpoint " + file + " is unreadable (" + e.getMessage() + ")", e);
    }
  }

  /**
   * The meta-parameters of a checkpoint in this experiment's structure: a checkpoint whose
   * parameter count does not fit (another model, e.g. a different number of ways) is refused.
   */
  Params metaParameters(Checkpoint ckpt, Path file) {
    DataType dtype = ckpt.params().dataType();
    MetaOptimizer holder = new MetaOptimizer(learner.initialize(config.seed(), dtype), new NoOp(), 0);
    if (holder.flatParams().length() != ckpt.params().length()) {
      throw new BadInputException("checkpoint " + file + " holds " + ckpt.params().length() + " parameters, but "
          + config.method() + " on " + dataset.name() + " with " + context.ways() + " way(s) (" + context.modelDescription()
          + ") has " + holder.flatParams().length() + (dataset.images() ? "; a method with an N-way output layer can only "
              + "be evaluated with the ways it was trained with (" + config.ways() + ")" : "")
          + ("versa".equals(config.method()) && dataset.images() ? "; VERSA classification checkpoints of "
              + Checkpoint.FORMAT + " configuration layouts 1-2 predate its per-class head (one amortization network "
              + "shared by the classes, layout " + RunConfig.LAYOUT + "): retrain them"
              : ""));
    }
    holder.restore(ckpt.params(), null, ckpt.iteration());
    return holder.params();
  }

  /** Loads a checkpoint written by {@code ./bml train} and rebuilds its experiment for {@code episode}. */
  static Loaded load(Path given, EpisodeOverride override) {
    return load(given, override, c -> c);
  }

  /** As {@link #load(Path, EpisodeOverride)}, with the configuration adjusted first (e.g. eval's --inner-lr). */
  static Loaded load(Path given, EpisodeOverride override, java.util.function.UnaryOperator<RunConfig> adjust) {
    Path file = checkpointFile(given);
    Checkpoint ckpt = readCheckpoint(file);
    RunConfig config = adjust.apply(RunConfig.fromMap(ckpt.config(), file.toString()));
    Datasets.Episode episode = override.apply(config);
    Experiment e = build(config, episode);
    return new Loaded(file, ckpt, e, e.metaParameters(ckpt, file));
  }

  /** Episode shape for evaluation: the training one unless overridden. */
  record EpisodeOverride(Integer ways, Integer shots, Integer queries) {
    static final EpisodeOverride NONE = new EpisodeOverride(null, null, null);

    Datasets.Episode apply(RunConfig c) {
      if (ways != null && !c.datasetEntry().images()) {
        throw new BadInputException("--ways applies to classification only; " + c.dataset() + " is regression");
      }
      return new Datasets.Episode(ways == null ? c.ways() : ways, shots == null ? c.shots() : shots,
          queries == null ? c.queries() : queries);
    }
  }

  /** A checkpoint with its rebuilt experiment and meta-parameters. */
  record Loaded(Path file, Checkpoint checkpoint, Experiment experiment, Params meta) {}
}

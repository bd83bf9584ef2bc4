package org.bml.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * Memory estimates made before allocating, checked against {@code --memory-limit} (default: 80% of
 * the machine's physical memory), and the sizes bml refuses outright. Every refusal is bad input
 * (exit 2) and states the estimate, so {@code train --shots 50000000} or {@code eval --samples
 * 100000000} stop at once instead of being killed by the kernel at 20 GB.
 *
 * <p>The estimates are deliberately simple and calibrated on measurements of this project (one
 * Conv-4 5-way 1-shot task's second-order tape is ~0.8 GB, ~10 MB per image per adaptation step;
 * the sinusoid MLP keeps ~12 kB per point per step; only adapting, as eval and predict do, keeps ~20×
 * less; LLAMA's curvature adds ~35 MB per support image per recorded reverse pass, one pass per class
 * for the exact Fisher); they are meant to catch sizes off by orders
 * of magnitude, not to predict the peak to the megabyte.
 */
final class InputLimits {
  /** Bytes kept per image (28×28, Conv-4) per adaptation step on a second-order tape. */
  static final long IMAGE_TAPE_BYTES = 10L << 20;
  /** Bytes kept per regression point (MLP 1-40-40-1) per adaptation step on a second-order tape. */
  static final long POINT_TAPE_BYTES = 12L << 10;
  /**
   * Bytes kept per image (28×28, Conv-4) per adaptation step when only adapting (eval, predict): no
   * meta-gradient, so no second-order tape; measured 0.51 MB (MAML, batch 4, 1 → 20 steps), kept at
   * 2.5× that.
   */
  static final long EVAL_IMAGE_BYTES = 1280L << 10;
  /**
   * Bytes kept per regression point per adaptation step when only adapting; measured 0.45 kB (sinusoid
   * MLP, batch 25, 205 points, 1 → 300 steps), kept at 3× that, plus {@link #EVAL_BYTES_PER_INPUT} per
   * input column (the hidden activations, not the input width, dominate).
   */
  static final long EVAL_POINT_BYTES = 1536L;
  static final long EVAL_BYTES_PER_INPUT = 16L;
  /**
   * Bytes per support image (28×28, Conv-4) of one recorded reverse pass of LLAMA's curvature, kept
   * through the meta-gradient (see {@link #curvatureEstimate}). Measured (maximum RSS of 3-iteration
   * trainings, 1 task, 1 step): 0.71 GB per extra Monte-Carlo sample at 20 ways (20 support images,
   * 35 MB per image-pass), 0.13 GB at 5 ways (26 MB); kept at 48 MB.
   */
  static final long CURVATURE_PASS_IMAGE_BYTES = 48L << 20;
  /**
   * Bytes per task of LLAMA's curvature beyond its passes (the recorded factors, patches and
   * eigendecomposition); measured 0.52 GB (5 ways) and 0.60 GB (20 ways) as the cost of the first
   * pass less that of a further one; kept at 1 GB.
   */
  static final long CURVATURE_TASK_IMAGE_BYTES = 1L << 30;
  /** The JVM, ND4J and the loaded data set before any task is built. */
  static final long BASE_BYTES = 384L << 20;
  /** Largest CSV {@code predict} reads (a support or query set is small; reading costs ~16× its size). */
  static final long MAX_CSV_BYTES = 64L << 20;

  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)i?b?", Pattern.CASE_INSENSITIVE);

  private InputLimits() {}

  /** The {@code --memory-limit} option, shared by train, eval and predict. */
  static final class Memory {
    @Option(names = "--memory-limit", paramLabel = "SIZE",
        description = "refuse settings whose estimated memory exceeds SIZE, e.g. 8g or 512m (default: 80%% of this "
            + "machine's physical memory)")
    String memoryLimit;

    /** The limit for the estimates; a given one also bounds what the command adds to resident memory. */
    long bytes() {
      if (memoryLimit == null) {
        return defaultLimit();
      }
      long bytes = parse(memoryLimit);
      NativeMemoryGuard.allowMore(bytes, "--memory-limit " + memoryLimit);
      return bytes;
    }
  }

  static long defaultLimit() {
    long total = 0;
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      total = os.getTotalMemorySize();
    }
    return total > 0 ? total / 5 * 4 : 8L << 30;
  }

  static long parse(String s) {
    Matcher m = SIZE.matcher(s.strip());
    if (!m.matches()) {
      throw new BadInputException("--memory-limit '" + s + "' is not a size (e.g. 8g, 512m, 2000000000)");
    }
    double v = Double.parseDouble(m.group(1));
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    double bytes = v * Math.pow(2, shift);
    if (bytes < (64 << 20) || bytes > 9e18) {
      throw new BadInputException("--memory-limit " + s + " is outside 64m .. 8e18 bytes");
    }
    return (long) bytes;
  }

  /** Saturating arithmetic for estimates: an overflow is simply "more than any limit". */
  static long mul(long... xs) {
    long r = 1;
    for (long x : xs) {
      try {
        r = Math.multiplyExact(r, Math.max(x, 0));
      } catch (ArithmeticException e) {
        return Long.MAX_VALUE;
      }
    }
    return r;
  }

  static long add(long... xs) {
    long r = 0;
    for (long x : xs) {
      r = x > Long.MAX_VALUE - r ? Long.MAX_VALUE : r + x;
    }
    return r;
  }

  /** Tape bytes of one example per adaptation step for a data set's input shape. */
  static long perExampleBytes(Datasets.Dataset d) {
    long[] shape = d.inputShape();
    if (d.images()) {
      return mul(IMAGE_TAPE_BYTES, shape[0], shape[1], shape[2]) / 784;
    }
    return mul(POINT_TAPE_BYTES, Math.max(1, shape[0]));
  }

  /** Bytes of one example per adaptation step when only adapting (eval, predict: no meta-gradient). */
  static long adaptExampleBytes(Datasets.Dataset d) {
    long[] shape = d.inputShape();
    if (d.images()) {
      return mul(EVAL_IMAGE_BYTES, shape[0], shape[1], shape[2]) / 784;
    }
    return add(EVAL_POINT_BYTES, mul(EVAL_BYTES_PER_INPUT, Math.max(1, shape[0])));
  }

  /**
   * Estimated peak bytes of a training run: one pass over a chunk of tasks, the meta-batch's data, θ's
   * copies, and LLAMA's recorded curvature passes ({@link #curvatureEstimate}).
   */
  static long trainEstimate(RunConfig c) {
    Datasets.Dataset d = c.datasetEntry();
    long points = mul(c.ways(), add(c.shots(), c.queries()));
    long inputFloats = mul(d.inputShape());
    long tape = mul(c.chunk(), points, perExampleBytes(d), add(c.innerSteps(), 1));
    long data = mul(c.metaBatch(), points, add(inputFloats, 1), 4);
    return add(BASE_BYTES, tape, data, curvatureEstimate(c));
  }

  /**
   * The recorded curvature passes of LLAMA's second-order meta-gradient (Grant et al. 2018: the
   * gradient of ½ log det H reaches θ through the curvature at φ̂, so every reverse pass that builds
   * H is itself on the tape): per task of a chunk, R recorded reverse passes over the support set,
   * R the rank of the output factor — the number of classes with {@code fisher=exact}, {@code
   * mc-samples} with {@code fisher=mc}, the outputs (1) for Gaussian regression — for K-FAC; the
   * diagonal GGN makes R passes per support point; the exact Hessian one per parameter (P, taken as
   * ~10⁵ for Conv-4 and ~2·10³ for the regression MLP). 0 for other methods and η = 0 (MAML's loss).
   */
  static long curvatureEstimate(RunConfig c) {
    if (!"llama".equals(c.method())) {
      return 0;
    }
    Map<String, String> hp = c.hp() == null ? Map.of() : c.hp();
    double eta;
    try {
      eta = Double.parseDouble(hp.getOrDefault("eta", "1e-3"));
    } catch (NumberFormatException e) {
      return 0; // refused by the method's own check
    }
    if (eta == 0) {
      return 0;
    }
    Datasets.Dataset d = c.datasetEntry();
    long support = mul(c.ways(), c.shots());
    long rank;
    if ("mc".equals(hp.getOrDefault("fisher", "exact"))) {
      try {
        rank = Math.max(1, Long.parseLong(hp.getOrDefault("mc-samples", "1").strip()));
      } catch (NumberFormatException e) {
        return 0; // refused by the method's own check
      }
    } else {
      rank = d.images() ? c.ways() : 1;
    }
    long passes = switch (hp.getOrDefault("curvature", "kfac")) {
      case "diagonal-ggn" -> mul(rank, support);
      case "exact-hessian" -> d.images() ? 112_005L : 1_761L;
      default -> rank;
    };
    long perPass = d.images() ? mul(CURVATURE_PASS_IMAGE_BYTES, mul(d.inputShape())) / 784
        : mul(POINT_TAPE_BYTES, Math.max(1, d.inputShape()[0]));
    long perTask = d.images() ? mul(CURVATURE_TASK_IMAGE_BYTES, mul(d.inputShape())) / 784 : 0;
    return mul(c.chunk(), add(perTask, mul(passes, support, perPass)));
  }

  /** Estimated peak bytes of an evaluation batch, with {@code samples} hypotheses per task (0: none). */
  static long evalEstimate(Datasets.Dataset d, Datasets.Episode e, int batch, int maxSteps, int samples) {
    long points = mul(e.ways(), add(e.shots(), e.queries()));
    long tape = mul(batch, points, adaptExampleBytes(d), add(maxSteps, 1));
    long hyp = mul(Math.max(samples, 0), batch, points, adaptExampleBytes(d));
    long data = mul(batch, points, add(mul(d.inputShape()), 1), 4);
    return add(BASE_BYTES, tape, hyp, data);
  }

  /** Refuses (exit 2, nothing written) when {@code estimate} exceeds {@code limit}. */
  static void check(String what, long estimate, long limit) {
    if (estimate > limit) {
      throw new BadInputException(what + " needs an estimated " + human(estimate) + " of memory, over the limit of "
          + human(limit) + " (--memory-limit; default 80% of physical memory); use smaller sizes or --chunk");
    }
  }

  static String human(long bytes) {
    if (bytes == Long.MAX_VALUE) {
      return "more than 9 EB (the estimate overflows)";
    }
    double gb = bytes / (double) (1L << 30);
    return gb >= 1 ? String.format(Locale.ROOT, "%.1f GB", gb)
        : String.format(Locale.ROOT, "%.0f MB", bytes / (double) (1L << 20));
  }

  /**
   * An {@link ArithmeticException} from exact integer arithmetic ({@code Math.multiplyExact},
   * {@code toIntExact}, ...): sizes too large for an int or long, which is bad input, not a
   * non-finite loss.
   */
  static boolean isOverflow(Throwable e) {
    return e instanceof ArithmeticException && e.getMessage() != null
        && (e.getMessage().equals("integer overflow") || e.getMessage().equals("long overflow"));
  }

  /** An I/O failure named by what went wrong, not only by its path (AccessDeniedException's message is the path). */
  static String describe(IOException e) {
    if (e instanceof AccessDeniedException a) {
      return a.getFile() + ": permission denied";
    }
    if (e instanceof NoSuchFileException n) {
      return n.getFile() + ": no such file or directory";
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException f) {
      return f.getFile() + ": exists and is not a directory";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getFile() + ": " + f.getReason();
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}

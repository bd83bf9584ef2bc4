package org.bml.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.bml.bench.Bench;
import org.bml.datasets.DatasetException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Entry point of {@code ./bml}. Without a subcommand it runs the README's main job (second-order
 * MAML on sinusoids, pre/post-adaptation MSE and a PNG of test tasks); {@code train},
 * {@code eval} and {@code predict} are the general command line; {@code bench} prints the
 * benchmark figures.
 *
 * <p>Errors print {@code bml: error: <message>} on stderr with exit status
 * {@value #EXIT_BAD_INPUT} for bad input (usage, names, values, files, checkpoints, CSV),
 * {@value #EXIT_DIVERGED} for a NaN or infinite loss, and {@value #EXIT_INTERNAL} otherwise.
 */
@Command(name = "bml", mixinStandardHelpOptions = true, version = "bml " + Main.VERSION, sortOptions = false,
    description = {"Bayesian meta-learning toolkit.",
        "Without a subcommand: the main job, second-order MAML on sinusoid regression (MAML paper settings), printing "
            + "the query MSE before and after one adaptation step on fresh test tasks and writing a PNG of "
            + Main.PLOT_TASKS_TEXT + " test tasks into --out."},
    subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, CompareCommand.class, Main.BenchCommand.class,
        MannTableCommand.class,
        EnvCommand.class, L2lCommand.class, GrbalCommand.class, MamlRlCommand.class, CommandLine.HelpCommand.class},
    footer = {"", "Exit status: 0 success, 2 bad input, 3 loss not finite, 1 internal error.",
        "Run './bml COMMAND --help' for a command's options."})
public final class Main implements Callable<Integer> {
  public static final String VERSION = "0.1.0";
  static final String PLOT_TASKS_TEXT = "4";
  public static final int EXIT_INTERNAL = 1;
  public static final int EXIT_BAD_INPUT = 2;
  public static final int EXIT_DIVERGED = 3;

  @Spec
  CommandSpec spec;

  @Option(names = "--iterations", paramLabel = "N", description = "meta-training iterations (default ${DEFAULT-VALUE})")
  int iterations = 4000;

  @Option(names = "--seed", paramLabel = "S", description = "random seed (default ${DEFAULT-VALUE})")
  long seed = 1;

  @Option(names = "--test-tasks", paramLabel = "N", description = "fresh test tasks to evaluate on (default ${DEFAULT-VALUE})")
  int testTasks = 600;

  @Option(names = "--out", paramLabel = "DIR", description = "directory for the plot (default ${DEFAULT-VALUE})")
  Path out = Path.of("bml-out");

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    int code;
    try {
      NativeMemoryGuard.start(System.err);
    } catch (BadInputException e) {
      System.err.println("bml: error: " + e.getMessage());
      System.exit(EXIT_BAD_INPUT);
    }
    try {
      code = commandLine().execute(args);
    } catch (OutOfMemoryError e) {
      // Settings past what this JVM has: bad input (exit 2), said plainly instead of a stack trace.
      System.err.println("bml: error: out of memory (" + e.getMessage() + "): the settings need more than this JVM "
          + "has; reduce the sizes (--memory-limit refuses them up front), or raise -Xmx in JAVA_OPTS");
      code = EXIT_BAD_INPUT;
    }
    System.exit(code);
  }

  /** The command line with this program's error handling (also what the tests drive). */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionStrategy(BackendOptions::selectThenRun);
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      PrintWriter err = cmd.getErr();
      int code;
      String message;
      if (e instanceof DivergedException) {
        code = EXIT_DIVERGED;
        message = e.getMessage();
      } else if (e instanceof BadInputException || e instanceof IllegalArgumentException
          || e instanceof DatasetException) {
        code = EXIT_BAD_INPUT;
        message = e.getMessage();
      } else if (InputLimits.isOverflow(e)) {
        code = EXIT_BAD_INPUT;
        message = "sizes too large (" + e.getMessage() + "): reduce --shots, --queries, --ways, --samples, --tasks or --batch";
      } else if (e instanceof UncheckedIOException) {
        code = EXIT_BAD_INPUT;
        message = e.getMessage();
      } else {
        code = EXIT_INTERNAL;
        message = "internal error: " + e;
        e.printStackTrace(err);
      }
      err.println("bml: error: " + message);
      err.flush();
      return code;
    });
    cl.setParameterExceptionHandler((e, args) -> {
      CommandLine cmd = e.getCommandLine();
      PrintWriter err = cmd.getErr();
      err.println("bml: error: " + e.getMessage());
      err.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
      err.flush();
      return EXIT_BAD_INPUT;
    });
    return cl;
  }

  @Override
  public Integer call() {
    RunConfig.atLeast("--iterations", iterations, 1);
    RunConfig.atLeast("--test-tasks", testTasks, 2);
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new BadInputException("--out " + out + " exists and is not a directory");
    }
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    Path plot = out.resolve("sinusoid-maml.png");
    // The job creates the directory only once training has succeeded (no output from a failed run).
    SineMamlJob.run(iterations, seed, testTasks, stdout, stderr, Progress.stderrIsTerminal(), plot);
    return 0;
  }

  @Command(name = "bench", mixinStandardHelpOptions = true,
      description = {"Print benchmark figures as 'bench <case> <value> <unit>' (medians of timed windows after "
          + "warm-up), each followed by indented lines: the case's settings, the spread of its windows (min, max, "
          + "IQR, MAD) and its peak resident memory.",
          "Without cases: the default set; 'smoke' (a few iterations) runs only when named."})
  static final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", description = "cases to run (default: all but the named-only ones): "
        + "${COMPLETION-CANDIDATES}", completionCandidates = CaseNames.class)
    List<String> cases = Bench.CASES;

    @Option(names = "--json", paramLabel = "FILE",
        description = "also write the figures (settings, every window and its statistics, memory) to FILE as JSON")
    Path json;

    @picocli.CommandLine.Mixin
    BackendOptions backendOptions;

    @Override
    public Integer call() {
      Bench.checkCases(cases);
      if (json != null) {
        checkWritable(json);
      }
      List<org.bml.bench.BenchResult> results = Bench.run(cases, System.out);
      if (json != null) {
        AtomicFiles.writeString(json, Bench.json(results));
      }
      return 0;
    }

    /** Refused before any case runs (they take minutes): a folder, a missing or unwritable parent. */
    static void checkWritable(Path file) {
      if (Files.isDirectory(file)) {
        throw new BadInputException("--json " + file + " is a directory; give a file name");
      }
      Path parent = file.toAbsolutePath().getParent();
      if (parent == null || !Files.isDirectory(parent)) {
        throw new BadInputException("--json " + file + ": folder " + parent + " does not exist");
      }
      if (!Files.isWritable(parent) || (Files.exists(file) && !Files.isWritable(file))) {
        throw new BadInputException("--json " + file + ": cannot write there (permission denied)");
      }
    }
  }

  static final class CaseNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return Bench.ALL_CASES.iterator();
    }
  }
}

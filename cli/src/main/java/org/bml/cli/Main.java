package org.bml.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.bml.bench.Bench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Entry point of {@code ./bml}. Without a subcommand it runs the README's main job (second-order
 * MAML on sinusoids); {@code bench} prints the benchmark figures.
 */
@Command(name = "bml", mixinStandardHelpOptions = true, version = "bml 0.1.0",
    description = "Bayesian meta-learning toolkit. Without a subcommand: MAML on sinusoid regression.",
    subcommands = {Main.BenchCommand.class})
public final class Main implements Callable<Integer> {
  @Option(names = "--iterations", description = "meta-training iterations (default ${DEFAULT-VALUE})")
  int iterations = 4000;

  @Option(names = "--seed", description = "random seed (default ${DEFAULT-VALUE})")
  long seed = 1;

  @Option(names = "--test-tasks", description = "fresh test tasks to evaluate on (default ${DEFAULT-VALUE})")
  int testTasks = 600;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("bml: error: " + e.getMessage());
      return 2;
    });
    return cl;
  }

  @Override
  public Integer call() {
    if (iterations <= 0 || testTasks <= 0) {
      throw new IllegalArgumentException("--iterations and --test-tasks must be positive");
    }
    SineMamlJob.run(iterations, seed, testTasks, System.out);
    return 0;
  }

  @Command(name = "bench", mixinStandardHelpOptions = true,
      description = "Print benchmark figures as 'bench <case> <value> <unit>' (medians after warm-up).")
  static final class BenchCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", description = "cases to run (default: all): ${COMPLETION-CANDIDATES}",
        completionCandidates = CaseNames.class)
    List<String> cases = Bench.CASES;

    @Override
    public Integer call() {
      Bench.run(cases, System.out);
      return 0;
    }
  }

  static final class CaseNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return Bench.CASES.iterator();
    }
  }
}

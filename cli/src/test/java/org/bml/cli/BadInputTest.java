package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bml.algorithms.Checkpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input: each case exits with status 2, prints {@code bml: error:} with a message naming the
 * problem, and leaves no files behind.
 */
class BadInputTest {
  @TempDir
  static Path shared;
  private static Path good;

  @BeforeAll
  static void trainOnce() {
    good = shared.resolve("good");
    CliRun.Result r = CliRun.run("train", "--iterations", "2", "--meta-batch", "2", "--shots", "3", "--queries", "3",
        "--val-every", "0", "--out", good.toString());
    assertEquals(0, r.exit(), r.toString());
  }

  static Stream<Arguments> trainCases() {
    return Stream.of(
        Arguments.of(new String[] {"--method", "magic"}, "unknown method 'magic'"),
        Arguments.of(new String[] {"--dataset", "mnist"}, "unknown dataset 'mnist'"),
        Arguments.of(new String[] {"--method", "protonet", "--dataset", "omniglot", "--regularizer", "mr-w"},
            "regularizer mr-w works with --method maml, fomaml, anil only, not protonet"),
        Arguments.of(new String[] {"--method", "anil", "--regularizer", "mr-a"},
            "regularizer mr-a works with --method maml, fomaml only, not anil"),
        Arguments.of(new String[] {"--method", "platipus", "--regularizer", "mr-w"},
            "regularizer mr-w works with --method maml, fomaml, anil only, not platipus"),
        Arguments.of(new String[] {"--regularizer", "mr-w", "--hp", "beta=-1"},
            "--hp beta=-1: must be >= 0 (method maml with regularizer mr-w)"),
        Arguments.of(new String[] {"--regularizer", "mr-a", "--hp", "beta=-0.5"}, "--hp beta=-0.5: must be >= 0"),
        Arguments.of(new String[] {"--regularizer", "mr-a", "--hp", "latent-dim=0"}, "--hp latent-dim=0: must be >= 1"),
        Arguments.of(new String[] {"--regularizer", "mr-w", "--hp", "stochastic=some"},
            "--hp stochastic=some: expected one of weights, all"),
        Arguments.of(new String[] {"--hp", "beta=1"}, "method maml has no hyperparameter 'beta'"),
        Arguments.of(new String[] {"--method", "llama", "--hp", "eta=-1"}, "--hp eta=-1: must be >= 0 (method llama)"),
        Arguments.of(new String[] {"--method", "llama", "--hp", "damping=0"}, "--hp damping=0: must be > 0"),
        Arguments.of(new String[] {"--method", "llama", "--hp", "curvature=full"},
            "--hp curvature=full: expected one of kfac, diagonal-ggn, exact-hessian"),
        Arguments.of(new String[] {"--method", "platipus", "--hp", "prior-variance=0"},
            "--hp prior-variance=0: must be > 0"),
        Arguments.of(new String[] {"--method", "platipus", "--hp", "kl-weight=-0.1"}, "--hp kl-weight=-0.1: must be >= 0"),
        Arguments.of(new String[] {"--method", "bmaml", "--hp", "particles=0"},
            "--hp particles=0: must be >= 1 (method bmaml)"),
        Arguments.of(new String[] {"--method", "bmaml", "--hp", "epsilon=-1"}, "--hp epsilon=-1: must be >= 0"),
        Arguments.of(new String[] {"--method", "bmaml", "--hp", "objective=elbo"},
            "--hp objective=elbo: expected one of chaser, query-loss"),
        Arguments.of(new String[] {"--method", "bmaml", "--hp", "gamma-b=0"}, "--hp gamma-b=0: must be > 0"),
        Arguments.of(new String[] {"--method", "bmaml", "--hp", "weight-step=newton"},
            "--hp weight-step=newton: expected one of gamma, decoupled, learned"),
        Arguments.of(new String[] {"--method", "bmaml", "--hp", "target=loss", "--hp", "weight-step=decoupled"},
            "the decoupled weight step needs a target with a learned noise precision"),
        Arguments.of(new String[] {"--method", "emaml", "--hp", "particles=0"}, "--hp particles=0: must be >= 1"),
        Arguments.of(new String[] {"--regularizer", "l2"}, "unknown regularizer 'l2'"),
        Arguments.of(new String[] {"--regularizer", "mr-w", "--hp", "learn-std=maybe"},
            "--hp learn-std=maybe: expected true or false (method maml with regularizer mr-w)"),
        Arguments.of(new String[] {"--outer-optimizer", "momentum"},
            "--outer-optimizer 'momentum': unknown kind 'momentum' in entry 'momentum' (have: adam, sign, auto"),
        Arguments.of(new String[] {"--outer-optimizer", "layer0=rmsprop,adam"}, "unknown kind 'rmsprop'"),
        Arguments.of(new String[] {"--outer-optimizer", "=sign,adam"}, "entry '=sign' has an empty PREFIX"),
        Arguments.of(new String[] {"--outer-optimizer", "encoder=sign"},
            "--outer-optimizer 'encoder=sign' gives no updater to [layer0.weight"),
        Arguments.of(new String[] {"--outer-optimizer", "sign,adam"}, "entry 'adam' matches no parameter"),
        Arguments.of(new String[] {"--regularizer", "mr-a", "--dataset", "nonmutex-sinusoid", "--outer-optimizer",
            "encoder=sign,decoder=adam,layer0=adam"}, "entry 'layer0=adam' matches no parameter"),
        Arguments.of(new String[] {"--outer-optimizer", ""}, "--outer-optimizer is empty"),
        Arguments.of(new String[] {"--outer-lr", "-0.001"}, "--outer-lr must be finite and > 0, got -0.001"),
        Arguments.of(new String[] {"--inner-lr", "0"}, "--inner-lr must be finite and > 0, got 0.0"),
        Arguments.of(new String[] {"--inner-lr", "NaN"}, "--inner-lr must be finite and > 0, got NaN"),
        Arguments.of(new String[] {"--outer-lr", "1e39"}, "--outer-lr 1.0E39 exceeds the float32 range"),
        Arguments.of(new String[] {"--meta-batch", "0"}, "--meta-batch must be >= 1, got 0"),
        Arguments.of(new String[] {"--iterations", "-5"}, "--iterations must be >= 1, got -5"),
        Arguments.of(new String[] {"--shots", "0"}, "--shots must be >= 1, got 0"),
        Arguments.of(new String[] {"--queries", "-1"}, "--queries must be >= 1, got -1"),
        Arguments.of(new String[] {"--inner-steps", "0"}, "--inner-steps must be >= 1, got 0"),
        Arguments.of(new String[] {"--meta-batch", "4", "--chunk", "5"}, "--chunk must be in 1..--meta-batch (4), got 5"),
        Arguments.of(new String[] {"--clip", "-1"}, "--clip must be finite and >= 0"),
        Arguments.of(new String[] {"--val-tasks", "0"}, "--val-tasks must be >= 1, got 0"),
        Arguments.of(new String[] {"--lr-schedule", "warmup"}, "unknown --lr-schedule 'warmup'"),
        Arguments.of(new String[] {"--lr-schedule", "step:0:0.5"}, "expected step:EVERY:FACTOR"),
        Arguments.of(new String[] {"--hp", "temperature=2"}, "method maml has no hyperparameter 'temperature'"),
        Arguments.of(new String[] {"--method", "protonet", "--dataset", "omniglot", "--hp", "temperature=-1"},
            "--hp temperature=-1: must be > 0"),
        Arguments.of(new String[] {"--method", "bayes-protonet", "--dataset", "omniglot", "--hp", "learn-variance=yes"},
            "--hp learn-variance=yes: expected true or false"),
        Arguments.of(new String[] {"--method", "protonet"}, "method protonet handles classification data sets only"),
        Arguments.of(new String[] {"--ways", "5"}, "--ways applies to classification only; sinusoid is regression"),
        Arguments.of(new String[] {"--dataset", "omniglot", "--shots", "15", "--queries", "10"},
            "--shots 15 + --queries 10 = 25 exceeds the 20 examples each omniglot class has"),
        Arguments.of(new String[] {"--dataset", "omniglot", "--ways", "1"}, "--ways must be >= 2"),
        Arguments.of(new String[] {"--dataset", "omniglot", "--omniglot-split", "random"}, "unknown --omniglot-split"),
        Arguments.of(new String[] {"--iterations", "ten"}, "Invalid value for option '--iterations'"),
        Arguments.of(new String[] {"--no-such-option"}, "Unknown option: '--no-such-option'"),
        Arguments.of(new String[] {"--resume"}, "--resume needs --out DIR"));
  }

  @ParameterizedTest
  @MethodSource("trainCases")
  void trainRefuses(String[] args, String message, @TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    boolean setsIterations = java.util.Arrays.asList(args).contains("--iterations");
    String[] full = CliRun.concat(setsIterations ? new String[] {"train"} : new String[] {"train", "--iterations", "2"},
        args);
    if (!java.util.Arrays.asList(args).contains("--resume")) {
      full = CliRun.concat(full, "--out", out.toString());
    }
    CliRun.Result r = CliRun.run(full);
    assertRefused(r, message);
    assertEquals(java.util.List.of(), CliRun.files(tmp), "no files");
  }

  @Test
  void resumeWithoutCheckpoint(@TempDir Path tmp) throws Exception {
    CliRun.Result r = CliRun.run("train", "--resume", "--out", tmp.toString());
    assertRefused(r, "--resume: there is no checkpoint");
    assertEquals(java.util.List.of(), CliRun.files(tmp));
  }

  @Test
  void outIsAFile(@TempDir Path tmp) throws Exception {
    Path f = Files.writeString(tmp.resolve("file"), "x");
    assertRefused(CliRun.run("train", "--iterations", "1", "--out", f.toString()), "exists and is not a directory");
    assertRefused(CliRun.run("--iterations", "1", "--out", f.toString()), "exists and is not a directory");
  }

  @Test
  void unreadableOrMismatchedCheckpoints(@TempDir Path tmp) throws Exception {
    assertRefused(CliRun.run("eval", "--checkpoint", tmp.resolve("none.bml").toString()), "none.bml");
    Path garbage = Files.writeString(tmp.resolve("garbage.bml"), "not a checkpoint");
    assertRefused(CliRun.run("eval", "--checkpoint", garbage.toString()), "garbage.bml");
    assertRefused(CliRun.run("predict", "--checkpoint", garbage.toString(), "--support", "s", "--query", "q"),
        "garbage.bml");

    Checkpoint c = Checkpoint.read(good.resolve("checkpoint.bml"));
    Path foreign = tmp.resolve("foreign.bml");
    new Checkpoint(c.params(), c.updaterState(), c.iteration(), Map.of("widths", "1-40-40-1"), c.provenance())
        .write(foreign);
    assertRefused(CliRun.run("eval", "--checkpoint", foreign.toString()), "was not written by ./bml train");

    Map<String, String> other = new TreeMap<>(c.config());
    other.put("dataset", "nonmutex-sinusoid");
    Path mismatched = tmp.resolve("mismatched.bml");
    new Checkpoint(c.params(), c.updaterState(), c.iteration(), other, c.provenance()).write(mismatched);
    assertRefused(CliRun.run("eval", "--checkpoint", mismatched.toString(), "--tasks", "2"),
        "holds " + c.params().length() + " parameters, but maml on nonmutex-sinusoid");

    Map<String, String> unknown = new TreeMap<>(c.config());
    unknown.put("method", "llama-from-the-future");
    Path future = tmp.resolve("future.bml");
    new Checkpoint(c.params(), c.updaterState(), c.iteration(), unknown, c.provenance()).write(future);
    assertRefused(CliRun.run("eval", "--checkpoint", future.toString()), "unknown method 'llama-from-the-future'");

    Path resumeDir = tmp.resolve("resume");
    Files.createDirectories(resumeDir);
    Files.copy(mismatched, resumeDir.resolve("checkpoint.bml"));
    assertRefused(CliRun.run("train", "--resume", "--out", resumeDir.toString(), "--iterations", "5"),
        "does not match maml on nonmutex-sinusoid");
    assertEquals(1, CliRun.files(resumeDir).size(), "nothing written next to the refused checkpoint");
  }

  @Test
  void evalOptions(@TempDir Path tmp) throws Exception {
    String ck = good.toString();
    assertRefused(CliRun.run("eval", "--checkpoint", ck, "--tasks", "0"), "--tasks must be >= 2, got 0");
    assertRefused(CliRun.run("eval", "--checkpoint", ck, "--steps", "1,-2"), "--steps must be >= 0, got -2");
    assertRefused(CliRun.run("eval", "--checkpoint", ck, "--split", "dev"), "unknown split 'dev'");
    assertRefused(CliRun.run("eval", "--checkpoint", ck, "--ways", "5"), "--ways applies to classification only");
    assertRefused(CliRun.run("eval", "--checkpoint", ck, "--shots", "0"), "--shots must be >= 1, got 0");
    assertRefused(CliRun.run("eval", "--checkpoint", ck, "--lake-runs"), "--lake-runs needs an Omniglot checkpoint");
    assertRefused(CliRun.run("eval", "--checkpoint", ck, "--samples", "3"), "--samples applies with --uncertainty only");
    assertRefused(CliRun.run("eval", "--checkpoint", ck, "--noise-std", "0.3"),
        "--noise-std applies with --uncertainty only");
    assertRefused(CliRun.run("eval", "--checkpoint", ck, "--uncertainty", "--samples", "0"),
        "--samples must be >= 1, got 0");
    assertRefused(CliRun.run("eval", "--checkpoint", ck, "--uncertainty", "--noise-std", "-1"),
        "--noise-std must be finite and > 0, got -1");
    assertRefused(CliRun.run("eval", "--checkpoint", ck, "--uncertainty", "--noise-std", "wide"),
        "--noise-std wide: expected a standard deviation > 0");
    assertRefused(CliRun.run("eval", "--checkpoint", ck, "--uncertainty", "--noise-std", "learned"),
        "--noise-std learned needs a method with a learned noise precision");
    Path json = tmp.resolve("missing-dir").resolve("e.jsonl");
    assertRefused(CliRun.run("eval", "--checkpoint", ck, "--json", json.toString()), "does not exist");
    assertEquals(java.util.List.of(), CliRun.files(tmp));
  }

  static Stream<Arguments> csvCases() {
    return Stream.of(
        Arguments.of("x,y\n1,2\n3\n", "s.csv:3: 1 columns, expected 2 (x,y)"),
        Arguments.of("1,2\n3,abc\n", "s.csv:2: column 2: 'abc' is not a number"),
        Arguments.of("1,2\nNaN,1\n", "s.csv:2: column 1: 'NaN' is not a finite number"),
        Arguments.of("1,2\n2,-Infinity\n", "s.csv:2: column 2: '-Infinity' is not a finite number"),
        Arguments.of("1,2\n2,\n", "s.csv:2: column 2 is empty"),
        Arguments.of("1,2\n1d,2\n", "s.csv:2: column 1: '1d' is not a number"),
        Arguments.of("", "s.csv: no data rows"),
        Arguments.of("x,y\n\n", "s.csv: no data rows"),
        Arguments.of("x,y,z\n1,2\n", "s.csv:1: header has 3 columns, expected 2"));
  }

  @ParameterizedTest
  @MethodSource("csvCases")
  void malformedSupportCsv(String content, String message, @TempDir Path tmp) throws Exception {
    Path s = Files.writeString(tmp.resolve("s.csv"), content);
    Path q = Files.writeString(tmp.resolve("q.csv"), "0.5\n");
    CliRun.Result r = CliRun.run("predict", "--checkpoint", good.toString(), "--support", s.toString(), "--query",
        q.toString());
    assertRefused(r, message);
    assertEquals("", r.out(), "no partial CSV on stdout");
  }

  @Test
  void malformedQueryCsvAndMissingFiles(@TempDir Path tmp) throws Exception {
    Path s = Files.writeString(tmp.resolve("s.csv"), "1,2\n2,3\n");
    Path q = Files.writeString(tmp.resolve("q.csv"), "x\n0.5\n1,2\n");
    CliRun.Result r = CliRun.run("predict", "--checkpoint", good.toString(), "--support", s.toString(), "--query",
        q.toString());
    assertRefused(r, "q.csv:3: 2 columns, expected 1 (x)");
    assertEquals("", r.out());
    assertRefused(CliRun.run("predict", "--checkpoint", good.toString(), "--support", tmp.resolve("nope.csv").toString(),
        "--query", q.toString()), "nope.csv: no such file");
    assertRefused(CliRun.run("predict", "--checkpoint", good.toString(), "--support", s.toString(), "--query",
        q.toString(), "--steps", "-1"), "--steps must be >= 0, got -1");
    assertRefused(CliRun.run("predict", "--checkpoint", good.toString(), "--support", s.toString(), "--query",
        q.toString(), "--level", "1.5"), "--level must be in (0, 1), got 1.5");
    assertRefused(CliRun.run("predict", "--checkpoint", good.toString(), "--support", s.toString(), "--query",
        q.toString(), "--noise-std", "0"), "--noise-std must be finite and > 0, got 0");
  }

  @Test
  void mainJobRefusesBadCounts(@TempDir Path tmp) throws Exception {
    assertRefused(CliRun.run("--iterations", "0", "--out", tmp.resolve("o").toString()), "--iterations must be >= 1");
    assertRefused(CliRun.run("--test-tasks", "1", "--out", tmp.resolve("o").toString()), "--test-tasks must be >= 2");
    assertEquals(java.util.List.of(), CliRun.files(tmp));
  }

  static void assertRefused(CliRun.Result r, String message) {
    assertEquals(Main.EXIT_BAD_INPUT, r.exit(), r.toString());
    assertTrue(r.err().contains("bml: error: "), r.toString());
    assertTrue(r.err().contains(message), "expected '" + message + "' in\n" + r);
  }
}

package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIB and ARML through the command line: ARML trains and evaluates on the sine-line-quadratic
 * mixture; both are listed with their hyperparameters; bad hyperparameters and a data set of the
 * wrong kind are refused with exit 2 and nothing written. (SIB needs an image data set; its
 * Omniglot runs are README reproductions, not unit tests.)
 */
class SibArmlCliTest {
  private static String[] armlRun(Path out, String... extra) {
    return CliRun.concat(new String[] {"train", "--method", "arml", "--dataset", "sine-line-quadratic", "--iterations",
        "2", "--meta-batch", "2", "--shots", "3", "--queries", "3", "--val-every", "0", "--hp", "width=4", "--hp",
        "vertices=2", "--out", out.toString()}, extra);
  }

  @Test
  void armlTrainsAndEvaluatesOnTheMixture(@TempDir Path tmp) {
    Path run = tmp.resolve("arml");
    CliRun.Result r = CliRun.run(armlRun(run));
    assertEquals(0, r.exit(), r.toString());
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "4", "--uncertainty");
    assertEquals(0, e.exit(), e.toString());
  }

  @Test
  void listedAndBadInputRefused(@TempDir Path tmp) {
    CliRun.Result list = CliRun.run("train", "--list");
    assertEquals(0, list.exit(), list.toString());
    for (String s : new String[] {"sib", "sg-steps", "posterior-std", "arml", "gate-bias", "sine-line-quadratic"}) {
      assertTrue(list.out().contains(s), s + " not listed: " + list);
    }
    Object[][] bad = {{"width=0", "width"}, {"vertices=x", "vertices"}, {"gate-bias=inf", "gate-bias"},
        {"order=third", "order"}};
    int i = 0;
    for (Object[] b : bad) {
      Path run = tmp.resolve("bad" + i++);
      CliRun.Result r = CliRun.run(armlRun(run, "--hp", (String) b[0]));
      assertEquals(2, r.exit(), r.toString());
      assertTrue(r.err().contains((String) b[1]), r.toString());
      assertTrue(!Files.exists(run.resolve("checkpoint.bml")), "nothing written for " + b[0]);
    }
    Path run = tmp.resolve("sib-regression");
    CliRun.Result r = CliRun.run("train", "--method", "sib", "--dataset", "sinusoid", "--iterations", "1", "--out",
        run.toString());
    assertEquals(2, r.exit(), r.toString());
    assertTrue(!Files.exists(run.resolve("checkpoint.bml")), "nothing written");
    r = CliRun.run("train", "--method", "sib", "--dataset", "omniglot", "--hp", "sg-steps=-1", "--iterations", "1",
        "--out", tmp.resolve("sib-bad").toString());
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("sg-steps"), r.toString());
    r = CliRun.run("train", "--method", "sib", "--dataset", "omniglot", "--hp", "posterior-std=0", "--iterations", "1",
        "--out", tmp.resolve("sib-bad2").toString());
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("posterior-std"), r.toString());
  }
}

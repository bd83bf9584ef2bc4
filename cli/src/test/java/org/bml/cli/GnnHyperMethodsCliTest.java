package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bml.datasets.omniglot.OmniglotPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The few-shot GNN and the hypernetwork through the command line: listed with their
 * hyperparameters, bad {@code --hp} values refused (exit 2, nothing written), and a tiny Omniglot
 * train + eval {@code --uncertainty} for each (skipped where the data is absent).
 */
class GnnHyperMethodsCliTest {
  @Test
  void listedWithTheirHyperparameters() {
    CliRun.Result r = CliRun.run("train", "--list");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("gnn") && r.out().contains("Garcia & Bruna ICLR 2018"), r.out());
    assertTrue(r.out().contains("hypernet") && r.out().contains("Munkhdalai & Yu 2017"), r.out());
    assertTrue(r.out().contains("edge-hidden") && r.out().contains("class-features"), r.out());
  }

  @Test
  void badHyperparametersAreRefused(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("run");
    BadInputTest.assertRefused(CliRun.run("train", "--method", "gnn", "--dataset", "omniglot", "--hp", "layers=-1",
        "--out", out.toString()), "--hp layers=-1: must be >= 0");
    BadInputTest.assertRefused(CliRun.run("train", "--method", "gnn", "--dataset", "omniglot", "--hp", "edge-hidden=x",
        "--out", out.toString()), "--hp edge-hidden=x");
    BadInputTest.assertRefused(CliRun.run("train", "--method", "hypernet", "--dataset", "omniglot", "--hp", "hidden=0",
        "--out", out.toString()), "--hp hidden=0: must be >= 1");
    BadInputTest.assertRefused(CliRun.run("train", "--method", "hypernet", "--dataset", "omniglot", "--hp", "scale=2",
        "--out", out.toString()), "method hypernet has no hyperparameter 'scale'");
    BadInputTest.assertRefused(CliRun.run("train", "--method", "gnn", "--out", out.toString()),
        "method gnn handles classification data sets only");
    assertTrue(!Files.exists(out), "nothing written on bad input");
  }

  @Test
  void trainAndEvaluateWithUncertaintyOnOmniglot(@TempDir Path tmp) {
    assumeTrue(OmniglotPaths.find().isPresent(), "Omniglot data not found");
    for (String method : new String[] {"gnn", "hypernet"}) {
      Path run = tmp.resolve(method);
      CliRun.Result r = CliRun.run("train", "--method", method, "--dataset", "omniglot", "--ways", "2", "--shots", "1",
          "--queries", "1", "--meta-batch", "1", "--iterations", "1", "--val-every", "1", "--val-tasks", "1",
          "--hp", method.equals("gnn") ? "layers=1" : "hidden=8", "--out", run.toString());
      assertEquals(0, r.exit(), r.toString());
      // A different number of ways at evaluation: both handle any N with one set of weights.
      CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "2", "--ways", "3",
          "--uncertainty");
      assertEquals(0, e.exit(), e.toString());
      assertTrue(e.out().contains("accuracy") && e.out().contains("ECE"), e.toString());
    }
  }
}

package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bml.datasets.omniglot.OmniglotPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relation and Siamese networks through the command line: listed with their hyperparameters,
 * bad {@code --hp} values refused (exit 2, nothing written), and a tiny Omniglot train + eval
 * {@code --uncertainty} for each (skipped where the data is absent).
 */
class FieldMethodsPart1CliTest {
  @Test
  void listedWithTheirHyperparameters() {
    CliRun.Result r = CliRun.run("train", "--list");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("relation") && r.out().contains("Sung et al. 2018"), r.out());
    assertTrue(r.out().contains("siamese") && r.out().contains("Koch et al. 2015"), r.out());
    assertTrue(r.out().contains("hidden"), r.out());
  }

  @Test
  void badHyperparametersAreRefused(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("run");
    BadInputTest.assertRefused(CliRun.run("train", "--method", "relation", "--dataset", "omniglot", "--hp", "loss=l1",
        "--out", out.toString()), "--hp loss=l1: expected one of mse, cross-entropy");
    BadInputTest.assertRefused(CliRun.run("train", "--method", "relation", "--dataset", "omniglot", "--hp", "hidden=0",
        "--out", out.toString()), "--hp hidden=0: must be >= 1");
    BadInputTest.assertRefused(CliRun.run("train", "--method", "relation", "--dataset", "omniglot", "--hp",
        "module=pooled", "--out", out.toString()), "--hp module=pooled: expected one of conv, mlp");
    BadInputTest.assertRefused(CliRun.run("train", "--method", "siamese", "--dataset", "omniglot", "--hp", "scale=2",
        "--out", out.toString()), "method siamese has no hyperparameter 'scale'");
    BadInputTest.assertRefused(CliRun.run("train", "--method", "siamese", "--out", out.toString()),
        "method siamese handles classification data sets only");
    assertTrue(!Files.exists(out), "nothing written on bad input");
  }

  @Test
  void trainAndEvaluateWithUncertaintyOnOmniglot(@TempDir Path tmp) {
    assumeTrue(OmniglotPaths.find().isPresent(), "Omniglot data not found");
    // relation: the paper's conv module (the default) and the pooled-vector MLP module.
    for (String[] method : new String[][] {{"relation", "module=conv"}, {"relation", "module=mlp"}, {"siamese"}}) {
      Path run = tmp.resolve(String.join("-", method));
      List<String> args = new java.util.ArrayList<>(List.of("train", "--method", method[0], "--dataset", "omniglot",
          "--ways", "2", "--shots", "1", "--queries", "1", "--meta-batch", "2", "--iterations", "2", "--val-every", "2",
          "--val-tasks", "2", "--out", run.toString()));
      if (method.length > 1) {
        args.addAll(List.of("--hp", method[1]));
      }
      CliRun.Result r = CliRun.run(args.toArray(new String[0]));
      assertEquals(0, r.exit(), r.toString());
      CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "4", "--ways", "3",
          "--uncertainty");
      assertEquals(0, e.exit(), e.toString());
      assertTrue(e.out().contains("accuracy") && e.out().contains("ECE"), e.toString());
    }
  }
}

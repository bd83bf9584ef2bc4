package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Map;
import org.bml.datasets.omniglot.OmniglotPaths;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Bayesian methods and MR-MAML on Omniglot through the command line, as small as it gets
 * (2-way 1-shot, one query per class, one task per iteration, 2 iterations): each trains, then
 * evaluates with {@code --uncertainty} (accuracy, NLL, Brier, ECE/MCE). Skipped where the data
 * directory is absent.
 */
class BayesianOmniglotCliTest {
  @ParameterizedTest
  @CsvSource({"llama,none,", "platipus,none,", "bmaml,none,particles=2", "maml,mr-w,", "maml,mr-a,latent-dim=8"})
  void trainsAndEvaluatesWithUncertainty(String method, String regularizer, String hp, @TempDir Path tmp)
      throws Exception {
    assumeTrue(OmniglotPaths.find().isPresent(), "Omniglot data not found");
    Path run = tmp.resolve(method + "-" + regularizer);
    String[] train = {"train", "--method", method, "--regularizer", regularizer, "--dataset", "omniglot", "--ways",
        "2", "--shots", "1", "--queries", "1", "--meta-batch", "1", "--iterations", "2", "--val-every", "0", "--out",
        run.toString()};
    if (hp != null) {
      train = CliRun.concat(train, "--hp", hp);
    }
    CliRun.Result r = CliRun.run(train);
    assertEquals(0, r.exit(), r.toString());
    Path json = tmp.resolve("eval.jsonl");
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "2", "--batch", "2",
        "--uncertainty", "--samples", "2", "--json", json.toString());
    assertEquals(0, e.exit(), e.toString());
    assertTrue(e.out().contains("2-way 1-shot"), e.toString());
    assertTrue(e.out().contains("ECE"), e.toString());
    Map<String, String> line = CliRun.jsonLines(json).get(0);
    for (String key : new String[] {"accuracy", "predictive_nll", "predictive_accuracy", "predictive_brier",
        "predictive_ece", "predictive_mce"}) {
      double v = Double.parseDouble(line.get(key));
      assertTrue(Double.isFinite(v) && v >= 0, key + " in " + line);
    }
    assertTrue(Double.parseDouble(line.get("predictive_ece")) <= 1, line.toString());
  }
}

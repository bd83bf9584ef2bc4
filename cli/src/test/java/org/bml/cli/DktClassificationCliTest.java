package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bml.datasets.omniglot.OmniglotPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --method dkt} on a classification data set routes to the per-class GP classifier
 * (Patacchiola et al. NeurIPS 2020): listed with its hyperparameters, bad {@code --hp} values
 * refused (exit 2, nothing written), and a tiny Omniglot train, {@code eval --uncertainty} and
 * {@code compare} (skipped where the data is absent).
 */
class DktClassificationCliTest {
  @Test
  void listedWithItsClassificationHyperparameters() {
    CliRun.Result r = CliRun.run("train", "--list");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("one GP per class") && r.out().contains("--hp temperature=1")
        && r.out().contains("--hp kernel=auto"), r.out());
  }

  @Test
  void badHyperparametersAreRefused(@TempDir Path tmp) {
    Path out = tmp.resolve("run");
    BadInputTest.assertRefused(CliRun.run("train", "--method", "dkt", "--dataset", "omniglot", "--hp", "kernel=spectral",
        "--out", out.toString()), "--hp kernel=spectral: expected one of auto, rbf, linear, cosine");
    BadInputTest.assertRefused(CliRun.run("train", "--method", "dkt", "--dataset", "omniglot", "--hp", "temperature=0",
        "--out", out.toString()), "temperature");
    BadInputTest.assertRefused(CliRun.run("train", "--method", "dkt", "--dataset", "omniglot", "--hp",
        "noise-variance=-1", "--out", out.toString()), "noise-variance");
    BadInputTest.assertRefused(CliRun.run("train", "--method", "dkt", "--dataset", "sinusoid", "--hp", "kernel=cosine",
        "--out", out.toString()), "cosine kernel for classification only");
    assertTrue(!Files.exists(out), "nothing written on bad input");
  }

  @Test
  void trainsEvaluatesAndComparesOnOmniglot(@TempDir Path tmp) throws Exception {
    assumeTrue(OmniglotPaths.find().isPresent(), "Omniglot data not found");
    Path run = tmp.resolve("dkt");
    CliRun.Result r = CliRun.run("train", "--method", "dkt", "--dataset", "omniglot", "--ways", "3", "--shots", "1",
        "--queries", "2", "--meta-batch", "1", "--iterations", "2", "--val-every", "2", "--val-tasks", "2",
        "--out", run.toString());
    assertEquals(0, r.exit(), r.toString());
    Path json = tmp.resolve("eval.jsonl");
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "3", "--uncertainty", "--json",
        json.toString());
    assertEquals(0, e.exit(), e.toString());
    assertTrue(e.out().contains("accuracy") && e.out().contains("ECE"), e.toString());
    Map<String, String> line = CliRun.jsonLines(json).get(0);
    assertTrue(Double.isFinite(Double.parseDouble(line.get("predictive_nll"))), line.toString());
    Path cmp = tmp.resolve("cmp");
    CliRun.Result c = CliRun.run("compare", run.toString(), run.toString(), "--hp", "2:temperature=0.1", "--tasks",
        "3", "--out", cmp.toString());
    assertEquals(0, c.exit(), c.toString());
    String md = Files.readString(cmp.resolve("compare.md"));
    assertTrue(md.contains("ECE") && md.contains("Brier"), md);
  }
}

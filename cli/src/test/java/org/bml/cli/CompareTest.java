package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./bml compare}: same tasks, tables with CIs and paired tests, overlaid plot, refusals. */
class CompareTest {
  private static Path train(Path tmp, String name, String... extra) {
    Path run = tmp.resolve(name);
    CliRun.Result r = CliRun.run(CliRun.concat(CliRun.concat(CliRun.QUICK, "--out", run.toString()), extra));
    assertEquals(0, r.exit(), r.toString());
    return run;
  }

  @Test
  void comparesCheckpointsOnTheSameTasksWithPairedTests(@TempDir Path tmp) throws Exception {
    Path maml = train(tmp, "maml", "--dataset", "sine-and-line");
    Path platipus = train(tmp, "platipus", "--method", "platipus", "--dataset", "sine-and-line");
    Path out = tmp.resolve("cmp");
    CliRun.Result r = CliRun.run("compare", maml.toString(), platipus.toString(), maml.toString(), "--tasks", "6",
        "--samples", "3", "--noise-std", "0.3", "--out", out.toString());
    assertEquals(0, r.exit(), r.toString());
    String md = Files.readString(out.resolve("compare.md"));
    assertTrue(md.contains("| method | checkpoint | steps | hypotheses | MSE | NLL | coverage@90 |"), md);
    assertTrue(md.contains("### Paired differences from maml"), md);
    assertTrue(md.contains("| platipus | NLL |"), md);
    // The same checkpoint on the same tasks: identical figures, zero difference, p = 1.
    assertTrue(md.contains("| maml #3 | MSE | +0.000 | 1.0000 | 1.0000 |"), md);
    List<String> csv = Files.readAllLines(out.resolve("compare.csv"));
    assertEquals("method,checkpoint,steps,temperature,metric,value,ci95_low,ci95_high,diff_vs_first,p_paired_t,"
        + "p_wilcoxon,p_paired_bootstrap", csv.get(0));
    assertTrue(csv.stream().anyMatch(l -> l.startsWith("platipus,") && l.contains(",coverage@90,")), csv.toString());
    assertTrue(ImageIO.read(out.resolve("coverage.png").toFile()).getWidth() >= 600);
    assertEquals(3, CliRun.files(out).size(), "no temporary files: " + CliRun.files(out));
  }

  @Test
  void checkpointsOnDifferentTasksAreRefusedAndNothingIsWritten(@TempDir Path tmp) throws Exception {
    Path sine = train(tmp, "sine");
    Path line = train(tmp, "line", "--dataset", "sine-and-line");
    Path shots = tmp.resolve("shots");
    assertEquals(0, CliRun.run("train", "--iterations", "2", "--meta-batch", "2", "--shots", "3", "--queries", "5",
        "--val-every", "0", "--out", shots.toString()).exit());
    Path out = tmp.resolve("cmp");
    CliRun.Result d = CliRun.run("compare", sine.toString(), line.toString(), "--tasks", "4", "--out", out.toString());
    BadInputTest.assertRefused(d, "compare needs checkpoints on the same tasks: ");
    assertTrue(d.err().contains("sine-and-line 5-shot 5 queries"), d.toString());
    CliRun.Result s = CliRun.run("compare", sine.toString(), shots.toString(), "--tasks", "4", "--out", out.toString());
    BadInputTest.assertRefused(s, "on sinusoid 3-shot 5 queries");
    assertFalse(Files.exists(out), "nothing written");
    Path file = Files.writeString(tmp.resolve("file"), "x");
    BadInputTest.assertRefused(CliRun.run("compare", sine.toString(), "--out", file.toString()),
        "--out " + file + " exists and is not a directory");
    BadInputTest.assertRefused(CliRun.run("compare", sine.toString(), "--temperature-scale", "--tasks", "2", "--out",
        out.toString()), "--temperature-scale applies to classification only");
    assertFalse(Files.exists(out), "nothing written");
  }
}

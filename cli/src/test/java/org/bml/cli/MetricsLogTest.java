package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a resumed run's {@code metrics.jsonl} keeps and numbers the lines of the iterations already done. */
class MetricsLogTest {
  @Test
  void resumeKeepsTheLinesOfTheIterationsDone(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve(MetricsLog.FILE), String.join("\n",
        "{\"iteration\":1,\"loss\":1.0}",
        "{\"iteration\":2,\"loss\":2.0}",
        "{\"iteration\":2,\"event\":\"validation\",\"val_loss\":2.5}",
        "{\"iteration\":3,\"loss\":3.0}",
        "{\"iteration\":4,\"lo") + "\n", StandardCharsets.UTF_8);
    MetricsLog.open(dir, 2, false).close();
    List<Map<String, String>> lines = CliRun.jsonLines(dir.resolve(MetricsLog.FILE));
    assertEquals(3, lines.size(), lines.toString());
    assertEquals("2", lines.get(2).get("iteration"));
    assertEquals("validation", lines.get(2).get("event"));
  }

  @Test
  void linesOfOlderRunsAreRenumberedToCountIterationsDone(@TempDir Path dir) throws Exception {
    // Before, "iteration":k was the 0-based index: k = 1 was the second iteration.
    Files.writeString(dir.resolve(MetricsLog.FILE), String.join("\n",
        "{\"iteration\":0,\"loss\":1.0}",
        "{\"iteration\":1,\"loss\":2.0}",
        "{\"iteration\":1,\"event\":\"validation\",\"val_loss\":2.5}",
        "{\"iteration\":2,\"loss\":3.0}") + "\n", StandardCharsets.UTF_8);
    MetricsLog.open(dir, 2, true).close();
    List<Map<String, String>> lines = CliRun.jsonLines(dir.resolve(MetricsLog.FILE));
    assertEquals(List.of("1", "2", "2"), lines.stream().map(l -> l.get("iteration")).toList());
    assertEquals("2.0", lines.get(1).get("loss"), "only the number changes");
  }

  @Test
  void trainingLinesCountLikeTheConsoleAndTheCheckpoint(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("r");
    CliRun.Result r = CliRun.run("train", "--iterations", "6", "--log-every", "3", "--val-every", "3",
        "--val-tasks", "2", "--meta-batch", "2", "--out", run.toString());
    assertEquals(0, r.exit(), r.toString());
    List<Map<String, String>> lines = CliRun.jsonLines(run.resolve(MetricsLog.FILE));
    assertEquals(List.of("3", "3", "6", "6"), lines.stream().map(l -> l.get("iteration")).toList(), lines.toString());
    assertEquals(6, org.bml.algorithms.Checkpoint.read(run.resolve("checkpoint.bml")).iteration());
    assertEquals(true, r.out().contains("to iteration 6"), r.toString());
  }
}

package org.bml.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bml.algorithms.Checkpoint;
import org.bml.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ./bml train --spark local[2]} trains the same run as {@code --workers 2}, bit for bit. */
class SparkTrainCliTest {
  private static final String[] OPTS = {"train", "--iterations", "4", "--meta-batch", "4", "--shots", "5", "--queries",
      "5", "--val-every", "2", "--val-tasks", "4", "--checkpoint-every", "2", "--log-every", "1", "--seed", "5"};

  private static String run(Path out, String... extra) {
    String[] args = new String[OPTS.length + 2 + extra.length];
    System.arraycopy(OPTS, 0, args, 0, OPTS.length);
    args[OPTS.length] = "--out";
    args[OPTS.length + 1] = out.toString();
    System.arraycopy(extra, 0, args, OPTS.length + 2, extra.length);
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(o, true));
    cl.setErr(new PrintWriter(e, true));
    int code = cl.execute(args);
    assertEquals(0, code, "exit " + code + "\n" + o + "\n" + e);
    return o.toString();
  }

  private static List<String> losses(Path dir) throws Exception {
    return Files.readAllLines(dir.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"loss\":"))
        .map(l -> l.replaceAll(".*\"loss\":([^,}]+).*", "$1")).toList();
  }

  @Test
  void sparkLocalTrainingEqualsThreadTraining(@TempDir Path tmp) throws Exception {
    Path spark = tmp.resolve("spark");
    Path threads = tmp.resolve("threads");
    run(spark, "--spark", "local[2]");
    run(threads, "--workers", "2");
    Checkpoint a = Checkpoint.read(spark.resolve("checkpoint.bml"));
    Checkpoint b = Checkpoint.read(threads.resolve("checkpoint.bml"));
    assertArrayEquals(b.params().dup().data().asDouble(), a.params().dup().data().asDouble());
    assertEquals(4, losses(spark).size());
    assertEquals(losses(threads), losses(spark));
    assertEquals("spark:local[2]", a.provenance().get("executor"));
    assertTrue(Files.readString(spark.resolve("metrics.jsonl")).contains("\"val_"), "validation ran on the driver");
  }
}

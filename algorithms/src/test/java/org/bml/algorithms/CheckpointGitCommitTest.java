package org.bml.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code provenance.git} is bml's own commit even when the command runs from inside another git
 * repository (hostile-input row 9: it used to record the working directory's commit).
 */
class CheckpointGitCommitTest {
  /** Prints the recorded commit; run in a child JVM whose working directory is another repository. */
  public static void main(String[] args) {
    System.out.print(Checkpoint.gitCommit());
  }

  private static String run(Path dir, String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    return out;
  }

  @Test
  void recordsTheCommitOfBmlNotOfTheWorkingDirectory(@TempDir Path other) throws Exception {
    String bml = Checkpoint.gitCommit();
    assumeTrue(!bml.equals("unknown"), "not built from a git checkout");
    run(other, "git", "init", "-q");
    Files.writeString(other.resolve("f"), "x");
    run(other, "git", "add", "f");
    run(other, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "other");
    String otherCommit = run(other, "git", "rev-parse", "HEAD");
    assertNotEquals(bml, otherCommit);

    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String recorded = run(other, java, "-cp", System.getProperty("java.class.path"),
        CheckpointGitCommitTest.class.getName());
    assertEquals(bml, recorded, "commit recorded from inside another repository");
  }
}

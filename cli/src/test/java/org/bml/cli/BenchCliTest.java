package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./bml bench --json FILE} on the few-iteration smoke case, and its refusals (exit 2, no file). */
class BenchCliTest {

  @Test
  void writesTheFiguresAsJson(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bench.json");
    CliRun.Result r = CliRun.run("bench", "smoke", "--json", file.toString());
    assertEquals(0, r.exit(), r.toString());
    String j = Files.readString(file);
    assertTrue(j.contains("\"case\":\"smoke\""), j);
    assertTrue(j.contains("\"inner steps\":1") && j.contains("\"order\":\"second\"")
        && j.contains("\"windows\":\"3 x 5 iterations\""), j);
    assertTrue(j.contains("\"count\":3,\"values\":["), j);
    assertTrue(j.matches("(?s).*\"peak_rss_bytes\":[1-9][0-9]*\\}.*"), j);
    assertEquals(1, CliRun.files(dir).size(), "only the JSON file, no temporary left: " + CliRun.files(dir));
  }

  @Test
  void refusesADirectoryOrAMissingFolderBeforeRunning(@TempDir Path dir) throws Exception {
    CliRun.Result folder = CliRun.run("bench", "smoke", "--json", dir.toString());
    assertEquals(2, folder.exit(), folder.toString());
    assertTrue(folder.err().contains("is a directory"), folder.err());
    CliRun.Result missing = CliRun.run("bench", "smoke", "--json", dir.resolve("no/such/b.json").toString());
    assertEquals(2, missing.exit(), missing.toString());
    assertTrue(missing.err().contains("does not exist"), missing.err());
    CliRun.Result unknown = CliRun.run("bench", "no-such-case", "--json", dir.resolve("b.json").toString());
    assertEquals(2, unknown.exit(), unknown.toString());
    assertTrue(unknown.err().contains("unknown bench case 'no-such-case'"), unknown.err());
    assertEquals(0, CliRun.files(dir).size(), "no output: " + CliRun.files(dir));
  }

  @Test
  void refusesAnUnwritableFolder(@TempDir Path dir) throws Exception {
    Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "root may write anywhere");
    Path locked = Files.createDirectory(dir.resolve("locked"));
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      CliRun.Result r = CliRun.run("bench", "smoke", "--json", locked.resolve("b.json").toString());
      assertEquals(2, r.exit(), r.toString());
      assertTrue(r.err().contains("cannot write"), r.err());
      assertFalse(Files.exists(locked.resolve("b.json")));
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }
}

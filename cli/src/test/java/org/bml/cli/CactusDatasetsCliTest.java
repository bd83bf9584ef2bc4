package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --dataset cactus-omniglot[:options]} on the command line: listed, options parsed into the
 * entry, bad options refused with exit 2 before any data is read, and {@code compare} taking a
 * CACTUs run for an Omniglot run. (Training on it needs the real Omniglot; that is the README run.)
 */
class CactusDatasetsCliTest {
  @Test
  void listedWithItsOptions() {
    CliRun.Result list = CliRun.run("train", "--list");
    assertEquals(0, list.exit(), list.toString());
    assertTrue(list.out().contains("cactus-omniglot") && list.out().contains("partitions"), list.toString());
  }

  @Test
  void optionsParseIntoTheEntry() {
    Datasets.Dataset d = Datasets.get("cactus-omniglot:partitions=2,clusters=50,dims=8,rotations=true");
    assertEquals("cactus-omniglot:partitions=2,clusters=50,dims=8,rotations=true", d.name());
    assertTrue(d.images());
    assertEquals(new CactusDatasets.Options(2, 50, 8, 20, true),
        CactusDatasets.Options.parse("partitions=2,clusters=50,dims=8,rotations=true"));
    assertEquals(CactusDatasets.Options.DEFAULT, CactusDatasets.Options.parse("embedding=pca"));
    assertEquals("omniglot", CactusDatasets.evaluatedOn("cactus-omniglot"));
    assertEquals("omniglot", CactusDatasets.evaluatedOn("cactus-omniglot:clusters=50"));
    assertEquals("sinusoid", CactusDatasets.evaluatedOn("sinusoid"));
    assertThrows(BadInputException.class, () -> Datasets.get("omniglot:clusters=5"));
  }

  @Test
  void badOptionsExitTwoAndWriteNothing(@TempDir Path tmp) {
    String[][] bad = {
        {"clusters=x", "clusters=x: not an integer"},
        {"clusters=1", "clusters=1: must be in 2.."},
        {"dims=785", "dims=785: must be in 1..784"},
        {"embedding=acai", "embedding=acai: unknown (have: pca)"},
        {"rotations=yes", "rotations=yes: must be true or false"},
        {"colour=red", "unknown option 'colour'"},
        {"partitions", "is not NAME=VALUE"},
        {"partitions=2,partitions=3", "given twice"},
    };
    for (String[] b : bad) {
      Path out = tmp.resolve("run");
      CliRun.Result r = CliRun.run("train", "--method", "protonet", "--dataset", "cactus-omniglot:" + b[0],
          "--iterations", "1", "--out", out.toString());
      assertEquals(2, r.exit(), b[0] + ": " + r);
      assertTrue(r.err().contains(b[1]), b[0] + ": " + r.err());
      assertFalse(Files.exists(out.resolve("checkpoint.bml")), "nothing written for " + b[0]);
    }
  }
}

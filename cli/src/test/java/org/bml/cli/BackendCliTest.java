package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bml.algorithms.Checkpoint;
import org.bml.core.autodiff.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --backend}/{@code --device}: the checkpoint records them; a device or backend this build
 * cannot use is exit 2 with a message naming it, before anything is written; {@code bml env}
 * lists what was found.
 */
class BackendCliTest {
  @Test
  void theCheckpointRecordsBackendAndDevice(@TempDir Path tmp) {
    Path dir = tmp.resolve("run");
    CliRun.Result r = CliRun.run(CliRun.concat(CliRun.QUICK, "--backend", "nd4j", "--device", "cpu", "--out", dir.toString()));
    assertEquals(0, r.exit(), r.toString());
    Map<String, String> prov = Checkpoint.read(dir.resolve("checkpoint.bml")).provenance();
    assertEquals("nd4j", prov.get("backend"), prov.toString());
    assertEquals("cpu", prov.get("device"), prov.toString());
    assertTrue(prov.get("backend-version").startsWith("ND4J"), prov.toString());
  }

  @Test
  void cudaWithoutAUsableGpuIsBadInputAndWritesNothing(@TempDir Path tmp) {
    for (String cmd : new String[] {"train", "eval", "predict", "bench"}) {
      Path dir = tmp.resolve(cmd);
      String[] args = cmd.equals("train")
          ? CliRun.concat(CliRun.QUICK, "--device", "cuda", "--out", dir.toString())
          : cmd.equals("bench") ? new String[] {"bench", "--device", "cuda", "sine-maml2-1step"}
          : cmd.equals("eval") ? new String[] {cmd, "--device", "cuda", "--checkpoint", tmp.resolve("c.bml").toString(),
              "--json", dir.toString()}
          : new String[] {cmd, "--device", "cuda", "--checkpoint", tmp.resolve("c.bml").toString(), "--support",
              tmp.resolve("s.csv").toString(), "--query", tmp.resolve("q.csv").toString()};
      CliRun.Result r = CliRun.run(args);
      assertEquals(2, r.exit(), cmd + ": " + r);
      assertTrue(r.err().contains("device cuda:0 is not available with backend nd4j"), r.err());
      assertTrue(r.err().contains("found") && r.err().contains("sm_90"), r.err());
      assertTrue(r.out().isEmpty(), r.out());
      assertFalse(Files.exists(dir), cmd + " wrote " + dir);
    }
    assertEquals("nd4j", Backends.current().name());
  }

  @Test
  void anUnknownBackendOrDeviceIsNamed(@TempDir Path tmp) {
    Path dir = tmp.resolve("run");
    CliRun.Result r = CliRun.run(CliRun.concat(CliRun.QUICK, "--backend", "tensorflow", "--out", dir.toString()));
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("backend 'tensorflow' is not available"), r.err());
    r = CliRun.run(CliRun.concat(CliRun.QUICK, "--device", "tpu", "--out", dir.toString()));
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("device 'tpu' is not one of cpu, cuda, cuda:N"), r.err());
    assertFalse(Files.exists(dir));
  }

  @Test
  void envListsBackendsDevicesAndGpus() {
    CliRun.Result r = CliRun.run("env");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("backend nd4j: ND4J"), r.out());
    assertTrue(r.out().contains("GPUs: "), r.out());
    assertTrue(r.out().contains("selected: nd4j on cpu"), r.out());
  }
}

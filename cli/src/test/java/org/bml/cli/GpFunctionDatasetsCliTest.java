package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.bml.datasets.synthetic.GpFunctionTasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --dataset gp-functions[:options]}: listed, options parsed into the entry, a tiny CNP and
 * latent-NP run on it whose {@code eval --plots} draws the fan (the NPs through their per-point
 * Gaussian outputs and z samples), and bad options refused with exit 2, nothing written.
 */
class GpFunctionDatasetsCliTest {
  @Test
  void listedAndOptionsParseIntoTheEntry() {
    CliRun.Result list = CliRun.run("train", "--list");
    assertEquals(0, list.exit(), list.toString());
    assertTrue(list.out().contains("gp-functions") && list.out().contains("lengthscale"), list.toString());
    assertEquals(new GpFunctionDatasets.Options(0.25, 2.0, 0.0),
        GpFunctionDatasets.Options.parse("lengthscale=0.25,variance=2,noise=0"));
    Datasets.Dataset d = Datasets.get("gp-functions:lengthscale=0.25");
    assertEquals("gp-functions:lengthscale=0.25", d.name());
    GpFunctionTasks t = (GpFunctionTasks) d.loader().load(new Datasets.Episode(1, 3, 4), "maml", 1).train();
    assertEquals(0.25, t.lengthscale());
    assertEquals(GpFunctionTasks.DEFAULT_VARIANCE, t.variance());
    assertEquals(3, t.supportSize());
  }

  @Test
  void neuralProcessesTrainAndDrawTheirFan(@TempDir Path tmp) throws Exception {
    for (String method : new String[] {"cnp", "np"}) {
      Path run = tmp.resolve(method);
      CliRun.Result r = CliRun.run(CliRun.concat(CliRun.QUICK, "--method", method, "--dataset", "gp-functions",
          "--out", run.toString()));
      assertEquals(0, r.exit(), r.toString());
      Path plots = tmp.resolve(method + "-plots");
      CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "4", "--samples", "3",
          "--plots", plots.toString());
      assertEquals(0, e.exit(), e.toString());
      BufferedImage img = ImageIO.read(plots.resolve("fan.png").toFile());
      assertNotNull(img, method + ": fan.png is not a PNG");
      assertTrue(img.getWidth() >= 1000, method + ": width " + img.getWidth());
    }
  }

  @Test
  void badOptionsExitTwoAndWriteNothing(@TempDir Path tmp) {
    String[][] bad = {
        {"lengthscale=0", "lengthscale=0: must be finite and > 0"},
        {"variance=-1", "variance=-1: must be finite and > 0"},
        {"noise=x", "noise=x: not a number"},
        {"noise=NaN", "noise=NaN: must be finite and >= 0"},
        {"kernel=matern", "unknown option 'kernel'"},
        {"lengthscale", "is not NAME=VALUE"},
        {"noise=0.1,noise=0.2", "given twice"},
    };
    for (String[] b : bad) {
      Path out = tmp.resolve("run");
      CliRun.Result r = CliRun.run("train", "--method", "cnp", "--dataset", "gp-functions:" + b[0], "--iterations", "1",
          "--out", out.toString());
      assertEquals(2, r.exit(), b[0] + ": " + r);
      assertTrue(r.err().contains(b[1]), b[0] + ": " + r.err());
      assertFalse(Files.exists(out), "nothing written for " + b[0]);
    }
  }
}

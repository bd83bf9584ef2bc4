package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./bml} without a subcommand: pre/post-adaptation MSE and a PNG of test tasks. */
class MainJobTest {
  @Test
  void writesMseAndAValidPng(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("bml-out");
    CliRun.Result r = CliRun.run("--iterations", "5", "--test-tasks", "10", "--out", out.toString());
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("query MSE before adaptation: "), r.toString());
    assertTrue(r.out().contains("query MSE after 1 step:      "), r.toString());
    Path png = out.resolve("sinusoid-maml.png");
    assertTrue(r.out().contains("plot of 4 test tasks: " + png), r.toString());
    byte[] bytes = Files.readAllBytes(png);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, Arrays.copyOf(bytes, 8));
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img, "decodable PNG");
    assertEquals(2 * SinePlot.PANEL_WIDTH, img.getWidth());
    assertEquals(SinePlot.TITLE_HEIGHT + 2 * SinePlot.PANEL_HEIGHT, img.getHeight()); // title band on top
    try (var s = Files.list(out)) {
      assertEquals(1, s.count(), "only the PNG, no temporary file");
    }
  }
}

package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.bml.algorithms.predictive.UncertaintyMetrics;
import org.junit.jupiter.api.Test;

/** Overlays of many methods stay readable: no two series look alike, and the legend leaves the plot. */
class PlotsTest {
  @Test
  void theFirst32SeriesAllLookDifferent() {
    Set<String> looks = new HashSet<>();
    for (int i = 0; i < 32; i++) {
      Plots.SeriesStyle s = Plots.seriesStyle(i);
      looks.add(s.color() + "/" + s.marker().getClass().getSimpleName() + "/" + java.util.Arrays.toString(
          s.stroke().getDashArray()));
    }
    assertEquals(32, looks.size(), looks.toString());
    assertEquals(Plots.PALETTE[0], Plots.seriesStyle(0).color());
    assertEquals(Plots.PALETTE[0], Plots.seriesStyle(Plots.PALETTE.length).color(), "second round: same colours");
  }

  @Test
  void aSixteenSeriesReliabilityOverlayRenders() {
    Map<String, UncertaintyMetrics.Calibration> cals = new LinkedHashMap<>();
    java.util.Random r = new java.util.Random(7);
    for (int m = 0; m < 16; m++) {
      double[] conf = new double[200];
      boolean[] ok = new boolean[200];
      for (int i = 0; i < conf.length; i++) {
        conf[i] = 0.2 + 0.8 * r.nextDouble();
        ok[i] = r.nextDouble() < conf[i];
      }
      cals.put("method " + m, UncertaintyMetrics.calibration(conf, ok, 15));
    }
    BufferedImage img = Plots.reliabilityOverlay("reliability of 16", cals);
    assertTrue(img.getWidth() > 0 && img.getHeight() > 0);
  }
}

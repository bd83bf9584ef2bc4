package org.bml.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.bml.algorithms.predictive.UncertaintyMetrics;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The uncertainty plots (XChart PNGs, each titled with its headline figure, with axes and a
 * legend): reliability diagram and confidence histogram (classification), hypothesis fan and
 * coverage curve (regression), learning curves (training), and the overlaid reliability and
 * coverage plots of {@code compare}. Charts are rendered to images first and written only once
 * all rendered ({@link #writeAll}), so a failure leaves no partial set.
 */
final class Plots {
  static final int WIDTH = 720;
  static final int HEIGHT = 480;
  static final Color[] PALETTE = {new Color(0x1F, 0x77, 0xB4), new Color(0xD6, 0x27, 0x28), new Color(0x2C, 0xA0, 0x2C),
      new Color(0xFF, 0x7F, 0x0E), new Color(0x94, 0x67, 0xBD), new Color(0x8C, 0x56, 0x4B), new Color(0xE3, 0x77, 0xC2),
      new Color(0x7F, 0x7F, 0x7F)};
  private static final Color GREY = new Color(0x44, 0x44, 0x44);

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private Plots() {}

  /** Refuses a plot directory that exists and is not a directory (before anything runs). */
  static void checkDirectory(String option, Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new BadInputException(option + " " + dir + " exists and is not a directory");
    }
    Path parent = dir.toAbsolutePath().getParent();
    if (parent != null && Files.exists(parent) && !Files.isDirectory(parent)) {
      throw new BadInputException(option + " " + dir + ": " + parent + " is not a directory");
    }
  }

  /** Writes rendered images as {@code dir/NAME.png} (creating dir); returns the paths. */
  static List<Path> writeAll(Path dir, Map<String, BufferedImage> images) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new BadInputException("cannot create plot directory " + dir + ": " + e.getMessage(), e);
    }
    List<Path> out = new ArrayList<>();
    for (Map.Entry<String, BufferedImage> e : images.entrySet()) {
      Path file = dir.resolve(e.getKey() + ".png");
      AtomicFiles.write(file, s -> {
        if (!ImageIO.write(e.getValue(), "png", s)) {
          throw new IOException("no PNG writer available");
        }
      });
      out.add(file);
    }
    return out;
  }

  private static XYChart xy(String title, String x, String y) {
    XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
    style(c.getStyler());
    c.getStyler().setMarkerSize(6);
    return c;
  }

  private static void style(Styler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setLegendPosition(Styler.LegendPosition.InsideNW);
    s.setLegendBackgroundColor(new Color(255, 255, 255, 220));
  }

  private static BufferedImage image(Chart<?, ?> c) {
    return BitmapEncoder.getBufferedImage(c);
  }

  private static void line(XYSeries s, Color color, BasicStroke stroke) {
    s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    s.setMarker(SeriesMarkers.NONE);
    s.setLineColor(color);
    s.setLineStyle(stroke);
  }

  /** Markers cycled once the palette is used up, so that no two of the first 32 series look alike. */
  private static final org.knowm.xchart.style.markers.Marker[] MARKERS = {SeriesMarkers.CIRCLE,
      SeriesMarkers.DIAMOND, SeriesMarkers.SQUARE, SeriesMarkers.TRIANGLE_UP};
  private static final BasicStroke[] STROKES = {SeriesLines.SOLID, SeriesLines.DASH_DASH, SeriesLines.DOT_DOT,
      SeriesLines.DASH_DOT};

  /** The look of one series of an overlay: colour, marker and line pattern. */
  record SeriesStyle(Color color, org.knowm.xchart.style.markers.Marker marker, BasicStroke stroke) {
    void apply(XYSeries s) {
      s.setLineColor(color);
      s.setMarkerColor(color);
      s.setMarker(marker);
      s.setLineStyle(stroke);
    }
  }

  /** Series i of an overlay: the palette first, then each further round with another marker and line. */
  static SeriesStyle seriesStyle(int i) {
    int round = i / PALETTE.length;
    return new SeriesStyle(PALETTE[i % PALETTE.length], MARKERS[round % MARKERS.length],
        STROKES[round % STROKES.length]);
  }

  /** Past 6 series the legend would cover the curves inside the plot, so it goes to the right. */
  private static void legendOutsideWhenCrowded(XYChart c, int series) {
    if (series > 6) {
      c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    }
  }

  private static void diagonal(XYChart c, String name) {
    line(c.addSeries(name, new double[] {0, 1}, new double[] {0, 1}), GREY, SeriesLines.DASH_DASH);
  }

  private static String[] binLabels(UncertaintyMetrics.Calibration cal) {
    int b = cal.bins();
    String[] labels = new String[b];
    for (int i = 0; i < b; i++) {
      labels[i] = String.format("%.2f-%.2f n=%d", (double) i / b, (double) (i + 1) / b, cal.counts()[i]);
    }
    return labels;
  }

  /** Accuracy per confidence bin (bars) against the bin's mean confidence (line), bin counts on the axis. */
  static BufferedImage reliability(String what, UncertaintyMetrics.Calibration cal) {
    CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT + 80)
        .title(String.format("%s: ECE %.4f, MCE %.4f", what, cal.ece(), cal.mce()))
        .xAxisTitle(String.format("top-label confidence bin (points in bin; %d bins, %d points)", cal.bins(),
            cal.points())).yAxisTitle("accuracy in bin").build();
    style(c.getStyler());
    c.getStyler().setXAxisLabelRotation(60);
    c.getStyler().setOverlapped(true);
    c.getStyler().setYAxisMin(0.0);
    c.getStyler().setYAxisMax(1.0);
    List<String> labels = List.of(binLabels(cal));
    List<Double> acc = new ArrayList<>();
    List<Double> conf = new ArrayList<>();
    for (int b = 0; b < cal.bins(); b++) {
      acc.add(cal.counts()[b] == 0 ? 0.0 : cal.accuracy()[b]);
      // An empty bin's mean confidence is its centre: the line stays the diagonal there.
      conf.add(cal.counts()[b] == 0 ? (b + 0.5) / cal.bins() : cal.confidence()[b]);
    }
    CategorySeries a = c.addSeries("accuracy", labels, acc);
    a.setFillColor(PALETTE[0]);
    CategorySeries m = c.addSeries("mean confidence (perfect calibration)", labels, conf);
    m.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
    m.setLineColor(PALETTE[1]);
    m.setMarkerColor(PALETTE[1]);
    m.setMarker(SeriesMarkers.CIRCLE);
    return image(c);
  }

  /** How many query points fall in each confidence bin; mean confidence and accuracy in the title. */
  static BufferedImage confidenceHistogram(String what, UncertaintyMetrics.Calibration cal, double meanConfidence,
      double accuracy) {
    CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
        .title(String.format("%s: mean confidence %.3f, accuracy %.3f", what, meanConfidence, accuracy))
        .xAxisTitle("top-label confidence").yAxisTitle("query points").build();
    style(c.getStyler());
    c.getStyler().setXAxisLabelRotation(45);
    List<String> labels = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    for (int b = 0; b < cal.bins(); b++) {
      labels.add(String.format("%.2f-%.2f", (double) b / cal.bins(), (double) (b + 1) / cal.bins()));
      counts.add(cal.counts()[b]);
    }
    c.addSeries("points per bin (" + cal.points() + " in all)", labels, counts).setFillColor(PALETTE[0]);
    return image(c);
  }

  /** Empirical vs nominal coverage of central intervals, one curve per method (one for eval). */
  static BufferedImage coverage(String title, double[] levels, Map<String, double[]> curves) {
    XYChart c = xy(title, "nominal coverage of the central interval", "empirical coverage");
    c.getStyler().setXAxisMin(0.0);
    c.getStyler().setXAxisMax(1.0);
    c.getStyler().setYAxisMin(0.0);
    c.getStyler().setYAxisMax(1.0);
    diagonal(c, "perfect calibration");
    int i = 0;
    for (Map.Entry<String, double[]> e : curves.entrySet()) {
      seriesStyle(i++).apply(c.addSeries(e.getKey(), levels, e.getValue()));
    }
    legendOutsideWhenCrowded(c, curves.size());
    return image(c);
  }

  /** Accuracy vs mean confidence over the non-empty bins, one curve per method. */
  static BufferedImage reliabilityOverlay(String title, Map<String, UncertaintyMetrics.Calibration> cals) {
    XYChart c = xy(title, "mean top-label confidence in bin", "accuracy in bin");
    c.getStyler().setXAxisMin(0.0);
    c.getStyler().setXAxisMax(1.0);
    c.getStyler().setYAxisMin(0.0);
    c.getStyler().setYAxisMax(1.0);
    diagonal(c, "perfect calibration");
    int i = 0;
    for (Map.Entry<String, UncertaintyMetrics.Calibration> e : cals.entrySet()) {
      UncertaintyMetrics.Calibration cal = e.getValue();
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (int b = 0; b < cal.bins(); b++) {
        if (cal.counts()[b] > 0) {
          x.add(cal.confidence()[b]);
          y.add(cal.accuracy()[b]);
        }
      }
      seriesStyle(i++).apply(c.addSeries(String.format("%s (ECE %.4f)", e.getKey(), cal.ece()), x, y));
    }
    legendOutsideWhenCrowded(c, cals.size());
    return image(c);
  }

  /** One panel of the hypothesis fan. */
  record FanTask(double[] grid, double[] truth, double[][] hypotheses, double[] mean, double[] q05, double[] q25,
      double[] q75, double[] q95, double[] supportX, double[] supportY) {}

  /** Hypothesis fans of a few tasks, two panels a row. */
  static BufferedImage fan(String title, List<FanTask> tasks) {
    List<BufferedImage> panels = new ArrayList<>();
    int idx = 1;
    for (FanTask t : tasks) {
      int k = t.hypotheses().length;
      XYChart c = xy(String.format("%s, task %d (%d-shot, %s)", title, idx++, t.supportX().length,
          k == 1 ? "1 function, per-point σ(x)" : k + " hypotheses"), "x", "y");
      c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
      c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
      c.getStyler().setPlotGridLinesVisible(false);
      double lo = Arrays.stream(t.q05()).min().orElse(0);
      double hi = Arrays.stream(t.q95()).max().orElse(1);
      for (double[] v : new double[][] {t.supportY(), t.truth() == null ? new double[0] : t.truth()}) {
        for (double y : v) {
          lo = Math.min(lo, y);
          hi = Math.max(hi, y);
        }
      }
      double pad = 0.05 * (hi - lo);
      c.getStyler().setYAxisMin(lo - pad);
      c.getStyler().setYAxisMax(hi + pad);
      bands(c, t.grid(), t.q05(), t.q25(), t.q75(), t.q95());
      for (int h = 0; h < t.hypotheses().length; h++) {
        XYSeries s = c.addSeries(h == 0 ? "hypotheses" : "hypothesis " + (h + 1), t.grid(), t.hypotheses()[h]);
        line(s, new Color(0x1F, 0x77, 0xB4, 120), new BasicStroke(1f));
        s.setShowInLegend(h == 0);
      }
      if (t.truth() != null) {
        line(c.addSeries("truth", t.grid(), t.truth()), new Color(0x22, 0x22, 0x22), SeriesLines.DASH_DASH);
      }
      line(c.addSeries("mean", t.grid(), t.mean()), new Color(0xD6, 0x27, 0x28), new BasicStroke(2.5f));
      XYSeries pts = c.addSeries("support", t.supportX(), t.supportY());
      pts.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
      pts.setMarker(SeriesMarkers.CIRCLE);
      pts.setMarkerColor(Color.BLACK);
      panels.add(image(c));
    }
    return grid(panels);
  }

  // XChart has no fill-between (its areas fill down to 0): a band is drawn as abutting vertical
  // strokes from its lower to its upper curve, one per grid point, as wide as the grid spacing.
  private static void bands(XYChart c, double[] x, double[] q05, double[] q25, double[] q75, double[] q95) {
    band(c, "90% band", x, q05, q95, new Color(0xF6, 0xC9, 0xC9));
    band(c, "50% band", x, q25, q75, new Color(0xEC, 0x8E, 0x8E));
  }

  private static void band(XYChart c, String name, double[] x, double[] lo, double[] hi, Color color) {
    float width = (float) Math.ceil((WIDTH - 120.0) / x.length) + 1;
    BasicStroke stroke = new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER);
    for (int i = 0; i < x.length; i++) {
      XYSeries s = c.addSeries(i == 0 ? name : name + " " + i, new double[] {x[i], x[i]}, new double[] {lo[i], hi[i]});
      line(s, color, stroke);
      s.setShowInLegend(i == 0);
    }
  }

  /** Training loss (and validation figures on a second axis) against the iteration. */
  static BufferedImage learningCurves(String title, Map<String, double[][]> series, Map<String, double[][]> second,
      String secondAxis) {
    XYChart c = xy(title, "iteration", "training loss");
    c.getStyler().setXAxisMin(0.0);
    c.getStyler().setXAxisDecimalPattern("#");
    c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    int i = 0;
    for (Map.Entry<String, double[][]> e : series.entrySet()) {
      XYSeries s = c.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]);
      line(s, PALETTE[i++ % PALETTE.length], new BasicStroke(1.5f));
    }
    for (Map.Entry<String, double[][]> e : second.entrySet()) {
      XYSeries s = c.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]);
      s.setYAxisGroup(1);
      s.setLineColor(PALETTE[i % PALETTE.length]);
      s.setMarkerColor(PALETTE[i++ % PALETTE.length]);
      s.setMarker(SeriesMarkers.CIRCLE);
    }
    if (!second.isEmpty()) {
      c.setYAxisGroupTitle(1, secondAxis);
      c.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
    }
    return image(c);
  }

  static BufferedImage grid(List<BufferedImage> panels) {
    int cols = panels.size() <= 1 ? 1 : 2;
    int rows = (panels.size() + cols - 1) / cols;
    int w = panels.get(0).getWidth();
    int h = panels.get(0).getHeight();
    BufferedImage all = new BufferedImage(cols * w, rows * h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = all.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, all.getWidth(), all.getHeight());
    for (int i = 0; i < panels.size(); i++) {
      g.drawImage(panels.get(i), (i % cols) * w, (i / cols) * h, null);
    }
    g.dispose();
    return all;
  }

  /** An ordered name → image map. */
  static Map<String, BufferedImage> images() {
    return new LinkedHashMap<>();
  }
}

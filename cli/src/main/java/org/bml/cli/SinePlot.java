package org.bml.cli;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.bml.algorithms.Episodes;
import org.bml.algorithms.MetaLearner;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Tensor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.model.Params;
import org.bml.datasets.FunctionInfo;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.synthetic.RegressionTasks;
import org.bml.inference.Data;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A PNG of a few 1-d regression test tasks (XChart): the true function, the support points, and
 * the model's prediction before adaptation (θ) and after {@code steps} adaptation steps, one panel
 * per task in a grid.
 */
final class SinePlot {
  static final int PANEL_WIDTH = 560;
  static final int PANEL_HEIGHT = 360;
  private static final int GRID_POINTS = 200;

  static {
    // Rendering needs no display; without this AWT looks for one on some JDKs.
    System.setProperty("java.awt.headless", "true");
  }

  /** Height of the band above the panels holding the figure's title. */
  static final int TITLE_HEIGHT = 32;

  private SinePlot() {}

  /**
   * Writes the PNG atomically.
   *
   * @param seed test-task seed; tasks {@code 0..count−1} are drawn
   */
  static void write(Path file, MetaLearner learner, Params meta, RegressionTasks tasks, long seed, int count,
      int steps, double xMin, double xMax) {
    if (tasks.inputDim() != 1) {
      throw new IllegalArgumentException("SinePlot: tasks must have 1-d inputs, got " + tasks.inputDim());
    }
    List<BufferedImage> panels = new ArrayList<>();
    try (MemoryScope scope = MemoryScope.open("bml-cli-plot")) {
      TaskBatch b = tasks.batch(seed, 0, count);
      Data support = Episodes.support(b);
      double[] grid = new double[GRID_POINTS];
      double[] gridAll = new double[count * GRID_POINTS];
      for (int i = 0; i < GRID_POINTS; i++) {
        grid[i] = xMin + (xMax - xMin) * i / (GRID_POINTS - 1);
      }
      for (int t = 0; t < count; t++) {
        System.arraycopy(grid, 0, gridAll, t * GRID_POINTS, GRID_POINTS);
      }
      Tensor x = Tensor.constant(Nd4j.create(gridAll, new long[] {count, GRID_POINTS, 1}, b.supportX().dataType()));
      Params theta = meta.detach();
      double[][] before = predictions(learner, learner.adapt(theta, support, 0), x, count);
      double[][] after = predictions(learner, learner.adapt(theta, support, steps), x, count);
      double[][] sx = b.supportX().castTo(DataType.DOUBLE).reshape(count, -1).toDoubleMatrix();
      double[][] sy = b.supportY().castTo(DataType.DOUBLE).reshape(count, -1).toDoubleMatrix();
      for (int t = 0; t < count; t++) {
        XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT)
            .title("test task " + (t + 1) + " (" + sx[t].length + "-shot)").xAxisTitle("x").yAxisTitle("y").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setMarkerSize(8);
        if (b.info().get(t) instanceof FunctionInfo f) {
          double[] truth = new double[GRID_POINTS];
          for (int i = 0; i < GRID_POINTS; i++) {
            truth[i] = f.trueFunction().applyAsDouble(grid[i]);
          }
          line(chart.addSeries("true function", grid, truth), new Color(0x22, 0x22, 0x22), SeriesLines.SOLID);
        }
        line(chart.addSeries("before adaptation", grid, before[t]), new Color(0x99, 0x99, 0xCC), SeriesLines.DASH_DASH);
        line(chart.addSeries("after " + steps + " step(s)", grid, after[t]), new Color(0xD6, 0x27, 0x28),
            SeriesLines.SOLID);
        XYSeries pts = chart.addSeries("support", sx[t], sy[t]);
        pts.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        pts.setMarker(SeriesMarkers.CIRCLE);
        pts.setMarkerColor(new Color(0x1F, 0x77, 0xB4));
        panels.add(BitmapEncoder.getBufferedImage(chart));
      }
    }
    int cols = count <= 1 ? 1 : 2;
    int rows = (count + cols - 1) / cols;
    BufferedImage all = new BufferedImage(cols * PANEL_WIDTH, TITLE_HEIGHT + rows * PANEL_HEIGHT,
        BufferedImage.TYPE_INT_RGB);
    Graphics2D g = all.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, all.getWidth(), all.getHeight());
    // The figure's own title: what was trained and what the panels compare (each panel has its task's).
    String title = learner.getClass().getSimpleName() + ": predictions before and after " + steps
        + " adaptation step(s) on " + count + " test tasks";
    g.setRenderingHint(java.awt.RenderingHints.KEY_TEXT_ANTIALIASING, java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.BLACK);
    g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.BOLD, 16));
    int w = g.getFontMetrics().stringWidth(title);
    g.drawString(title, Math.max(4, (all.getWidth() - w) / 2), TITLE_HEIGHT - 10);
    for (int i = 0; i < panels.size(); i++) {
      g.drawImage(panels.get(i), (i % cols) * PANEL_WIDTH, TITLE_HEIGHT + (i / cols) * PANEL_HEIGHT, null);
    }
    g.dispose();
    AtomicFiles.write(file, out -> {
      if (!ImageIO.write(all, "png", out)) {
        throw new java.io.IOException("no PNG writer available");
      }
    });
  }

  private static void line(XYSeries s, Color color, java.awt.BasicStroke stroke) {
    s.setMarker(SeriesMarkers.NONE);
    s.setLineColor(color);
    s.setLineStyle(stroke);
  }

  private static double[][] predictions(MetaLearner learner, Params adapted, Tensor x, int count) {
    try (GradMode.Scope ng = GradMode.noGrad()) {
      return learner.predict(adapted, x).value().castTo(DataType.DOUBLE).reshape(count, -1).toDoubleMatrix();
    }
  }
}

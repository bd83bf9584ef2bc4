package org.bml.algorithms.predictive;

import static org.bml.algorithms.predictive.UncertaintyMetricsTest.assertBad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.apache.commons.math3.stat.regression.SimpleRegression;
import org.bml.datasets.FunctionInfo;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.synthetic.LineInfo;
import org.bml.datasets.synthetic.SineAndLineTasks;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Candidate modes of sine-and-line tasks by least squares. */
class LeastSquaresModesTest {
  @Test
  void noiseFreeTasksRecoverTheirTrueFunctionAndTheOtherFamilysBestFit() {
    SineAndLineTasks tasks = new SineAndLineTasks(10, 5, 0.0, DataType.DOUBLE);
    TaskBatch b = tasks.batch(3, 0, 6);
    LeastSquaresModes modes = LeastSquaresModes.sineAndLine(-5, 5, 21, Double.POSITIVE_INFINITY);
    INDArray grid = modes.grid(b);
    assertArrayEquals(new long[] {6, 21, 1}, grid.shape());
    double[][][] m = modes.modes(b, grid);
    double[] gx = modes.gridValues();
    assertEquals(-5, gx[0]);
    assertEquals(5, gx[20], 1e-15);
    double[][][] sx = Predictives.values(b.supportX(), "x");
    double[][][] sy = Predictives.values(b.supportY(), "y");
    boolean sawLine = false;
    for (int t = 0; t < 6; t++) {
      assertNotNull(m[t], "every task is kept without a consistency limit");
      FunctionInfo info = (FunctionInfo) b.info().get(t);
      boolean line = info instanceof LineInfo;
      sawLine |= line;
      double[] truth = m[t][line ? 1 : 0];
      for (int j = 0; j < gx.length; j++) {
        assertEquals(info.trueFunction().applyAsDouble(gx[j]), truth[j], 1e-9, "task " + t + " at " + gx[j]);
      }
      // The line mode is the ordinary least-squares line through the support set.
      SimpleRegression r = new SimpleRegression();
      for (int i = 0; i < sx[t].length; i++) {
        r.addData(sx[t][i][0], sy[t][i][0]);
      }
      for (int j = 0; j < gx.length; j++) {
        assertEquals(r.predict(gx[j]), m[t][1][j], 1e-9);
      }
    }
    assertEquals(true, sawLine, "the seed draws both families");
    // With a strict consistency limit, a noise-free task fits only its own family: not ambiguous.
    double[][][] strict = LeastSquaresModes.sineAndLine(-5, 5, 21, 1e-6).modes(b, grid);
    for (double[][] row : strict) {
      assertNull(row);
    }
  }

  @Test
  void twoSupportPointsAreFitExactlyByBothFamilies() {
    SineAndLineTasks tasks = new SineAndLineTasks(2, 5, 0.0, DataType.FLOAT);
    TaskBatch b = tasks.batch(9, 0, 3);
    LeastSquaresModes modes = LeastSquaresModes.sineAndLine(-5, 5, 11, 1e-3);
    INDArray grid = modes.grid(b);
    assertEquals(DataType.FLOAT, grid.dataType());
    double[][][] m = modes.modes(b, grid);
    for (double[][] row : m) {
      assertNotNull(row, "both families interpolate two points");
      assertEquals(2, row.length);
    }
  }

  @Test
  void badInputIsRejected() {
    assertBad("two families", () -> new LeastSquaresModes(List.of(), -1, 1, 5, 1));
    assertBad("lo < hi", () -> LeastSquaresModes.sineAndLine(1, -1, 5, 1));
    assertBad("2 points", () -> LeastSquaresModes.sineAndLine(-1, 1, 1, 1));
    assertBad("maxSupportRms", () -> LeastSquaresModes.sineAndLine(-1, 1, 5, 0));
    SineAndLineTasks tasks = new SineAndLineTasks(1, 5, 0.0, DataType.DOUBLE);
    TaskBatch b = tasks.batch(9, 0, 1);
    LeastSquaresModes modes = LeastSquaresModes.sineAndLine(-5, 5, 11, 1);
    assertBad("only 1 points", () -> modes.modes(b, modes.grid(b)));
  }
}

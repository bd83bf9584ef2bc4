package org.bml.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** θ as plain arrays (names, shapes, data type, values) for a broadcast: no native memory travels. */
final class ThetaSnapshot implements Serializable {
  private static final long serialVersionUID = 1L;

  private final List<String> names;
  private final long[][] shapes;
  private final String dtype;
  private final double[][] values;

  private ThetaSnapshot(List<String> names, long[][] shapes, String dtype, double[][] values) {
    this.names = names;
    this.shapes = shapes;
    this.dtype = dtype;
    this.values = values;
  }

  static ThetaSnapshot of(Params theta) {
    List<String> names = new ArrayList<>(theta.names());
    List<Tensor> ts = theta.tensors();
    long[][] shapes = new long[ts.size()][];
    double[][] values = new double[ts.size()][];
    for (int i = 0; i < ts.size(); i++) {
      INDArray v = ts.get(i).value();
      shapes[i] = v.shape();
      values[i] = v.dup('c').data().asDouble(); // exact for float32 and float64
    }
    return new ThetaSnapshot(names, shapes, ts.get(0).value().dataType().name(), values);
  }

  DataType dataType() {
    return DataType.valueOf(dtype);
  }

  /** θ rebuilt on an executor, bit for bit the driver's. */
  Params toParams() {
    List<Tensor> ts = new ArrayList<>(names.size());
    for (int i = 0; i < names.size(); i++) {
      ts.add(Tensor.constant(Nd4j.createFromArray(values[i]).castTo(dataType()).reshape('c', shapes[i])));
    }
    return Params.of(names, ts);
  }
}

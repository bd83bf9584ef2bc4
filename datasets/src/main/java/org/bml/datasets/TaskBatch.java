package org.bml.datasets;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A meta-batch: {@code T} tasks of equal shapes stacked along a new leading axis, e.g. regression
 * {@code supportX [T, n, d]} or classification {@code supportX [T, n, 1, 28, 28]}.
 *
 * @param info per-task metadata, {@code info.get(t)} belongs to slice {@code t}
 */
public record TaskBatch(INDArray supportX, INDArray supportY, INDArray queryX, INDArray queryY,
                        List<TaskInfo> info) {

    public TaskBatch {
        info = List.copyOf(info);
        long t = info.size();
        if (supportX.size(0) != t || supportY.size(0) != t || queryX.size(0) != t
                || queryY.size(0) != t) {
            throw new IllegalArgumentException("leading axis must equal the number of tasks " + t);
        }
    }

    /** Number of tasks T. */
    public int size() {
        return info.size();
    }

    /** Task {@code t} as views into the batch arrays (no copy). */
    public Task task(int t) {
        return new Task(slice(supportX, t), slice(supportY, t), slice(queryX, t),
                slice(queryY, t), info.get(t));
    }

    /** {@code [T][n]} integer support labels; only for classification batches. */
    public int[][] supportLabels() {
        int[][] out = new int[size()][];
        for (int t = 0; t < out.length; t++) {
            out[t] = episode(t).supportLabels();
        }
        return out;
    }

    /** {@code [T][m]} integer query labels; only for classification batches. */
    public int[][] queryLabels() {
        int[][] out = new int[size()][];
        for (int t = 0; t < out.length; t++) {
            out[t] = episode(t).queryLabels();
        }
        return out;
    }

    private EpisodeInfo episode(int t) {
        if (info.get(t) instanceof EpisodeInfo e) {
            return e;
        }
        throw new IllegalStateException("not a classification task: " + info.get(t));
    }

    private static INDArray slice(INDArray a, int t) {
        return a.get(NDArrayIndex.point(t)).reshape(dropFirst(a.shape()));
    }

    private static long[] dropFirst(long[] shape) {
        long[] s = new long[shape.length - 1];
        System.arraycopy(shape, 1, s, 0, s.length);
        return s;
    }
}

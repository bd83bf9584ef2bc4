package org.bml.datasets;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A distribution over few-shot tasks, addressed by {@code (seed, index)}.
 *
 * <p><b>Reproducibility contract.</b> {@link #task(long, long)} is a pure function: task
 * {@code index} under {@code seed} is the same (bit for bit, metadata included) however many
 * tasks were drawn before, in whatever order, on whatever thread. Implementations derive a
 * private random stream per task from the pair (see {@link Seeds}) instead of sharing a mutable
 * generator. Use one seed for meta-training and another for meta-testing, and walk the index
 * forward ({@code batch(seed, step * T, T)}) to get fresh tasks.
 *
 * <p><b>Lifecycle.</b> A distribution is built once (for Omniglot this decodes the images) and
 * is then immutable and safe to share between threads; each call allocates new arrays owned by
 * the caller.
 */
public interface TaskDistribution {

    /** Task {@code index} under {@code seed}; deterministic, see the class contract. */
    Task task(long seed, long index);

    /**
     * Tasks {@code firstIndex .. firstIndex + size - 1} under {@code seed}, stacked along a new
     * leading axis; slice {@code t} equals {@code task(seed, firstIndex + t)}.
     *
     * <p>This default stacks {@link #task} results through one preallocated array; the built-in
     * distributions override it to write every task straight into the batch buffer.
     */
    default TaskBatch batch(long seed, long firstIndex, int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + size);
        }
        List<Task> tasks = new ArrayList<>(size);
        for (int t = 0; t < size; t++) {
            tasks.add(task(seed, firstIndex + t));
        }
        List<TaskInfo> info = new ArrayList<>(size);
        for (Task task : tasks) {
            info.add(task.info());
        }
        return new TaskBatch(stack(tasks, 0), stack(tasks, 1), stack(tasks, 2), stack(tasks, 3),
                info);
    }

    /** Whether targets are real values or one-hot classes. */
    TaskKind kind();

    private static INDArray stack(List<Task> tasks, int which) {
        INDArray first = part(tasks.get(0), which);
        long[] shape = first.shape();
        long per = first.length();
        long[] out = new long[shape.length + 1];
        out[0] = tasks.size();
        System.arraycopy(shape, 0, out, 1, shape.length);
        DataType dtype = first.dataType();
        if (dtype == DataType.DOUBLE) {
            double[] buf = new double[Math.toIntExact(per * tasks.size())];
            for (int t = 0; t < tasks.size(); t++) {
                double[] d = checked(part(tasks.get(t), which), shape).dup('c').data().asDouble();
                System.arraycopy(d, 0, buf, Math.toIntExact(t * per), d.length);
            }
            return Nd4j.create(buf, out, DataType.DOUBLE);
        }
        float[] buf = new float[Math.toIntExact(per * tasks.size())];
        for (int t = 0; t < tasks.size(); t++) {
            float[] d = checked(part(tasks.get(t), which), shape).dup('c').data().asFloat();
            System.arraycopy(d, 0, buf, Math.toIntExact(t * per), d.length);
        }
        return Nd4j.create(buf, out, dtype);
    }

    private static INDArray checked(INDArray a, long[] shape) {
        if (!java.util.Arrays.equals(a.shape(), shape)) {
            throw new IllegalStateException("tasks of one batch must share shapes: "
                    + java.util.Arrays.toString(a.shape()) + " vs "
                    + java.util.Arrays.toString(shape));
        }
        return a;
    }

    private static INDArray part(Task t, int which) {
        return switch (which) {
            case 0 -> t.supportX();
            case 1 -> t.supportY();
            case 2 -> t.queryX();
            default -> t.queryY();
        };
    }
}

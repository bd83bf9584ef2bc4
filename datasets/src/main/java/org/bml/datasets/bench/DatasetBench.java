package org.bml.datasets.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.bml.core.memory.MemoryScope;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.omniglot.OmniglotImages;
import org.bml.datasets.omniglot.OmniglotPaths;
import org.bml.datasets.omniglot.OmniglotSplits;
import org.bml.datasets.omniglot.OmniglotTasks;

/**
 * Benchmarks of the Omniglot pipeline, as lines {@code bench <case> <value> <unit>}:
 * <ul>
 *   <li>{@code omniglot-load <s> s}: both zips listed, read, decoded and resized (2 threads),
 *       in a fresh JVM this includes JIT warm-up, as a user would see it;</li>
 *   <li>{@code omniglot-episode-20w5s15q-mb32 <ms> ms}: one meta-batch of 32 episodes of
 *       20-way 5-shot 15-query on the MAML training split, written into recycled INDArrays
 *       ({@code OmniglotEpisodes.batchInto}, as a training loop would); median over timed
 *       windows after a warm-up;</li>
 *   <li>{@code omniglot-episode-20w5s15q-mb32-fresh <ms> ms}: the same with newly allocated
 *       arrays per meta-batch ({@code batch}), which adds ND4J's allocation of 40 MB.</li>
 * </ul>
 * Run with {@code OMP_NUM_THREADS=1} for comparable figures. The data directory is found by
 * {@link OmniglotPaths} ({@code -Dbml.data.dir=...}).
 */
public final class DatasetBench {
    private static final int WARMUP_BATCHES = 30;
    private static final int WINDOWS = 15;
    private static final int BATCHES_PER_WINDOW = 10;

    private DatasetBench() {
    }

    public static void main(String[] args) {
        for (String line : run()) {
            System.out.println(line);
        }
    }

    /** Runs every case against {@link OmniglotPaths#root()}. */
    public static List<String> run() {
        return run(OmniglotPaths.root());
    }

    /** Runs every case against the Omniglot data directory {@code root}. */
    public static List<String> run(Path root) {
        List<String> out = new ArrayList<>();
        OmniglotImages images = OmniglotImages.fromDirectory(root);
        out.add(line("omniglot-load", images.loadSeconds(), "s"));
        OmniglotTasks tasks = new OmniglotTasks(images, OmniglotSplits.maml(images, 0).train(),
                20, 5, 15);
        out.add(line("omniglot-episode-20w5s15q-mb32", medianBatchMillis(tasks, 32, true), "ms"));
        out.add(line("omniglot-episode-20w5s15q-mb32-fresh", medianBatchMillis(tasks, 32, false),
                "ms"));
        return out;
    }

    /** Median over windows of the mean wall time of one {@code batch} call, in ms. */
    static double medianBatchMillis(OmniglotTasks tasks, int batchSize, boolean recycle) {
        long index = 0;
        long sink = 0;
        TaskBatch[] reuse = {tasks.batch(1, index, batchSize)};
        for (int i = 0; i < WARMUP_BATCHES; i++) {
            sink += nextBatch(tasks, index, batchSize, recycle, reuse);
            index += batchSize;
        }
        double[] windows = new double[WINDOWS];
        for (int w = 0; w < WINDOWS; w++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < BATCHES_PER_WINDOW; i++) {
                sink += nextBatch(tasks, index, batchSize, recycle, reuse);
                index += batchSize;
            }
            windows[w] = (System.nanoTime() - t0) / 1e6 / BATCHES_PER_WINDOW;
        }
        if (sink == Long.MIN_VALUE) {
            System.out.print(""); // keeps the batches observable so they are not optimised away
        }
        Arrays.sort(windows);
        return windows[WINDOWS / 2];
    }

    // One meta-batch, either rewritten into the previous arrays or freshly allocated inside a
    // recycled scope (as the trainer does); unscoped, fresh batches would pile up off-heap until a
    // garbage collection.
    private static long nextBatch(OmniglotTasks tasks, long index, int batchSize, boolean recycle,
            TaskBatch[] reuse) {
        if (recycle) {
            reuse[0] = tasks.batchInto(1, index, reuse[0]);
            return consume(reuse[0]);
        }
        try (MemoryScope scope = MemoryScope.open("bml-bench-episodes")) {
            return consume(tasks.batch(1, index, batchSize));
        }
    }

    private static long consume(TaskBatch b) {
        return b.supportX().length() + b.queryY().length() + b.info().size();
    }

    private static String line(String name, double value, String unit) {
        return String.format(Locale.ROOT, "bench %s %.3f %s", name, value, unit);
    }
}

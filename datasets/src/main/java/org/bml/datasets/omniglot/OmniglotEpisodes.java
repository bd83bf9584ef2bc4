package org.bml.datasets.omniglot;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.bml.datasets.EpisodeInfo;
import org.bml.datasets.Seeds;
import org.bml.datasets.Task;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskDistribution;
import org.bml.datasets.TaskInfo;
import org.bml.datasets.TaskKind;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * N-way K-shot Q-query episodes over an {@link OmniglotSplit}; subclasses decide which classes
 * an episode uses and which label each gets ({@link #chooseClasses}).
 *
 * <p>An episode: label {@code j} is given to class {@code chooseClasses(rng)[j]}; for each label
 * K+Q distinct drawings of the character are drawn without replacement, rotated by the class's
 * quarter turns (precomputed in {@link OmniglotImages}); the first K go to the support set and
 * the rest to the query set; finally the rows of each set are put in a random order, so a
 * row's position says nothing about its label.
 * Shapes: {@code x [N*K, 1, 28, 28]}, {@code y [N*K, N]} one-hot (query likewise), batched with
 * a leading task axis; integer labels in {@link EpisodeInfo}.
 *
 * <p>Everything random comes from {@code Seeds.stream(seed, index)}, so episodes are
 * reproducible (see {@link TaskDistribution}). A batch is written straight into the native
 * memory of one INDArray per tensor, episodes in parallel; {@link #batchInto} recycles the
 * arrays of a previous batch, which is what makes a 32-episode meta-batch cost milliseconds.
 */
public abstract class OmniglotEpisodes implements TaskDistribution {
    private static final int P = OmniglotImages.PIXELS;
    private final OmniglotImages images;
    private final OmniglotSplit split;
    private final int ways;
    private final int shots;
    private final int queries;
    private final DataType dataType;
    private final String[] names;
    private final int maxDrawings;

    protected OmniglotEpisodes(OmniglotImages images, OmniglotSplit split, int ways, int shots,
                               int queries, DataType dataType) {
        this.images = Objects.requireNonNull(images, "images");
        this.split = Objects.requireNonNull(split, "split");
        requirePositive("ways (N)", ways);
        requirePositive("shots (K)", shots);
        requirePositive("queries (Q)", queries);
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("dataType must be FLOAT or DOUBLE, got " + dataType);
        }
        if (ways > split.size()) {
            throw new IllegalArgumentException("ways N=" + ways + " exceeds the "
                    + split.size() + " classes of split " + split.name());
        }
        this.ways = ways;
        this.shots = shots;
        this.queries = queries;
        this.dataType = dataType;
        this.names = new String[images.characterCount() * 4];
        int most = 0;
        for (OmniglotCharacter c : images.characters()) {
            most = Math.max(most, c.imageCount());
        }
        this.maxDrawings = most;
        for (int code : split.classes()) {
            int c = OmniglotSplit.characterOf(code);
            if (c >= images.characterCount()) {
                throw new IllegalArgumentException("split " + split.name() + " has class " + code
                        + " but only " + images.characterCount() + " characters are loaded");
            }
            OmniglotCharacter ch = images.characters().get(c);
            names[code] = OmniglotSplit.className(images, code);
            if (ch.imageCount() < shots + queries) {
                throw new IllegalArgumentException("class " + names[code] + " has only "
                        + ch.imageCount() + " drawings, fewer than shots K=" + shots
                        + " + queries Q=" + queries);
            }
        }
    }

    /**
     * The class codes of one episode, {@code result[label]}: {@link #ways()} distinct codes
     * from the split. Must draw only from {@code rng}.
     */
    protected abstract int[] chooseClasses(SplittableRandom rng);

    public OmniglotImages images() {
        return images;
    }

    public OmniglotSplit split() {
        return split;
    }

    public int ways() {
        return ways;
    }

    public int shots() {
        return shots;
    }

    public int queries() {
        return queries;
    }

    public DataType dataType() {
        return dataType;
    }

    @Override
    public TaskKind kind() {
        return TaskKind.CLASSIFICATION;
    }

    @Override
    public Task task(long seed, long index) {
        TaskBatch b = batch(seed, index, 1);
        int s = ways * shots;
        int q = ways * queries;
        int side = OmniglotImages.SIDE;
        return new Task(b.supportX().reshape(s, 1, side, side), b.supportY().reshape(s, ways),
                b.queryX().reshape(q, 1, side, side), b.queryY().reshape(q, ways),
                b.info().get(0));
    }

    @Override
    public TaskBatch batch(long seed, long firstIndex, int size) {
        requirePositive("batch size", size);
        int side = OmniglotImages.SIDE;
        int ns = ways * shots;
        int nq = ways * queries;
        TaskBatch empty = new TaskBatch(
                Nd4j.createUninitialized(dataType, size, ns, 1, side, side),
                Nd4j.createUninitialized(dataType, size, ns, ways),
                Nd4j.createUninitialized(dataType, size, nq, 1, side, side),
                Nd4j.createUninitialized(dataType, size, nq, ways),
                java.util.Collections.nCopies(size, PLACEHOLDER));
        return batchInto(seed, firstIndex, empty);
    }

    /**
     * Like {@link #batch(long, long, int)} but overwrites the arrays of {@code reuse} (a batch
     * previously returned by this distribution, or with exactly its shapes and data type)
     * instead of allocating new ones, and returns a batch over the same arrays with the new
     * metadata. Allocating a fresh 40 MB meta-batch costs ND4J more than filling it, so a
     * training loop that consumes each meta-batch before asking for the next should recycle:
     * {@code b = tasks.batchInto(seed, step * T, b)}. Any earlier reference to these arrays
     * (including views) sees the new contents.
     */
    public TaskBatch batchInto(long seed, long firstIndex, TaskBatch reuse) {
        int size = reuse.size();
        int side = OmniglotImages.SIDE;
        int ns = ways * shots;
        int nq = ways * queries;
        check(reuse.supportX(), "supportX", size, ns, 1, side, side);
        check(reuse.supportY(), "supportY", size, ns, ways);
        check(reuse.queryX(), "queryX", size, nq, 1, side, side);
        check(reuse.queryY(), "queryY", size, nq, ways);
        if ((long) size * Math.max(ns, nq) * P > Integer.MAX_VALUE) {
            // Rows are addressed through NIO buffers, which take int indices.
            throw new IllegalArgumentException("batch of " + size + " episodes exceeds "
                    + Integer.MAX_VALUE + " pixels per tensor; use smaller batches");
        }
        Out sx = new Out(reuse.supportX());
        Out sy = new Out(reuse.supportY());
        Out qx = new Out(reuse.queryX());
        Out qy = new Out(reuse.queryY());
        TaskInfo[] info = new TaskInfo[size];
        // Episodes are independent and write disjoint rows, so they can be filled in parallel;
        // the copy is memory-bound and a second core adds bandwidth.
        java.util.stream.IntStream range = java.util.stream.IntStream.range(0, size);
        if (size >= 4 && ways * (shots + queries) >= 64) {
            range = range.parallel();
        }
        range.forEach(t -> info[t] = fill(seed, firstIndex + t, sx, t * ns, sy, qx, t * nq, qy));
        java.lang.ref.Reference.reachabilityFence(reuse);
        return new TaskBatch(reuse.supportX(), reuse.supportY(), reuse.queryX(), reuse.queryY(),
                java.util.Arrays.asList(info));
    }

    /** Stands in for metadata while a fresh batch is being filled. */
    private static final TaskInfo PLACEHOLDER = () -> -1;

    private void check(INDArray a, String name, long... shape) {
        if (!java.util.Arrays.equals(a.shape(), shape) || a.dataType() != dataType) {
            throw new IllegalArgumentException("batch to reuse has " + name + " "
                    + java.util.Arrays.toString(a.shape()) + " " + a.dataType() + ", expected "
                    + java.util.Arrays.toString(shape) + " " + dataType);
        }
        if (a.isView() || a.ordering() != 'c' || a.offset() != 0
                || a.data().length() != a.length()) {
            throw new IllegalArgumentException("batch to reuse must own contiguous c-order "
                    + "arrays; " + name + " is a view or has another layout");
        }
    }

    /**
     * Direct writer into an INDArray's native buffer (float or double). Writing in place
     * avoids a heap staging array and the copy into native memory; the INDArray is kept
     * reachable by the caller (reachabilityFence) so its memory is not freed while in use.
     */
    private static final class Out {
        final java.nio.FloatBuffer f;
        final java.nio.DoubleBuffer d;

        Out(INDArray a) {
            if (a.dataType() == DataType.FLOAT) {
                f = a.data().asNioFloat();
                d = null;
            } else {
                f = null;
                d = a.data().asNioDouble();
            }
        }

        void put(int index, float[] src, int from, int len) {
            if (f != null) {
                f.put(index, src, from, len);
            } else {
                for (int i = 0; i < len; i++) {
                    d.put(index + i, src[from + i]);
                }
            }
        }
    }

    /**
     * Writes one episode at support row {@code sRow} and query row {@code qRow} of the batch.
     * Every element of those rows is written (pixels and whole one-hot rows), so the output
     * needs no clearing beforehand.
     */
    private EpisodeInfo fill(long seed, long index, Out sx, int sRow, Out sy, Out qx, int qRow,
                             Out qy) {
        SplittableRandom rng = Seeds.stream(seed, index);
        int[] classes = chooseClasses(rng);
        int ns = ways * shots;
        int nq = ways * queries;
        int[] sPos = permutation(ns, rng);
        int[] qPos = permutation(nq, rng);
        int[] sLabels = new int[ns];
        int[] qLabels = new int[nq];
        int[] scratch = new int[maxDrawings];
        float[] oneHot = new float[ways];
        float[] pixels = images.pixels();
        List<String> classNames = new ArrayList<>(ways);
        for (int j = 0; j < ways; j++) {
            int code = classes[j];
            classNames.add(names[code]);
            OmniglotCharacter ch = images.characters().get(OmniglotSplit.characterOf(code));
            int turns = OmniglotSplit.quarterTurnsOf(code);
            int count = ch.imageCount();
            for (int i = 0; i < count; i++) {
                scratch[i] = i;
            }
            oneHot[j] = 1f;
            for (int i = 0; i < shots + queries; i++) {
                // Partial Fisher-Yates: the first K+Q slots end up a uniform draw without
                // replacement.
                int r = i + rng.nextInt(count - i);
                int tmp = scratch[i];
                scratch[i] = scratch[r];
                scratch[r] = tmp;
                // Rotated copies are precomputed, so every image is one contiguous copy.
                int src = images.offset(ch.firstImage() + scratch[i], turns);
                if (i < shots) {
                    int pos = sPos[j * shots + i];
                    sLabels[pos] = j;
                    sx.put((sRow + pos) * P, pixels, src, P);
                    sy.put((sRow + pos) * ways, oneHot, 0, ways);
                } else {
                    int pos = qPos[j * queries + i - shots];
                    qLabels[pos] = j;
                    qx.put((qRow + pos) * P, pixels, src, P);
                    qy.put((qRow + pos) * ways, oneHot, 0, ways);
                }
            }
            oneHot[j] = 0f;
        }
        return new EpisodeInfo(index, classes.clone(), classNames, sLabels, qLabels);
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}

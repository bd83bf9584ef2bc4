package org.bml.datasets.omniglot;

import java.util.ArrayList;
import java.util.Arrays;
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
import org.nd4j.linalg.factory.Nd4j;

/**
 * CACTUs tasks (Hsu, Levine &amp; Finn, "Unsupervised Learning via Meta-Learning", ICLR 2019,
 * Algorithm 1): N-way K-shot episodes whose classes are k-means clusters of unlabelled images
 * instead of true classes. An episode draws one partition uniformly, N distinct clusters of it
 * uniformly among those with at least K+Q members (smaller clusters are never sampled, as in the
 * paper), and K+Q distinct members of each; label {@code j} goes to the j-th drawn cluster, the
 * first K members to the support set and the rest to the query set, rows shuffled within each
 * set. Shapes and metadata are those of {@link OmniglotTasks}; {@link EpisodeInfo#classes()}
 * holds {@code partition * k + cluster}.
 *
 * <p>The pool is the unlabelled images of one split only ({@link #fromSplit}): the labels of
 * the split are never read, beyond choosing which drawings belong to it, and the other splits'
 * images are never seen. Deterministic by {@code (seed, index)} as every {@link TaskDistribution}.
 */
public final class CactusTasks implements TaskDistribution {
    private static final int P = OmniglotImages.PIXELS;
    private final OmniglotImages images;
    private final int[] poolImage;
    private final int[] poolTurns;
    private final CactusPartitions partitions;
    private final int ways;
    private final int shots;
    private final int queries;
    private final DataType dataType;
    /** {@code members[p][e]}: pool indices of the e-th eligible cluster of partition p. */
    private final int[][][] members;
    /** {@code clusterId[p][e]}: that cluster's k-means label. */
    private final int[][] clusterId;

    /**
     * @param poolImage image index (into {@code images}) of each pool entry
     * @param poolTurns quarter turns of each pool entry
     */
    public CactusTasks(OmniglotImages images, int[] poolImage, int[] poolTurns, CactusPartitions partitions,
                       int ways, int shots, int queries, DataType dataType) {
        this.images = Objects.requireNonNull(images, "images");
        this.partitions = Objects.requireNonNull(partitions, "partitions");
        OmniglotEpisodes.requirePositive("ways (N)", ways);
        OmniglotEpisodes.requirePositive("shots (K)", shots);
        OmniglotEpisodes.requirePositive("queries (Q)", queries);
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("dataType must be FLOAT or DOUBLE, got " + dataType);
        }
        if (poolImage.length != poolTurns.length || poolImage.length != partitions.imageCount()) {
            throw new IllegalArgumentException("pool of " + poolImage.length + " images, " + poolTurns.length
                    + " rotations and " + partitions.imageCount() + " cluster labels");
        }
        this.poolImage = poolImage.clone();
        this.poolTurns = poolTurns.clone();
        this.ways = ways;
        this.shots = shots;
        this.queries = queries;
        this.dataType = dataType;
        int k = partitions.config().clusters();
        int count = partitions.config().partitions();
        members = new int[count][][];
        clusterId = new int[count][];
        for (int p = 0; p < count; p++) {
            List<List<Integer>> byCluster = new ArrayList<>();
            for (int c = 0; c < k; c++) {
                byCluster.add(new ArrayList<>());
            }
            for (int i = 0; i < poolImage.length; i++) {
                byCluster.get(partitions.label(p, i)).add(i);
            }
            List<int[]> eligible = new ArrayList<>();
            List<Integer> ids = new ArrayList<>();
            for (int c = 0; c < k; c++) {
                if (byCluster.get(c).size() >= shots + queries) {
                    eligible.add(byCluster.get(c).stream().mapToInt(Integer::intValue).toArray());
                    ids.add(c);
                }
            }
            if (eligible.size() < ways) {
                throw new IllegalArgumentException("partition " + p + " has only " + eligible.size()
                        + " clusters with at least shots K=" + shots + " + queries Q=" + queries
                        + " images, fewer than ways N=" + ways + "; use fewer clusters or smaller episodes");
            }
            members[p] = eligible.toArray(new int[0][]);
            clusterId[p] = ids.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /**
     * The pool of a split's unlabelled drawings (with {@code rotations}, every class of the split,
     * i.e. each character under its rotations; without, only the unrotated classes), embedded and
     * clustered with {@code config}.
     */
    public static CactusTasks fromSplit(OmniglotImages images, OmniglotSplit split, boolean rotations,
                                        CactusPartitions.Config config, int ways, int shots, int queries,
                                        DataType dataType) {
        List<int[]> pool = pool(images, split, rotations);
        int n = pool.size();
        int[] img = new int[n];
        int[] turns = new int[n];
        float[] pixels = new float[n * P];
        float[] all = images.pixels();
        for (int i = 0; i < n; i++) {
            img[i] = pool.get(i)[0];
            turns[i] = pool.get(i)[1];
            System.arraycopy(all, images.offset(img[i], turns[i]), pixels, i * P, P);
        }
        CactusPartitions parts = CactusPartitions.compute(pixels, n, config);
        return new CactusTasks(images, img, turns, parts, ways, shots, queries, dataType);
    }

    /** {@code {imageIndex, quarterTurns}} of every drawing of the split, in class order. */
    static List<int[]> pool(OmniglotImages images, OmniglotSplit split, boolean rotations) {
        List<int[]> out = new ArrayList<>();
        for (int code : split.classes()) {
            int turns = OmniglotSplit.quarterTurnsOf(code);
            if (!rotations && turns != 0) {
                continue;
            }
            OmniglotCharacter ch = images.characters().get(OmniglotSplit.characterOf(code));
            for (int i = 0; i < ch.imageCount(); i++) {
                out.add(new int[] {ch.firstImage() + i, turns});
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("split " + split.name() + " has no "
                    + (rotations ? "" : "unrotated ") + "drawings");
        }
        return out;
    }

    public CactusPartitions partitions() {
        return partitions;
    }

    /** Pool size (unlabelled images). */
    public int poolSize() {
        return poolImage.length;
    }

    /** Image index and quarter turns of pool entry {@code i}. */
    public int[] poolEntry(int i) {
        return new int[] {poolImage[i], poolTurns[i]};
    }

    /** Number of clusters of partition {@code p} large enough to be sampled. */
    public int eligibleClusters(int p) {
        return members[p].length;
    }

    public int ways() {
        return ways;
    }

    @Override
    public TaskKind kind() {
        return TaskKind.CLASSIFICATION;
    }

    @Override
    public Task task(long seed, long index) {
        TaskBatch b = batch(seed, index, 1);
        int side = OmniglotImages.SIDE;
        return new Task(b.supportX().reshape(ways * shots, 1, side, side), b.supportY().reshape(ways * shots, ways),
                b.queryX().reshape(ways * queries, 1, side, side), b.queryY().reshape(ways * queries, ways),
                b.info().get(0));
    }

    @Override
    public TaskBatch batch(long seed, long firstIndex, int size) {
        OmniglotEpisodes.requirePositive("batch size", size);
        int ns = ways * shots;
        int nq = ways * queries;
        if ((long) size * Math.max(ns, nq) * P > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch of " + size + " episodes is too large; use smaller batches");
        }
        float[] sx = new float[size * ns * P];
        float[] sy = new float[size * ns * ways];
        float[] qx = new float[size * nq * P];
        float[] qy = new float[size * nq * ways];
        TaskInfo[] info = new TaskInfo[size];
        float[] all = images.pixels();
        int k = partitions.config().clusters();
        for (int t = 0; t < size; t++) {
            long index = firstIndex + t;
            SplittableRandom rng = Seeds.stream(seed, index);
            int p = rng.nextInt(members.length);
            int[] chosen = firstOfPermutation(members[p].length, ways, rng);
            int[] sPos = firstOfPermutation(ns, ns, rng);
            int[] qPos = firstOfPermutation(nq, nq, rng);
            int[] sLabels = new int[ns];
            int[] qLabels = new int[nq];
            int[] classes = new int[ways];
            List<String> names = new ArrayList<>(ways);
            for (int j = 0; j < ways; j++) {
                int[] group = members[p][chosen[j]];
                classes[j] = p * k + clusterId[p][chosen[j]];
                names.add("partition" + p + "/cluster" + clusterId[p][chosen[j]]);
                int[] picks = firstOfPermutation(group.length, shots + queries, rng);
                for (int i = 0; i < shots + queries; i++) {
                    int e = group[picks[i]];
                    int src = images.offset(poolImage[e], poolTurns[e]);
                    if (i < shots) {
                        int row = t * ns + sPos[j * shots + i];
                        sLabels[row - t * ns] = j;
                        System.arraycopy(all, src, sx, row * P, P);
                        sy[row * ways + j] = 1f;
                    } else {
                        int row = t * nq + qPos[j * queries + i - shots];
                        qLabels[row - t * nq] = j;
                        System.arraycopy(all, src, qx, row * P, P);
                        qy[row * ways + j] = 1f;
                    }
                }
            }
            info[t] = new EpisodeInfo(index, classes, names, sLabels, qLabels);
        }
        int side = OmniglotImages.SIDE;
        return new TaskBatch(
                Nd4j.create(sx, new long[] {size, ns, 1, side, side}, 'c').castTo(dataType),
                Nd4j.create(sy, new long[] {size, ns, ways}, 'c').castTo(dataType),
                Nd4j.create(qx, new long[] {size, nq, 1, side, side}, 'c').castTo(dataType),
                Nd4j.create(qy, new long[] {size, nq, ways}, 'c').castTo(dataType),
                Arrays.asList(info));
    }

    /** The first {@code m} entries of a uniform random permutation of 0..n-1 (partial Fisher-Yates). */
    private static int[] firstOfPermutation(int n, int m, SplittableRandom rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = 0; i < m; i++) {
            int r = i + rng.nextInt(n - i);
            int tmp = a[i];
            a[i] = a[r];
            a[r] = tmp;
        }
        return Arrays.copyOf(a, m);
    }
}

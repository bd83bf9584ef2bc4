package org.bml.datasets.omniglot;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.math3.ml.clustering.CentroidCluster;
import org.apache.commons.math3.ml.clustering.Clusterable;
import org.apache.commons.math3.ml.clustering.KMeansPlusPlusClusterer;
import org.apache.commons.math3.ml.distance.EuclideanDistance;
import org.apache.commons.math3.random.Well19937c;
import org.bml.datasets.Seeds;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The clusterings CACTUs builds its tasks from (Hsu, Levine &amp; Finn, "Unsupervised Learning
 * via Meta-Learning", ICLR 2019, §3): unlabelled images are embedded, and k-means is run
 * {@code partitions} times; each partition's clusters then play the part of classes.
 *
 * <p><b>Embedding (our choice, not the paper's).</b> The paper embeds with unsupervised
 * representation learners (ACAI, BiGAN, DeepCluster, InfoGAN). Here the embedding is the
 * cheapest honest one: the raw 28×28 pixels projected on their first {@code dims} principal
 * components (covariance and its eigen-decomposition by ND4J/LAPACK). As in the paper, each
 * partition sees the embedding with its own random per-dimension scaling (here uniform on
 * [0.5, 1.5]) and its own k-means++ seed, so the partitions differ. k-means is Commons Math's
 * {@link KMeansPlusPlusClusterer} (Lloyd iterations after k-means++ seeding, at most
 * {@code iterations}; an emptied cluster restarts at the point farthest from its centre).
 *
 * @see CactusTasks
 */
public final class CactusPartitions {
    /**
     * @param partitions number of k-means runs P
     * @param clusters   clusters per run k
     * @param dims       principal components kept
     * @param iterations most Lloyd iterations per run
     * @param seed       seeds every run (run {@code p} uses stream {@code p} of it)
     */
    public record Config(int partitions, int clusters, int dims, int iterations, long seed) {
        public Config {
            OmniglotEpisodes.requirePositive("partitions", partitions);
            if (clusters < 2) {
                throw new IllegalArgumentException("clusters must be >= 2, got " + clusters);
            }
            OmniglotEpisodes.requirePositive("dims", dims);
            if (dims > OmniglotImages.PIXELS) {
                throw new IllegalArgumentException("dims must be at most " + OmniglotImages.PIXELS
                        + " (the pixels), got " + dims);
            }
            OmniglotEpisodes.requirePositive("iterations", iterations);
        }
    }

    private final Config config;
    private final int[][] labels;

    private CactusPartitions(Config config, int[][] labels) {
        this.config = config;
        this.labels = labels;
    }

    /** Embeds {@code n} images ({@code pixels}, n×784 row major) and clusters them P times. */
    public static CactusPartitions compute(float[] pixels, int n, Config config) {
        if (n < config.clusters()) {
            throw new IllegalArgumentException("only " + n + " images for " + config.clusters()
                    + " clusters");
        }
        double[][] embedding = pcaEmbedding(pixels, n, config.dims());
        int[][] labels = new int[config.partitions()][];
        for (int p = 0; p < config.partitions(); p++) {
            labels[p] = kmeans(embedding, config, Seeds.streamSeed(config.seed(), p));
        }
        return new CactusPartitions(config, labels);
    }

    /** Given cluster labels (for tests and for reuse): {@code labels[p][image]} in 0..k-1. */
    public static CactusPartitions of(Config config, int[][] labels) {
        int[][] copy = new int[labels.length][];
        for (int p = 0; p < labels.length; p++) {
            copy[p] = labels[p].clone();
            for (int l : copy[p]) {
                if (l < 0 || l >= config.clusters()) {
                    throw new IllegalArgumentException("label " + l + " outside 0.."
                            + (config.clusters() - 1));
                }
            }
        }
        if (copy.length != config.partitions()) {
            throw new IllegalArgumentException(copy.length + " label rows for "
                    + config.partitions() + " partitions");
        }
        return new CactusPartitions(config, copy);
    }

    public Config config() {
        return config;
    }

    /** Cluster of each image in partition {@code p} (a copy). */
    public int[] labels(int p) {
        return labels[p].clone();
    }

    int label(int p, int image) {
        return labels[p][image];
    }

    public int imageCount() {
        return labels[0].length;
    }

    /**
     * Rows of {@code pixels} (n×784) centred and projected on the top {@code dims} eigenvectors
     * of their covariance, largest first; {@code [n][dims]}.
     */
    public static double[][] pcaEmbedding(float[] pixels, int n, int dims) {
        int d = OmniglotImages.PIXELS;
        if ((long) n * d != pixels.length) {
            throw new IllegalArgumentException(pixels.length + " pixel values for " + n + " images");
        }
        INDArray x = Nd4j.create(pixels, new long[] {n, d}, 'c').castTo(DataType.DOUBLE);
        INDArray centred = x.subRowVector(x.mean(0));
        INDArray cov = centred.transpose().mmul(centred).divi(Math.max(1, n - 1));
        // LAPACK's symmetric eigen-solver through ND4J (ascending eigenvalues, eigenvectors
        // written over the matrix): Hipparchus's symmetric solver fails to converge on the many zero
        // eigenvalues of always-blank border pixels, and its SVD takes seconds at 784 x 784.
        cov.addi(cov.transpose().dup()).muli(0.5);
        INDArray values = Eigen.symmetricGeneralizedEigenvalues(cov, true);
        double[] lambda = values.toDoubleVector();
        double[][] vectors = cov.toDoubleMatrix();
        Integer[] order = new Integer[d];
        for (int i = 0; i < d; i++) {
            order[i] = i;
        }
        // Ties broken by index, so the projection is a function of the data alone.
        java.util.Arrays.sort(order, (a, b) -> lambda[a] != lambda[b] ? Double.compare(lambda[b], lambda[a])
                : Integer.compare(a, b));
        double[][] basis = new double[d][dims];
        for (int j = 0; j < dims; j++) {
            double[] v = new double[d];
            for (int i = 0; i < d; i++) {
                v[i] = vectors[i][order[j]];
            }
            // An eigenvector's sign is arbitrary; fix it (largest-magnitude entry positive).
            int big = 0;
            for (int i = 1; i < d; i++) {
                if (Math.abs(v[i]) > Math.abs(v[big])) {
                    big = i;
                }
            }
            double s = v[big] < 0 ? -1 : 1;
            for (int i = 0; i < d; i++) {
                basis[i][j] = s * v[i];
            }
        }
        return centred.mmul(Nd4j.createFromArray(basis)).toDoubleMatrix();
    }

    private static int[] kmeans(double[][] embedding, Config config, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int dims = embedding[0].length;
        double[] scale = new double[dims];
        for (int j = 0; j < dims; j++) {
            scale[j] = 0.5 + rng.nextDouble();
        }
        List<Point> points = new ArrayList<>(embedding.length);
        for (int i = 0; i < embedding.length; i++) {
            double[] v = new double[dims];
            for (int j = 0; j < dims; j++) {
                v[j] = scale[j] * embedding[i][j];
            }
            points.add(new Point(i, v));
        }
        KMeansPlusPlusClusterer<Point> km = new KMeansPlusPlusClusterer<>(config.clusters(), config.iterations(),
                new EuclideanDistance(), new Well19937c(rng.nextLong()),
                KMeansPlusPlusClusterer.EmptyClusterStrategy.FARTHEST_POINT);
        List<CentroidCluster<Point>> clusters = km.cluster(points);
        int[] labels = new int[embedding.length];
        java.util.Arrays.fill(labels, -1);
        for (int c = 0; c < clusters.size(); c++) {
            for (Point p : clusters.get(c).getPoints()) {
                labels[p.index] = c;
            }
        }
        for (int l : labels) {
            if (l < 0) {
                throw new IllegalStateException("k-means left a point unassigned");
            }
        }
        return labels;
    }

    private record Point(int index, double[] point) implements Clusterable {
        @Override
        public double[] getPoint() {
            return point;
        }
    }
}

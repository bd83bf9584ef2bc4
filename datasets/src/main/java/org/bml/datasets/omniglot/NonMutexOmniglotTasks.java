package org.bml.datasets.omniglot;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Non-mutually-exclusive Omniglot of MR-MAML (Yin et al. 2020): the split's classes are
 * shuffled once with {@code partitionSeed} and cut into fixed groups of N, each with a fixed
 * label order; an episode picks one group. A class therefore always has the same label, and a
 * single model can solve every training task without looking at the support set; the
 * benchmark measures whether a method still learns to adapt. The {@code size mod N} classes
 * left after cutting the groups are not used. Evaluate on ordinary {@link OmniglotTasks}.
 */
public final class NonMutexOmniglotTasks extends OmniglotEpisodes {
    private final int[][] groups;

    public NonMutexOmniglotTasks(OmniglotImages images, OmniglotSplit split, int ways, int shots,
                                 int queries, long partitionSeed, DataType dataType) {
        super(images, split, ways, shots, queries, dataType);
        int[] classes = split.classes();
        SplittableRandom rng = new SplittableRandom(partitionSeed);
        for (int i = classes.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = classes[i];
            classes[i] = classes[j];
            classes[j] = t;
        }
        groups = new int[classes.length / ways][];
        for (int g = 0; g < groups.length; g++) {
            groups[g] = Arrays.copyOfRange(classes, g * ways, (g + 1) * ways);
        }
    }

    /** Float episodes. */
    public NonMutexOmniglotTasks(OmniglotImages images, OmniglotSplit split, int ways, int shots,
                                 int queries, long partitionSeed) {
        this(images, split, ways, shots, queries, partitionSeed, DataType.FLOAT);
    }

    /** Number of fixed groups (distinct tasks up to the choice of drawings). */
    public int groupCount() {
        return groups.length;
    }

    /** Class codes of group {@code g} in label order. */
    public int[] group(int g) {
        return groups[g].clone();
    }

    @Override
    protected int[] chooseClasses(SplittableRandom rng) {
        return groups[rng.nextInt(groups.length)].clone();
    }
}

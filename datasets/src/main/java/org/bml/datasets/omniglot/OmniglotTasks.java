package org.bml.datasets.omniglot;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Standard (mutually exclusive) N-way K-shot Q-query Omniglot episodes: each episode draws N
 * distinct classes uniformly from the split and assigns them labels in random order, so the
 * label of a class changes from episode to episode and must be inferred from the support set.
 */
public final class OmniglotTasks extends OmniglotEpisodes {

    public OmniglotTasks(OmniglotImages images, OmniglotSplit split, int ways, int shots,
                         int queries, DataType dataType) {
        super(images, split, ways, shots, queries, dataType);
    }

    /** Float episodes. */
    public OmniglotTasks(OmniglotImages images, OmniglotSplit split, int ways, int shots,
                         int queries) {
        this(images, split, ways, shots, queries, DataType.FLOAT);
    }

    @Override
    protected int[] chooseClasses(SplittableRandom rng) {
        OmniglotSplit split = split();
        int n = split.size();
        int[] chosen = new int[ways()];
        // Rejection sampling of distinct positions: N is tiny next to the split, so this is
        // cheaper than shuffling a copy of the whole class list.
        int[] positions = new int[ways()];
        for (int j = 0; j < chosen.length; j++) {
            int p;
            boolean dup;
            do {
                p = rng.nextInt(n);
                dup = false;
                for (int i = 0; i < j; i++) {
                    if (positions[i] == p) {
                        dup = true;
                        break;
                    }
                }
            } while (dup);
            positions[j] = p;
            chosen[j] = split.classAt(p);
        }
        return chosen;
    }
}

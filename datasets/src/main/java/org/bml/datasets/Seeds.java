package org.bml.datasets;

import java.util.SplittableRandom;

/**
 * Counter-based seeding: the random stream of task {@code index} under {@code seed} is a pure
 * function of the pair, so a task never depends on how many tasks were drawn before it or on
 * which thread. This is what makes {@link TaskDistribution#task(long, long)} deterministic.
 */
public final class Seeds {
    private Seeds() {
    }

    /**
     * Stafford's "Mix13" finaliser (as used by SplitMix64): a bijection on 64-bit values with good
     * avalanche, so nearby inputs (consecutive indices) give unrelated outputs.
     */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The seed of stream {@code index} under {@code seed}. For a fixed seed, distinct indices give
     * distinct values (every step is a bijection of {@code index}).
     */
    public static long streamSeed(long seed, long index) {
        return mix64(mix64(seed ^ 0x6A09E667F3BCC909L) + index * 0x9E3779B97F4A7C15L);
    }

    /** A fresh generator for stream {@code index} under {@code seed}. */
    public static SplittableRandom stream(long seed, long index) {
        return new SplittableRandom(streamSeed(seed, index));
    }
}

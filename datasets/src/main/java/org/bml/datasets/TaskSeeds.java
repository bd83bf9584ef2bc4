package org.bml.datasets;

import java.util.Arrays;
import java.util.Locale;

/**
 * The task seeds of one run: meta-training, validation and test tasks each come from their own
 * seed, derived from one base seed, so that a program which trains and evaluates with the same
 * {@code TaskSeeds} never scores the tasks it trained on.
 *
 * <p>Why: a {@link TaskDistribution} is addressed by {@code (seed, index)}, and meta-training walks
 * the index forward from 0 under its seed ({@code batch(seed, step * T, T)}). Evaluating tasks
 * {@code 0..n−1} under the <em>training</em> seed therefore scores exactly the first meta-batches
 * trained on. Here the split's seed is {@code base + }{@link Split#offset()}: for one base the three
 * seeds are distinct, and since task {@code i}'s random stream is {@link Seeds#streamSeed} of
 * (seed, i), a bijection in the seed, test task {@code i} never shares its stream with training
 * task {@code i} (other indices: distinct 64-bit mixes, collisions ~2⁻⁶⁴). Two runs whose bases
 * differ by exactly an offset do share tasks (base b's test tasks are base b + 1,000,000,007's
 * training tasks); runs are meant to differ by small seeds.
 *
 * <p>The offsets are those the {@code bml} command line has always used (test 1,000,000,007,
 * validation 2,000,000,011), so library and CLI evaluate the same tasks for a seed. Image data
 * sets additionally split their classes (e.g. Omniglot's test characters), which seeds cannot do.
 *
 * @param base the run's seed (the training seed)
 */
public record TaskSeeds(long base) {

    /** The splits of a run's tasks, each with its fixed seed offset. */
    public enum Split {
        /** The meta-training tasks (offset 0: the run's seed itself). */
        TRAIN("train", 0),
        /** Validation tasks (early stopping, temperature scaling). */
        VALIDATION("val", 2_000_000_011L),
        /** Test tasks (reported figures). */
        TEST("test", 1_000_000_007L);

        private final String label;
        private final long offset;

        Split(String label, long offset) {
            this.label = label;
            this.offset = offset;
        }

        /** The short name the command line uses: {@code train}, {@code val}, {@code test}. */
        public String label() {
            return label;
        }

        /** What is added to the base seed for this split. */
        public long offset() {
            return offset;
        }

        /**
         * The split of a short name ({@code train}, {@code val}, {@code test}; case-insensitive).
         *
         * @throws IllegalArgumentException naming the known names
         */
        public static Split parse(String name) {
            for (Split s : values()) {
                if (s.label.equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown split '" + name + "' (have: "
                    + String.join(", ", Arrays.stream(values()).map(Split::label).toList()) + ")");
        }
    }

    /** The seeds of a run with base seed {@code base}. */
    public static TaskSeeds of(long base) {
        return new TaskSeeds(base);
    }

    /** The seed of a split's tasks: {@code base + split.offset()}. */
    public long seed(Split split) {
        if (split == null) {
            throw new IllegalArgumentException("TaskSeeds.seed: split must be given");
        }
        return base + split.offset();
    }

    /** Seed of the meta-training tasks. */
    public long training() {
        return seed(Split.TRAIN);
    }

    /** Seed of the validation tasks. */
    public long validation() {
        return seed(Split.VALIDATION);
    }

    /** Seed of the test tasks. */
    public long test() {
        return seed(Split.TEST);
    }
}

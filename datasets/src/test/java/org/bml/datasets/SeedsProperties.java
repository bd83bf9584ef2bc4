package org.bml.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class SeedsProperties {

    @Property
    void streamSeedIsAFunctionOfSeedAndIndex(@ForAll long seed, @ForAll long index) {
        assertEquals(Seeds.streamSeed(seed, index), Seeds.streamSeed(seed, index));
        assertEquals(Seeds.stream(seed, index).nextLong(), Seeds.stream(seed, index).nextLong());
    }

    @Property
    void distinctIndicesGetDistinctStreams(@ForAll long seed, @ForAll long i, @ForAll long j) {
        if (i != j) {
            assertNotEquals(Seeds.streamSeed(seed, i), Seeds.streamSeed(seed, j));
        }
    }

    @Property
    void neighbouringIndicesAreDecorrelated(@ForAll long seed, @ForAll long index) {
        // Consecutive indices must not give streams that differ in one bit only.
        long a = Seeds.streamSeed(seed, index);
        long b = Seeds.streamSeed(seed, index + 1);
        int differing = Long.bitCount(a ^ b);
        org.junit.jupiter.api.Assertions.assertTrue(differing > 8,
                "only " + differing + " bits differ");
    }
}

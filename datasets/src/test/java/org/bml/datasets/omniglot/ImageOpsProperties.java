package org.bml.datasets.omniglot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ImageOpsProperties {

    static float[] randomImage(long seed, int w, int h, boolean binary) {
        Random r = new Random(seed);
        float[] img = new float[w * h];
        for (int i = 0; i < img.length; i++) {
            img[i] = binary ? (r.nextInt(8) == 0 ? 1f : 0f) : r.nextFloat();
        }
        return img;
    }

    static double mean(float[] a) {
        double s = 0;
        for (float v : a) {
            s += v;
        }
        return s / a.length;
    }

    @Property(tries = 100)
    void areaResizeConservesTheMeanInk(@ForAll long seed,
                                       @ForAll @IntRange(min = 1, max = 120) int srcW,
                                       @ForAll @IntRange(min = 1, max = 120) int srcH,
                                       @ForAll @IntRange(min = 1, max = 40) int dstW,
                                       @ForAll @IntRange(min = 1, max = 40) int dstH,
                                       @ForAll boolean binary) {
        int dw = Math.min(dstW, srcW);
        int dh = Math.min(dstH, srcH);
        float[] src = randomImage(seed, srcW, srcH, binary);
        float[] dst = ImageOps.areaResize(src, srcW, srcH, dw, dh);
        assertEquals(mean(src), mean(dst), 1e-5);
        for (float v : dst) {
            assertEquals(true, v >= 0f && v <= 1f, "pixel " + v);
        }
    }

    @Property(tries = 100)
    void binaryResizeEqualsTheDenseResize(@ForAll long seed,
                                          @ForAll @IntRange(min = 1, max = 110) int srcW,
                                          @ForAll @IntRange(min = 1, max = 110) int srcH,
                                          @ForAll @IntRange(min = 1, max = 30) int dst) {
        int dw = Math.min(dst, srcW);
        int dh = Math.min(dst, srcH);
        float[] img = randomImage(seed, srcW, srcH, true);
        int[] ones = new int[img.length];
        int n = 0;
        for (int i = 0; i < img.length; i++) {
            if (img[i] != 0) {
                ones[n++] = i;
            }
        }
        ImageOps.AreaResizer r = new ImageOps.AreaResizer(srcW, srcH, dw, dh);
        float[] dense = r.resize(img, new float[dw * dh], 0);
        // Same accumulation order (row major): bit-identical.
        assertArrayEquals(dense, r.resizeBinary(ones, n, new float[dw * dh], 0));
        // Any order: equal up to rounding.
        Integer[] shuffled = boxed(ones, n);
        java.util.Collections.shuffle(java.util.Arrays.asList(shuffled), new Random(seed));
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = shuffled[i];
        }
        assertArrayEquals(dense, r.resizeBinary(order, n, new float[dw * dh], 0), 1e-6f);
    }

    private static Integer[] boxed(int[] a, int n) {
        Integer[] b = new Integer[n];
        for (int i = 0; i < n; i++) {
            b[i] = a[i];
        }
        return b;
    }

    @Property(tries = 50)
    void omniglotResizeConservesInkFractionOfGlyphs(@ForAll long seed) {
        var img = OmniglotFixture.glyph(seed);
        float[] ink = OmniglotFixture.ink(img);
        float[] small = ImageOps.areaResize(ink, 105, 105, 28, 28);
        assertEquals(mean(ink), mean(small), 1e-5);
    }

    @Property(tries = 50)
    void constantImagesStayConstant(@ForAll @IntRange(min = 1, max = 9) int k,
                                    @ForAll @IntRange(min = 1, max = 60) int dst) {
        int src = dst * k + (k > 1 ? dst / 2 : 0);
        float[] img = new float[src * src];
        java.util.Arrays.fill(img, 0.625f);
        for (float v : ImageOps.areaResize(img, src, src, dst, dst)) {
            assertEquals(0.625f, v, 1e-6f);
        }
    }

    @Test
    void areaWeightsAreExactFor105To28() {
        // Output pixel (0,0) covers input [0, 3.75)^2: full weight on 3x3 pixels, 0.75 on the
        // fourth row and column, 0.5625 at the corner; the area is 3.75^2 = 14.0625.
        float[] src = new float[105 * 105];
        src[3 * 105 + 3] = 1f; // the corner pixel (3,3)
        float[] out = ImageOps.areaResize(src, 105, 105, 28, 28);
        assertEquals(0.5625 / 14.0625, out[0], 1e-7);
        assertEquals(0.25 * 0.25 / 14.0625, out[28 + 1], 1e-7);
        assertEquals(0.75 * 0.25 / 14.0625, out[1], 1e-7);
        assertThrows(IllegalArgumentException.class, () -> ImageOps.areaResize(src, 105, 105, 0, 28));
        assertThrows(IllegalArgumentException.class, () -> ImageOps.areaResize(src, 104, 105, 28, 28));
    }

    @Property(tries = 50)
    void fourQuarterTurnsAreTheIdentity(@ForAll long seed, @ForAll @IntRange(min = 1, max = 30) int side) {
        float[] img = randomImage(seed, side, side, false);
        float[] r = img;
        for (int i = 0; i < 4; i++) {
            r = ImageOps.rotate(r, side, 1);
        }
        assertArrayEquals(img, r);
        assertArrayEquals(img, ImageOps.rotate(img, side, 4));
    }

    @Property(tries = 50)
    void rotationsCompose(@ForAll long seed, @ForAll @IntRange(min = 1, max = 30) int side,
                          @ForAll @IntRange(min = -4, max = 7) int a,
                          @ForAll @IntRange(min = -4, max = 7) int b) {
        float[] img = randomImage(seed, side, side, false);
        assertArrayEquals(ImageOps.rotate(img, side, a + b),
                ImageOps.rotate(ImageOps.rotate(img, side, a), side, b));
        int[] map = ImageOps.rotationMap(side, a);
        boolean[] hit = new boolean[side * side];
        for (int m : map) {
            hit[m] = true;
        }
        for (boolean h : hit) {
            assertEquals(true, h, "rotation map must be a permutation");
        }
    }

    @Test
    void quarterTurnIsCounterClockwiseLikeNumpyRot90() {
        // [[1, 2], [3, 4]] -> rot90 -> [[2, 4], [1, 3]]
        assertArrayEquals(new float[] {2, 4, 1, 3}, ImageOps.rotate(new float[] {1, 2, 3, 4}, 2, 1));
        assertArrayEquals(new float[] {4, 3, 2, 1}, ImageOps.rotate(new float[] {1, 2, 3, 4}, 2, 2));
        assertArrayEquals(new float[] {3, 1, 4, 2}, ImageOps.rotate(new float[] {1, 2, 3, 4}, 2, 3));
    }
}

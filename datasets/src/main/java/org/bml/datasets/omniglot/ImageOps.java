package org.bml.datasets.omniglot;

/**
 * Pixel operations on square or rectangular single-channel images stored row major in float
 * arrays: exact area-averaging resize and quarter-turn rotations.
 */
public final class ImageOps {
    private ImageOps() {
    }

    /**
     * Resizes by area averaging: each output pixel is the mean of the input over the output
     * pixel's footprint, with fractional overlaps weighted exactly (105 to 28 is a factor 3.75,
     * so footprints straddle input pixels). The filter is separable and every input pixel's
     * weights sum to {@code dst/src} per axis, so the image mean is preserved exactly up to
     * rounding.
     */
    public static float[] areaResize(float[] src, int srcW, int srcH, int dstW, int dstH) {
        return new AreaResizer(srcW, srcH, dstW, dstH).resize(src, new float[dstW * dstH], 0);
    }

    /**
     * Precomputed weights of {@link #areaResize}, reusable across images of one size.
     *
     * <p>Implemented as a scatter: every input pixel spreads its value over the at most two
     * output rows and two output columns its area overlaps (true while the scale factor is
     * at least 1, the downsizing case), and zero pixels are skipped. Omniglot images are
     * mostly paper, so zero pixels cost one comparison each. Holds no mutable state after
     * construction (the accumulator is per call), so one instance can be shared between threads.
     */
    public static final class AreaResizer {
        private final int srcW;
        private final int srcH;
        private final int dstW;
        private final int dstH;
        private final Axis xAxis;
        private final Axis yAxis;

        public AreaResizer(int srcW, int srcH, int dstW, int dstH) {
            if (srcW <= 0 || srcH <= 0 || dstW <= 0 || dstH <= 0) {
                throw new IllegalArgumentException("image sizes must be positive: " + srcW + "x"
                        + srcH + " -> " + dstW + "x" + dstH);
            }
            if (dstW > srcW || dstH > srcH) {
                throw new IllegalArgumentException("area averaging only shrinks: " + srcW + "x"
                        + srcH + " -> " + dstW + "x" + dstH);
            }
            this.srcW = srcW;
            this.srcH = srcH;
            this.dstW = dstW;
            this.dstH = dstH;
            this.xAxis = new Axis(srcW, dstW);
            this.yAxis = new Axis(srcH, dstH);
        }

        /** Writes the resized {@code src} into {@code dst[off .. off + dstW*dstH)}. */
        public float[] resize(float[] src, float[] dst, int off) {
            if (src.length != srcW * srcH) {
                throw new IllegalArgumentException("source has " + src.length
                        + " pixels, expected " + srcW + "x" + srcH);
            }
            // Accumulate in double so a fully inked footprint sums to exactly 1 after the
            // final rounding to float (float accumulation can overshoot by an ulp or two).
            final double[] acc = new double[dstW * dstH];
            final int sw = srcW;
            final int dw = dstW;
            final int[] xo = xAxis.out;
            final double[] xw0 = xAxis.w0;
            final double[] xw1 = xAxis.w1;
            for (int y = 0; y < srcH; y++) {
                int row = y * sw;
                int oy = yAxis.out[y] * dw;
                double wy0 = yAxis.w0[y];
                double wy1 = yAxis.w1[y];
                for (int x = 0; x < sw; x++) {
                    float v = src[row + x];
                    if (v == 0f) {
                        continue;
                    }
                    splat(acc, oy + xo[x], dw, v * xw0[x], v * xw1[x], wy0, wy1);
                }
            }
            for (int i = 0; i < acc.length; i++) {
                dst[off + i] = (float) acc[i];
            }
            return dst;
        }
        /**
         * Adds one source pixel's area weights to the (at most 2×2) output pixels it overlaps:
         * a, b are its x weights into columns o and o+1, wy0, wy1 its y weights into rows.
         */
        private static void splat(double[] acc, int o, int dw, double a, double b, double wy0,
                double wy1) {
            acc[o] += wy0 * a;
            if (b != 0) {
                acc[o + 1] += wy0 * b;
            }
            if (wy1 != 0) {
                acc[o + dw] += wy1 * a;
                if (b != 0) {
                    acc[o + dw + 1] += wy1 * b;
                }
            }
        }

        /**
         * Resizes a binary image given as the list (any order) of its 1 pixels
         * ({@code index = y * srcW + x}); equal to {@link #resize} of the corresponding 0/1
         * image, but the cost is proportional to the ink, not to the image area.
         */
        public float[] resizeBinary(int[] ones, int count, float[] dst, int off) {
            final double[] acc = new double[dstW * dstH];
            final int sw = srcW;
            final int dw = dstW;
            for (int k = 0; k < count; k++) {
                int idx = ones[k];
                int y = idx / sw;
                int x = idx - y * sw;
                if (y >= srcH || idx < 0) {
                    throw new IllegalArgumentException("pixel index " + idx + " outside "
                            + srcW + "x" + srcH);
                }
                splat(acc, yAxis.out[y] * dw + xAxis.out[x], dw, xAxis.w0[x], xAxis.w1[x],
                        yAxis.w0[y], yAxis.w1[y]);
            }
            for (int i = 0; i < acc.length; i++) {
                dst[off + i] = (float) acc[i];
            }
            return dst;
        }
    }

    /**
     * One axis: input pixel p, the interval [p, p+1), overlaps output cell {@code out[p]} by
     * {@code w0[p]} and the next cell by {@code w1[p]} (0 when it lies inside one cell); the
     * weights are overlap / footprint, footprint = src/dst input pixels.
     */
    private static final class Axis {
        final int[] out;
        final double[] w0;
        final double[] w1;

        Axis(int src, int dst) {
            out = new int[src];
            w0 = new double[src];
            w1 = new double[src];
            // In units of 1/dst input pixels, pixel p is [p*dst, (p+1)*dst) and output cell
            // o is [o*src, (o+1)*src): all ends are exact integers.
            for (int p = 0; p < src; p++) {
                long lo = (long) p * dst;
                long hi = lo + dst;
                int o = (int) (lo / src);
                long cellEnd = (long) (o + 1) * src;
                out[p] = o;
                w0[p] = (double) (Math.min(hi, cellEnd) - lo) / src;
                w1[p] = hi > cellEnd ? (double) (hi - cellEnd) / src : 0;
            }
        }
    }

    /**
     * Source index map of a counter-clockwise rotation by {@code quarterTurns * 90} degrees of
     * a {@code side x side} image: {@code out[i] = in[map[i]]} (same convention as numpy's
     * {@code rot90}). Quarter turns are taken mod 4.
     */
    public static int[] rotationMap(int side, int quarterTurns) {
        if (side <= 0) {
            throw new IllegalArgumentException("side must be positive, got " + side);
        }
        int k = Math.floorMod(quarterTurns, 4);
        int[] map = new int[side * side];
        int n = side - 1;
        for (int r = 0; r < side; r++) {
            for (int c = 0; c < side; c++) {
                int sr;
                int sc;
                switch (k) {
                    case 0 -> { sr = r; sc = c; }
                    case 1 -> { sr = c; sc = n - r; }
                    case 2 -> { sr = n - r; sc = n - c; }
                    default -> { sr = n - c; sc = r; }
                }
                map[r * side + c] = sr * side + sc;
            }
        }
        return map;
    }

    /** A new array: {@code img} rotated counter-clockwise by {@code quarterTurns * 90} degrees. */
    public static float[] rotate(float[] img, int side, int quarterTurns) {
        if (img.length != side * side) {
            throw new IllegalArgumentException("image has " + img.length + " pixels, expected "
                    + side + "x" + side);
        }
        int[] map = rotationMap(side, quarterTurns);
        float[] out = new float[img.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = img[map[i]];
        }
        return out;
    }
}

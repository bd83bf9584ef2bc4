package org.bml.datasets.omniglot;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.MultiPixelPackedSampleModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.bml.datasets.DatasetException;

/**
 * Decodes one Omniglot PNG into an ink map (ink = 1, paper = 0) and area-resizes it.
 *
 * <p>Holds one PNG reader and one resizer, so it is not thread-safe: decoding threads each own
 * one. Reading from an in-memory stream keeps ImageIO from spilling to its temp-file cache.
 */
final class InkDecoder {
    /** Side of the source images of the standard Omniglot release. */
    static final int SOURCE_SIDE = 105;

    private final ImageReader reader;
    private final OneBitPng fast = new OneBitPng();
    private final ImageOps.AreaResizer resizer;
    private final float[] ink = new float[SOURCE_SIDE * SOURCE_SIDE];
    private final int[] inkIndex = new int[SOURCE_SIDE * SOURCE_SIDE];
    private final int side;

    InkDecoder(int side) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("png");
        if (!readers.hasNext()) {
            throw new IllegalStateException("no PNG reader available in javax.imageio");
        }
        this.reader = readers.next();
        this.side = side;
        this.resizer = new ImageOps.AreaResizer(SOURCE_SIDE, SOURCE_SIDE, side, side);
    }

    /**
     * Decodes {@code png} and writes the resized ink map into {@code dst[off .. off+side^2)}.
     *
     * @param name archive entry or file name, used in error messages
     */
    void decode(byte[] png, String name, float[] dst, int off) {
        int count = fast.decodeInkIndices(png, name, inkIndex, SOURCE_SIDE, SOURCE_SIDE);
        if (count >= 0) {
            resizer.resizeBinary(inkIndex, count, dst, off);
            return;
        }
        decodeWithImageIo(png, name);
        resizer.resize(ink, dst, off);
    }

    /** The general path through javax.imageio, for PNG flavours {@link OneBitPng} declines. */
    void decodeWithImageIo(byte[] png, String name) {
        BufferedImage img;
        try (MemoryCacheImageInputStream in =
                     new MemoryCacheImageInputStream(new ByteArrayInputStream(png))) {
            reader.setInput(in, true, true);
            img = reader.read(0);
        } catch (IOException | RuntimeException e) {
            throw new DatasetException("cannot decode PNG " + name + ": " + e, e);
        } finally {
            reader.setInput(null);
        }
        if (img.getWidth() != SOURCE_SIDE || img.getHeight() != SOURCE_SIDE) {
            throw new DatasetException("image " + name + " is " + img.getWidth() + "x"
                    + img.getHeight() + ", expected " + SOURCE_SIDE + "x" + SOURCE_SIDE);
        }
        toInk(img, ink);
    }

    /** The 105x105 ink map of the last decoded image (before resizing); for tests. */
    float[] lastInk() {
        return ink;
    }

    /** Writes 1 - luminance (in [0, 1]) of every pixel. */
    static void toInk(BufferedImage img, float[] out) {
        Raster raster = img.getRaster();
        int w = img.getWidth();
        int h = img.getHeight();
        ColorModel cm = img.getColorModel();
        int bits = raster.getSampleModel().getSampleSize(0);
        if (raster.getNumBands() == 1 && bits <= 8) {
            // Map each possible sample value once: through the palette for indexed images,
            // else as a PNG gray level (sample / max). Java's gray colour model is linear and
            // would gamma-shift the PNG's values, so it is deliberately not used for gray.
            float[] lut = new float[1 << bits];
            int max = lut.length - 1;
            for (int s = 0; s < lut.length; s++) {
                lut[s] = cm instanceof java.awt.image.IndexColorModel
                        ? 1f - luminance(cm.getRGB(s)) : 1f - (float) s / max;
            }
            if (bits == 1 && raster.getSampleModel() instanceof MultiPixelPackedSampleModel sm
                    && raster.getDataBuffer() instanceof DataBufferByte db
                    && raster.getSampleModelTranslateX() == 0
                    && raster.getSampleModelTranslateY() == 0) {
                // Fast path for 1-bit images: unpack the scanlines directly.
                byte[] data = db.getData();
                int stride = sm.getScanlineStride();
                int base = sm.getOffset(0, 0) + db.getOffset();
                int bitOff = sm.getDataBitOffset();
                for (int y = 0; y < h; y++) {
                    int row = base + y * stride;
                    for (int x = 0; x < w; x++) {
                        int bit = bitOff + x;
                        int v = (data[row + (bit >>> 3)] >>> (7 - (bit & 7))) & 1;
                        out[y * w + x] = lut[v];
                    }
                }
                return;
            }
            int[] samples = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < samples.length; i++) {
                out[i] = lut[samples[i]];
            }
            return;
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out[y * w + x] = 1f - luminance(img.getRGB(x, y));
            }
        }
    }

    private static float luminance(int argb) {
        int r = (argb >> 16) & 0xFF;
        int g = (argb >> 8) & 0xFF;
        int b = argb & 0xFF;
        return (0.299f * r + 0.587f * g + 0.114f * b) / 255f;
    }
}

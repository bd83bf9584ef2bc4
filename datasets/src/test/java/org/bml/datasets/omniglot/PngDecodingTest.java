package org.bml.datasets.omniglot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.bml.datasets.DatasetException;
import org.junit.jupiter.api.Test;

/** The fast 1-bit decoder against ImageIO, and the fallback and error paths. */
class PngDecodingTest {

    @Property(tries = 200)
    void fastPathEqualsImageIo(@ForAll long seed) {
        BufferedImage img = OmniglotFixture.glyph(seed);
        byte[] png = OmniglotFixture.png(img);
        float[] fast = new float[105 * 105];
        assertTrue(new OneBitPng().decode(png, "glyph", fast, 105, 105));
        InkDecoder d = new InkDecoder(28);
        d.decodeWithImageIo(png, "glyph");
        assertArrayEquals(d.lastInk(), fast);
        assertArrayEquals(OmniglotFixture.ink(img), fast);
    }

    @Property(tries = 100)
    void inkIndicesListExactlyTheInkPixels(@ForAll long seed) {
        BufferedImage img = OmniglotFixture.glyph(seed);
        byte[] png = OmniglotFixture.png(img);
        OneBitPng d = new OneBitPng();
        float[] map = new float[105 * 105];
        assertTrue(d.decode(png, "glyph", map, 105, 105));
        int[] idx = new int[105 * 105];
        int n = d.decodeInkIndices(png, "glyph", idx, 105, 105);
        float[] fromIdx = new float[105 * 105];
        for (int i = 0; i < n; i++) {
            assertEquals(0f, fromIdx[idx[i]], "index listed twice");
            fromIdx[idx[i]] = 1f;
        }
        assertArrayEquals(map, fromIdx);
        // The loader's sparse path equals the dense resize of the ink map.
        float[] out = new float[784];
        new InkDecoder(28).decode(png, "glyph", out, 0);
        assertArrayEquals(ImageOps.areaResize(map, 105, 105, 28, 28), out);
    }

    @Test
    void eightBitGrayFallsBackToImageIo() {
        BufferedImage gray = new BufferedImage(105, 105, BufferedImage.TYPE_BYTE_GRAY);
        // Raw samples, not Graphics2D: Java's gray space is linear and would shift the levels.
        for (int y = 0; y < 105; y++) {
            for (int x = 0; x < 105; x++) {
                boolean square = x >= 10 && x < 40 && y >= 10 && y < 40;
                gray.getRaster().setSample(x, y, 0, square ? 51 : 255);
            }
        }
        byte[] png = OmniglotFixture.png(gray);
        assertFalse(new OneBitPng().decode(png, "gray", new float[105 * 105], 105, 105));
        assertEquals(-1, new OneBitPng().decodeInkIndices(png, "gray", new int[105 * 105], 105, 105));
        float[] out = new float[28 * 28];
        new InkDecoder(28).decode(png, "gray", out, 0);
        assertArrayEquals(OmniglotFixture.expected28(gray), out, 1e-6f);
        assertEquals(0.8f, out[4 * 28 + 4], 1e-6f); // fully inside the dark square: 1 - 51/255
    }

    @Test
    void rgbFallsBackToImageIo() {
        BufferedImage rgb = new BufferedImage(105, 105, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 105, 105);
        g.setColor(Color.BLACK);
        g.fillRect(0, 0, 50, 50);
        g.dispose();
        float[] out = new float[28 * 28];
        new InkDecoder(28).decode(OmniglotFixture.png(rgb), "rgb", out, 0);
        assertEquals(1f, out[0], 1e-6f);
        assertEquals(0f, out[27 * 28 + 27], 1e-6f);
    }

    @Test
    void wrongSizeIsReportedWithTheName() {
        byte[] png = OmniglotFixture.png(OmniglotFixture.glyph(1, 50, 60));
        DatasetException e = assertThrows(DatasetException.class,
                () -> new InkDecoder(28).decode(png, "small.png", new float[784], 0));
        assertTrue(e.getMessage().contains("small.png") && e.getMessage().contains("50x60"),
                e.getMessage());
        BufferedImage rgb = new BufferedImage(40, 105, BufferedImage.TYPE_INT_RGB);
        DatasetException e2 = assertThrows(DatasetException.class,
                () -> new InkDecoder(28).decode(OmniglotFixture.png(rgb), "rgb.png",
                        new float[784], 0));
        assertTrue(e2.getMessage().contains("rgb.png") && e2.getMessage().contains("40x105"));
    }

    @Test
    void corruptFilesAreReportedWithTheName() {
        byte[] png = OmniglotFixture.png(OmniglotFixture.glyph(2));
        InkDecoder d = new InkDecoder(28);
        float[] out = new float[784];
        for (byte[] bad : new byte[][] {
            Arrays.copyOf(png, png.length / 2),            // truncated
            "not a png at all, just text".getBytes(),       // not a PNG
            new byte[0],                                    // empty
            corruptData(png)}) {                            // bad zlib stream
            DatasetException e = assertThrows(DatasetException.class,
                    () -> d.decode(bad, "x/0001_01.png", out, 0));
            assertTrue(e.getMessage().contains("x/0001_01.png"), e.getMessage());
        }
    }

    /** Overwrites the middle of the first IDAT payload with garbage. */
    private static byte[] corruptData(byte[] png) {
        byte[] b = png.clone();
        for (int p = 8; p + 8 < b.length; ) {
            int len = ((b[p] & 0xFF) << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8)
                    | (b[p + 3] & 0xFF);
            if (b[p + 4] == 'I' && b[p + 5] == 'D' && b[p + 6] == 'A' && b[p + 7] == 'T') {
                for (int i = p + 8; i < p + 8 + len; i++) {
                    b[i] = (byte) 0xFF;
                }
                return b;
            }
            p += 12 + len;
        }
        throw new IllegalStateException("no IDAT");
    }
}

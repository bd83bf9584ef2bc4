package org.bml.datasets.omniglot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;

/**
 * Small Omniglot look-alikes for unit tests: 105x105 1-bit PNGs of random strokes written with
 * ImageIO into zips with the real layout. Never touches the real data.
 */
final class OmniglotFixture {
    private OmniglotFixture() {
    }

    /** A 105x105 binary image, white paper, black random strokes; a function of the seed. */
    static BufferedImage glyph(long seed) {
        return glyph(seed, 105, 105);
    }

    static BufferedImage glyph(long seed, int w, int h) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_BINARY);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1 + r.nextInt(4)));
        int strokes = 2 + r.nextInt(4);
        for (int i = 0; i < strokes; i++) {
            g.drawLine(r.nextInt(w), r.nextInt(h), r.nextInt(w), r.nextInt(h));
        }
        g.drawOval(r.nextInt(w / 2), r.nextInt(h / 2), 5 + r.nextInt(w / 2), 5 + r.nextInt(h / 2));
        g.dispose();
        return img;
    }

    static byte[] png(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Ink map computed independently of the decoder: for 1-band images 1 - sample / max (the
     * fixtures' binary palette is black = 0, white = 1), else 1 - mean(R, G, B) / 255.
     */
    static float[] ink(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        float[] out = new float[w * h];
        var raster = img.getRaster();
        if (raster.getNumBands() == 1) {
            int max = (1 << raster.getSampleModel().getSampleSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[y * w + x] = 1f - (float) raster.getSample(x, y, 0) / max;
                }
            }
            return out;
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                out[y * w + x] = 1f - ((rgb & 0xFF) + ((rgb >> 8) & 0xFF) + ((rgb >> 16) & 0xFF))
                        / (3f * 255f);
            }
        }
        return out;
    }

    /** The 28x28 image the loader should produce for {@code img}. */
    static float[] expected28(BufferedImage img) {
        return ImageOps.areaResize(ink(img), 105, 105, 28, 28);
    }

    static void writeZip(Path zip, Map<String, byte[]> entries) {
        try (OutputStream os = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                if (e.getValue() != null) {
                    z.write(e.getValue());
                }
                z.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Seed of the glyph of character {@code id}, drawer {@code drawer}. */
    static long glyphSeed(int id, int drawer) {
        return id * 1000L + drawer;
    }

    /**
     * Writes {@code <set>.zip} with the standard layout: alphabets {@code <prefix>0..}, each
     * with {@code chars} characters of {@code drawings} drawings; global ids start at
     * {@code firstId}. Directory entries are included, like the real archives. Entries are
     * written in reverse order, so a loader that relies on zip order is caught.
     */
    static Path omniglotZip(Path dir, String set, String prefix, int alphabets, int chars,
                            int drawings, int firstId) {
        List<Map.Entry<String, byte[]>> entries = new ArrayList<>();
        entries.add(Map.entry(set + "/", new byte[0]));
        int id = firstId;
        for (int a = 0; a < alphabets; a++) {
            String alpha = set + "/" + prefix + a + "/";
            entries.add(Map.entry(alpha, new byte[0]));
            for (int c = 1; c <= chars; c++, id++) {
                String ch = alpha + String.format("character%02d/", c);
                entries.add(Map.entry(ch, new byte[0]));
                for (int d = 1; d <= drawings; d++) {
                    entries.add(Map.entry(ch + String.format("%04d_%02d.png", id, d),
                            png(glyph(glyphSeed(id, d)))));
                }
            }
        }
        Map<String, byte[]> ordered = new LinkedHashMap<>();
        for (int i = entries.size() - 1; i >= 0; i--) {
            String name = entries.get(i).getKey();
            ordered.put(name, name.endsWith("/") ? null : entries.get(i).getValue());
        }
        Path zip = dir.resolve(set + ".zip");
        writeZip(zip, ordered);
        return zip;
    }

    static Path writeText(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            return Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A shared small data set for property tests (made once per JVM in a temp directory):
     * background = 3 alphabets x 4 characters x 6 drawings (ids 1..12), evaluation = 2 x 3 x 6
     * (ids 13..18).
     */
    static final class Shared {
        static final Path DIR;
        static final OmniglotImages IMAGES;

        static {
            try {
                DIR = Files.createTempDirectory("bml-omniglot-fixture");
                DIR.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path bg = omniglotZip(DIR, "images_background", "Bg", 3, 4, 6, 1);
            Path ev = omniglotZip(DIR, "images_evaluation", "Ev", 2, 3, 6, 13);
            bg.toFile().deleteOnExit();
            ev.toFile().deleteOnExit();
            IMAGES = OmniglotImages.load(2, bg, ev);
        }

        private Shared() {
        }
    }
}

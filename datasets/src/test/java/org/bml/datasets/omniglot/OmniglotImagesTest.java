package org.bml.datasets.omniglot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bml.datasets.DatasetException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class OmniglotImagesTest {
    @TempDir
    Path dir;

    @Test
    void loadsEveryDrawingInIdAndDrawerOrder() {
        Path bg = OmniglotFixture.omniglotZip(dir, "images_background", "Bg", 2, 3, 4, 1);
        Path ev = OmniglotFixture.omniglotZip(dir, "images_evaluation", "Ev", 1, 2, 4, 7);
        for (int threads : new int[] {1, 2, 3}) {
            // Evaluation first on purpose: order must come from the ids, not the arguments.
            OmniglotImages images = OmniglotImages.load(threads, ev, bg);
            assertEquals(8, images.characterCount());
            assertEquals(32, images.imageCount());
            for (int c = 0; c < 8; c++) {
                OmniglotCharacter ch = images.characters().get(c);
                int id = c + 1;
                assertEquals(id, ch.id());
                assertEquals(c < 6 ? "images_background" : "images_evaluation", ch.set());
                assertEquals(4, ch.imageCount());
                assertEquals(c * 4, ch.firstImage());
                assertEquals(c, images.characterIndex(ch.path()));
                for (int d = 0; d < 4; d++) {
                    float[] expected = OmniglotFixture.expected28(
                            OmniglotFixture.glyph(OmniglotFixture.glyphSeed(id, d + 1)));
                    assertArrayEquals(expected, images.image(ch.firstImage() + d), 1e-6f,
                            "character " + id + " drawer " + (d + 1));
                    for (int k = 0; k < 4; k++) {
                        assertArrayEquals(ImageOps.rotate(expected, 28, k),
                                images.image(ch.firstImage() + d, k), 1e-6f);
                    }
                }
            }
            assertEquals("Bg1/character02", images.characters().get(4).path());
            assertEquals(-1, images.characterIndex("Nope/character01"));
            assertTrue(images.loadSeconds() > 0);
        }
    }

    @Test
    void exposesAllImagesAsOneTensor() {
        Path bg = OmniglotFixture.omniglotZip(dir, "images_background", "Bg", 1, 2, 3, 1);
        OmniglotImages images = OmniglotImages.load(bg);
        INDArray all = images.toINDArray(DataType.DOUBLE);
        assertArrayEquals(new long[] {6, 1, 28, 28}, all.shape());
        assertEquals(images.image(4)[300], all.getDouble(4, 0, 10, 20), 1e-7);
        assertThrows(IndexOutOfBoundsException.class, () -> images.image(6));
        assertThrows(IllegalArgumentException.class, () -> images.image(0, 4));
    }

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("images_background.zip");
        DatasetException e = assertThrows(DatasetException.class, () -> OmniglotImages.load(missing));
        assertTrue(e.getMessage().contains("images_background.zip"), e.getMessage());
    }

    @Test
    void notAZipIsNamed() throws Exception {
        Path fake = Files.writeString(dir.resolve("fake.zip"), "this is not a zip archive");
        DatasetException e = assertThrows(DatasetException.class, () -> OmniglotImages.load(fake));
        assertTrue(e.getMessage().contains("fake.zip") && e.getMessage().contains("not a zip"),
                e.getMessage());
    }

    @Test
    void wrongLayoutIsNamed() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("images_background/Alpha/character01/0001_01.png",
                OmniglotFixture.png(OmniglotFixture.glyph(1)));
        entries.put("images_background/Alpha/0001_02.png",
                OmniglotFixture.png(OmniglotFixture.glyph(2)));
        Path zip = dir.resolve("layout.zip");
        OmniglotFixture.writeZip(zip, entries);
        DatasetException e = assertThrows(DatasetException.class, () -> OmniglotImages.load(zip));
        assertTrue(e.getMessage().contains("images_background/Alpha/0001_02.png"), e.getMessage());

        Map<String, byte[]> other = new LinkedHashMap<>();
        other.put("readme.txt", "hello".getBytes());
        Path zip2 = dir.resolve("readme.zip");
        OmniglotFixture.writeZip(zip2, other);
        DatasetException e2 = assertThrows(DatasetException.class, () -> OmniglotImages.load(zip2));
        assertTrue(e2.getMessage().contains("readme.txt"), e2.getMessage());
    }

    @Test
    void emptyArchiveIsAnError() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("images_background/", null);
        Path zip = dir.resolve("empty.zip");
        OmniglotFixture.writeZip(zip, entries);
        DatasetException e = assertThrows(DatasetException.class, () -> OmniglotImages.load(zip));
        assertTrue(e.getMessage().contains("no Omniglot PNG images") && e.getMessage().contains("empty.zip"));
    }

    @Test
    void corruptOrWrongSizePngFailsTheWholeLoad() {
        for (boolean corrupt : new boolean[] {true, false}) {
            Map<String, byte[]> entries = new LinkedHashMap<>();
            for (int d = 1; d <= 200; d++) {
                entries.put(String.format("images_background/Alpha/character01/0001_%02d.png", d),
                        OmniglotFixture.png(OmniglotFixture.glyph(d)));
            }
            String bad = "images_background/Alpha/character01/0001_77.png";
            entries.put(bad, corrupt ? new byte[] {1, 2, 3, 4}
                    : OmniglotFixture.png(OmniglotFixture.glyph(77, 105, 104)));
            Path zip = dir.resolve("bad" + corrupt + ".zip");
            OmniglotFixture.writeZip(zip, entries);
            DatasetException e = assertThrows(DatasetException.class,
                    () -> OmniglotImages.load(2, zip));
            assertTrue(e.getMessage().contains(bad), e.getMessage());
            if (!corrupt) {
                assertTrue(e.getMessage().contains("105x104"), e.getMessage());
            }
        }
    }

    @Test
    void aCharacterSplitAcrossArchivesIsAnError() throws Exception {
        Path a = OmniglotFixture.omniglotZip(Files.createDirectories(dir.resolve("a")),
                "images_background", "Same", 1, 1, 2, 1);
        Path b = OmniglotFixture.omniglotZip(Files.createDirectories(dir.resolve("b")),
                "images_background", "Same", 1, 1, 2, 5);
        DatasetException e = assertThrows(DatasetException.class, () -> OmniglotImages.load(a, b));
        assertTrue(e.getMessage().contains("Same0/character01"), e.getMessage());
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> OmniglotImages.load(0, dir.resolve("x.zip")));
        assertThrows(IllegalArgumentException.class, () -> OmniglotImages.load(new Path[0]));
    }
}

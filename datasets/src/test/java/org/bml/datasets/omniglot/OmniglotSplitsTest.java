package org.bml.datasets.omniglot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.bml.datasets.DatasetException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OmniglotSplitsTest {
    private static final OmniglotImages IMAGES = OmniglotFixture.Shared.IMAGES; // 18 characters

    @TempDir
    Path dir;

    @Test
    void mamlSplitIsASeededPartitionWithRotations() {
        OmniglotSplits.TrainTest s = OmniglotSplits.maml(IMAGES, 1, 12, true);
        assertEquals(48, s.train().size());
        assertEquals(24, s.test().size());
        Set<Integer> trainChars = new HashSet<>();
        Set<Integer> testChars = new HashSet<>();
        for (int c : s.train().classes()) {
            trainChars.add(OmniglotSplit.characterOf(c));
        }
        for (int c : s.test().classes()) {
            testChars.add(OmniglotSplit.characterOf(c));
        }
        assertEquals(12, trainChars.size());
        assertEquals(6, testChars.size());
        testChars.retainAll(trainChars);
        assertTrue(testChars.isEmpty(), "train and test share characters " + testChars);
        // Each character appears under all four rotations.
        int[] first4 = Arrays.copyOf(s.train().classes(), 4);
        for (int k = 0; k < 4; k++) {
            assertEquals(k, OmniglotSplit.quarterTurnsOf(first4[k]));
            assertEquals(OmniglotSplit.characterOf(first4[0]), OmniglotSplit.characterOf(first4[k]));
        }
        assertEquals(s, OmniglotSplits.maml(IMAGES, 1, 12, true));
        assertNotEquals(s.train(), OmniglotSplits.maml(IMAGES, 2, 12, true).train());
        OmniglotSplits.TrainTest plain = OmniglotSplits.maml(IMAGES, 1, 12, false);
        assertEquals(12, plain.train().size());
        for (int c : plain.train().classes()) {
            assertEquals(0, OmniglotSplit.quarterTurnsOf(c));
        }
    }

    @Test
    void mamlSplitSizesAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OmniglotSplits.maml(IMAGES, 0)); // 1200 > 18 characters
        assertTrue(e.getMessage().contains("trainCharacters"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OmniglotSplits.maml(IMAGES, 0, 0, true));
    }

    @Test
    void readsVinyalsSplitFiles() {
        OmniglotFixture.writeText(dir.resolve("splits/vinyals/train.txt"),
                "Bg0/character01/rot000\nBg0/character01/rot090\n\nEv1/character03/rot270\r\n");
        OmniglotSplit s = OmniglotSplits.vinyals(IMAGES, dir, "train");
        assertEquals("vinyals-train", s.name());
        int bg01 = IMAGES.characterIndex("Bg0/character01");
        int ev13 = IMAGES.characterIndex("Ev1/character03");
        assertArrayEquals(new int[] {OmniglotSplit.classCode(bg01, 0),
            OmniglotSplit.classCode(bg01, 1), OmniglotSplit.classCode(ev13, 3)}, s.classes());
        assertEquals("Ev1/character03/rot270", OmniglotSplit.className(IMAGES, s.classAt(2)));
    }

    @Test
    void badSplitFilesNameFileAndLine() {
        Path f = dir.resolve("bad.txt");
        OmniglotFixture.writeText(f, "Bg0/character01/rot000\nNope/character01/rot000\n");
        DatasetException e = assertThrows(DatasetException.class,
                () -> OmniglotSplits.vinyals(IMAGES, f));
        assertTrue(e.getMessage().contains("bad.txt:2") && e.getMessage().contains("Nope"),
                e.getMessage());
        OmniglotFixture.writeText(f, "Bg0/character01/rot045\n");
        e = assertThrows(DatasetException.class, () -> OmniglotSplits.vinyals(IMAGES, f));
        assertTrue(e.getMessage().contains("bad.txt:1"), e.getMessage());
        OmniglotFixture.writeText(f, "Bg0/character01\n");
        e = assertThrows(DatasetException.class, () -> OmniglotSplits.vinyals(IMAGES, f));
        assertTrue(e.getMessage().contains("bad.txt:1"), e.getMessage());
        OmniglotFixture.writeText(f, "Bg0/character01/rot000\nBg0/character01/rot000\n");
        e = assertThrows(DatasetException.class, () -> OmniglotSplits.vinyals(IMAGES, f));
        assertTrue(e.getMessage().contains("duplicate"), e.getMessage());
        OmniglotFixture.writeText(f, "\n\n");
        e = assertThrows(DatasetException.class, () -> OmniglotSplits.vinyals(IMAGES, f));
        assertTrue(e.getMessage().contains("no classes"), e.getMessage());
        e = assertThrows(DatasetException.class,
                () -> OmniglotSplits.vinyals(IMAGES, dir, "missing"));
        assertTrue(e.getMessage().contains("missing.txt"), e.getMessage());
    }

    @Test
    void splitRecordValidates() {
        assertThrows(IllegalArgumentException.class, () -> new OmniglotSplit("x", new int[0]));
        assertThrows(IllegalArgumentException.class, () -> new OmniglotSplit("x", new int[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> new OmniglotSplit("x", new int[] {3, 3}));
        assertThrows(IllegalArgumentException.class, () -> OmniglotSplit.classCode(1, 4));
        int[] raw = {1, 2};
        OmniglotSplit s = new OmniglotSplit("x", raw);
        raw[0] = 9;
        assertEquals(1, s.classAt(0));
        assertFalse(s.classes() == s.classes());
        assertEquals(72, OmniglotSplits.all(IMAGES, true).size());
    }
}

package org.bml.datasets.omniglot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.bml.datasets.DatasetException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OmniglotPathsTest {
    @TempDir
    Path dir;

    @Test
    void systemPropertyWinsAndIsNotSecondGuessed() {
        String before = System.getProperty(OmniglotPaths.PROPERTY);
        try {
            System.setProperty(OmniglotPaths.PROPERTY, dir.toString());
            assertEquals(Optional.of(dir.toAbsolutePath().normalize()), OmniglotPaths.find());
            assertEquals(dir.toAbsolutePath().normalize(), OmniglotPaths.root());
            Path missing = dir.resolve("nowhere");
            System.setProperty(OmniglotPaths.PROPERTY, missing.toString());
            assertEquals(Optional.empty(), OmniglotPaths.find());
            DatasetException e = assertThrows(DatasetException.class, OmniglotPaths::root);
            assertTrue(e.getMessage().contains("nowhere") && e.getMessage().contains("bml.data.dir"),
                    e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(OmniglotPaths.PROPERTY);
            } else {
                System.setProperty(OmniglotPaths.PROPERTY, before);
            }
        }
    }

    @Test
    void fromDirectoryNamesTheMissingArchive() {
        DatasetException e = assertThrows(DatasetException.class,
                () -> OmniglotImages.fromDirectory(dir));
        assertTrue(e.getMessage().contains(OmniglotPaths.BACKGROUND_ZIP), e.getMessage());
    }
}

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
    void theDataFolderSettingIsUsedAndNamedWhenNothingIsThere() {
        String before = System.getProperty(OmniglotPaths.PROPERTY);
        String data = System.getProperty(org.bml.datasets.DataPaths.PROPERTY);
        try {
            System.clearProperty(OmniglotPaths.PROPERTY);
            System.setProperty(org.bml.datasets.DataPaths.PROPERTY, dir.toString());
            assertEquals(Optional.empty(), OmniglotPaths.find());
            DatasetException e = assertThrows(DatasetException.class, OmniglotPaths::root);
            assertTrue(e.getMessage().contains(dir.resolve("omniglot") + " (-Dbml.data)")
                    && e.getMessage().contains("BML_DATA") && e.getMessage().contains("JAVA_OPTS"), e.getMessage());
            java.nio.file.Path omniglot = dir.resolve("omniglot");
            omniglot.toFile().mkdirs();
            assertEquals(Optional.of(omniglot.toAbsolutePath().normalize()), OmniglotPaths.find());
        } finally {
            restore(OmniglotPaths.PROPERTY, before);
            restore(org.bml.datasets.DataPaths.PROPERTY, data);
        }
    }

    private static void restore(String name, String value) {
        if (value == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, value);
        }
    }

    @Test
    void fromDirectoryNamesTheMissingArchive() {
        DatasetException e = assertThrows(DatasetException.class,
                () -> OmniglotImages.fromDirectory(dir));
        assertTrue(e.getMessage().contains(OmniglotPaths.BACKGROUND_ZIP), e.getMessage());
    }
}

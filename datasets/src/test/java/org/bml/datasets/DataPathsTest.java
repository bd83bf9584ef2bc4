package org.bml.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataPathsTest {
    @TempDir
    Path dir;

    @Test
    void propertyThenEnvironmentThenTheCheckoutsSharedData() {
        Path checkout = dir.resolve("bml");
        List<DataPaths.Candidate> both = DataPaths.candidates("/p", "/e", Optional.of(checkout));
        assertEquals(List.of(new DataPaths.Candidate(Path.of("/p"), "-Dbml.data")), both);
        assertEquals(List.of(new DataPaths.Candidate(Path.of("/e"), "BML_DATA")),
                DataPaths.candidates(null, "/e", Optional.of(checkout)));
        List<DataPaths.Candidate> dflt = DataPaths.candidates("", null, Optional.of(checkout));
        assertEquals(1, dflt.size());
        assertEquals(dir.resolve("shared/data"), dflt.get(0).dir());
        assertEquals(List.of(), DataPaths.candidates(null, null, Optional.empty()));
    }

    @Test
    void theCheckoutIsFoundFromTheClassesNotTheWorkingDirectory() throws Exception {
        Path root = dir.resolve("clone");
        Files.createDirectories(root.resolve("datasets/target/classes"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Files.writeString(root.resolve("datasets/pom.xml"), "<project/>");
        assertEquals(Optional.of(root), DataPaths.checkoutAbove(root.resolve("datasets/target/classes")));
        assertEquals(Optional.empty(), DataPaths.checkoutAbove(dir));
        // These test classes are in this checkout: its root holds the datasets module.
        Path here = DataPaths.checkout().orElseThrow();
        assertTrue(Files.isRegularFile(here.resolve("datasets/pom.xml")), here.toString());
    }

    @Test
    void notFoundNamesTheSettingsAndEveryPathTried() {
        String m = DataPaths.notFound("omniglot",
                List.of(new DataPaths.Candidate(Path.of("/x/data"), "BML_DATA")));
        assertEquals("data set folder 'omniglot' not found; tried: /x/data/omniglot (BML_DATA). Set the data"
                + " folder (the one holding omniglot/) with -Dbml.data=DIR (for ./bml: JAVA_OPTS=-Dbml.data=DIR)"
                + " or the environment variable BML_DATA=DIR", m);
        assertTrue(DataPaths.notFound("omniglot", List.of()).contains("not in a bml checkout"));
    }

    @Test
    void aLoadNoticeSpeaksOnlyWhenTheLoadIsSlow() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        try (LoadNotice n = LoadNotice.start("fast", 10_000, out)) {
            // nothing
        }
        assertEquals("", buf.toString(StandardCharsets.UTF_8));
        try (LoadNotice n = LoadNotice.start("slow", 20, out)) {
            Thread.sleep(300);
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        assertTrue(s.startsWith("bml: slow ...\nbml: slow: done in "), s);
    }
}

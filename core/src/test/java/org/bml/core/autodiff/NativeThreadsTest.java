package org.bml.core.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The native thread policy: how it is resolved, and that a plain JVM gets it applied. */
class NativeThreadsTest {
  @Test
  void propertyWinsOverEnvironmentWhichWinsOverDefault() {
    assertEquals(3, NativeThreads.resolve("3", "2").threads());
    assertEquals(2, NativeThreads.resolve(null, "2").threads());
    assertEquals(1, NativeThreads.resolve(null, null).threads());
    assertEquals(1, NativeThreads.resolve(null, " ").threads());
    assertEquals(0, NativeThreads.resolve("nd4j", "2").threads());
  }

  @Test
  void badCountsAreRefusedNamingTheirSource() {
    IllegalArgumentException p = assertThrows(IllegalArgumentException.class, () -> NativeThreads.resolve("two", null));
    assertTrue(p.getMessage().contains("system property bml.threads is 'two'"), p.getMessage());
    assertThrows(IllegalArgumentException.class, () -> NativeThreads.resolve("0", null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeThreads.resolve(null, "-1"));
    assertTrue(e.getMessage().contains("OMP_NUM_THREADS is '-1'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> NativeThreads.set(0));
  }

  /** A JVM started without OMP_NUM_THREADS (as an embedding program is) runs on one thread. */
  @Test
  void plainJvmGetsOneThreadAndThePropertyOverridesIt() throws Exception {
    List<String> plain = probe();
    assertEquals("after master 1, max " + maxOf(plain) + ", OpenMP 1, BLAS 1", plain.get(1), plain.toString());
    assertTrue(plain.get(2).contains("default"), plain.toString());
    List<String> two = probe("-D" + NativeThreads.PROPERTY + "=2");
    assertEquals("after master 2, max " + maxOf(two) + ", OpenMP 2, BLAS 2", two.get(1), two.toString());
    assertTrue(two.get(2).contains("system property bml.threads"), two.toString());
  }

  private static String maxOf(List<String> lines) {
    return lines.get(1).replaceAll(".*max (\\d+),.*", "$1");
  }

  /** Output lines of {@link NativeThreadsProbe} in a child JVM without OMP_NUM_THREADS. */
  private static List<String> probe(String... jvmArgs) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of(jvmArgs));
    cmd.addAll(List.of("-Dorg.bytedeco.javacpp.maxphysicalbytes=0", "-cp", System.getProperty("java.class.path"),
        NativeThreadsProbe.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().remove("OMP_NUM_THREADS");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
    assertEquals(0, p.exitValue(), out);
    List<String> lines = out.lines().filter(l -> l.startsWith("before") || l.startsWith("after") || l.startsWith("policy"))
        .toList();
    assertEquals(3, lines.size(), out);
    return lines;
  }
}

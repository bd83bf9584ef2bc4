package org.bml.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.optim.MetaOptimizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Crafted checkpoints (issue 13 rows 1, 2, 11): each is refused with the file, the format version
 * and what is wrong, before ND4J allocates or reads past a buffer.
 */
class CheckpointHostileTest {
  private static final Mlp MODEL = new Mlp(Activation.RELU, 1, 40, 40, 1);

  private static Path good(Path dir) {
    MetaOptimizer opt = new MetaOptimizer(MODEL.init(1, DataType.FLOAT), new Adam(1e-3), 0);
    Path file = dir.resolve("good.bml");
    Checkpoint.capture(opt, Map.of("method", "maml"), 1).write(file);
    return file;
  }

  private static Map<String, byte[]> entries(Path file) throws IOException {
    Map<String, byte[]> m = new LinkedHashMap<>();
    try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        m.put(e.getName(), zip.readAllBytes());
      }
    }
    return m;
  }

  private static Path rezip(Path dir, String name, Map<String, byte[]> entries) throws IOException {
    Path file = dir.resolve(name);
    try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue());
        zip.closeEntry();
      }
    }
    return file;
  }

  /** An array entry in ND4J's encoding with a chosen shape, declared data length and actual data. */
  private static byte[] array(long[] shape, long declared, int actualFloats) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buf)) {
      int r = shape.length;
      out.writeUTF("MIXED_DATA_TYPES");
      out.writeLong(2L * r + 4);
      out.writeUTF("LONG");
      out.writeLong(r);
      for (long d : shape) {
        out.writeLong(d);
      }
      long stride = 1;
      long[] strides = new long[r];
      for (int i = r - 1; i >= 0; i--) {
        strides[i] = stride;
        stride *= Math.max(1, shape[i]);
      }
      for (long s : strides) {
        out.writeLong(s);
      }
      out.writeLong(8192);
      out.writeLong(1);
      out.writeLong('c');
      out.writeUTF("MIXED_DATA_TYPES");
      out.writeLong(declared);
      out.writeUTF("FLOAT");
      for (int i = 0; i < actualFloats; i++) {
        out.writeFloat(0.5f);
      }
    }
    return buf.toByteArray();
  }

  private static String refusal(Path file) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(file));
    assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
    return e.getMessage();
  }

  @Test
  void aGoodCheckpointPassesTheChecks(@TempDir Path dir) {
    Checkpoint c = Checkpoint.read(good(dir));
    assertEquals(1761, c.params().length());
  }

  @Test
  void fewerValuesThanTheShapeAreRefused(@TempDir Path dir) throws IOException {
    Map<String, byte[]> m = entries(good(dir));
    m.put("params.bin", array(new long[] {1, 1761}, 10, 10));
    String msg = refusal(rezip(dir, "short.bml", m));
    assertTrue(msg.contains("bml-checkpoint-1") && msg.contains("10 elements under a shape of 1761"), msg);
    m.put("params.bin", array(new long[] {1, 1761}, 1761, 10));
    msg = refusal(rezip(dir, "cut.bml", m));
    assertTrue(msg.contains("holding 40 bytes"), msg);
  }

  @Test
  void billionsOfDeclaredValuesAreRefusedBeforeAllocating(@TempDir Path dir) throws IOException {
    Map<String, byte[]> m = entries(good(dir));
    m.put("params.bin", array(new long[] {5_000_000_000L}, 5_000_000_000L, 10));
    Path file = rezip(dir, "huge.bml", m);
    assertTrue(Files.size(file) < 20_000);
    String msg = refusal(file);
    assertTrue(msg.contains("params.bin") && msg.contains("20000000000 bytes"), msg);
    m.put("params.bin", array(new long[] {1L << 32, 1L << 32}, 10, 10));
    assertTrue(refusal(rezip(dir, "overflow.bml", m)).contains("overflow"));
  }

  @Test
  void aZipBombStopsAtTheUncompressedLimit(@TempDir Path dir) throws IOException {
    Map<String, byte[]> m = entries(good(dir));
    m.put("meta.properties", concat(m.get("meta.properties"), ("#" + "0".repeat(3 << 20) + "\n")
        .getBytes(StandardCharsets.ISO_8859_1)));
    Path bomb = rezip(dir, "bomb.bml", m);
    assertTrue(Files.size(bomb) < 64 << 10);
    System.setProperty(Checkpoint.MAX_BYTES_PROPERTY, Long.toString(1 << 20));
    try {
      String msg = refusal(bomb);
      assertTrue(msg.contains("limit of 1048576") && msg.contains(Checkpoint.MAX_BYTES_PROPERTY), msg);
    } finally {
      System.clearProperty(Checkpoint.MAX_BYTES_PROPERTY);
    }
    Checkpoint.read(bomb); // under the default limit it is only a big comment
  }

  @Test
  void truncatedNegativeAndMislabelledCheckpointsSayWhy(@TempDir Path dir) throws IOException {
    Path g = good(dir);
    Path cut = dir.resolve("cut30.bml");
    Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(g), 30));
    String msg = refusal(cut);
    assertTrue(!msg.contains("null") && msg.contains("bml-checkpoint-1"), msg);

    Map<String, byte[]> m = entries(g);
    String meta = new String(m.get("meta.properties"), StandardCharsets.ISO_8859_1);
    m.put("meta.properties", meta.replaceFirst("iteration=0", "iteration=-5").getBytes(StandardCharsets.ISO_8859_1));
    assertTrue(refusal(rezip(dir, "neg.bml", m)).contains("negative iteration -5"));
    m.put("meta.properties", meta.replaceFirst("provenance.dtype=FLOAT", "provenance.dtype=DOUBLE")
        .getBytes(StandardCharsets.ISO_8859_1));
    assertTrue(refusal(rezip(dir, "dtype.bml", m)).contains("declares dtype DOUBLE"));
    m.put("meta.properties", meta.replaceFirst("format=bml-checkpoint-1", "format=bml-checkpoint-9")
        .getBytes(StandardCharsets.ISO_8859_1));
    msg = refusal(rezip(dir, "v9.bml", m));
    assertTrue(msg.contains("bml-checkpoint-1") && msg.contains("bml-checkpoint-9"), msg);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}

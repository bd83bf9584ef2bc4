package org.bml.algorithms;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.bml.core.memory.MemoryScope;
import org.bml.core.optim.MetaOptimizer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A training checkpoint: meta-parameters, the outer optimizer's state, the next iteration (which
 * with the seed fixes every later meta-batch, since tasks are addressed by (seed, index)), the run's
 * configuration and its provenance (toolkit version, git commit, seed, backend).
 *
 * <p>Lifecycle: {@link #capture} from a live optimizer, {@link #write} atomically (a temporary file
 * in the same folder, then a rename, so a crash never leaves a partial checkpoint), {@link #read}
 * back, and {@link #restoreInto} an optimizer built with the same method and configuration; training
 * then continues bit-identically on CPU.
 *
 * <p>{@code optimizerLayout} is {@link MetaOptimizer#layout()} (which updater owns which slice of
 * θ and of the state), so a state saved under other parameter groups is refused rather than
 * restored into the wrong slices. It is null for files written before parameter groups existed
 * (key absent, same format): their state is one updater's over all of θ.
 */
public record Checkpoint(INDArray params, INDArray updaterState, int iteration, Map<String, String> config,
    Map<String, String> provenance, String optimizerLayout) {
  /** The file format written and read. */
  public static final String FORMAT = "bml-checkpoint-1";

  public Checkpoint {
    config = Collections.unmodifiableMap(new TreeMap<>(config));
    provenance = Collections.unmodifiableMap(new TreeMap<>(provenance));
  }

  /** A checkpoint without a recorded optimizer layout (one updater over all of θ). */
  public Checkpoint(INDArray params, INDArray updaterState, int iteration, Map<String, String> config,
      Map<String, String> provenance) {
    this(params, updaterState, iteration, config, provenance, null);
  }

  /** Copies the optimizer's current state (detached from every memory scope). */
  public static Checkpoint capture(MetaOptimizer optimizer, Map<String, String> config, long seed) {
    INDArray p = MemoryScope.outside(() -> optimizer.flatParams().dup());
    INDArray s = optimizer.updaterState() == null ? null : MemoryScope.outside(() -> optimizer.updaterState().dup());
    Map<String, String> prov = new LinkedHashMap<>();
    prov.put("toolkit", "bml " + version());
    prov.put("git", gitCommit());
    prov.put("seed", Long.toString(seed));
    prov.put("backend", Nd4j.getBackend().getClass().getSimpleName());
    prov.put("dtype", p.dataType().toString());
    return new Checkpoint(p, s, optimizer.iteration(), config, prov, optimizer.layout());
  }

  /**
   * Puts parameters, updater state and iteration back into an optimizer of the same shape and
   * optimizer layout.
   */
  public void restoreInto(MetaOptimizer optimizer) {
    if (optimizer.flatParams().dataType() != params.dataType()) {
      throw new IllegalArgumentException("checkpoint holds " + params.dataType() + " parameters, the model uses "
          + optimizer.flatParams().dataType());
    }
    if (optimizerLayout == null && optimizer.segmentCount() > 1) {
      throw new IllegalArgumentException("checkpoint holds one updater's state over all parameters (written before "
          + "parameter groups), but this optimizer has " + optimizer.segmentCount() + " groups ("
          + optimizer.layout() + ")");
    }
    if (optimizerLayout != null && !optimizerLayout.equals(optimizer.layout())) {
      throw new IllegalArgumentException("checkpoint's optimizer state has layout " + optimizerLayout
          + ", this optimizer's is " + optimizer.layout() + " (other parameter groups or updaters)");
    }
    optimizer.restore(params, updaterState, iteration);
  }

  /** Writes atomically: readers see either the old file or the complete new one. */
  public void write(Path file) {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      try (OutputStream out = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(out)) {
        Properties meta = new Properties();
        meta.setProperty("format", FORMAT);
        meta.setProperty("iteration", Integer.toString(iteration));
        meta.setProperty("hasUpdaterState", Boolean.toString(updaterState != null));
        if (optimizerLayout != null) {
          meta.setProperty("optimizerLayout", optimizerLayout);
        }
        config.forEach((k, v) -> meta.setProperty("config." + k, v));
        provenance.forEach((k, v) -> meta.setProperty("provenance." + k, v));
        zip.putNextEntry(new ZipEntry("meta.properties"));
        meta.store(zip, "bml checkpoint");
        zip.closeEntry();
        writeArray(zip, "params.bin", params);
        if (updaterState != null) {
          writeArray(zip, "updater.bin", updaterState);
        }
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint " + file + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the temporary file is only litter; the error that matters was already raised
        }
      }
    }
  }

  /**
   * Most uncompressed bytes {@link #read} takes from one checkpoint, all entries together (system
   * property {@value #MAX_BYTES_PROPERTY}, default 256 MiB: the largest bml model with Adam state
   * is ~2 MB). Reading stops there, so a zip bomb or a checkpoint declaring billions of values is
   * refused before it is allocated.
   */
  public static long maxBytes() {
    return Long.getLong(MAX_BYTES_PROPERTY, 256L << 20);
  }

  /** System property overriding {@link #maxBytes()}. */
  public static final String MAX_BYTES_PROPERTY = "bml.checkpoint.max-bytes";

  /**
   * Reads a checkpoint, naming the file, the format and what is wrong with it when it is not one.
   * Every array entry is checked against its declared shape and element type (and the total
   * against {@link #maxBytes()}) before ND4J allocates it.
   */
  public static Checkpoint read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("checkpoint " + file + " does not exist or is not a file");
    }
    String what = "checkpoint " + file + " (" + FORMAT + ")";
    long cap = maxBytes();
    Properties meta = null;
    INDArray p = null;
    INDArray s = null;
    try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
      long size = Files.size(file);
      if (size > cap) {
        throw new IllegalArgumentException(what + " is " + size + " bytes, over the limit of " + cap + " bytes (-D"
            + MAX_BYTES_PROPERTY + "=...)");
      }
      long total = 0;
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        if (e.getSize() > cap - total) {
          throw new IllegalArgumentException(what + ": entry '" + e.getName() + "' declares " + e.getSize()
              + " bytes, over the limit of " + cap + " bytes (-D" + MAX_BYTES_PROPERTY + "=...)");
        }
        byte[] bytes = zip.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, cap - total + 1));
        total += bytes.length;
        if (total > cap) {
          throw new IllegalArgumentException(what + ": entry '" + e.getName() + "' expands past the limit of " + cap
              + " uncompressed bytes (-D" + MAX_BYTES_PROPERTY + "=...)");
        }
        switch (e.getName()) {
          case "meta.properties" -> {
            meta = new Properties();
            meta.load(new java.io.InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.ISO_8859_1));
          }
          case "params.bin" -> p = readArray(bytes, what, "params.bin");
          case "updater.bin" -> s = readArray(bytes, what, "updater.bin");
          default -> throw new IllegalArgumentException(what + ": unexpected entry '" + e.getName() + "'");
        }
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new IllegalArgumentException(what + " is unreadable (" + (e.getMessage() != null ? e.getMessage()
          : e instanceof java.io.EOFException ? "cut short" : e.getClass().getSimpleName()) + ")", e);
    }
    if (meta == null || !FORMAT.equals(meta.getProperty("format"))) {
      throw new IllegalArgumentException("checkpoint " + file + " is not a " + FORMAT + " file"
          + (meta != null && meta.getProperty("format") != null ? " (its format is '" + meta.getProperty("format")
              + "')" : meta == null ? " (no meta.properties entry)" : ""));
    }
    if (p == null || (Boolean.parseBoolean(meta.getProperty("hasUpdaterState")) && s == null)) {
      throw new IllegalArgumentException(what + " is incomplete (parameters or optimizer state missing)");
    }
    if (s != null && s.dataType() != p.dataType()) {
      throw new IllegalArgumentException(what + ": optimizer state is " + s.dataType() + ", parameters are "
          + p.dataType());
    }
    String declared = meta.getProperty("provenance.dtype");
    if (declared != null && !declared.equals(p.dataType().toString())) {
      throw new IllegalArgumentException(what + ": declares dtype " + declared + " but params.bin holds "
          + p.dataType());
    }
    Map<String, String> config = new LinkedHashMap<>();
    Map<String, String> prov = new LinkedHashMap<>();
    for (String k : meta.stringPropertyNames()) {
      if (k.startsWith("config.")) {
        config.put(k.substring(7), meta.getProperty(k));
      } else if (k.startsWith("provenance.")) {
        prov.put(k.substring(11), meta.getProperty(k));
      }
    }
    int it;
    try {
      it = Integer.parseInt(meta.getProperty("iteration"));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + ": bad iteration '" + meta.getProperty("iteration") + "'");
    }
    if (it < 0) {
      throw new IllegalArgumentException(what + ": negative iteration " + it);
    }
    return new Checkpoint(p, s, it, config, prov, meta.getProperty("optimizerLayout"));
  }

  /** Throws unless this checkpoint's configuration has the given values (e.g. method, model widths). */
  public void requireConfig(Map<String, String> expected) {
    expected.forEach((k, v) -> {
      String have = config.get(k);
      if (!v.equals(have)) {
        throw new IllegalArgumentException("checkpoint was made with " + k + "=" + have + ", this run has " + k + "=" + v);
      }
    });
  }

  private static void writeArray(ZipOutputStream zip, String name, INDArray a) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buf)) {
      Nd4j.write(a, out);
    }
    zip.write(buf.toByteArray());
    zip.closeEntry();
  }

  private static INDArray readArray(byte[] bytes, String what, String entry) throws IOException {
    try {
      ArrayEntry.check(bytes);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": entry '" + entry + "' holds " + e.getMessage(), e);
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      return MemoryScope.outside(() -> Nd4j.read(in));
    }
  }

  static String version() {
    Package p = Checkpoint.class.getPackage();
    return p.getImplementationVersion() != null ? p.getImplementationVersion() : "0.1.0-SNAPSHOT";
  }

  /**
   * bml's own commit: {@code git rev-parse HEAD} run where this class was loaded from (the
   * checkout's {@code algorithms/target/...}), not in the working directory, which may be any
   * other repository; "unknown" outside a git checkout.
   */
  static String gitCommit() {
    java.io.File where;
    try {
      where = Path.of(Checkpoint.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toFile();
    } catch (RuntimeException | java.net.URISyntaxException e) {
      return "unknown";
    }
    java.io.File dir = where.isDirectory() ? where : where.getParentFile();
    if (dir == null || !dir.isDirectory()) {
      return "unknown";
    }
    try {
      Process proc = new ProcessBuilder("git", "rev-parse", "HEAD").directory(dir).redirectErrorStream(true).start();
      String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return proc.waitFor() == 0 && out.matches("[0-9a-f]{40}") ? out : "unknown";
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }
}

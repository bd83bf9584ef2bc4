package org.bml.cli;

import java.util.Map;
import java.util.TreeMap;
import org.bml.core.autodiff.ArrayBackend;
import org.bml.core.autodiff.Backends;
import org.bml.core.autodiff.Device;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * {@code --backend} and {@code --device}, shared by train, eval, predict and bench. The backend is
 * selected before the command runs ({@link #selectThenRun}), so an unavailable backend or device
 * is bad input (exit 2) before anything is written, and never a fall back to another device.
 */
final class BackendOptions {
  @Option(names = "--backend", paramLabel = "NAME",
      description = "array backend under the tape: nd4j (built in) or torch (bml-torch, when built); default "
          + "${DEFAULT-VALUE}")
  String backend = System.getProperty("bml.backend", "nd4j");

  @Option(names = "--device", paramLabel = "DEV", description = "cpu, cuda or cuda:N (default ${DEFAULT-VALUE})")
  String device = System.getProperty("bml.device", "cpu");

  /** Selects the backend asked for (process-wide). */
  ArrayBackend select() {
    return Backends.use(backend.trim().toLowerCase(java.util.Locale.ROOT), Device.parse(device));
  }

  /** The checkpoint's provenance keys for the selected backend. */
  static Map<String, String> provenance() {
    ArrayBackend b = Backends.current();
    Map<String, String> m = new TreeMap<>();
    m.put("backend", b.name());
    m.put("backend-version", b.version());
    m.put("device", b.device().toString());
    return m;
  }

  /**
   * The execution strategy of {@code bml}: selects the backend of the command being run (if it
   * has these options), then runs it. A refused selection is a usage error: exit 2.
   */
  static int selectThenRun(ParseResult parsed) {
    CommandLine last = parsed.asCommandLineList().get(parsed.asCommandLineList().size() - 1);
    boolean help = last.isUsageHelpRequested() || last.isVersionHelpRequested();
    for (Object mixin : last.getCommandSpec().mixins().values().stream().map(m -> m.userObject()).toList()) {
      if (mixin instanceof BackendOptions o && !help) {
        try {
          o.select();
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(last, e.getMessage(), e);
        }
      }
    }
    return new CommandLine.RunLast().execute(parsed);
  }
}

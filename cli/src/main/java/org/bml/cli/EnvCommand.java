package org.bml.cli;

import java.util.concurrent.Callable;
import org.bml.core.autodiff.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bml env}: the backends found, their versions, devices, and the GPUs this process sees. */
@Command(name = "env", mixinStandardHelpOptions = true,
    description = "Print the array backends found (versions, devices), the GPUs visible (compute capability) and "
        + "the backend selected by default.")
final class EnvCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    out.println("bml " + Main.VERSION + ", Java " + System.getProperty("java.version"));
    for (String line : Backends.describe()) {
      out.println(line);
    }
    out.flush();
    return 0;
  }
}

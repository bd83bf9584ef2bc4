package org.bml.torch;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the backend contract tests, the gradient checks and the MAML oracle without Maven (the
 * GPU machine has no Maven and no network): {@code bench/device-check.sh} calls it from its
 * bundle with {@code -Dbml.backend=torch -Dbml.device=DEV}. Exit 0 only if all passed.
 */
public final class DeviceCheckMain {
  private DeviceCheckMain() {}

  public static void main(String[] args) throws Exception {
    String[] classes = args.length > 0 ? args : new String[] {"org.bml.torch.TorchSelectionTest",
        "org.bml.torch.TorchBackendContractTest", "org.bml.core.autodiff.TorchOpGradientTest",
        "org.bml.core.autodiff.TorchMatrixOpsGradientTest", "org.bml.core.autodiff.TorchCholeskyOpsGradientTest",
        "org.bml.algorithms.TorchMamlMetaGradientTest", "org.bml.algorithms.TorchPointEstimateReductionProperties",
        "org.bml.inference.TorchTruncatedGradientDescentTest", "org.bml.inference.TorchEarlyStoppingPriorProperties",
        "org.bml.inference.laplace.TorchLaplaceOracleTest", "org.bml.inference.variational.TorchVariationalOracleTest",
        "org.bml.hierarchical.TorchLlamaTest", "org.bml.hierarchical.TorchBmamlReductionProperties",
        "org.bml.hierarchical.TorchPlatipusReductionProperties", "org.bml.hierarchical.TorchMrMamlReductionProperties",
        "org.bml.hierarchical.composed.TorchAbmlReductionProperties"};
    LauncherDiscoveryRequestBuilder b = LauncherDiscoveryRequestBuilder.request();
    for (String c : classes) {
      b.selectors(selectClass(Class.forName(c)));
    }
    LauncherDiscoveryRequest request = b.build();
    Launcher launcher = LauncherFactory.create();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    long t0 = System.nanoTime();
    launcher.execute(request, listener);
    TestExecutionSummary s = listener.getSummary();
    PrintWriter out = new PrintWriter(System.out, true);
    s.printFailuresTo(out, 20);
    out.printf("device-check tests: %d passed, %d failed (%.1f s, backend %s)%n", s.getTestsSucceededCount(),
        s.getTotalFailureCount(), (System.nanoTime() - t0) / 1e9, org.bml.core.autodiff.Backends.current());
    System.exit(s.getTotalFailureCount() == 0 && s.getTestsSucceededCount() > 0 ? 0 : 1);
  }
}

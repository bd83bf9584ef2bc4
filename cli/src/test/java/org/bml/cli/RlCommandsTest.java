package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bml maml-rl} and {@code bml grbal}: a tiny run of each prints its table and writes its
 * plots and CSV; bad options are refused with exit 2 and nothing written.
 */
class RlCommandsTest {
  @Test
  void tinyMamlRlRunPrintsReturnsPerStepAndWritesThePlot(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("rl");
    CliRun.Result r = CliRun.run("maml-rl", "--iterations", "2", "--meta-batch", "2", "--episodes", "2", "--horizon",
        "3", "--hidden", "4", "--test-tasks", "3", "--steps", "2", "--val-every", "1", "--clip-norm", "1", "--out",
        out.toString());
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("MAML iteration 2/2") && r.err().contains("after 1 step"), r.err());
    for (String row : new String[] {"MAML ", "pretrained + fine-tuning", "random initialisation + fine-tuning",
        "paired MAML - pretrained", "2 steps"}) {
      assertTrue(r.out().contains(row), row + " missing:\n" + r.out());
    }
    assertTrue(Files.size(out.resolve(MamlRlCommand.PLOT + ".png")) > 1000, "PNG written");
    List<String> csv = Files.readAllLines(out.resolve(MamlRlCommand.CSV));
    assertEquals(1 + 3 * 3, csv.size(), "header and 3 goals x steps 0..2");
    assertTrue(csv.get(0).startsWith("goal,goal_x,goal_y,step,return_maml"), csv.get(0));
    // At step 0 the untrained initialisation's return is the same on a rerun (seeded throughout).
    CliRun.Result again = CliRun.run("maml-rl", "--iterations", "2", "--meta-batch", "2", "--episodes", "2",
        "--horizon", "3", "--hidden", "4", "--test-tasks", "3", "--steps", "2", "--val-every", "1", "--clip-norm", "1",
        "--out", tmp.resolve("rl2").toString());
    assertEquals(csv, Files.readAllLines(tmp.resolve("rl2").resolve(MamlRlCommand.CSV)), "deterministic");
  }

  @Test
  void tinyPpoMamlRlRunWithTheOracle(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("rl");
    CliRun.Result r = CliRun.run("maml-rl", "--outer", "ppo", "--outer-epochs", "2", "--clip-eps", "0.1", "--oracle",
        "--iterations", "2", "--meta-batch", "2", "--episodes", "2", "--horizon", "3", "--hidden", "4",
        "--test-tasks", "3", "--steps", "2", "--val-every", "1", "--out", out.toString());
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("MAML iteration 2/2") && r.err().contains("of ratios outside 1 ± 0.1")
        && r.err().contains("oracle iteration 2/2") && r.err().contains("outer ppo, 2 epochs, clip 0.1"), r.err());
    assertTrue(r.out().contains("the oracle is not adapted"), r.out());
    for (String row : new String[] {"MAML ", "pretrained + fine-tuning", MamlRlCommand.ORACLE, "outer ppo"}) {
      assertTrue(r.out().contains(row), row + " missing:\n" + r.out());
    }
    List<String> csv = Files.readAllLines(out.resolve(MamlRlCommand.CSV));
    assertEquals(1 + 3 * 3, csv.size(), "header and 3 goals x steps 0..2");
    assertTrue(csv.get(0).endsWith(",return_oracle"), csv.get(0));
    // The oracle is not adapted: its return is the same at every step of a goal.
    for (int t = 0; t < 3; t++) {
      String a = csv.get(1 + 3 * t);
      String b = csv.get(3 + 3 * t);
      assertEquals(a.substring(a.lastIndexOf(',')), b.substring(b.lastIndexOf(',')), "flat oracle row");
    }
    assertTrue(Files.size(out.resolve(MamlRlCommand.PLOT + ".png")) > 1000, "PNG written");
  }

  @Test
  void badMamlRlOptionsAreRefused(@TempDir Path tmp) {
    Path out = tmp.resolve("rl");
    String dir = out.toString();
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--iterations", "0", "--out", dir), "--iterations");
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--episodes", "1", "--out", dir), "--episodes");
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--steps", "0", "--out", dir), "--steps");
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--test-lr", "-0.1", "--out", dir),
        "--test-lr must be finite and >= 0, got -0.1");
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--inner-lr", "NaN", "--out", dir), "--inner-lr");
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--discount", "1.5", "--out", dir),
        "--discount must be in (0, 1], got 1.5");
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--hidden", "0", "--out", dir), "--hidden");
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--clip-norm", "-1", "--out", dir),
        "--clip-norm must be finite and >= 0, got -1");
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--val-every", "-2", "--out", dir), "--val-every");
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--outer", "trpo", "--out", dir),
        "--outer must be adam or ppo, got trpo");
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--outer", "ppo", "--clip-eps", "0", "--out", dir),
        "--clip-eps must be in (0, 1), got 0.0");
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--outer", "ppo", "--clip-eps", "1", "--out", dir),
        "--clip-eps must be in (0, 1), got 1.0");
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--clip-eps", "-0.2", "--out", dir), "--clip-eps");
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--clip-eps", "NaN", "--out", dir), "--clip-eps");
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--outer", "ppo", "--outer-epochs", "0", "--out", dir),
        "--outer-epochs");
    BadInputTest.assertRefused(CliRun.run("maml-rl", "--episodes", "100000", "--horizon", "1000", "--out", dir),
        "sizes too large");
    assertFalse(Files.exists(out), "nothing written on bad input");
  }

  @Test
  void tinyGrbalRunPrintsTheControllersAndWritesItsFiles(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("grbal");
    CliRun.Result r = CliRun.run("grbal", "--train-tasks", "2", "--rollout-steps", "8", "--iterations", "2",
        "--meta-batch", "2", "--past", "2", "--future", "2", "--hidden", "4", "--test-tasks", "2", "--candidates", "3",
        "--horizon", "2", "--episode-steps", "3", "--out", out.toString());
    assertEquals(0, r.exit(), r.toString());
    for (String row : new String[] {"GrBAL (adapted every step)", "GrBAL meta-model, not adapted",
        "non-adaptive model", "true dynamics", "paired difference GrBAL - non-adaptive"}) {
      assertTrue(r.out().contains(row), row + " missing:\n" + r.out());
    }
    assertTrue(Files.size(out.resolve("grbal-return.png")) > 1000, "return PNG written");
    assertTrue(Files.size(out.resolve("grbal-error.png")) > 1000, "error PNG written");
    List<String> csv = Files.readAllLines(out.resolve("grbal.csv"));
    assertEquals(3, csv.size(), "header and 2 tasks");
    assertTrue(csv.get(0).startsWith("task,mass,length,friction,return_grbal"), csv.get(0));
  }

  @Test
  void tinyGrbalRunWithTheCrossEntropyPlanner(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("grbal-cem");
    CliRun.Result r = CliRun.run("grbal", "--train-tasks", "2", "--rollout-steps", "8", "--iterations", "2",
        "--meta-batch", "2", "--past", "2", "--future", "2", "--hidden", "4", "--test-tasks", "2", "--candidates", "6",
        "--horizon", "2", "--episode-steps", "3", "--planner", "cem", "--cem-iterations", "2", "--elites", "2",
        "--out", out.toString());
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("MPC CEM 2 rounds x 6 sequences x 2 steps, 2 elites"), r.out());
    assertEquals(3, Files.readAllLines(out.resolve("grbal.csv")).size(), "header and 2 tasks");
  }

  @Test
  void badGrbalOptionsAreRefused(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("grbal");
    String dir = out.toString();
    BadInputTest.assertRefused(CliRun.run("grbal", "--iterations", "0", "--out", dir), "--iterations");
    BadInputTest.assertRefused(CliRun.run("grbal", "--past", "10", "--future", "10", "--rollout-steps", "15",
        "--out", dir), "--rollout-steps");
    BadInputTest.assertRefused(CliRun.run("grbal", "--test-tasks", "1", "--out", dir), "--test-tasks");
    BadInputTest.assertRefused(CliRun.run("grbal", "--inner-lr", "-1", "--out", dir),
        "--inner-lr must be finite and >= 0, got -1");
    BadInputTest.assertRefused(CliRun.run("grbal", "--outer-lr", "0", "--out", dir), "--outer-lr");
    BadInputTest.assertRefused(CliRun.run("grbal", "--hidden", "0", "--out", dir), "--hidden");
    BadInputTest.assertRefused(CliRun.run("grbal", "--planner", "ilqr", "--out", dir),
        "--planner must be random or cem, got 'ilqr'");
    BadInputTest.assertRefused(CliRun.run("grbal", "--planner", "cem", "--cem-iterations", "0", "--out", dir),
        "--cem-iterations");
    BadInputTest.assertRefused(CliRun.run("grbal", "--planner", "cem", "--candidates", "10", "--elites", "11",
        "--out", dir), "--elites 11 is more than --candidates 10");
    assertFalse(Files.exists(out), "nothing written on bad input");
    Path file = Files.writeString(tmp.resolve("afile"), "keep");
    BadInputTest.assertRefused(CliRun.run("grbal", "--iterations", "1", "--out", file.toString()),
        "exists and is not a directory");
    assertEquals("keep", Files.readString(file));
  }
}

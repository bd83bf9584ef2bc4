package org.bml.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;

/** Runs {@code ./bml} in-process (one JVM for the suite) and captures its streams and exit status. */
final class CliRun {
  /** Small, fast sinusoid training options (6 iterations of 4 tasks of 5+5 points). */
  static final String[] QUICK = {"train", "--iterations", "6", "--meta-batch", "4", "--shots", "5", "--queries", "5",
      "--val-every", "3", "--val-tasks", "4", "--checkpoint-every", "3", "--log-every", "1"};

  record Result(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
    }
  }

  private CliRun() {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  static String[] concat(String[] a, String... b) {
    String[] r = new String[a.length + b.length];
    System.arraycopy(a, 0, r, 0, a.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  /** Every path under a directory (empty list when it does not exist). */
  static List<Path> files(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir)).toList();
    }
  }

  private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":(\"[^\"]*\"|[^,}]+)");

  /** The flat JSON objects of a JSON-lines file, values as strings. */
  static List<Map<String, String>> jsonLines(Path file) throws IOException {
    List<Map<String, String>> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      Map<String, String> m = new TreeMap<>();
      Matcher x = FIELD.matcher(line);
      while (x.find()) {
        String v = x.group(2);
        m.put(x.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
      }
      out.add(m);
    }
    return out;
  }
}

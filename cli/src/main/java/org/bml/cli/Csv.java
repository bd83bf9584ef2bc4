package org.bml.cli;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Strict numeric CSV for {@code ./bml predict}: comma-separated, an optional header (a first line
 * none of whose fields is a number), blank lines skipped, every row with the same number of
 * columns, every value a finite decimal number. Each failure names the file, line and column.
 */
final class Csv {
  private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
  private static final Pattern NON_FINITE = Pattern.compile("[+-]?(nan|inf|infinity)", Pattern.CASE_INSENSITIVE);

  private Csv() {}

  /** The numeric rows of a file. */
  record Table(Path file, List<String> header, double[][] rows, int[] lines) {
    int columns() {
      return rows[0].length;
    }
  }

  /**
   * Reads a file whose rows (and header, if any) must all have {@code columns} columns.
   *
   * @param expected human description of the columns, e.g. "x,y", used in messages
   */
  static Table read(Path file, int columns, String expected) {
    if (Files.isDirectory(file)) {
      throw new BadInputException(file + ": is a directory, not a CSV file");
    }
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": no such file");
    }
    if (!Files.isReadable(file)) {
      throw new BadInputException(file + ": permission denied");
    }
    List<String> text;
    try {
      long size = Files.size(file);
      if (size > InputLimits.MAX_CSV_BYTES) {
        throw new BadInputException(file + ": " + size + " bytes, over the limit of " + InputLimits.MAX_CSV_BYTES
            + " bytes for a support or query CSV (reading it would take ~" + InputLimits.human(16 * size) + ")");
      }
      text = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {
      throw new BadInputException(file + ": not UTF-8 text");
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read (" + InputLimits.describe(e) + ")");
    }
    List<String> header = null;
    List<double[]> rows = new ArrayList<>();
    List<Integer> lines = new ArrayList<>();
    boolean firstContent = true;
    for (int i = 0; i < text.size(); i++) {
      String raw = text.get(i);
      if (i == 0 && raw.startsWith("\uFEFF")) {
        raw = raw.substring(1); // a byte-order mark is not part of the first field
      }
      if (raw.isBlank()) {
        continue;
      }
      String[] fields = raw.split(",", -1);
      int line = i + 1;
      if (firstContent && isHeader(fields)) {
        firstContent = false;
        if (fields.length != columns) {
          throw new BadInputException(file + ":" + line + ": header has " + fields.length + " columns, expected "
              + columns + " (" + expected + ")");
        }
        header = new ArrayList<>();
        for (String f : fields) {
          header.add(f.strip());
        }
        continue;
      }
      firstContent = false;
      if (fields.length != columns) {
        throw new BadInputException(file + ":" + line + ": " + fields.length + " columns, expected " + columns + " ("
            + expected + ")");
      }
      double[] row = new double[columns];
      for (int c = 0; c < columns; c++) {
        row[c] = parse(fields[c].strip(), file, line, c + 1);
      }
      rows.add(row);
      lines.add(line);
    }
    if (rows.isEmpty()) {
      throw new BadInputException(file + ": no data rows (expected " + columns + " columns: " + expected + ")");
    }
    return new Table(file, header, rows.toArray(new double[0][]), lines.stream().mapToInt(Integer::intValue).toArray());
  }

  private static boolean isHeader(String[] fields) {
    for (String f : fields) {
      String s = f.strip();
      if (NUMBER.matcher(s).matches() || NON_FINITE.matcher(s).matches()) {
        return false;
      }
    }
    return true;
  }

  private static double parse(String s, Path file, int line, int column) {
    String where = file + ":" + line + ": column " + column;
    if (s.isEmpty()) {
      throw new BadInputException(where + " is empty");
    }
    if (NON_FINITE.matcher(s).matches()) {
      throw new BadInputException(where + ": '" + s + "' is not a finite number");
    }
    if (!NUMBER.matcher(s).matches()) {
      throw new BadInputException(where + ": '" + s + "' is not a number");
    }
    double v = Double.parseDouble(s);
    if (!Double.isFinite(v)) {
      throw new BadInputException(where + ": '" + s + "' overflows a double");
    }
    return v;
  }
}

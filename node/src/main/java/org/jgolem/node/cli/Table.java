package org.jgolem.node.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A plain-text table: a header row, columns two spaces apart, chosen columns right-aligned, no
 * trailing blanks.
 */
final class Table {
  private final List<String> headers;
  private final boolean[] right;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... headers) {
    this.headers = List.of(headers);
    this.right = new boolean[headers.length];
  }

  Table alignRight(int... columns) {
    for (int c : columns) {
      right[c] = true;
    }
    return this;
  }

  Table row(Object... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException(
          "a row needs " + headers.size() + " cells, got " + cells.length);
    }
    rows.add(Arrays.stream(cells).map(c -> c == null ? "-" : c.toString()).toList());
    return this;
  }

  void print(PrintWriter out) {
    int[] width = new int[headers.size()];
    for (int c = 0; c < width.length; c++) {
      width[c] = headers.get(c).length();
      for (List<String> r : rows) {
        width[c] = Math.max(width[c], r.get(c).length());
      }
    }
    line(out, headers, width);
    for (List<String> r : rows) {
      line(out, r, width);
    }
    out.flush();
  }

  private void line(PrintWriter out, List<String> cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      String v = cells.get(c);
      String pad = " ".repeat(width[c] - v.length());
      if (c > 0) {
        b.append("  ");
      }
      b.append(right[c] ? pad + v : v + pad);
    }
    out.println(b.toString().stripTrailing());
  }

  /** One record as "Label value" lines, labels padded to the same width. */
  static void fields(PrintWriter out, Map<String, ?> fields) {
    int width = fields.keySet().stream().mapToInt(String::length).max().orElse(0);
    fields.forEach((k, v) ->
        out.println(
            (k + " ".repeat(width - k.length()) + "  " + (v == null ? "-" : v)).stripTrailing()));
    out.flush();
  }
}

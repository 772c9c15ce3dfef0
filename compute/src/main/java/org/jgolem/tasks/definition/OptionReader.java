package org.jgolem.tasks.definition;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Reads the fields of a template's {@code options}, recording each problem with its JSON path. */
public final class OptionReader {
  public static final int MAX_STRING = 4096;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  private OptionReader() {}

  /** Problems for every field of {@code o} not in {@code known}. */
  public static void unknownFields(JsonNode o, String path, List<String> known, Problems p) {
    o.fieldNames()
        .forEachRemaining(f -> {
          if (!known.contains(f))
            p.add(path + "." + f, "unknown field (known: " + String.join(", ", known) + ")");
        });
  }

  /** A required non-empty string, or null (with a problem). */
  public static String string(JsonNode o, String path, String field, Problems p) {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      p.add(path + "." + field, "is missing");
      return null;
    }
    if (!n.isTextual() || n.asText().isEmpty() || n.asText().length() > MAX_STRING) {
      p.add(
          path + "." + field,
          "must be a non-empty string of at most " + MAX_STRING + " characters");
      return null;
    }
    return n.asText();
  }

  /** A list of strings (at most {@code max}), empty with a problem when malformed. */
  public static List<String> strings(
      JsonNode n, String path, int max, Problems p, boolean nonEmpty) {
    List<String> out = new ArrayList<>();
    if (n == null || !n.isArray()) {
      p.add(path, n == null ? "is missing" : "must be a list of strings");
      return out;
    }
    if (n.size() > max) p.add(path, "has more than " + max + " entries");
    if (nonEmpty && n.isEmpty()) p.add(path, "must not be empty");
    for (int i = 0; i < n.size() && i < max; i++) {
      JsonNode e = n.get(i);
      if (!e.isTextual()) p.add(path + "[" + i + "]", "must be a string");
      else if (e.asText().length() > MAX_STRING || e.asText().indexOf('\0') >= 0) {
        p.add(path + "[" + i + "]", "must be at most " + MAX_STRING + " characters, without NUL");
      } else out.add(e.asText());
    }
    return out;
  }

  /** An optional integer in {@code min..max}, {@code dflt} when absent. */
  public static long integer(
      JsonNode o, String path, String field, long min, long max, long dflt, Problems p) {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) return dflt;
    if (!n.canConvertToExactIntegral()
        || !n.canConvertToLong()
        || n.asLong() < min
        || n.asLong() > max) {
      p.add(path + "." + field, "must be an integer in " + min + ".." + max);
      return dflt;
    }
    return n.asLong();
  }

  /** A subtask or file name: 1-64 characters of [A-Za-z0-9_.-], not starting with a dot or dash. */
  public static boolean safeName(String s) {
    return NAME.matcher(s).matches();
  }

  /** A single path segment: no separators, not "." or "..", no NUL. */
  public static boolean safeSegment(String s) {
    return !s.isEmpty()
        && !s.contains("/")
        && !s.contains("\\")
        && !s.equals(".")
        && !s.equals("..")
        && s.indexOf('\0') < 0;
  }

  /** A relative path whose every segment is safe (it cannot leave the folder it is resolved in). */
  public static boolean safeRelativePath(String s) {
    if (s.isEmpty() || s.startsWith("/")) return false;
    for (String seg : s.split("/", -1)) {
      if (!safeSegment(seg)) return false;
    }
    return true;
  }

  /** Problems for output paths that could leave the output folder. */
  public static void outputPaths(List<String> outs, String path, Problems p) {
    for (int i = 0; i < outs.size(); i++) {
      if (!safeRelativePath(outs.get(i))) {
        p.add(
            path + "[" + i + "]",
            "must be a relative path inside the output folder, got \"" + outs.get(i) + "\"");
      }
    }
  }
}

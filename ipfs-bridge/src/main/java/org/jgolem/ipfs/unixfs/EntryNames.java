package org.jgolem.ipfs.unixfs;

import org.jgolem.ipfs.UnsafePathException;

/**
 * The rule for a folder entry's name, applied both when adding a folder and before writing one out.
 */
public final class EntryNames {
  private EntryNames() {}

  /**
   * Refuses "", ".", "..", names with '/', '\' or NUL, and names longer than 255 UTF-8 bytes; where
   * says where the name was found (for the message).
   */
  public static void check(String name, String where) {
    String problem = problem(name);
    if (problem != null)
      throw new UnsafePathException(
          "unsafe folder entry " + quote(name) + " in " + where + ": " + problem);
  }

  public static String problem(String name) {
    if (name == null) return "the entry has no name";
    if (name.isEmpty()) return "empty name";
    if (name.equals(".") || name.equals("..")) return "'" + name + "' would leave the folder";
    if (name.indexOf('/') >= 0) return "contains '/' (a path, possibly absolute, not a name)";
    if (name.indexOf('\\') >= 0) return "contains '\\'";
    if (name.indexOf('\0') >= 0) return "contains a NUL character";
    if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255)
      return "longer than 255 bytes";
    return null;
  }

  static String quote(String name) {
    if (name == null) return "(none)";
    StringBuilder sb = new StringBuilder("\"");
    for (char c : name.toCharArray()) {
      if (c < 0x20) sb.append(String.format("\\x%02x", (int) c));
      else sb.append(c);
      if (sb.length() > 80) {
        sb.append("...");
        break;
      }
    }
    return sb.append('"').toString();
  }
}

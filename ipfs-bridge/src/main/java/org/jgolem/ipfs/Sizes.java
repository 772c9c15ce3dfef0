package org.jgolem.ipfs;

/** Human-readable sizes for messages. */
public final class Sizes {
  private Sizes() {}

  public static String format(long bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1024 * 1024) return String.format("%.1f KiB (%d bytes)", bytes / 1024.0, bytes);
    if (bytes < 1024L * 1024 * 1024)
      return String.format("%.1f MiB (%d bytes)", bytes / 1048576.0, bytes);
    return String.format("%.2f GiB (%d bytes)", bytes / 1073741824.0, bytes);
  }
}

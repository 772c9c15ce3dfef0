package org.jgolem.compute;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A bounded capture of stdout or stderr: the first {@code kept.length} bytes, and how many were
 * written in all. A subtask cannot fill the node's memory through its logs.
 */
public record CapturedLog(byte[] kept, long totalBytes) {
  public static final CapturedLog EMPTY = new CapturedLog(new byte[0], 0);

  public CapturedLog {
    kept = kept.clone();
    if (totalBytes < kept.length) throw new IllegalArgumentException("totalBytes < kept bytes");
  }

  @Override
  public byte[] kept() {
    return kept.clone();
  }

  public boolean truncated() {
    return totalBytes > kept.length;
  }

  /** The kept bytes as UTF-8 text (malformed bytes replaced). */
  public String text() {
    return new String(kept, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CapturedLog c
        && c.totalBytes == totalBytes
        && java.util.Arrays.equals(c.kept, kept);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(kept) * 31 + Long.hashCode(totalBytes);
  }

  @Override
  public String toString() {
    return totalBytes + " bytes" + (truncated() ? " (first " + kept.length + " kept)" : "");
  }

  /** A thread-safe sink that keeps the first {@code limit} bytes and counts the rest. */
  public static final class Sink extends OutputStream {
    private final byte[] buffer;
    private int kept;
    private long total;

    public Sink(int limit) {
      this.buffer = new byte[limit];
    }

    @Override
    public synchronized void write(int b) {
      if (kept < buffer.length) buffer[kept++] = (byte) b;
      total++;
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      int n = Math.min(len, buffer.length - kept);
      System.arraycopy(b, off, buffer, kept, n);
      kept += n;
      total += len;
    }

    public synchronized CapturedLog capture() {
      return new CapturedLog(java.util.Arrays.copyOf(buffer, kept), total);
    }
  }
}

package org.jgolem.compute.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * A bounded in-memory pipe from a pushing writer (docker-java's stream thread) to a pulling reader
 * (the tar extractor). The writer blocks while the buffer is full; once the reader has closed its
 * side, writes are dropped so that the stream thread never blocks on a reader that is gone.
 */
final class BytePipe {
  private final byte[] buffer;
  private int head;
  private int count;
  private boolean writerClosed;
  private boolean readerClosed;
  private String writerError;

  BytePipe(int capacity) {
    this.buffer = new byte[capacity];
  }

  /** Appends bytes, waiting while the buffer is full. Dropped once the reader has closed. */
  synchronized void write(byte[] b, int off, int len) throws InterruptedException {
    while (len > 0) {
      while (count == buffer.length && !readerClosed) wait();
      if (readerClosed || writerClosed) return;
      int tail = (head + count) % buffer.length;
      int n = Math.min(len, Math.min(buffer.length - count, buffer.length - tail));
      System.arraycopy(b, off, buffer, tail, n);
      count += n;
      off += n;
      len -= n;
      notifyAll();
    }
  }

  /**
   * Ends the stream: the reader sees end-of-file, or an IOException with {@code error} if it is not
   * null.
   */
  synchronized void closeWriter(String error) {
    if (writerClosed) return;
    writerClosed = true;
    writerError = error;
    notifyAll();
  }

  synchronized void closeReader() {
    readerClosed = true;
    notifyAll();
  }

  /** The reading side. Reading blocks until bytes arrive or the writer closes. */
  InputStream input() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) return 0;
        synchronized (BytePipe.this) {
          try {
            while (count == 0 && !writerClosed && !readerClosed) BytePipe.this.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the output stream");
          }
          if (readerClosed) throw new IOException("the output stream was closed");
          if (count == 0) {
            if (writerError != null) throw new IOException(writerError);
            return -1;
          }
          int n = Math.min(len, Math.min(count, buffer.length - head));
          System.arraycopy(buffer, head, b, off, n);
          head = (head + n) % buffer.length;
          count -= n;
          BytePipe.this.notifyAll();
          return n;
        }
      }

      @Override
      public void close() {
        closeReader();
      }
    };
  }
}

package org.jgolem.compute.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Receives an attached exec's frames on docker-java's stream thread and hands them to a sink.
 * Unlike docker-java's adapter, {@link #await} never throws: a broken stream is recorded in {@link
 * #error()}, and {@link #close()} (cancellation, timeout) ends the wait at once.
 */
final class StreamCallback implements ResultCallback<Frame> {

  interface FrameSink {
    void accept(StreamType type, byte[] payload) throws InterruptedException;
  }

  private final FrameSink sink;
  private final java.util.function.Consumer<Throwable> onEnd;
  private final CountDownLatch done = new CountDownLatch(1);
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile Closeable stream;
  private volatile boolean closed;
  private volatile Throwable error;

  /**
   * {@code onEnd} runs once when the stream ends, with why it broke (null: it ended, or we closed
   * it).
   */
  StreamCallback(FrameSink sink, java.util.function.Consumer<Throwable> onEnd) {
    this.sink = sink;
    this.onEnd = onEnd;
  }

  @Override
  public void onStart(Closeable s) {
    stream = s;
    if (closed) closeQuietly(s);
  }

  @Override
  public void onNext(Frame frame) {
    if (closed) return;
    try {
      sink.accept(frame.getStreamType(), frame.getPayload());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
    }
  }

  @Override
  public void onError(Throwable t) {
    if (!closed) error = t;
    end();
  }

  @Override
  public void onComplete() {
    end();
  }

  /** Stops receiving: closes the HTTP stream and ends {@link #await}. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(stream);
    end();
  }

  /** Waits until the stream has ended; false if it has not within {@code nanos}. */
  boolean await(long nanos) throws InterruptedException {
    return done.await(Math.max(0, nanos), TimeUnit.NANOSECONDS);
  }

  /** Why the stream broke, or null if it ended normally (or was closed by us). */
  Throwable error() {
    return error;
  }

  private void end() {
    if (ended.compareAndSet(false, true)) {
      try {
        onEnd.accept(error);
      } finally {
        done.countDown();
      }
    }
  }

  static void closeQuietly(Closeable c) {
    if (c == null) return;
    try {
      c.close();
    } catch (IOException | RuntimeException ignored) {
      // closing a broken stream
    }
  }

  static boolean isStdout(StreamType t) {
    return t == StreamType.STDOUT || t == StreamType.RAW;
  }
}

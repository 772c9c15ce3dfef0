package org.jgolem.compute.docker;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jgolem.compute.CapturedLog;

/**
 * Splits the subtask exec's stdout in three: the subtask's own output (to the log sink), a one-line
 * trailer that the wrapper prints once the subtask and everything it left running are gone ({@code
 * <marker> <exit status> <peak memory> <cpu nanos>}), and the tar stream of the output folder that
 * follows it (to a pipe).
 *
 * <p>The marker is a per-run random string whose first byte (0x1E) appears nowhere else in it, so a
 * mismatch never hides the start of a real marker. The subtask could learn the marker (it shares
 * the wrapper's uid) and print a false trailer early; that only garbles its own result, which it
 * controls anyway: the archive after it is checked by {@link OutputTar} like any other.
 */
final class OutputSplitter {
  static final byte FIRST = 0x1e;
  private static final int MAX_TRAILER = 256;

  /** The trailer's fields. */
  record Trailer(long exitStatus, long peakMemoryBytes, long cpuNanos) {}

  private final byte[] marker;
  private final CapturedLog.Sink log;
  private final BytePipe archive;
  private static final int ENDED = 1;
  private static final int TIMED_OUT = 2;
  private final CountDownLatch decided = new CountDownLatch(1);

  /**
   * What decided first: 0 nothing yet, {@link #ENDED} (the trailer or the stream's end), {@link
   * #TIMED_OUT}.
   */
  private final java.util.concurrent.atomic.AtomicInteger decision =
      new java.util.concurrent.atomic.AtomicInteger();

  private final ByteArrayOutputStream trailerBytes = new ByteArrayOutputStream();
  private int matched;
  private int state; // 0: subtask output, 1: trailer, 2: archive
  private volatile Trailer trailer;
  private volatile String malformed;

  OutputSplitter(String marker, CapturedLog.Sink log, BytePipe archive) {
    this.marker = marker.getBytes(StandardCharsets.US_ASCII);
    if (this.marker.length < 2 || this.marker[0] != FIRST)
      throw new IllegalArgumentException("the marker must start with 0x1E");
    for (int i = 1; i < this.marker.length; i++) {
      if (this.marker[i] == FIRST)
        throw new IllegalArgumentException("0x1E may only start the marker");
    }
    this.log = log;
    this.archive = archive;
  }

  /** A fresh marker: 0x1E, "jgolem-output-" and 32 random hex digits. */
  static String newMarker() {
    return (char) FIRST + "jgolem-output-" + DockerEngine.randomHex(16);
  }

  /** Takes the next stdout bytes (on docker-java's stream thread). */
  synchronized void accept(byte[] b) throws InterruptedException {
    int i = 0;
    int n = b.length;
    while (i < n && state == 0) {
      int run = i;
      while (i < n) {
        byte x = b[i];
        if (matched > 0 && x != marker[matched]) {
          log.write(marker, 0, matched); // a partial marker that was subtask output after all
          matched = 0;
        }
        if (x == marker[matched]) {
          if (matched == 0) log.write(b, run, i - run);
          matched++;
          i++;
          run = i;
          if (matched == marker.length) {
            state = 1;
            break;
          }
        } else {
          i++;
        }
      }
      if (state == 0 && matched == 0) log.write(b, run, i - run);
    }
    while (i < n && state == 1) {
      byte x = b[i++];
      if (x == '\n') {
        parseTrailer(trailerBytes.toString(StandardCharsets.US_ASCII));
        state = 2;
        decide(ENDED);
      } else if (trailerBytes.size() >= MAX_TRAILER) {
        malformed = "the trailer after the subtask is longer than " + MAX_TRAILER + " bytes";
        state = 3; // drop the rest
        decide(ENDED);
      } else {
        trailerBytes.write(x);
      }
    }
    if (i < n && state == 2) archive.write(b, i, n - i);
  }

  private void parseTrailer(String line) {
    String[] f = line.trim().split(" ");
    try {
      if (f.length != 3) throw new NumberFormatException("fields: " + f.length);
      trailer = new Trailer(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]));
    } catch (NumberFormatException e) {
      malformed = "the trailer after the subtask is malformed: '" + line + "'";
    }
  }

  /**
   * Gives the log the start of a marker that the stream ended in (it was subtask output after all).
   * For the reader, once the stream has ended without a trailer.
   */
  synchronized void flushHeld() {
    if (state == 0 && matched > 0) {
      log.write(marker, 0, matched);
      matched = 0;
    }
  }

  /**
   * The stream has ended: whoever waits for the trailer stops waiting, the archive reader sees its
   * end. Not synchronized: it may come from a canceller while {@link #accept} waits for room in the
   * pipe.
   */
  void end(String error) {
    archive.closeWriter(error);
    decide(ENDED);
  }

  /**
   * The subtask's time is up: whoever waits for the trailer stops waiting, unless it has arrived or
   * the stream ended.
   */
  void timeOut() {
    decide(TIMED_OUT);
  }

  private void decide(int how) {
    decision.compareAndSet(0, how);
    decided.countDown();
  }

  /**
   * Waits until the trailer has arrived or the stream has ended (true), or the time is up ({@link
   * #timeOut}: false).
   */
  boolean await() throws InterruptedException {
    decided.await();
    return decision.get() != TIMED_OUT;
  }

  /** Whether the trailer has arrived or the stream has ended within {@code nanos}. */
  boolean await(long nanos) throws InterruptedException {
    return decided.await(Math.max(0, nanos), TimeUnit.NANOSECONDS) && decision.get() != TIMED_OUT;
  }

  /**
   * The trailer, or null if none (yet): the wrapper died before printing one, or it was malformed.
   */
  Trailer trailer() {
    return trailer;
  }

  /** Why the trailer could not be read, or null. */
  String malformed() {
    return malformed;
  }
}

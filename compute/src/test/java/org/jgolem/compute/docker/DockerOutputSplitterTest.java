package org.jgolem.compute.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.jgolem.compute.CapturedLog;
import org.junit.jupiter.api.Test;

/** OutputSplitter on streams cut into frames at every possible place. No engine needed. */
class DockerOutputSplitterTest {
  static final String MARKER = OutputSplitter.newMarker();

  record Split(String log, OutputSplitter.Trailer trailer, String malformed, byte[] archive) {}

  /**
   * Feeds {@code stream} in pieces of the given sizes (cycled), then ends it, and collects the
   * three parts.
   */
  static Split run(byte[] stream, int... pieces) throws Exception {
    CapturedLog.Sink log = new CapturedLog.Sink(1 << 20);
    BytePipe pipe = new BytePipe(1 << 20);
    OutputSplitter s = new OutputSplitter(MARKER, log, pipe);
    int off = 0;
    for (int k = 0; off < stream.length; k++) {
      int n = Math.min(pieces[k % pieces.length], stream.length - off);
      s.accept(Arrays.copyOfRange(stream, off, off + n));
      off += n;
    }
    s.end(null);
    assertThat(s.await(0)).isTrue();
    s.flushHeld();
    ByteArrayOutputStream archive = new ByteArrayOutputStream();
    try (InputStream in = pipe.input()) {
      in.transferTo(archive);
    }
    return new Split(log.capture().text(), s.trailer(), s.malformed(), archive.toByteArray());
  }

  static byte[] bytes(String... parts) {
    return String.join("", parts).getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void partsLogTrailerAndArchiveWhereverTheFramesAreCut() throws Exception {
    String log =
        "hello\nalmost "
            + MARKER.substring(0, 10)
            + " and \u001e\u001ejgolem-output- but not quite\n";
    byte[] archive = new byte[3000];
    new Random(1).nextBytes(archive);
    byte[] stream = concat(bytes(log, MARKER, " 0 4096 123456\n"), archive);
    for (int piece = 1; piece <= 70; piece++) {
      Split s = run(stream, piece, piece + 3);
      assertThat(s.log()).as("piece %d", piece).isEqualTo(log);
      assertThat(s.trailer()).isEqualTo(new OutputSplitter.Trailer(0, 4096, 123456));
      assertThat(s.archive()).isEqualTo(archive);
    }
  }

  @Test
  void aStreamWithoutAMarkerIsAllLog() throws Exception {
    String log = "no trailer: the wrapper was killed " + MARKER.substring(0, MARKER.length() - 1);
    Split s = run(bytes(log), 7);
    assertThat(s.log()).isEqualTo(log);
    assertThat(s.trailer()).isNull();
    assertThat(s.malformed()).isNull();
    assertThat(s.archive()).isEmpty();
  }

  @Test
  void aMalformedOrEndlessTrailerIsReported() throws Exception {
    assertThat(run(bytes(MARKER, " zero 1 2\n"), 5).malformed()).contains("malformed");
    assertThat(run(bytes(MARKER, " 1 2\n"), 5).malformed()).contains("malformed");
    assertThat(run(bytes(MARKER, " 1".repeat(300)), 64).malformed()).contains("longer than");
  }

  @Test
  void markersMustStartWithTheSeparatorAndHaveItNowhereElse() {
    assertThat(MARKER.charAt(0)).isEqualTo('\u001e');
    assertThat(MARKER.indexOf('\u001e', 1)).isEqualTo(-1);
    assertThat(MARKER).isNotEqualTo(OutputSplitter.newMarker());
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new OutputSplitter("x", new CapturedLog.Sink(1), new BytePipe(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

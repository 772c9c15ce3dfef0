package org.jgolem.ipfs.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.ipfs.multiformats.Cid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The block store's records on disk, read back; a record a crash left partial is cut off. */
@Timeout(10)
class PackFormatTest {
  @TempDir Path dir;

  private record Seen(Cid cid, long start, long offset, long length) {}

  private static void write(FileChannel ch, byte[]... parts) throws IOException {
    for (byte[] p : parts) {
      ByteBuffer b = ByteBuffer.wrap(p);
      while (b.hasRemaining()) ch.write(b, ch.size());
    }
  }

  @Test
  void aPackIsReadBackRecordByRecordAndAPartialLastRecordIsCutOff() throws IOException {
    byte[] a = "first block".getBytes(StandardCharsets.UTF_8);
    byte[] b = "second".getBytes(StandardCharsets.UTF_8);
    Cid ca = Cid.raw(a), cb = Cid.raw(b);
    Path f = dir.resolve("00000000.pack");
    try (FileChannel ch =
        FileChannel.open(
            f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      byte[] ha = PackFormat.head(ca, a.length), hb = PackFormat.head(cb, b.length);
      write(
          ch,
          ha,
          a,
          hb,
          b,
          hb,
          new byte[] {1, 2}); // the third record stops after two bytes of data
      long whole = ha.length + a.length + hb.length + b.length;
      Pack p = new Pack(0, f, ch);
      List<Seen> seen = new ArrayList<>();
      long end =
          PackFormat.scan(
              p, (cid, start, offset, length) -> seen.add(new Seen(cid, start, offset, length)));
      assertThat(end).isEqualTo(whole);
      assertThat(ch.size()).isEqualTo(whole);
      assertThat(seen)
          .containsExactly(
              new Seen(ca, 0, ha.length, a.length),
              new Seen(cb, ha.length + a.length, ha.length + a.length + hb.length, b.length));
    }
  }

  @Test
  void aSidecarIndexSkipsRecordsPastThePackAndCutsOffAPartialOne() throws IOException {
    Cid c1 = Cid.raw(new byte[] {1}), c2 = Cid.raw(new byte[] {2}), c3 = Cid.raw(new byte[] {3});
    Path f = dir.resolve("00000001.fidx");
    try (FileChannel sc =
        FileChannel.open(
            f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      byte[] r1 = PackFormat.indexRecord(c1, 0, 100), r2 = PackFormat.indexRecord(c2, 950, 100);
      byte[] r3 = PackFormat.indexRecord(c3, 100, 100);
      write(sc, r1, r2, java.util.Arrays.copyOf(r3, r3.length - 3));
      List<Seen> seen = new ArrayList<>();
      PackFormat.readIndex(
          sc, 1000, (cid, start, offset, length) -> seen.add(new Seen(cid, start, offset, length)));
      assertThat(seen).containsExactly(new Seen(c1, 0, 0, 100)); // c2 runs past the 1,000-byte pack
      assertThat(sc.size()).isEqualTo(r1.length + r2.length);
    }
  }
}

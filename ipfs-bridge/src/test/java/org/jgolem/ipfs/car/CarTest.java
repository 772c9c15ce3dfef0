package org.jgolem.ipfs.car;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.testutil.TestFiles;
import org.junit.jupiter.api.Test;

class CarTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void headerMatchesTheCarV1SpecFixture() throws IOException {
    // the header of the CARv1 spec's example file (two dag-cbor roots)
    List<Cid> roots =
        List.of(
            Cid.parse("bafyreihyrpefhacm6kkp4ql6j6udakdit7g3dmkzfriqfykhjw6cad5lrm"),
            Cid.parse("bafyreidj5idub6mapiupjwjsyyxhyhedxycv4vihfsicm2vt46o7morwlm"));
    String expected =
        "63a265726f6f747382d82a58250001711220f88bc853804cf294fe417e4fa83028689fcdb1b1592c5102e1474dbc200fab8b"
            + "d82a5825000171122069ea0740f9807a28f4d932c62e7c1c83be055e55072c90266ab3e79df63a365b"
            + "6776657273696f6e01";
    assertThat(HEX.formatHex(CarWriter.header(roots))).isEqualTo(expected);
    // the fixture's first three sections: raw blocks "aaaa", "bbbb", "cccc"
    String sections =
        "280155122061be55a8e2f6b4e172338bddf184d6dbee29c98853e0a0485ecee7f27b9af0b461616161"
            + "280155122081cc5b17018674b401b42f35ba07bb79e211239c23bffe658da1577e3e646877626262622801551220b6fbd675f98e2abd22d4ed29fdc83150fedc48597e92dd1a7a24381d44a274516363636363"
                .substring(0, 164);
    CarReader r = new CarReader(new ByteArrayInputStream(HEX.parseHex(expected + sections)), 1024);
    assertThat(r.roots()).isEqualTo(roots);
    for (String s : List.of("aaaa", "bbbb")) {
      CarReader.Block b = r.next();
      assertThat(new String(b.data(), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo(s);
      assertThat(b.cid()).isEqualTo(Cid.raw(b.data()));
    }
  }

  @Test
  void blocksRoundTripAndTruncationIsAnError() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] a = TestFiles.bytes(1, 300), b = TestFiles.bytes(2, 0), c = TestFiles.bytes(3, 70_000);
    CarWriter.writeHeader(out, List.of(Cid.raw(a)));
    for (byte[] x : List.of(a, b, c)) CarWriter.writeBlock(out, Cid.raw(x), x, 0, x.length);
    byte[] car = out.toByteArray();
    CarReader r = new CarReader(new ByteArrayInputStream(car), 1 << 20);
    assertThat(r.roots()).containsExactly(Cid.raw(a));
    for (byte[] x : List.of(a, b, c)) {
      CarReader.Block blk = r.next();
      assertThat(blk.cid()).isEqualTo(Cid.raw(x));
      assertThat(blk.data()).isEqualTo(x);
    }
    assertThat(r.next()).isNull();
    CarReader cut =
        new CarReader(
            new ByteArrayInputStream(java.util.Arrays.copyOf(car, car.length - 10)), 1 << 20);
    cut.next();
    cut.next();
    assertThatThrownBy(cut::next).hasMessageContaining("ended inside block");
    CarReader small = new CarReader(new ByteArrayInputStream(car), 1000);
    small.next();
    small.next();
    assertThatThrownBy(small::next).hasMessageContaining("larger than allowed");
    assertThatThrownBy(() ->
            new CarReader(new ByteArrayInputStream(HEX.parseHex("0aa16776657273696f6e02")), 10))
        .hasMessageContaining("unsupported CAR version 2");
    assertThatThrownBy(() -> new CarReader(new ByteArrayInputStream(new byte[0]), 10))
        .hasMessageContaining("empty CAR stream");
  }
}

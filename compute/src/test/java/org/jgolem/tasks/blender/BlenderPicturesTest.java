package org.jgolem.tasks.blender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlenderPicturesTest {
  @TempDir Path dir;

  static Picture random(Random r, int w, int h, int channels, boolean hdr) {
    Picture p = Picture.blank(w, h, channels, hdr);
    float[] s = p.samples();
    for (int i = 0; i < s.length; i++)
      s[i] = hdr ? (float) (r.nextGaussian() * 4) : r.nextInt(256) / 255f;
    return p;
  }

  @Test
  void pngRoundTripsEveryByte() throws Exception {
    Picture p = random(new Random(5), 37, 23, 3, false);
    Path f = dir.resolve("a.png");
    Pictures.write(f, p, BlenderOptions.Format.PNG);
    Picture back = Pictures.read(f, BlenderOptions.Format.PNG);
    assertThat(back.width()).isEqualTo(37);
    assertThat(back.height()).isEqualTo(23);
    assertThat(back.samples()).containsExactly(p.samples());
  }

  @Test
  void exrRoundTripsEveryFloatWithAndWithoutAlpha() throws Exception {
    for (int channels : new int[] {3, 4}) {
      Picture p = random(new Random(channels), 19, 11, channels, true);
      p.set(0, 0, 0, 1e6f);
      p.set(1, 0, 1, -0f);
      Path f = dir.resolve("a" + channels + ".exr");
      Exr.write(f, p);
      assertThat(Exr.isExr(f)).isTrue();
      Picture back = Exr.read(f);
      assertThat(back.channels()).isEqualTo(channels);
      assertThat(back.hdr()).isTrue();
      assertThat(back.samples()).containsExactly(p.samples());
    }
  }

  /**
   * A scan-line EXR with HALF channels B, G, R and a data window not at the origin, as other
   * writers make them.
   */
  @Test
  void readsHalfChannelsAndOffsetDataWindows() throws Exception {
    int w = 3;
    int h = 2;
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    ByteBuffer ch = ByteBuffer.allocate(3 * 18 + 1).order(ByteOrder.LITTLE_ENDIAN);
    for (String n : new String[] {"B", "G", "R"})
      ch.put(n.getBytes(StandardCharsets.US_ASCII))
          .put((byte) 0)
          .putInt(1)
          .putInt(0)
          .putInt(1)
          .putInt(1);
    ch.put((byte) 0);
    attr(head, "channels", "chlist", ch.array());
    attr(head, "compression", "compression", new byte[] {0});
    attr(
        head,
        "dataWindow",
        "box2i",
        le(16).putInt(10).putInt(20).putInt(10 + w - 1).putInt(20 + h - 1).array());
    attr(head, "comments", "string", "made by hand".getBytes(StandardCharsets.US_ASCII));
    head.write(0);
    int line = 3 * 2 * w;
    int start = 8 + head.size() + 8 * h;
    ByteBuffer b = le(start + h * (8 + line));
    b.putInt(Exr.MAGIC).putInt(2).put(head.toByteArray());
    // the blocks in the file in reverse order, to show the offsets are followed
    b.putLong(start + (8 + line)).putLong(start);
    for (int y : new int[] {1, 0}) {
      b.putInt(20 + y).putInt(line);
      for (int c = 0; c < 3; c++) {
        for (int x = 0; x < w; x++) b.putShort(Float.floatToFloat16(x + 10 * y + 0.25f * (2 - c)));
      }
    }
    Path f = dir.resolve("half.exr");
    Files.write(f, b.array());
    Picture p = Exr.read(f);
    assertThat(p.width()).isEqualTo(3);
    assertThat(p.height()).isEqualTo(2);
    assertThat(p.channels()).isEqualTo(3);
    assertThat(p.get(2, 1, 0)).isEqualTo(12f); // R
    assertThat(p.get(2, 1, 1)).isEqualTo(12.25f); // G
    assertThat(p.get(0, 0, 2)).isEqualTo(0.5f); // B
  }

  @Test
  void refusesWhatItCannotReadWithAReason() throws Exception {
    Picture p = random(new Random(1), 4, 4, 3, true);
    Path f = dir.resolve("zip.exr");
    Exr.write(f, p);
    byte[] bytes = Files.readAllBytes(f);
    String s = new String(bytes, StandardCharsets.ISO_8859_1);
    int at = s.indexOf("compression\0compression\0") + "compression\0compression\0".length() + 4;
    bytes[at] = 3;
    Files.write(f, bytes);
    assertThatThrownBy(() -> Exr.read(f)).hasMessageContaining("compression ZIP is not supported");
    Path cut = dir.resolve("cut.exr");
    Exr.write(cut, p);
    byte[] all = Files.readAllBytes(cut);
    Files.write(cut, java.util.Arrays.copyOf(all, all.length - 20));
    assertThatThrownBy(() -> Exr.read(cut))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("cut.exr");
    Path text = Files.writeString(dir.resolve("frame_0001.png"), "not an image");
    assertThatThrownBy(() -> Pictures.read(text, BlenderOptions.Format.PNG))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("frame_0001.png: not a PNG image");
    assertThatThrownBy(() -> Pictures.read(text, BlenderOptions.Format.EXR))
        .hasMessageContaining("not an OpenEXR file");
  }

  @Test
  void aPictureOfTheWrongSizeIsRefusedFromItsHeader() throws Exception {
    Path png = dir.resolve("frame_0001.png");
    Pictures.write(png, random(new Random(2), 20, 10, 3, false), BlenderOptions.Format.PNG);
    assertThatThrownBy(() -> Pictures.read(png, BlenderOptions.Format.PNG, 10, 10))
        .hasMessage("frame_0001.png is 20x10 pixels, expected 10x10");
    assertThat(Pictures.read(png, BlenderOptions.Format.PNG, 20, 10).width()).isEqualTo(20);
    Path exr = dir.resolve("frame_0001.exr");
    Exr.write(exr, random(new Random(2), 20, 10, 3, true));
    assertThatThrownBy(() -> Exr.read(exr, 20, 11))
        .hasMessage("frame_0001.exr is 20x10 pixels, expected 20x11");
    // a header that claims far more pixels than the file holds is refused before anything is
    // allocated
    byte[] bytes = Files.readAllBytes(exr);
    String s = new String(bytes, StandardCharsets.ISO_8859_1);
    int at = s.indexOf("dataWindow\0box2i\0") + "dataWindow\0box2i\0".length() + 4;
    ByteBuffer.wrap(bytes)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(at + 8, 16000)
        .putInt(at + 12, 16000);
    Files.write(exr, bytes);
    assertThatThrownBy(() -> Exr.read(exr)).hasMessageContaining("cannot be in a file of");
  }

  @Test
  void cropAndPasteMovePixelsExactly() {
    Picture p = random(new Random(9), 20, 10, 3, false);
    Region r = new Region(3, 2, 11, 9);
    Picture c = p.crop(r);
    Picture q = Picture.blank(20, 10, 3, false);
    q.paste(c, 3, 2);
    for (int y = 0; y < 10; y++) {
      for (int x = 0; x < 20; x++) {
        boolean inside = x >= 3 && x < 11 && y >= 2 && y < 9;
        for (int k = 0; k < 3; k++)
          assertThat(q.get(x, y, k)).isEqualTo(inside ? p.get(x, y, k) : 0f);
      }
    }
    assertThatThrownBy(() -> q.paste(c, 15, 0)).hasMessageContaining("does not fit");
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void attr(ByteArrayOutputStream h, String name, String type, byte[] v) {
    h.writeBytes((name + "\0" + type + "\0").getBytes(StandardCharsets.US_ASCII));
    h.writeBytes(le(4).putInt(v.length).array());
    h.writeBytes(v);
  }
}

package org.jgolem.tasks.blender;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A reader and writer for the OpenEXR files Blender writes when told to ({@code exr_codec='NONE'}):
 * one part, scan lines, no compression, HALF, FLOAT or UINT channels. That is all the Blender task
 * needs to merge EXR tiles pixel-exactly; anything else (compressed, tiled, deep or multi-part
 * files) is refused with a message saying which feature it is. Written files are single-part,
 * uncompressed, 32-bit FLOAT scan lines.
 */
public final class Exr {
  static final int MAGIC = 20000630;
  private static final int HALF = 1;
  private static final int FLOAT = 2;
  private static final int UINT = 0;
  private static final long MAX_PIXELS = 1L << 28;

  private Exr() {}

  private record Channel(String name, int type) {
    int bytes() {
      return type == HALF ? 2 : 4;
    }
  }

  /** Whether the file starts with the OpenEXR magic number. */
  public static boolean isExr(Path file) throws IOException {
    try (var in = Files.newInputStream(file)) {
      byte[] h = in.readNBytes(4);
      return h.length == 4 && ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).getInt() == MAGIC;
    }
  }

  /** Reads R, G, B (and A, if present) of an uncompressed scan-line EXR file. */
  public static Picture read(Path file) throws IOException {
    return read(file, 0, 0);
  }

  /**
   * As {@link #read(Path)}, refusing from the header a file that is not {@code width × height} (0:
   * any size).
   */
  public static Picture read(Path file, int width, int height) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    try {
      if (b.getInt() != MAGIC) throw bad(file, "not an OpenEXR file (no magic number)");
      int version = b.getInt();
      if ((version & 0xff) != 2)
        throw bad(file, "OpenEXR version " + (version & 0xff) + " is not supported");
      if ((version & 0x200) != 0)
        throw bad(file, "tiled OpenEXR files are not supported (write scan lines)");
      if ((version & 0x800) != 0) throw bad(file, "deep OpenEXR files are not supported");
      if ((version & 0x1000) != 0) throw bad(file, "multi-part OpenEXR files are not supported");
      List<Channel> channels = null;
      int compression = -1;
      int[] dataWindow = null;
      while (true) {
        String name = cString(b, file);
        if (name.isEmpty()) break;
        String type = cString(b, file);
        int size = b.getInt();
        if (size < 0 || size > b.remaining())
          throw bad(file, "attribute " + name + " has a bad size " + size);
        ByteBuffer v = b.slice(b.position(), size).order(ByteOrder.LITTLE_ENDIAN);
        b.position(b.position() + size);
        switch (name) {
          case "channels" -> channels = channels(v, file);
          case "compression" -> compression = v.get() & 0xff;
          case "dataWindow" ->
              dataWindow = new int[] {v.getInt(), v.getInt(), v.getInt(), v.getInt()};
          default -> {
            // other attributes (Blender's metadata, windows, line order) do not change how pixels
            // are stored
          }
        }
        if (name.equals("type") && !type.equals("string"))
          throw bad(file, "attribute 'type' is not a string");
      }
      if (channels == null || dataWindow == null || compression < 0) {
        throw bad(file, "the header lacks channels, compression or dataWindow");
      }
      if (compression != 0) {
        throw bad(
            file,
            "compression "
                + compressionName(compression)
                + " is not supported (Blender tasks write exr_codec NONE)");
      }
      long w = (long) dataWindow[2] - dataWindow[0] + 1;
      long h = (long) dataWindow[3] - dataWindow[1] + 1;
      if (w < 1 || h < 1 || w * h > MAX_PIXELS)
        throw bad(file, "data window " + w + "x" + h + " is empty or too large");
      Pictures.expectSize(file, w, h, width, height);
      width = (int) w;
      height = (int) h;
      int[] index = new int[4];
      for (int c = 0; c < 4; c++) index[c] = find(channels, "RGBA".substring(c, c + 1));
      if (index[0] < 0 || index[1] < 0 || index[2] < 0)
        throw bad(file, "it has no R, G and B channels (has " + names(channels) + ")");
      int outChannels = index[3] >= 0 ? 4 : 3;
      long lineBytes = 0;
      for (Channel ch : channels) lineBytes += (long) ch.bytes() * width;
      if ((lineBytes + 16) * height > bytes.length) {
        throw bad(
            file,
            "its "
                + width
                + "x"
                + height
                + " pixels cannot be in a file of "
                + bytes.length
                + " bytes");
      }
      Picture p = Picture.blank(width, height, outChannels, true);
      long[] offsets = new long[height];
      for (int i = 0; i < height; i++) offsets[i] = b.getLong();
      boolean[] seen = new boolean[height];
      for (int i = 0; i < height; i++) {
        if (offsets[i] < 0 || offsets[i] > bytes.length - 8)
          throw bad(file, "scan line offset " + i + " points outside the file");
        b.position((int) offsets[i]);
        int row = b.getInt() - dataWindow[1];
        int size = b.getInt();
        if (row < 0 || row >= height || seen[row])
          throw bad(file, "scan line block " + i + " has a bad or repeated y");
        if (size != lineBytes || size > b.remaining())
          throw bad(file, "scan line " + row + " holds " + size + " bytes, expected " + lineBytes);
        seen[row] = true;
        for (Channel ch : channels) {
          int target = -1;
          for (int c = 0; c < outChannels; c++) if (channels.get(index[c]) == ch) target = c;
          for (int x = 0; x < width; x++) {
            float v =
                switch (ch.type) {
                  case HALF -> Float.float16ToFloat(b.getShort());
                  case FLOAT -> b.getFloat();
                  default -> (float) Integer.toUnsignedLong(b.getInt());
                };
            if (target >= 0) p.set(x, row, target, v);
          }
        }
      }
      return p;
    } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
      throw bad(file, "it is truncated or malformed");
    }
  }

  /** Writes {@code p} as an uncompressed single-part scan-line EXR with 32-bit FLOAT channels. */
  public static void write(Path file, Picture p) throws IOException {
    String[] names =
        p.channels() == 4 ? new String[] {"A", "B", "G", "R"} : new String[] {"B", "G", "R"};
    int[] source = p.channels() == 4 ? new int[] {3, 2, 1, 0} : new int[] {2, 1, 0};
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    ByteBuffer chlist = le(names.length * 18 + 1);
    for (String n : names) {
      chlist
          .put(n.getBytes(StandardCharsets.US_ASCII))
          .put((byte) 0)
          .putInt(FLOAT)
          .put(new byte[4])
          .putInt(1)
          .putInt(1);
    }
    chlist.put((byte) 0);
    attribute(header, "channels", "chlist", chlist.array());
    attribute(header, "compression", "compression", new byte[] {0});
    byte[] window = le(16).putInt(0).putInt(0).putInt(p.width() - 1).putInt(p.height() - 1).array();
    attribute(header, "dataWindow", "box2i", window);
    attribute(header, "displayWindow", "box2i", window);
    attribute(header, "lineOrder", "lineOrder", new byte[] {0});
    attribute(header, "pixelAspectRatio", "float", le(4).putFloat(1).array());
    attribute(header, "screenWindowCenter", "v2f", le(8).putFloat(0).putFloat(0).array());
    attribute(header, "screenWindowWidth", "float", le(4).putFloat(1).array());
    header.write(0);
    int lineBytes = names.length * 4 * p.width();
    long start = 8 + header.size() + 8L * p.height();
    long total = start + (long) p.height() * (8 + lineBytes);
    if (total > Integer.MAX_VALUE)
      throw new IOException("picture too large for one EXR file: " + p.width() + "x" + p.height());
    ByteBuffer out = le((int) total);
    out.putInt(MAGIC).putInt(2).put(header.toByteArray());
    for (int y = 0; y < p.height(); y++) out.putLong(start + (long) y * (8 + lineBytes));
    for (int y = 0; y < p.height(); y++) {
      out.putInt(y).putInt(lineBytes);
      for (int c : source) {
        for (int x = 0; x < p.width(); x++) out.putFloat(p.get(x, y, c));
      }
    }
    Files.write(file, out.array());
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void attribute(ByteArrayOutputStream h, String name, String type, byte[] value) {
    h.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
    h.write(0);
    h.writeBytes(type.getBytes(StandardCharsets.US_ASCII));
    h.write(0);
    h.writeBytes(le(4).putInt(value.length).array());
    h.writeBytes(value);
  }

  private static List<Channel> channels(ByteBuffer v, Path file) throws IOException {
    List<Channel> out = new ArrayList<>();
    while (true) {
      String name = cString(v, file);
      if (name.isEmpty()) return out;
      int type = v.getInt();
      v.position(v.position() + 4);
      int xs = v.getInt();
      int ys = v.getInt();
      if (type != HALF && type != FLOAT && type != UINT)
        throw bad(file, "channel " + name + " has unknown pixel type " + type);
      if (xs != 1 || ys != 1)
        throw bad(file, "channel " + name + " is subsampled, which is not supported");
      out.add(new Channel(name, type));
    }
  }

  private static int find(List<Channel> channels, String name) {
    for (int i = 0; i < channels.size(); i++) if (channels.get(i).name.equals(name)) return i;
    return -1;
  }

  private static String names(List<Channel> channels) {
    return channels.stream().map(Channel::name).toList().toString();
  }

  private static String cString(ByteBuffer b, Path file) throws IOException {
    int start = b.position();
    while (b.get() != 0) {
      if (b.position() - start > 255) throw bad(file, "a header name is longer than 255 bytes");
    }
    return new String(
        b.array(), b.arrayOffset() + start, b.position() - start - 1, StandardCharsets.US_ASCII);
  }

  private static String compressionName(int c) {
    String[] names = {"NONE", "RLE", "ZIPS", "ZIP", "PIZ", "PXR24", "B44", "B44A", "DWAA", "DWAB"};
    return c < names.length ? names[c] : "#" + c;
  }

  private static IOException bad(Path file, String why) {
    return new IOException(file.getFileName() + ": " + why);
  }
}

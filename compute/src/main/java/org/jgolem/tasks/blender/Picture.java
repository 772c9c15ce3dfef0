package org.jgolem.tasks.blender;

import java.util.Objects;

/**
 * A rendered image (a frame, a tile or a crop) as floating-point samples, top row first, channels
 * interleaved. PNG frames are 8-bit display values (0..1 after dividing by 255) and go back to
 * exactly the same bytes; EXR frames are linear, possibly above 1 ({@link #hdr}).
 *
 * @param channels 3 (R, G, B) or 4 (R, G, B, A)
 * @param hdr whether the values are linear scene light (EXR) rather than display values (PNG)
 */
public record Picture(int width, int height, int channels, boolean hdr, float[] samples) {

  public Picture {
    if (width < 1 || height < 1)
      throw new IllegalArgumentException("empty picture " + width + "x" + height);
    if (channels != 3 && channels != 4)
      throw new IllegalArgumentException("channels must be 3 or 4, got " + channels);
    Objects.requireNonNull(samples, "samples");
    if (samples.length != (long) width * height * channels) {
      throw new IllegalArgumentException(
          "sample count "
              + samples.length
              + " does not fit "
              + width
              + "x"
              + height
              + "x"
              + channels);
    }
  }

  public static Picture blank(int width, int height, int channels, boolean hdr) {
    return new Picture(
        width,
        height,
        channels,
        hdr,
        new float[Math.multiplyExact(Math.multiplyExact(width, height), channels)]);
  }

  public float get(int x, int y, int c) {
    return samples[(y * width + x) * channels + c];
  }

  public void set(int x, int y, int c, float v) {
    samples[(y * width + x) * channels + c] = v;
  }

  /** The pixels of {@code r} (in this picture's coordinates), as a new picture. */
  public Picture crop(Region r) {
    if (r.x0() < 0 || r.y0() < 0 || r.x1() > width || r.y1() > height) {
      throw new IllegalArgumentException(
          r + " is not inside a " + width + "x" + height + " picture");
    }
    Picture out = blank(r.width(), r.height(), channels, hdr);
    for (int y = 0; y < r.height(); y++) {
      System.arraycopy(
          samples,
          ((r.y0() + y) * width + r.x0()) * channels,
          out.samples,
          y * r.width() * channels,
          r.width() * channels);
    }
    return out;
  }

  /** Copies {@code tile} into this picture with its top-left pixel at ({@code x}, {@code y}). */
  public void paste(Picture tile, int x, int y) {
    if (tile.channels != channels)
      throw new IllegalArgumentException(
          "channel count differs: " + tile.channels + " vs " + channels);
    if (x < 0 || y < 0 || x + tile.width > width || y + tile.height > height) {
      throw new IllegalArgumentException(
          "a "
              + tile.width
              + "x"
              + tile.height
              + " tile at "
              + x
              + ","
              + y
              + " does not fit a "
              + width
              + "x"
              + height
              + " picture");
    }
    for (int row = 0; row < tile.height; row++) {
      System.arraycopy(
          tile.samples,
          row * tile.width * channels,
          samples,
          ((y + row) * width + x) * channels,
          tile.width * channels);
    }
  }

  /**
   * One channel as a plane, mapped to 0..1 for comparison: display values as they are, linear light
   * by v/(1+v).
   */
  public float[] plane(int c) {
    float[] out = new float[width * height];
    for (int i = 0; i < out.length; i++) {
      float v = samples[i * channels + c];
      if (hdr) {
        v = Float.isNaN(v) || v <= 0 ? 0 : Float.isInfinite(v) ? 1 : v / (1 + v);
      }
      out[i] = v;
    }
    return out;
  }
}

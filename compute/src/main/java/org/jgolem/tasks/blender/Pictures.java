package org.jgolem.tasks.blender;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads and writes the task's frames, tiles and crops: 8-bit RGB PNG through javax.imageio, EXR
 * through {@link Exr}.
 */
public final class Pictures {
  private static final long MAX_PIXELS = 1L << 28;

  private Pictures() {}

  /**
   * Reads {@code file} in {@code format}; a malformed file, or a size above {@code 2^28} pixels, is
   * an IOException.
   */
  public static Picture read(Path file, BlenderOptions.Format format) throws IOException {
    return read(file, format, 0, 0);
  }

  /**
   * Reads {@code file}, which must be {@code width × height} pixels: a file of another size is
   * refused from its header, before its pixels are decoded (a small compressed file cannot make the
   * reader allocate a huge picture). A size of 0 accepts any size up to {@code 2^28} pixels.
   */
  public static Picture read(Path file, BlenderOptions.Format format, int width, int height)
      throws IOException {
    return format == BlenderOptions.Format.EXR
        ? Exr.read(file, width, height)
        : png(file, width, height);
  }

  static void expectSize(Path file, long w, long h, int width, int height) throws IOException {
    if (width > 0 && (w != width || h != height)) {
      throw new IOException(
          file.getFileName() + " is " + w + "x" + h + " pixels, expected " + width + "x" + height);
    }
    if (w * h > MAX_PIXELS)
      throw new IOException(file.getFileName() + ": " + w + "x" + h + " is too large");
  }

  public static void write(Path file, Picture p, BlenderOptions.Format format) throws IOException {
    if (format == BlenderOptions.Format.EXR) {
      Exr.write(file, p);
      return;
    }
    BufferedImage img = new BufferedImage(p.width(), p.height(), BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < p.height(); y++) {
      for (int x = 0; x < p.width(); x++) {
        img.setRGB(
            x,
            y,
            (byte8(p.get(x, y, 0)) << 16) | (byte8(p.get(x, y, 1)) << 8) | byte8(p.get(x, y, 2)));
      }
    }
    try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
      if (!ImageIO.write(img, "png", out)) throw new IOException("no PNG writer");
    }
  }

  private static int byte8(float v) {
    return Math.clamp(Math.round(v * 255f), 0, 255);
  }

  private static Picture png(Path file, int width, int height) throws IOException {
    BufferedImage img;
    if (!Files.isRegularFile(file)) throw new IOException(file.getFileName() + ": not a file");
    // through the Files API: a result checked in memory is not on the default file system (no
    // toFile())
    try (var raw = new java.io.BufferedInputStream(Files.newInputStream(file));
        ImageInputStream in = new javax.imageio.stream.MemoryCacheImageInputStream(raw)) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) throw new IOException(file.getFileName() + ": not a PNG image");
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        if (!reader.getFormatName().equalsIgnoreCase("png")) {
          throw new IOException(
              file.getFileName() + ": a " + reader.getFormatName() + " image, not a PNG");
        }
        expectSize(file, reader.getWidth(0), reader.getHeight(0), width, height);
        img = reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (IOException e) {
      throw e.getMessage() != null && e.getMessage().startsWith(file.getFileName().toString())
          ? e
          : new IOException(
              file.getFileName() + ": not a readable PNG image (" + e.getMessage() + ")", e);
    } catch (RuntimeException e) {
      throw new IOException(file.getFileName() + ": not a readable PNG image (" + e + ")", e);
    }
    Picture p = Picture.blank(img.getWidth(), img.getHeight(), 3, false);
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y);
        p.set(x, y, 0, ((rgb >> 16) & 255) / 255f);
        p.set(x, y, 1, ((rgb >> 8) & 255) / 255f);
        p.set(x, y, 2, (rgb & 255) / 255f);
      }
    }
    return p;
  }
}

package org.jgolem.tasks.blender;

/**
 * A rectangle of pixels in a frame, half-open, counted from the top-left corner: columns {@code
 * x0..x1-1}, rows {@code y0..y1-1}.
 */
public record Region(int x0, int y0, int x1, int y1) {

  public Region {
    if (x0 < 0 || y0 < 0 || x1 <= x0 || y1 <= y0) {
      throw new IllegalArgumentException(
          "not a region: x " + x0 + ".." + x1 + ", y " + y0 + ".." + y1);
    }
  }

  public static Region whole(int width, int height) {
    return new Region(0, 0, width, height);
  }

  public int width() {
    return x1 - x0;
  }

  public int height() {
    return y1 - y0;
  }

  public boolean isWhole(int width, int height) {
    return x0 == 0 && y0 == 0 && x1 == width && y1 == height;
  }

  /** This region moved by ({@code dx}, {@code dy}). */
  public Region shifted(int dx, int dy) {
    return new Region(x0 + dx, y0 + dy, x1 + dx, y1 + dy);
  }

  /** {@code inner}, given relative to this region, in this region's coordinate system. */
  public Region offset(Region inner) {
    return new Region(x0 + inner.x0, y0 + inner.y0, x0 + inner.x1, y0 + inner.y1);
  }

  /** {@code inner} (in the same coordinates as this region) relative to this region's corner. */
  public Region relative(Region inner) {
    return new Region(inner.x0 - x0, inner.y0 - y0, inner.x1 - x0, inner.y1 - y0);
  }

  @Override
  public String toString() {
    return width() + "x" + height() + "+" + x0 + "+" + y0;
  }
}

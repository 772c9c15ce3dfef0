package org.jgolem.tasks.blender;

/**
 * The structural similarity index (Wang, Bovik, Sheikh, Simoncelli 2004) of two images: 1 for
 * identical images, lower as local means, contrasts and structure differ.
 *
 * <p>As in the paper: a circular Gaussian window of standard deviation 1.5 and 11×11 samples, the
 * constants {@code C1 = (0.01 L)²} and {@code C2 = (0.03 L)²} with the dynamic range {@code L = 1}
 * (values are 0..1), and the mean of the SSIM map over every position where the window lies wholly
 * inside the image. A crop smaller than 11 pixels on a side gets the largest odd window that fits
 * (at least 1×1, where SSIM compares single pixels). Colour images are compared per channel (R, G,
 * B) and the channel means are averaged; linear-light (EXR) values are first mapped to 0..1 by
 * {@code v/(1+v)}.
 */
public final class Ssim {
  public static final double K1 = 0.01;
  public static final double K2 = 0.03;
  public static final double SIGMA = 1.5;
  public static final int WINDOW = 11;

  private Ssim() {}

  /** The mean SSIM of two pictures of the same size over their R, G and B channels. */
  public static double compare(Picture a, Picture b) {
    if (a.width() != b.width() || a.height() != b.height()) {
      throw new IllegalArgumentException(
          "cannot compare a "
              + a.width()
              + "x"
              + a.height()
              + " picture with a "
              + b.width()
              + "x"
              + b.height()
              + " one");
    }
    double sum = 0;
    for (int c = 0; c < 3; c++) sum += ssim(a.plane(c), b.plane(c), a.width(), a.height());
    return sum / 3;
  }

  /**
   * The mean SSIM of two single-channel images ({@code width × height}, row by row, values 0..1).
   */
  public static double ssim(float[] a, float[] b, int width, int height) {
    if (a.length != (long) width * height || b.length != a.length)
      throw new IllegalArgumentException("sizes differ");
    int size = Math.min(WINDOW, Math.min(width, height));
    if (size % 2 == 0) size--;
    int r = size / 2;
    double[] w = new double[size];
    double total = 0;
    for (int i = 0; i < size; i++) {
      w[i] = Math.exp(-((i - r) * (i - r)) / (2 * SIGMA * SIGMA));
      total += w[i];
    }
    for (int i = 0; i < size; i++) w[i] /= total;
    double c1 = K1 * K1;
    double c2 = K2 * K2;
    double sum = 0;
    int count = 0;
    for (int cy = r; cy < height - r; cy++) {
      for (int cx = r; cx < width - r; cx++) {
        double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
        for (int dy = -r; dy <= r; dy++) {
          int row = (cy + dy) * width;
          for (int dx = -r; dx <= r; dx++) {
            double k = w[dy + r] * w[dx + r];
            double va = a[row + cx + dx];
            double vb = b[row + cx + dx];
            ma += k * va;
            mb += k * vb;
            saa += k * va * va;
            sbb += k * vb * vb;
            sab += k * va * vb;
          }
        }
        double varA = Math.max(0, saa - ma * ma);
        double varB = Math.max(0, sbb - mb * mb);
        double cov = sab - ma * mb;
        sum +=
            ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (varA + varB + c2));
        count++;
      }
    }
    return sum / count;
  }
}

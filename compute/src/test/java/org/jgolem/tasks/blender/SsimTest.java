package org.jgolem.tasks.blender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SsimTest {
  static final double C1 = 0.01 * 0.01;

  static float[] random(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = r.nextFloat();
    return a;
  }

  /** A smooth image with edges: a gradient plus a checker pattern. */
  static float[] scene(int w, int h) {
    float[] a = new float[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++)
        a[y * w + x] = 0.2f + 0.3f * x / w + (((x / 6) + (y / 6)) % 2 == 0 ? 0.3f : 0f);
    }
    return a;
  }

  @Test
  void identicalImagesScoreExactlyOne() {
    Random r = new Random(1);
    for (int[] size : new int[][] {{1, 1}, {3, 5}, {11, 11}, {40, 30}}) {
      float[] a = random(r, size[0] * size[1]);
      assertThat(Ssim.ssim(a, a.clone(), size[0], size[1])).isCloseTo(1.0, within(1e-12));
    }
  }

  @Test
  void moreNoiseLowersIt() {
    int w = 48;
    int h = 40;
    float[] clean = scene(w, h);
    Random r = new Random(7);
    double previous = 1;
    for (double sigma : new double[] {0.01, 0.03, 0.1, 0.3}) {
      float[] noisy = clean.clone();
      for (int i = 0; i < noisy.length; i++) noisy[i] += (float) (r.nextGaussian() * sigma);
      double s = Ssim.ssim(clean, noisy, w, h);
      assertThat(s).as("SSIM at noise sigma %s", sigma).isLessThan(previous);
      previous = s;
    }
    assertThat(previous).isLessThan(0.5);
  }

  @Test
  void constantImagesScoreTheirLuminanceTermOnly() {
    // no variance anywhere: SSIM = (2ab + C1) / (a² + b² + C1) at every window position
    float[] a = new float[16 * 16];
    float[] b = new float[16 * 16];
    java.util.Arrays.fill(a, 0.5f);
    java.util.Arrays.fill(b, 0.25f);
    double expected = (2 * 0.5 * 0.25 + C1) / (0.25 + 0.0625 + C1);
    assertThat(expected).isCloseTo(0.80006, within(1e-5));
    assertThat(Ssim.ssim(a, b, 16, 16)).isCloseTo(expected, within(1e-6));
  }

  @Test
  void aOneByTwoImageAveragesItsTwoPixels() {
    // windows shrink to 1×1: each pixel's SSIM is its luminance term, and the result their mean
    float[] a = {0.2f, 0.8f};
    float[] b = {0.2f, 0.4f};
    double second = (2 * 0.8 * 0.4 + C1) / (0.64 + 0.16 + C1);
    assertThat(Ssim.ssim(a, b, 2, 1)).isCloseTo((1 + second) / 2, within(1e-6));
  }

  @Test
  void anInvertedImageScoresBelowZeroAndTheMeasureIsSymmetric() {
    float[] a = scene(30, 30);
    float[] inv = new float[a.length];
    for (int i = 0; i < a.length; i++) inv[i] = 1 - a[i];
    assertThat(Ssim.ssim(a, inv, 30, 30)).isNegative();
    Random r = new Random(3);
    float[] b = random(r, a.length);
    assertThat(Ssim.ssim(a, b, 30, 30)).isCloseTo(Ssim.ssim(b, a, 30, 30), within(1e-12));
  }

  @Test
  void colourPicturesAverageTheirChannelsAndLinearLightIsMappedFirst() {
    Picture a = Picture.blank(12, 12, 3, false);
    Picture b = Picture.blank(12, 12, 3, false);
    for (int y = 0; y < 12; y++) {
      for (int x = 0; x < 12; x++) {
        for (int c = 0; c < 3; c++) {
          a.set(x, y, c, 0.5f);
          b.set(x, y, c, c == 0 ? 0.25f : 0.5f);
        }
      }
    }
    double red = (2 * 0.5 * 0.25 + C1) / (0.25 + 0.0625 + C1);
    assertThat(Ssim.compare(a, b)).isCloseTo((red + 2) / 3, within(1e-6));
    Picture hdr = Picture.blank(12, 12, 4, true);
    java.util.Arrays.fill(hdr.samples(), 3f);
    Picture hdr2 = Picture.blank(12, 12, 4, true);
    java.util.Arrays.fill(hdr2.samples(), 1f);
    // 3 → 0.75 and 1 → 0.5 after v/(1+v)
    assertThat(Ssim.compare(hdr, hdr2))
        .isCloseTo((2 * 0.75 * 0.5 + C1) / (0.5625 + 0.25 + C1), within(1e-6));
  }
}

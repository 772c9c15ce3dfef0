package org.jgolem.tasks.blender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.jgolem.tasks.definition.OptionReader;
import org.junit.jupiter.api.Test;

class BlenderSplitTest {

  @Test
  void everyPixelOfEveryFrameIsRenderedExactlyOnce() {
    long seed = System.nanoTime();
    System.out.println(
        "[blender] BlenderSplitTest seed " + seed + " (new Random(seed) reproduces a failure)");
    Random r = new Random(seed);
    int tiled = 0;
    int refused = 0;
    for (int round = 0; round < 3000; round++) {
      int w = 1 + r.nextInt(r.nextBoolean() ? 12 : 400);
      int h = 1 + r.nextInt(r.nextBoolean() ? 12 : 300);
      int f = 1 + r.nextInt(6);
      int n = 1 + r.nextInt(r.nextBoolean() ? 8 : 80);
      List<Integer> frames = new ArrayList<>();
      int next = 1 + r.nextInt(5);
      for (int i = 0; i < f; i++) {
        frames.add(next);
        next += 1 + r.nextInt(3);
      }
      String what =
          "seed "
              + seed
              + ", round "
              + round
              + ": "
              + w
              + "x"
              + h
              + ", frames "
              + frames
              + ", "
              + n
              + " subtasks";
      List<Split.Job> jobs;
      try {
        jobs = Split.jobs(frames, w, h, n);
      } catch (IllegalArgumentException e) {
        // only when some frame's tile count has no rows x cols grid that fits
        assertThat(n).as(what).isGreaterThan(f);
        boolean someFrameCannot = false;
        for (int i = 0; i < f; i++) someFrameCannot |= !fits(w, h, n / f + (i < n % f ? 1 : 0));
        assertThat(someFrameCannot).as(what + ": refused with " + e.getMessage()).isTrue();
        refused++;
        continue;
      }
      assertThat(jobs).as(what).hasSize(n);
      Set<String> names = new HashSet<>();
      for (Split.Job j : jobs) {
        assertThat(names.add(j.name())).as(what + ": name " + j.name() + " twice").isTrue();
        assertThat(OptionReader.safeName(j.name())).as(what + ": " + j.name()).isTrue();
      }
      Map<Integer, int[]> coverage = new TreeMap<>();
      Map<Integer, Integer> framesSeen = new TreeMap<>();
      for (Split.Job j : jobs) {
        for (int frame : j.frames()) {
          framesSeen.merge(frame, 1, Integer::sum);
          int[] c = coverage.computeIfAbsent(frame, x -> new int[w * h]);
          Region g = j.region();
          assertThat(g.x1() <= w && g.y1() <= h).as(what + ": " + g).isTrue();
          for (int y = g.y0(); y < g.y1(); y++)
            for (int x = g.x0(); x < g.x1(); x++) c[y * w + x]++;
        }
      }
      assertThat(coverage.keySet()).as(what).containsExactlyElementsOf(frames);
      for (var e : coverage.entrySet()) {
        int[] c = e.getValue();
        for (int i = 0; i < w * h; i++) {
          if (c[i] != 1) {
            throw new AssertionError(
                what
                    + ": frame "
                    + e.getKey()
                    + ", pixel "
                    + (i % w)
                    + ","
                    + (i / w)
                    + " is in "
                    + c[i]
                    + " tiles");
          }
        }
      }
      if (n >= f) {
        tiled++;
        for (int i = 0; i < f; i++) {
          int frame = frames.get(i);
          List<Region> tiles =
              jobs.stream().filter(j -> j.frames().contains(frame)).map(Split.Job::region).toList();
          assertThat(tiles).as(what).hasSize(n / f + (i < n % f ? 1 : 0));
          int minW = tiles.stream().mapToInt(Region::width).min().orElseThrow();
          int maxW = tiles.stream().mapToInt(Region::width).max().orElseThrow();
          int minH = tiles.stream().mapToInt(Region::height).min().orElseThrow();
          int maxH = tiles.stream().mapToInt(Region::height).max().orElseThrow();
          assertThat(maxW - minW).as(what + ": tile widths").isLessThanOrEqualTo(1);
          assertThat(maxH - minH).as(what + ": tile heights").isLessThanOrEqualTo(1);
        }
      } else {
        List<Integer> order = new ArrayList<>();
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (Split.Job j : jobs) {
          order.addAll(j.frames());
          min = Math.min(min, j.frames().size());
          max = Math.max(max, j.frames().size());
          assertThat(j.tile()).isFalse();
        }
        assertThat(order)
            .as(what + ": groups are consecutive runs of the sorted frames")
            .isEqualTo(frames);
        assertThat(max - min).as(what + ": group sizes").isLessThanOrEqualTo(1);
      }
    }
    System.out.println(
        "[blender] split: " + tiled + " tiled plans, " + refused + " refused as impossible");
    assertThat(tiled).isGreaterThan(1000);
  }

  private static boolean fits(int w, int h, int tiles) {
    for (int rows = 1; rows <= h; rows++) if (tiles % rows == 0 && tiles / rows <= w) return true;
    return false;
  }

  @Test
  void blendersBorderOfEveryTileSelectsExactlyItsPixels() {
    long seed = System.nanoTime();
    System.out.println("[blender] border seed " + seed);
    Random r = new Random(seed);
    for (int round = 0; round < 2000; round++) {
      int w = 1 + r.nextInt(r.nextBoolean() ? 16384 : 2000);
      int h = 1 + r.nextInt(r.nextBoolean() ? 16384 : 2000);
      int tiles = 1 + r.nextInt(64);
      if (Split.shape(w, h, tiles) == null) continue;
      for (Region g : Split.grid(w, h, tiles)) {
        double[] b = RenderJob.border(w, h, g);
        // Blender stores the border as 32-bit floats and multiplies by the size in float; it
        // truncates
        // (render pipeline, Cycles); round to nearest is checked too, in case a version rounds
        float[] f = {(float) b[0], (float) b[1], (float) b[2], (float) b[3]};
        int x0 = (int) (f[0] * (float) w);
        int x1 = (int) (f[1] * (float) w);
        int yMin = (int) (f[2] * (float) h);
        int yMax = (int) (f[3] * (float) h);
        String what = "seed " + seed + ": " + w + "x" + h + " tile " + g;
        assertThat(new int[] {x0, x1, h - yMax, h - yMin})
            .as(what + " truncated")
            .containsExactly(g.x0(), g.x1(), g.y0(), g.y1());
        assertThat(
                new int[] {
                  Math.round(f[0] * w),
                  Math.round(f[1] * w),
                  h - Math.round(f[3] * h),
                  h - Math.round(f[2] * h)
                })
            .as(what + " rounded")
            .containsExactly(g.x0(), g.x1(), g.y0(), g.y1());
      }
    }
  }

  @Test
  void theRuleOnExamples() {
    // a 64x48 frame in two tiles: two columns (32x48) are squarer than two rows (64x24)
    assertThat(Split.grid(64, 48, 2))
        .containsExactly(new Region(0, 0, 32, 48), new Region(32, 0, 64, 48));
    assertThat(Split.grid(10, 10, 4))
        .containsExactly(
            new Region(0, 0, 5, 5),
            new Region(5, 0, 10, 5),
            new Region(0, 5, 5, 10),
            new Region(5, 5, 10, 10));
    // 3 frames, 7 subtasks: 3 + 2 + 2 tiles
    List<Split.Job> jobs = Split.jobs(List.of(1, 2, 3), 30, 20, 7);
    assertThat(jobs)
        .extracting(Split.Job::name)
        .containsExactly(
            "frame0001-tile1",
            "frame0001-tile2",
            "frame0001-tile3",
            "frame0002-tile1",
            "frame0002-tile2",
            "frame0003-tile1",
            "frame0003-tile2");
    // 10 frames, 3 subtasks: runs of 4, 3 and 3 frames
    jobs = Split.jobs(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 12), 30, 20, 3);
    assertThat(jobs)
        .extracting(Split.Job::name)
        .containsExactly("frames0001-0004", "frames0005-0007", "frames0008-0012");
    assertThat(jobs.get(2).frames()).containsExactly(8, 9, 12);
    // 2 frames, 3 subtasks: frame 1 in two tiles, frame 2 whole
    assertThat(Split.jobs(List.of(1, 2), 64, 48, 3))
        .extracting(Split.Job::name)
        .containsExactly("frame0001-tile1", "frame0001-tile2", "frame0002");
    // 7 tiles (prime) of a 5x5 frame: neither 1x7 nor 7x1 fits
    assertThatThrownBy(() -> Split.grid(5, 5, 7))
        .hasMessageContaining("cannot be cut into 7 tiles");
  }
}

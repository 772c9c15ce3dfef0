package org.jgolem.tasks.blender;

import java.util.ArrayList;
import java.util.List;

/**
 * How a Blender task is cut into subtasks. With {@code F} frames and {@code N} subtasks ({@code
 * subtasks_count}, {@code F} when not given):
 *
 * <ul>
 *   <li>{@code N ≥ F}: every frame is split into tiles: each frame gets {@code ⌊N/F⌋} tiles, and
 *       the first {@code N mod F} frames one more. A frame of one tile is rendered whole.
 *   <li>{@code N < F}: the frames, in ascending order, are grouped into {@code N} runs of
 *       consecutive list entries; the first {@code F mod N} runs hold {@code ⌈F/N⌉} frames, the
 *       others {@code ⌊F/N⌋}.
 * </ul>
 *
 * So there are always exactly {@code N} subtasks. A frame of {@code k} tiles is cut into a grid of
 * {@code rows × cols = k}, choosing among the factorisations that fit the frame the one whose tiles
 * are closest to square (then the one with fewer rows). Column {@code i} spans pixels {@code
 * ⌊i·W/cols⌋ .. ⌊(i+1)·W/cols⌋}, row {@code j} likewise over the height (counted from the top), so
 * the tiles cover every pixel exactly once and differ in size by at most one pixel.
 */
public final class Split {
  private Split() {}

  /**
   * One subtask's work: whole frames, or one tile of one frame.
   *
   * @param region the pixels rendered, in frame coordinates (the whole frame when not a tile)
   */
  public record Job(String name, List<Integer> frames, Region region, boolean tile) {
    public Job {
      frames = List.copyOf(frames);
    }

    /** The output file of {@code frame} inside the result folder. */
    public static String outputName(int frame, BlenderOptions.Format format) {
      return String.format("frame_%04d.%s", frame, format.extension);
    }
  }

  /**
   * The subtasks for {@code frames} (sorted, distinct) of a {@code width × height} picture; see the
   * class comment.
   */
  public static List<Job> jobs(List<Integer> frames, int width, int height, int count) {
    if (frames.isEmpty()) throw new IllegalArgumentException("no frames");
    if (count < 1)
      throw new IllegalArgumentException("subtask count must be positive, got " + count);
    int f = frames.size();
    List<Job> out = new ArrayList<>();
    if (count >= f) {
      for (int i = 0; i < f; i++) {
        int frame = frames.get(i);
        int tiles = count / f + (i < count % f ? 1 : 0);
        if (tiles == 1) {
          out.add(
              new Job(
                  String.format("frame%04d", frame),
                  List.of(frame),
                  Region.whole(width, height),
                  false));
          continue;
        }
        List<Region> grid = grid(width, height, tiles);
        for (int t = 0; t < grid.size(); t++) {
          out.add(
              new Job(
                  String.format("frame%04d-tile%d", frame, t + 1),
                  List.of(frame),
                  grid.get(t),
                  true));
        }
      }
    } else {
      int at = 0;
      for (int g = 0; g < count; g++) {
        int size = f / count + (g < f % count ? 1 : 0);
        List<Integer> group = frames.subList(at, at + size);
        at += size;
        String name =
            size == 1
                ? String.format("frame%04d", group.get(0))
                : String.format("frames%04d-%04d", group.get(0), group.get(size - 1));
        out.add(new Job(name, group, Region.whole(width, height), false));
      }
    }
    return out;
  }

  /**
   * The grid of {@code tiles} tiles of a {@code width × height} frame, row by row from the top; see
   * the class comment.
   */
  public static List<Region> grid(int width, int height, int tiles) {
    int[] shape = shape(width, height, tiles);
    if (shape == null) {
      throw new IllegalArgumentException(
          "a "
              + width
              + "x"
              + height
              + " frame cannot be cut into "
              + tiles
              + " tiles of at least one pixel (no rows x columns = "
              + tiles
              + " fits)");
    }
    int rows = shape[0];
    int cols = shape[1];
    List<Region> out = new ArrayList<>(tiles);
    for (int j = 0; j < rows; j++) {
      for (int i = 0; i < cols; i++) {
        out.add(
            new Region(
                cut(width, cols, i),
                cut(height, rows, j),
                cut(width, cols, i + 1),
                cut(height, rows, j + 1)));
      }
    }
    return out;
  }

  /** {rows, cols} for {@code tiles} tiles, or null when no grid fits. */
  static int[] shape(int width, int height, int tiles) {
    int[] best = null;
    double bestScore = Double.MAX_VALUE;
    for (int rows = 1; rows <= tiles && rows <= height; rows++) {
      if (tiles % rows != 0) continue;
      int cols = tiles / rows;
      if (cols > width) continue;
      double score = Math.abs(Math.log(((double) width / cols) / ((double) height / rows)));
      if (score < bestScore - 1e-12) {
        bestScore = score;
        best = new int[] {rows, cols};
      }
    }
    return best;
  }

  private static int cut(int size, int parts, int i) {
    return (int) ((long) i * size / parts);
  }
}

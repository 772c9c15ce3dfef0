package org.jgolem.tasks.blender;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The merge of a Blender task's accepted tiles: each placed into its frame, pixel-exactly, and each
 * frame written as {@code output_path/frame_NNNN.ext} (through a {@code .part} file). Every pixel
 * of every frame must be covered exactly once.
 */
final class TileMerge {
  private TileMerge() {}

  /**
   * Merges the tiles of jobs, found in accepted (subtask name to result folder); returns how many
   * frames.
   */
  static int merge(BlenderOptions options, Collection<Split.Job> jobs, Map<String, Path> accepted)
      throws IOException {
    Path outDir = options.outputDir();
    Files.createDirectories(outDir);
    Map<Integer, List<Split.Job>> byFrame = new LinkedHashMap<>();
    for (int f : options.frames()) byFrame.put(f, new ArrayList<>());
    for (Split.Job j : jobs) for (int f : j.frames()) byFrame.get(f).add(j);
    for (var e : byFrame.entrySet()) {
      int frame = e.getKey();
      String name = Split.Job.outputName(frame, options.format());
      Picture full = null;
      long covered = 0;
      boolean[] seen = new boolean[options.width() * options.height()];
      for (Split.Job j : e.getValue()) {
        Path folder = accepted.get(j.name());
        if (folder == null) throw new IOException("no accepted result for subtask " + j.name());
        Picture tile =
            Pictures.read(
                folder.resolve(name), options.format(), j.region().width(), j.region().height());
        if (full == null)
          full = Picture.blank(options.width(), options.height(), tile.channels(), tile.hdr());
        full.paste(tile, j.region().x0(), j.region().y0());
        for (int y = j.region().y0(); y < j.region().y1(); y++) {
          for (int x = j.region().x0(); x < j.region().x1(); x++) {
            if (seen[y * options.width() + x])
              throw new IOException(
                  "pixel " + x + "," + y + " of frame " + frame + " is in two tiles");
            seen[y * options.width() + x] = true;
            covered++;
          }
        }
      }
      if (full == null || covered != (long) options.width() * options.height()) {
        throw new IOException(
            "the tiles of frame "
                + frame
                + " cover "
                + covered
                + " of its "
                + seen.length
                + " pixels");
      }
      Path target = outDir.resolve(name);
      Path part = outDir.resolve(name + ".part");
      Pictures.write(part, full, options.format());
      Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    return byFrame.size();
  }
}

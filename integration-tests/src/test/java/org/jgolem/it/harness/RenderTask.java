package org.jgolem.it.harness;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A gWASM task (Golem's task file format) that renders a scene with the C band renderer ({@code
 * compute/src/test/c/render.c}, compiled to wasm32-wasi): one band of the image per subtask. Also
 * renders the same scene locally with the native build of the same C source, which the tests
 * compare with the network's merged output byte for byte.
 */
public final class RenderTask {
  /** Where scripts/wasm-programs put render.wasm and render.native for this module. */
  public static final Path PROGRAMS =
      Path.of(System.getProperty("jgolem.wasm.programs", "target/wasm-programs"));

  private final Path dir;
  private final Path taskFile;
  private final Path outputDir;
  private final Path scene;
  private final int bands;

  private RenderTask(Path dir, Path taskFile, Path outputDir, Path scene, int bands) {
    this.dir = dir;
    this.taskFile = taskFile;
    this.outputDir = outputDir;
    this.scene = scene;
    this.bands = bands;
  }

  /** What to write. */
  public record Spec(
      String name,
      String scene,
      int bands,
      String timeout,
      String subtaskTimeout,
      String bid,
      Integer redundancy,
      Double recomputeFraction) {
    public static Spec of(String name, String scene, int bands) {
      return new Spec(name, scene, bands, "0:10:00", "0:01:00", "1", null, null);
    }

    public Spec subtaskTimeout(String t) {
      return new Spec(name, scene, bands, timeout, t, bid, redundancy, recomputeFraction);
    }

    public Spec verification(int k, double fraction) {
      return new Spec(name, scene, bands, timeout, subtaskTimeout, bid, k, fraction);
    }
  }

  /**
   * Lays out {@code dir/input} (render.wasm and a folder per band holding scene.txt) and writes
   * {@code dir/task.json}; the output goes to {@code dir/output}.
   */
  public static RenderTask write(Path dir, Spec spec) {
    try {
      Path input = Files.createDirectories(dir.resolve("input"));
      Files.copy(PROGRAMS.resolve("render.wasm"), input.resolve("render.wasm"));
      Path scene = Files.writeString(dir.resolve("scene.txt"), spec.scene());
      ObjectNode task = Api.JSON.createObjectNode();
      task.put("type", "wasm")
          .put("name", spec.name())
          .put("timeout", spec.timeout())
          .put("subtask_timeout", spec.subtaskTimeout())
          .put("subtasks_count", spec.bands())
          .put("bid", spec.bid());
      if (spec.redundancy() != null) {
        task.putObject("verification")
            .put("redundancy", spec.redundancy())
            .put("recompute_fraction", spec.recomputeFraction());
      }
      ObjectNode options = task.putObject("options");
      options
          .put("js_name", "render.js")
          .put("wasm_name", "render.wasm")
          .put("input_dir", "input")
          .put("output_dir", "output");
      ObjectNode subtasks = options.putObject("subtasks");
      for (int i = 0; i < spec.bands(); i++) {
        Files.writeString(
            Files.createDirectories(input.resolve(bandName(i))).resolve("scene.txt"), spec.scene());
        ObjectNode s = subtasks.putObject(bandName(i));
        s.putArray("exec_args")
            .add("/golem/resources/scene.txt")
            .add("/golem/output")
            .add(String.valueOf(i))
            .add(String.valueOf(spec.bands()));
        s.putArray("output_file_paths").add(bandFile(i, spec.bands()));
      }
      Path file = dir.resolve("task.json");
      Files.writeString(file, Api.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(task));
      return new RenderTask(dir, file, dir.resolve("output"), scene, spec.bands());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String bandName(int i) {
    return "band" + i;
  }

  static String bandFile(int band, int count) {
    return "band-" + band + "-of-" + count + ".pgm";
  }

  public Path taskFile() {
    return taskFile;
  }

  public Path outputDir() {
    return outputDir;
  }

  public int bands() {
    return bands;
  }

  /** Band {@code i} as the network delivered it: {@code output/band<i>/band-<i>-of-<n>.pgm}. */
  public byte[] deliveredBand(int i) throws IOException {
    return Files.readAllBytes(outputDir.resolve(bandName(i)).resolve(bandFile(i, bands)));
  }

  /**
   * Renders band {@code band} of {@code count} locally with the native build and returns the PGM
   * file.
   */
  public byte[] renderLocally(int band, int count) {
    try {
      Path out = Files.createDirectories(dir.resolve("local-" + band + "-of-" + count));
      Process p =
          new ProcessBuilder(
                  PROGRAMS.resolve("render.native").toString(),
                  scene.toString(),
                  out.toString(),
                  String.valueOf(band),
                  String.valueOf(count))
              .redirectErrorStream(true)
              .start();
      String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("the native renderer failed: " + log);
      }
      return Files.readAllBytes(out.resolve(bandFile(band, count)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The pixels of a binary PGM (P5, 8 bits) after checking its header says {@code width} x {@code
   * height}.
   */
  public static byte[] pixels(byte[] pgm, int width, int height) {
    String header = "P5\n" + width + " " + height + "\n255\n";
    byte[] h = header.getBytes(StandardCharsets.US_ASCII);
    if (pgm.length != h.length + (long) width * height
        || !Arrays.equals(pgm, 0, h.length, h, 0, h.length)) {
      throw new AssertionError(
          "not a "
              + width
              + "x"
              + height
              + " PGM: "
              + pgm.length
              + " bytes, header "
              + new String(pgm, 0, Math.min(pgm.length, 20), StandardCharsets.US_ASCII)
                  .replace("\n", "\\n"));
    }
    return Arrays.copyOfRange(pgm, h.length, pgm.length);
  }

  /** The delivered bands' pixels, top to bottom, as one image. */
  public byte[] deliveredImage(int width, int height) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int i = 0; i < bands; i++) {
      int y0 = (int) ((long) i * height / bands);
      int y1 = (int) ((long) (i + 1) * height / bands);
      all.write(pixels(deliveredBand(i), width, y1 - y0));
    }
    return all.toByteArray();
  }

  // ------------------------------------------------------------------ scenes

  /**
   * A scene of {@code w} x {@code h} pixels where every ray hits something lit (a floor, a backdrop
   * sphere and {@code spheres} small spheres under {@code lights} lights): the renderer's cost per
   * pixel grows with {@code spheres * lights}.
   */
  public static String scene(int w, int h, int spheres, int lights) {
    StringBuilder s = new StringBuilder();
    s.append("size ").append(w).append(' ').append(h).append('\n');
    s.append("camera 0 1 -4\nplane 0 200\nsphere 0 0 80 60 90\n");
    for (int i = 0; i < lights; i++) {
      s.append(
          String.format(
              Locale.ROOT, "light %.2f %d %.2f%n", (i - 4) * 1.5, 6 + i % 3, -4 + i * 0.5));
    }
    for (int i = 0; i < spheres; i++) {
      s.append(
          String.format(
              Locale.ROOT,
              "sphere %.2f %.2f %.2f 0.25 %d%n",
              ((i % 9) - 4) * 0.8,
              0.25 + (i % 3) * 0.15,
              (i / 9) * 1.0 + 1,
              100 + i * 2));
    }
    return s.toString();
  }
}

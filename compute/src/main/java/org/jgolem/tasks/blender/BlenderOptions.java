package org.jgolem.tasks.blender;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.jgolem.tasks.definition.OptionReader;
import org.jgolem.tasks.definition.Problems;
import org.jgolem.tasks.definition.TaskFile;
import org.jgolem.tasks.definition.TaskFileParser;

/**
 * The {@code options} of a Blender task, validated; every problem is named by its JSON path.
 *
 * <pre>
 * "resources": ["scene.blend"],            // the scene (and any files it needs), each a file
 * "options": {
 *   "image": "jgolem/blender",            // optional, for people; the id below is what runs
 *   "image_id": "sha256:…",               // the jgolem/blender image providers whitelist
 *   "scene": "scene.blend",               // optional when resources hold exactly one .blend file
 *   "frames": "1-3;5",                    // or [1, 2, 3]: frames 1..1048574, each once
 *   "resolution": [320, 240],
 *   "format": "PNG",                      // or "EXR" (uncompressed 32-bit float)
 *   "samples": 64, "seed": 0,             // optional (64, 0): Cycles, fixed seed, no adaptive sampling
 *   "output_path": "out",                 // frame_0001.png … are written here
 *   "cpus": 1, "memory_mib": 1024,        // optional, per subtask
 *   "spot_check": {"crops": 3, "crop_size": 0.1, "min_crop_px": 8, "ssim_threshold": 0.94,
 *                  "environment": "docker"} // optional; "host" re-renders with a host blender binary
 * }
 * </pre>
 */
public record BlenderOptions(
    List<Path> resources,
    String scene,
    String image,
    String imageId,
    List<Integer> frames,
    int width,
    int height,
    Format format,
    int samples,
    int seed,
    Path outputDir,
    int cpus,
    long memoryMib,
    SpotCheck spotCheck) {

  public static final int MAX_FRAME = 1_048_574;
  public static final int MAX_FRAMES = 10_000;
  public static final int MAX_RESOLUTION = 16_384;
  public static final int MAX_SAMPLES = 1 << 16;
  public static final String DEFAULT_IMAGE = "jgolem/blender";
  private static final List<String> KNOWN =
      List.of(
          "cpus",
          "format",
          "frames",
          "image",
          "image_id",
          "memory_mib",
          "output_path",
          "resolution",
          "samples",
          "scene",
          "seed",
          "spot_check");
  private static final List<String> SPOT_KNOWN =
      List.of("blender", "crop_size", "crops", "environment", "min_crop_px", "ssim_threshold");

  /** The output formats: 8-bit RGB PNG, or uncompressed 32-bit float RGB OpenEXR. */
  public enum Format {
    PNG("png"),
    EXR("exr");

    public final String extension;

    Format(String extension) {
      this.extension = extension;
    }
  }

  /**
   * How the requestor spot-checks each result: {@code crops} random crops of every frame or tile it
   * holds, each {@code cropSize} of the tile's width and height (at least {@code minCropPx} pixels,
   * at most the tile), re-rendered locally and compared by SSIM; below {@code ssimThreshold} the
   * result is rejected.
   *
   * @param environment where the requestor re-renders: "docker" (the task's image) or "host"
   * @param blender the host's blender binary, for "host"
   */
  public record SpotCheck(
      int crops,
      double cropSize,
      int minCropPx,
      double ssimThreshold,
      String environment,
      Path blender) {
    public static final SpotCheck DEFAULTS =
        new SpotCheck(3, 0.1, 8, 0.94, "docker", Path.of("/usr/bin/blender"));
  }

  public BlenderOptions {
    resources = List.copyOf(resources);
    frames = List.copyOf(frames);
  }

  /** The scene's path inside a subtask's resources. */
  public String scenePath() {
    return "/golem/resources/" + scene;
  }

  public static BlenderOptions parse(TaskFile task, Problems p) {
    JsonNode o = task.options();
    OptionReader.unknownFields(o, "$.options", KNOWN, p);
    List<Path> resources = new ArrayList<>();
    String scene = scene(task, o, resources, p);
    String image = o.has("image") ? OptionReader.string(o, "$.options", "image", p) : DEFAULT_IMAGE;
    String imageId = OptionReader.string(o, "$.options", "image_id", p);
    if (imageId != null && !imageId.matches("sha256:[0-9a-f]{64}")) {
      p.add(
          "$.options.image_id",
          "must be a Docker image id sha256:<64 lowercase hex> (the jgolem/blender image)");
      imageId = null;
    }
    List<Integer> frames = frames(o.get("frames"), p);
    int[] res = resolution(o.get("resolution"), p);
    Format format = Format.PNG;
    if (o.has("format")) {
      String f = OptionReader.string(o, "$.options", "format", p);
      if (f != null) {
        try {
          format = Format.valueOf(f.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          p.add("$.options.format", "must be \"PNG\" or \"EXR\", got \"" + f + "\"");
        }
      }
    }
    int samples = (int) OptionReader.integer(o, "$.options", "samples", 1, MAX_SAMPLES, 64, p);
    int seed = (int) OptionReader.integer(o, "$.options", "seed", 0, Integer.MAX_VALUE, 0, p);
    Path outputDir = null;
    String out = OptionReader.string(o, "$.options", "output_path", p);
    if (out != null) {
      outputDir = TaskFileParser.resolve(task.baseDir(), out);
      if (Files.exists(outputDir) && !Files.isDirectory(outputDir)) {
        p.add("$.options.output_path", "exists and is not a folder: " + outputDir);
      }
    }
    int cpus = (int) OptionReader.integer(o, "$.options", "cpus", 1, 64, 1, p);
    long memory = OptionReader.integer(o, "$.options", "memory_mib", 256, 64 * 1024, 1024, p);
    SpotCheck spot = spotCheck(o.get("spot_check"), p);
    return new BlenderOptions(
        resources, scene, image, imageId, frames, res[0], res[1], format, samples, seed, outputDir,
        cpus, memory, spot);
  }

  private static String scene(TaskFile task, JsonNode o, List<Path> resources, Problems p) {
    if (task.resources().isEmpty()) {
      p.add("$.resources", "must list the scene file (.blend) and any files it needs");
      return null;
    }
    TreeSet<String> names = new TreeSet<>();
    for (int i = 0; i < task.resources().size(); i++) {
      Path r = task.resources().get(i);
      String name = r.getFileName() == null ? "" : r.getFileName().toString();
      if (!Files.isRegularFile(r)) p.add("$.resources[" + i + "]", "must be a file: " + r);
      else if (!OptionReader.safeName(name))
        p.add(
            "$.resources[" + i + "]",
            "file name must be 1-64 characters of [A-Za-z0-9_.-]: " + name);
      else if (!names.add(name))
        p.add("$.resources[" + i + "]", "another resource has the file name " + name);
      else resources.add(r);
    }
    String scene;
    int index;
    if (o.has("scene")) {
      scene = OptionReader.string(o, "$.options", "scene", p);
      if (scene == null) return null;
      index = indexOf(task, scene);
      if (index < 0) {
        p.add("$.options.scene", "is not the file name of one of the resources: " + scene);
        return null;
      }
    } else {
      List<Integer> blends = new ArrayList<>();
      for (int i = 0; i < task.resources().size(); i++) {
        if (task.resources().get(i).getFileName().toString().endsWith(".blend")) blends.add(i);
      }
      if (blends.size() != 1) {
        p.add(
            "$.resources",
            blends.isEmpty()
                ? "holds no .blend scene file"
                : "holds " + blends.size() + " .blend files: name the scene in options.scene");
        return null;
      }
      index = blends.get(0);
      scene = task.resources().get(index).getFileName().toString();
    }
    String path = o.has("scene") ? "$.options.scene" : "$.resources[" + index + "]";
    Path file = task.resources().get(index);
    if (Files.isRegularFile(file)) {
      String why = notBlend(file);
      if (why != null) p.add(path, "is not a Blender scene (" + why + "): " + file);
    }
    return scene;
  }

  private static int indexOf(TaskFile task, String name) {
    for (int i = 0; i < task.resources().size(); i++) {
      Path f = task.resources().get(i).getFileName();
      if (f != null && f.toString().equals(name)) return i;
    }
    return -1;
  }

  /** Null for a .blend file (plain, or gzip- or zstd-compressed), else why it is not one. */
  static String notBlend(Path file) {
    try (var in = Files.newInputStream(file)) {
      byte[] h = in.readNBytes(12);
      if (h.length >= 7 && new String(h, 0, 7, StandardCharsets.US_ASCII).equals("BLENDER"))
        return null;
      if (h.length >= 2 && (h[0] & 0xff) == 0x1f && (h[1] & 0xff) == 0x8b) {
        try (var gz = new java.util.zip.GZIPInputStream(Files.newInputStream(file))) {
          byte[] g = gz.readNBytes(7);
          return new String(g, StandardCharsets.US_ASCII).equals("BLENDER")
              ? null
              : "a gzip file without a .blend inside";
        }
      }
      if (h.length >= 4
          && (h[0] & 0xff) == 0x28
          && (h[1] & 0xff) == 0xb5
          && (h[2] & 0xff) == 0x2f
          && (h[3] & 0xff) == 0xfd) {
        return null; // a zstd-compressed .blend (Blender 3.0 and later); Blender itself says if it
        // is not one
      }
      return "it does not start with the BLENDER header";
    } catch (IOException e) {
      return "it cannot be read: " + e.getMessage();
    }
  }

  /**
   * "1-3;5" (ranges and single frames, separated by ';' or ','), or a JSON list of frame numbers.
   * Sorted, each once.
   */
  static List<Integer> frames(JsonNode n, Problems p) {
    String path = "$.options.frames";
    TreeSet<Integer> out = new TreeSet<>();
    if (n == null || n.isNull()) {
      p.add(path, "is missing (e.g. \"1-3;5\" or [1, 2])");
      return List.of();
    }
    if (n.isArray()) {
      if (n.isEmpty()) p.add(path, "must not be empty");
      for (int i = 0; i < n.size(); i++) {
        JsonNode e = n.get(i);
        if (!e.canConvertToExactIntegral() || !e.canConvertToInt()) {
          p.add(path + "[" + i + "]", "must be a frame number");
        } else if (frame(e.asInt(), path + "[" + i + "]", p) && !out.add(e.asInt())) {
          p.add(path + "[" + i + "]", "frame " + e.asInt() + " is listed twice");
        }
        if (out.size() > MAX_FRAMES) break;
      }
    } else if (n.isTextual()) {
      String s = n.asText().trim();
      if (s.isEmpty()) p.add(path, "must not be empty");
      for (String part : s.split("[;,]", -1)) {
        String t = part.trim();
        var m = java.util.regex.Pattern.compile("(\\d{1,9})(?:\\s*-\\s*(\\d{1,9}))?").matcher(t);
        if (!m.matches()) {
          p.add(path, "\"" + t + "\" is not a frame or a range a-b (write e.g. \"1-3;5\")");
          continue;
        }
        int a = Integer.parseInt(m.group(1));
        int b = m.group(2) == null ? a : Integer.parseInt(m.group(2));
        if (b < a) {
          p.add(path, "range " + t + " ends before it starts");
          continue;
        }
        if (!frame(a, path, p) || !frame(b, path, p)) continue;
        if ((long) b - a + 1 + out.size() > MAX_FRAMES) {
          p.add(path, "lists more than " + MAX_FRAMES + " frames");
          break;
        }
        for (int f = a; f <= b; f++) {
          if (!out.add(f)) {
            p.add(path, "frame " + f + " is listed twice");
            break;
          }
        }
      }
    } else {
      p.add(path, "must be a string like \"1-3;5\" or a list of frame numbers");
    }
    if (out.size() > MAX_FRAMES) p.add(path, "lists more than " + MAX_FRAMES + " frames");
    return new ArrayList<>(out);
  }

  private static boolean frame(long f, String path, Problems p) {
    if (f >= 1 && f <= MAX_FRAME) return true;
    p.add(path, "frame " + f + " is out of range 1.." + MAX_FRAME);
    return false;
  }

  private static int[] resolution(JsonNode n, Problems p) {
    String path = "$.options.resolution";
    if (n == null || n.isNull()) {
      p.add(path, "is missing ([width, height] in pixels)");
      return new int[] {0, 0};
    }
    if (!n.isArray() || n.size() != 2) {
      p.add(path, "must be [width, height] in pixels");
      return new int[] {0, 0};
    }
    int[] out = new int[2];
    for (int i = 0; i < 2; i++) {
      JsonNode e = n.get(i);
      if (!e.canConvertToExactIntegral()
          || !e.canConvertToInt()
          || e.asInt() < 1
          || e.asInt() > MAX_RESOLUTION) {
        p.add(
            path + "[" + i + "]",
            "must be an integer in 1.."
                + MAX_RESOLUTION
                + " ("
                + (i == 0 ? "width" : "height")
                + " in pixels), got "
                + e);
      } else {
        out[i] = e.asInt();
      }
    }
    return out;
  }

  private static SpotCheck spotCheck(JsonNode n, Problems p) {
    SpotCheck d = SpotCheck.DEFAULTS;
    if (n == null || n.isNull()) return d;
    String path = "$.options.spot_check";
    if (!n.isObject()) {
      p.add(path, "must be an object");
      return d;
    }
    OptionReader.unknownFields(n, path, SPOT_KNOWN, p);
    int crops = (int) OptionReader.integer(n, path, "crops", 1, 64, d.crops(), p);
    double size = number(n, path, "crop_size", 0.01, 1, d.cropSize(), p);
    int min = (int) OptionReader.integer(n, path, "min_crop_px", 1, 4096, d.minCropPx(), p);
    double threshold = number(n, path, "ssim_threshold", 0, 1, d.ssimThreshold(), p);
    String env = d.environment();
    if (n.has("environment")) {
      env = OptionReader.string(n, path, "environment", p);
      if (env != null && !env.equals("docker") && !env.equals("host")) {
        p.add(path + ".environment", "must be \"docker\" or \"host\", got \"" + env + "\"");
        env = d.environment();
      }
    }
    Path blender = d.blender();
    if (n.has("blender")) {
      String b = OptionReader.string(n, path, "blender", p);
      if (b != null && !b.startsWith("/"))
        p.add(path + ".blender", "must be an absolute path to the host's blender binary");
      else if (b != null) blender = Path.of(b);
    }
    return new SpotCheck(crops, size, min, threshold, env == null ? d.environment() : env, blender);
  }

  private static double number(
      JsonNode o, String path, String field, double min, double max, double dflt, Problems p) {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) return dflt;
    if (!n.isNumber() || !(n.asDouble() >= min && n.asDouble() <= max)) {
      p.add(path + "." + field, "must be a number in " + min + ".." + max);
      return dflt;
    }
    return n.asDouble();
  }
}

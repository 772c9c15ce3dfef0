package org.jgolem.tasks.blender;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.Limits;
import org.jgolem.compute.WarmUp;

/**
 * What one Blender process renders, and how it is laid out in a resources folder: the scene,
 * jgolem's render script ({@value #SCRIPT}) and this job ({@value #JOB}). The command line is the
 * same for every job; the job file says the settings and the list of renders, each a frame,
 * optionally cropped to a region, saved under a file name. Blender's border is given a quarter
 * pixel inside each pixel boundary: Blender counts the border's y from the bottom and truncates
 * {@code border × size} to whole pixels, which then gives exactly the region's pixels (under
 * truncation and under rounding).
 *
 * @param samples Cycles samples (the task's; tests render dishonest tiles with fewer)
 */
public record RenderJob(BlenderOptions options, int samples, List<Render> renders) {
  public static final String SCRIPT = "jgolem_render.py";

  /**
   * The providers' launcher: Blender itself, or in a session the client of a render server kept for
   * the task.
   */
  public static final String LAUNCHER = "jgolem_blender.sh";

  public static final String JOB = "jgolem_job.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One render: {@code region} of {@code frame} (frame coordinates, the whole frame for no border)
   * into {@code file}.
   */
  public record Render(int frame, Region region, String file) {
    public Render {
      Objects.requireNonNull(region, "region");
      if (!file.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"))
        throw new IllegalArgumentException("bad output file name " + file);
    }
  }

  public RenderJob {
    renders = List.copyOf(renders);
    if (renders.isEmpty()) throw new IllegalArgumentException("a render job renders something");
  }

  /**
   * The job of a planned subtask: each of its frames, whole or its tile, at the task's settings.
   */
  public static RenderJob of(BlenderOptions o, Split.Job job) {
    return new RenderJob(
        o,
        o.samples(),
        job.frames().stream()
            .map(f -> new Render(f, job.region(), Split.Job.outputName(f, o.format())))
            .toList());
  }

  /**
   * The arguments after the entry point ({@code /usr/bin/blender}); the same for every job of a
   * task.
   */
  public static List<String> args(BlenderOptions o) {
    return blenderArgs(o.scenePath(), o.cpus());
  }

  /**
   * Blender's arguments: background, factory settings, {@code scene} if not null, Cycles, jgolem's
   * script.
   */
  private static List<String> blenderArgs(String scene, int cpus) {
    List<String> a = new java.util.ArrayList<>(List.of("-b", "--factory-startup", "-noaudio"));
    if (scene != null) a.add(scene);
    a.addAll(
        List.of(
            "-E",
            "CYCLES",
            "-t",
            Integer.toString(cpus),
            "--python-exit-code",
            "3",
            "--python",
            "/golem/resources/" + SCRIPT));
    return List.copyOf(a);
  }

  /** jgolem's render script and launcher, by file name, from the class path. */
  private static Map<String, byte[]> scripts() throws IOException {
    Map<String, byte[]> files = new java.util.TreeMap<>();
    for (String script : List.of(SCRIPT, LAUNCHER)) {
      try (InputStream in = RenderJob.class.getResourceAsStream(script)) {
        if (in == null)
          throw new IOException("the render script " + script + " is missing from the class path");
        files.put(script, in.readAllBytes());
      }
    }
    return files;
  }

  /** A provider's command: {@link #LAUNCHER} run by /bin/sh, then {@link #args}. */
  public static List<String> launcherArgs(BlenderOptions o) {
    List<String> a = new java.util.ArrayList<>();
    a.add("/golem/resources/" + LAUNCHER);
    a.addAll(args(o));
    return a;
  }

  /**
   * The output folder a warm Blender sandbox is made with: subtasks that may write more get a new
   * sandbox.
   */
  public static final long WARM_OUTPUT_BYTES = 1024 * Limits.MIB;

  /**
   * The scratch space a warm Blender sandbox is made with (the spot check's; providers' subtasks
   * ask less).
   */
  public static final long WARM_WORK_BYTES = 256 * Limits.MIB;

  /**
   * The processes and threads a warm Blender sandbox is made with (as many as any Blender subtask
   * asks).
   */
  public static final int WARM_PROCESSES = 256;

  /**
   * A Blender sandbox that a node readies while idle ({@link WarmUp}) for the first subtask of a
   * Blender task of {@code cpus} cores and {@code memoryMib}: the launcher starts the render server
   * without a scene and has it pay Blender's start and first-render costs; the subtask's job then
   * names the scene it loads. Scripts of this node's own copy; a subtask whose scripts differ
   * replaces the server (see the launcher).
   */
  public static WarmUp warmUp(String imageId, int cpus, long memoryMib) throws IOException {
    List<String> args = new java.util.ArrayList<>(List.of("/golem/resources/" + LAUNCHER));
    args.addAll(blenderArgs(null, cpus)); // no scene: the first job names it
    Limits limits =
        new Limits(
            cpus,
            memoryMib * Limits.MIB,
            Duration.ofMinutes(2),
            WARM_OUTPUT_BYTES,
            64 * 1024,
            WARM_PROCESSES,
            WARM_WORK_BYTES);
    return new WarmUp(
        imageId,
        limits,
        BlenderPlan.LAUNCHER_ENTRY_POINT,
        args,
        scripts(),
        Map.of("HOME", ExecutionSpec.WORK, "JGOLEM_WARM", "1"));
  }

  /** The job file's content. */
  public String json() {
    ObjectNode root = JSON.createObjectNode();
    root.put(
        "scene", options.scene()); // beside the script: a server started without it (warm) loads it
    root.put("samples", samples);
    root.put("seed", options.seed());
    root.put("width", options.width());
    root.put("height", options.height());
    root.put("format", options.format().name());
    root.put("threads", options.cpus());
    ArrayNode list = root.putArray("renders");
    for (Render r : renders) {
      ObjectNode n = list.addObject();
      n.put("frame", r.frame());
      n.put("file", r.file());
      if (r.region().isWhole(options.width(), options.height())) {
        n.putNull("border");
      } else {
        ArrayNode b = n.putArray("border");
        for (double v : border(options.width(), options.height(), r.region())) b.add(v);
      }
    }
    return root.toPrettyString();
  }

  /**
   * Writes the script and this job into {@code folder} (which must then receive the scene too),
   * readable by others: the container runs as uid 1000.
   */
  public void writeInto(Path folder) throws IOException {
    Files.createDirectories(folder);
    for (var script : scripts().entrySet())
      Files.write(folder.resolve(script.getKey()), script.getValue());
    Files.writeString(folder.resolve(JOB), json());
    for (String f : List.of(SCRIPT, LAUNCHER, JOB)) readable(folder.resolve(f));
    Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  static void readable(Path file) throws IOException {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
  }

  /**
   * min x, max x, min y, max y of Blender's border for {@code region} (y from the bottom), a
   * quarter pixel in.
   */
  public static double[] border(int width, int height, Region region) {
    double w = width;
    double h = height;
    return new double[] {
      Math.min(1, (region.x0() + 0.25) / w), Math.min(1, (region.x1() + 0.25) / w),
      Math.min(1, (h - region.y1() + 0.25) / h), Math.min(1, (h - region.y0() + 0.25) / h)
    };
  }
}

package org.jgolem.it.harness;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jgolem.compute.Capabilities;
import org.jgolem.compute.ComputeException;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.Limits;
import org.jgolem.compute.Program;
import org.jgolem.compute.docker.DockerConfig;
import org.jgolem.compute.docker.DockerEnvironment;
import org.jgolem.tasks.TaskTemplates;
import org.jgolem.tasks.blender.BlenderOptions;
import org.jgolem.tasks.blender.Picture;
import org.jgolem.tasks.blender.Pictures;
import org.jgolem.tasks.blender.Region;
import org.jgolem.tasks.blender.RenderJob;
import org.jgolem.tasks.blender.Split;
import org.jgolem.tasks.definition.Problems;
import org.jgolem.tasks.definition.TaskFileParser;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A Blender task (docs/BLENDER.md) for the whole-network tests: the {@code jgolem/blender} image on
 * the local Docker engine, jgolem's test scene (scripts/blender/test-scene.py, made inside that
 * image), the task file, and a direct render of whole frames in one Blender process, outside the
 * network, with the same scene, the same render script and the same settings as the task's
 * subtasks.
 *
 * <p>The test JVM talks to the Docker engine through the node's own {@link DockerEnvironment}, as
 * the node's Blender tests do (BlenderTestSupport): the same sandbox (no network, read-only root,
 * uid 1000) and the same command line ({@link RenderJob#args}) as a provider's subtask.
 */
public final class BlenderTask {
  public static final String IMAGE = BlenderOptions.DEFAULT_IMAGE;

  /**
   * The Docker node id of the test JVM's own containers (scene, direct render); the nodes use their
   * addresses.
   */
  static final String DOCKER_NODE = "jgolem-it-blender";

  static final String ENTRY_POINT = "/usr/bin/blender";

  /** What the engine said, asked once per JVM: the image id, or why there is none. */
  private static String probedId;

  private static String missing;
  private static boolean said;

  private final Path dir;
  private final Path taskFile;
  private final BlenderOptions options;

  private BlenderTask(Path dir, Path taskFile, BlenderOptions options) {
    this.dir = dir;
    this.taskFile = taskFile;
    this.options = options;
  }

  /**
   * The id of {@code jgolem/blender} on the Docker engine, if an engine answers and holds it (asked
   * once per JVM).
   */
  public static synchronized Optional<String> image() {
    if (probedId == null && missing == null) {
      try (DockerEnvironment probe =
          new DockerEnvironment(DockerConfig.of(DOCKER_NODE + "-probe", Set.of()))) {
        Capabilities c = probe.capabilities();
        if (!c.available()) {
          missing =
              "no Docker engine answers (" + c.unavailableReason() + "): run scripts/docker-engine";
        } else {
          Optional<String> id = probe.resolveImage(IMAGE);
          if (id.isPresent()) probedId = id.get();
          else
            missing =
                "the image "
                    + IMAGE
                    + " is not on the Docker engine: build it with scripts/images blender";
        }
      } catch (ComputeException | RuntimeException e) {
        missing =
            "the Docker engine cannot be asked (" + e.getMessage() + "): run scripts/docker-engine";
      }
    }
    return Optional.ofNullable(probedId);
  }

  /**
   * The id of {@code jgolem/blender}; without an engine or without the image the calling test is
   * skipped with the reason, as the node's Docker tests are (call it per test, from
   * {@code @BeforeEach}, so that surefire counts the skip); with {@code JGOLEM_REQUIRE_DOCKER=1}
   * (set by scripts/test) it fails instead.
   */
  public static synchronized String requireImage() {
    if (image().isPresent()) return probedId;
    if ("1".equals(System.getenv("JGOLEM_REQUIRE_DOCKER"))) {
      Assertions.fail(missing + " (JGOLEM_REQUIRE_DOCKER=1, so this fails instead of skipping)");
    }
    if (!said) System.err.println("[it] skipping the Blender network test: " + missing);
    said = true;
    Assumptions.abort(missing);
    throw new AssertionError("unreachable");
  }

  /**
   * Makes jgolem's test scene with Blender in {@code imageId} and returns {@code dir/scene.blend}.
   */
  public static Path scene(String imageId, Path dir) {
    Path script = root().resolve("scripts").resolve("blender").resolve("test-scene.py");
    try {
      Folders f = Folders.under(dir.resolve("make-scene"));
      Files.copy(script, f.resources().resolve("test-scene.py"));
      readable(f.resources().resolve("test-scene.py"));
      run(
          new ExecutionSpec(
              "it-blender-test-scene",
              new Program.DockerImage(IMAGE, imageId),
              ENTRY_POINT,
              List.of(
                  "-b",
                  "--factory-startup",
                  "-noaudio",
                  "--python-exit-code",
                  "3",
                  "--python",
                  "/golem/resources/test-scene.py",
                  "--",
                  "/golem/output/scene.blend"),
              Map.of(),
              f.resources(),
              f.work(),
              f.output(),
              limits(32 * Limits.MIB)),
          imageId);
      Path scene = Files.copy(f.output().resolve("scene.blend"), dir.resolve("scene.blend"));
      readable(scene);
      return scene;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * What to render: the task's name, the image, the scene, the frames ({@code "1-2"}), size,
   * samples and split.
   */
  public record Spec(
      String name,
      String imageId,
      Path scene,
      String frames,
      int width,
      int height,
      int samples,
      int subtasks,
      String subtaskTimeout) {}

  /**
   * Writes {@code dir/task.json} with the scene beside it; the merged frames go to {@code dir/out}.
   * The file is parsed back with the node's own parser, so that the direct render uses exactly the
   * options the requestor reads.
   */
  public static BlenderTask write(Path dir, Spec spec) {
    try {
      Files.createDirectories(dir);
      Files.copy(spec.scene(), dir.resolve("scene.blend"));
      readable(dir.resolve("scene.blend"));
      ObjectNode task = Api.JSON.createObjectNode();
      task.put("type", "blender")
          .put("name", spec.name())
          .put("bid", "1")
          .put("timeout", "0:10:00")
          .put("subtask_timeout", spec.subtaskTimeout())
          .put("subtasks_count", spec.subtasks());
      task.putArray("resources").add("scene.blend");
      ObjectNode o = task.putObject("options");
      o.put("image_id", spec.imageId()).put("frames", spec.frames());
      ArrayNode res = o.putArray("resolution");
      res.add(spec.width()).add(spec.height());
      o.put("format", "PNG").put("samples", spec.samples()).put("output_path", "out");
      Path file = dir.resolve("task.json");
      Files.writeString(file, Api.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(task));
      Problems p = new Problems();
      BlenderOptions options =
          BlenderOptions.parse(new TaskFileParser(TaskTemplates.load().types()).parse(file), p);
      if (!p.isEmpty())
        throw new AssertionError("the test's own task file has problems: " + p.list());
      return new BlenderTask(dir, file, options);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (org.jgolem.tasks.definition.TaskFileException e) {
      throw new AssertionError("the test's own task file is refused: " + e.getMessage(), e);
    }
  }

  public Path taskFile() {
    return taskFile;
  }

  public BlenderOptions options() {
    return options;
  }

  /** Where the requestor writes the merged frames. */
  public Path outputDir() {
    return options.outputDir();
  }

  /** The file name of {@code frame}'s picture, merged or direct. */
  public String frameFile(int frame) {
    return Split.Job.outputName(frame, options.format());
  }

  /**
   * The subtasks the requestor plans for this task: names and regions, by the template's own split.
   */
  public List<Split.Job> split(int subtasks) {
    return Split.jobs(options.frames(), options.width(), options.height(), subtasks);
  }

  /** A merged frame as the network delivered it. */
  public Picture merged(int frame) throws IOException {
    return Pictures.read(outputDir().resolve(frameFile(frame)), options.format());
  }

  /**
   * Renders every frame of the task whole, in one Blender process on the local Docker engine, with
   * the task's scene, render script, samples, seed and thread count; returns the folder holding
   * {@code frame_NNNN.png}.
   */
  public Path renderDirect(String imageId) {
    try {
      Folders f = Folders.under(dir.resolve("direct"));
      Path scene = Files.copy(dir.resolve(options.scene()), f.resources().resolve(options.scene()));
      readable(scene);
      List<RenderJob.Render> renders = new ArrayList<>();
      for (int frame : options.frames()) {
        renders.add(
            new RenderJob.Render(
                frame, Region.whole(options.width(), options.height()), frameFile(frame)));
      }
      new RenderJob(options, options.samples(), renders).writeInto(f.resources());
      long bytes =
          renders.size() * ((long) options.width() * options.height() * 12 + (64 << 10))
              + Limits.MIB;
      run(
          new ExecutionSpec(
              "it-blender-direct",
              new Program.DockerImage(IMAGE, imageId),
              ENTRY_POINT,
              RenderJob.args(options),
              Map.of(),
              f.resources(),
              f.work(),
              f.output(),
              limits(bytes)),
          imageId);
      return f.output();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs {@code spec} in a Docker environment of the test JVM's own; fails with the end of
   * Blender's log if it fails.
   */
  private static ExecutionResult run(ExecutionSpec spec, String imageId) {
    try (DockerEnvironment env =
        new DockerEnvironment(DockerConfig.of(DOCKER_NODE, Set.of(imageId)))) {
      ExecutionResult r = env.start(spec).result().get(180, TimeUnit.SECONDS);
      if (!r.succeeded()) {
        String log = r.stdout().text() + r.stderr().text();
        throw new AssertionError(
            spec.subtaskId()
                + " failed: "
                + r
                + "\n"
                + log.substring(Math.max(0, log.length() - 2000)));
      }
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError(spec.subtaskId() + " did not complete within 180 s: " + e, e);
    }
  }

  /** One core, 1 GiB, 2 minutes: what a subtask of the task gets (cpus 1, memory_mib 1024). */
  private static Limits limits(long outputBytes) {
    return new Limits(
        1,
        1024 * Limits.MIB,
        Duration.ofSeconds(120),
        outputBytes,
        64 * 1024,
        256,
        256 * Limits.MIB);
  }

  private static Path root() {
    String r = System.getProperty("jgolem.root");
    return (r == null || r.isBlank() ? Path.of("..") : Path.of(r)).toAbsolutePath().normalize();
  }

  /** The container runs as uid 1000: what it reads must be readable by others. */
  private static void readable(Path file) throws IOException {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
  }

  /** A sandbox run's three host folders, the resources readable by the container's uid 1000. */
  private record Folders(Path resources, Path work, Path output) {
    static Folders under(Path root) throws IOException {
      Files.createDirectories(root);
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path r = Files.createDirectories(root.resolve("resources"));
      Files.setPosixFilePermissions(r, PosixFilePermissions.fromString("rwxr-xr-x"));
      return new Folders(
          r,
          Files.createDirectories(root.resolve("work")),
          Files.createDirectories(root.resolve("output")));
    }
  }
}

package org.jgolem.tasks.blender;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
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
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What the Blender tests that render share: the Docker engine, the locally built {@code
 * jgolem/blender} image (scripts/images blender) and the test scene, generated once per test JVM by
 * scripts/blender/test-scene.py inside that image. Without the engine or the image the tests are
 * skipped with a message saying how to get them, or fail with it when JGOLEM_REQUIRE_DOCKER=1.
 */
final class BlenderTestSupport {
  static final String IMAGE = "jgolem/blender";
  static final Path SCENE_SCRIPT =
      Path.of("..", "scripts", "blender", "test-scene.py").toAbsolutePath().normalize();

  private static String imageId;
  private static String missing;
  private static Path scene;
  private static boolean said;

  private BlenderTestSupport() {}

  /**
   * The id of jgolem/blender, or a skip (a failure when JGOLEM_REQUIRE_DOCKER=1) saying what is
   * missing.
   */
  static synchronized String requireBlenderImage() {
    if (imageId == null && missing == null) {
      try (DockerEnvironment probe =
          new DockerEnvironment(DockerConfig.of("jgolem-test-blender-probe", Set.of()))) {
        Capabilities c = probe.capabilities();
        if (!c.available()) {
          missing =
              "no Docker engine answers (" + c.unavailableReason() + "): run scripts/docker-engine";
        } else {
          Optional<String> id = probe.resolveImage(IMAGE);
          if (id.isPresent()) imageId = id.get();
          else
            missing =
                "the image "
                    + IMAGE
                    + " is not on the Docker engine: build it with scripts/images blender "
                    + "(about 650 MB of Debian packages the first time)";
        }
      } catch (ComputeException e) {
        missing =
            "the Docker engine cannot be asked (" + e.getMessage() + "): run scripts/docker-engine";
      }
    }
    if (missing != null) {
      if ("1".equals(System.getenv("JGOLEM_REQUIRE_DOCKER"))) {
        Assertions.fail(missing + " (JGOLEM_REQUIRE_DOCKER=1, so this fails instead of skipping)");
      }
      if (!said) System.err.println("[jgolem] skipping Blender render tests: " + missing);
      said = true;
      Assumptions.abort(missing);
    }
    return imageId;
  }

  /**
   * The test scene (scripts/blender/test-scene.py run in jgolem/blender), made once per JVM under
   * {@code tmp}.
   */
  static synchronized Path scene(DockerEnvironment env, String imageId) throws Exception {
    if (scene != null && Files.isRegularFile(scene)) return scene;
    Path dir = Files.createTempDirectory("jgolem-blender-scene");
    // shared by the JVM's tests, so removed when it exits
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> {
              try {
                org.jgolem.ipfs.FileTrees.delete(dir);
              } catch (java.io.IOException ignored) {
                // a temporary folder: the system cleans it eventually
              }
            }));
    Dirs d = Dirs.under(dir);
    Files.copy(SCENE_SCRIPT, d.resources().resolve("test-scene.py"));
    RenderJob.readable(d.resources().resolve("test-scene.py"));
    var spec =
        new ExecutionSpec(
            "blender-test-scene",
            new Program.DockerImage(IMAGE, imageId),
            "/usr/bin/blender",
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
            d.resources(),
            d.work(),
            d.output(),
            limits());
    ExecutionResult r = await(env.start(spec));
    Assertions.assertTrue(
        r.succeeded(),
        () -> "the test scene was not made: " + r + "\n" + r.stdout().text() + r.stderr().text());
    Path blend = d.output().resolve("scene.blend");
    Files.setPosixFilePermissions(blend, PosixFilePermissions.fromString("rw-r--r--"));
    scene = blend;
    return blend;
  }

  static Limits limits() {
    return new Limits(
        1,
        1024 * Limits.MIB,
        Duration.ofSeconds(120),
        32 * Limits.MIB,
        64 * 1024,
        256,
        256 * Limits.MIB);
  }

  static ExecutionResult await(org.jgolem.compute.Execution x) {
    try {
      return x.result().get(180, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the execution did not complete within 180 s: " + e, e);
    }
  }

  /**
   * A subtask's three host folders under {@code root}, the resources readable by the container's
   * uid 1000.
   */
  record Dirs(Path resources, Path work, Path output) {
    static Dirs under(Path root) throws IOException {
      Files.createDirectories(root);
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path r = Files.createDirectories(root.resolve("resources"));
      Files.setPosixFilePermissions(r, PosixFilePermissions.fromString("rwxr-xr-x"));
      return new Dirs(
          r,
          Files.createDirectories(root.resolve("work")),
          Files.createDirectories(root.resolve("output")));
    }
  }
}

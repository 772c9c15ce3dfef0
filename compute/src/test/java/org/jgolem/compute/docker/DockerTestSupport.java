package org.jgolem.compute.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
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
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.Limits;
import org.jgolem.compute.Program;
import org.jgolem.testkit.Await;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What the Docker tests share: the real engine and the locally built {@code jgolem/runtime} image.
 * When either is missing the tests are skipped with a message naming the script that provides it,
 * or fail with that message when JGOLEM_REQUIRE_DOCKER=1 (scripts/test sets it).
 */
final class DockerTestSupport {
  static final String RUNTIME = "jgolem/runtime";
  static final String BASE = "jgolem/base:bookworm";

  private DockerTestSupport() {}

  static boolean required() {
    return "1".equals(System.getenv("JGOLEM_REQUIRE_DOCKER"));
  }

  /**
   * Skips the test (or fails it when JGOLEM_REQUIRE_DOCKER=1) with {@code why}; says it once on
   * stderr.
   */
  static void missing(String why) {
    if (required())
      Assertions.fail(why + " (JGOLEM_REQUIRE_DOCKER=1, so this fails instead of skipping)");
    if (!said.contains(why)) {
      said.add(why);
      System.err.println("[jgolem] skipping Docker tests: " + why);
    }
    Assumptions.abort(why);
  }

  private static final java.util.Set<String> said =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private static volatile String runtimeId;
  private static volatile String runtimeMissing;

  /**
   * The id of jgolem/runtime, once the engine answers and the image exists; asked once per test
   * JVM. Call it from {@code @BeforeEach}, so that a skip is counted and explained for every test.
   */
  static synchronized String requireRuntimeImage() {
    if (runtimeId == null && runtimeMissing == null) {
      try (DockerEnvironment probe =
          new DockerEnvironment(DockerConfig.of("jgolem-test-probe", Set.of()))) {
        Capabilities c = probe.capabilities();
        if (!c.available()) {
          runtimeMissing =
              "no Docker engine answers (" + c.unavailableReason() + "): run scripts/docker-engine";
        } else {
          Optional<String> id = probe.resolveImage(RUNTIME);
          if (id.isPresent()) runtimeId = id.get();
          else
            runtimeMissing =
                "the image "
                    + RUNTIME
                    + " is not on the Docker engine: build it with scripts/images";
        }
      } catch (ComputeException e) {
        runtimeMissing =
            "the Docker engine cannot be asked (" + e.getMessage() + "): run scripts/docker-engine";
      }
    }
    if (runtimeMissing != null) missing(runtimeMissing);
    return runtimeId;
  }

  /** A subtask's three host folders under {@code root}, readable by the container's uid 1000. */
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

    /** Writes a file into resources, readable by others. */
    Path resource(String name, byte[] content) throws IOException {
      Path p = resources.resolve(name);
      Files.createDirectories(p.getParent());
      Files.write(p, content);
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
      return p;
    }

    Path resource(String name, String content) throws IOException {
      return resource(name, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  static ExecutionSpec spec(
      String id,
      String imageId,
      Dirs d,
      Limits limits,
      Map<String, String> env,
      String entrypoint,
      String... args) {
    return new ExecutionSpec(
        id,
        new Program.DockerImage(RUNTIME, imageId),
        entrypoint,
        List.of(args),
        env,
        d.resources(),
        d.work(),
        d.output(),
        limits);
  }

  /**
   * Small limits that keep the tests quick: 1 cpu, 256 MiB, 20 s, 8 MiB output, 64 KiB logs, 64
   * processes, 16 MiB scratch.
   */
  static Limits small() {
    return new Limits(
        1,
        256 * Limits.MIB,
        Duration.ofSeconds(20),
        8 * Limits.MIB,
        64 * 1024,
        64,
        16 * Limits.MIB);
  }

  static ExecutionResult await(Execution x) {
    try {
      return x.result().get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the execution did not complete within 120 s: " + e, e);
    }
  }

  private static final Map<String, DockerEngine> engines =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * A client of {@code env}'s engine, for what a test checks or does behind the environment's back
   * (kept per JVM).
   */
  static DockerClient client(DockerEnvironment env) {
    return engines.computeIfAbsent(
            env.config().dockerHost(),
            host ->
                new DockerEngine(DockerConfig.of("jgolem-test-kit", Set.of()).withDockerHost(host)))
        .docker;
  }

  /** Containers on the engine that carry the node label {@code nodeId}. */
  static List<Container> containersOf(DockerEnvironment env, String nodeId) {
    return client(env)
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(DockerEnvironment.LABEL_NODE, nodeId))
        .exec();
  }

  static void assertNoContainers(DockerEnvironment env, String nodeId) {
    assertThat(containersOf(env, nodeId))
        .as("containers labelled %s=%s", DockerEnvironment.LABEL_NODE, nodeId)
        .isEmpty();
  }

  /** Waits (up to 30 s) until the subtask's container runs, and returns its id. */
  static String awaitRunningContainer(DockerEnvironment env, String subtaskId) {
    String[] id = new String[1];
    Await.until(
        Duration.ofSeconds(30),
        () -> {
          List<Container> cs =
              client(env)
                  .listContainersCmd()
                  .withLabelFilter(
                      Map.of(
                          DockerEnvironment.LABEL_SUBTASK,
                          subtaskId,
                          DockerEnvironment.LABEL_INSTANCE,
                          env.instanceId()))
                  .exec();
          if (!cs.isEmpty() && "running".equals(cs.get(0).getState())) id[0] = cs.get(0).getId();
          return id[0] != null;
        },
        () -> "the container of subtask " + subtaskId + " to run");
    return id[0];
  }
}

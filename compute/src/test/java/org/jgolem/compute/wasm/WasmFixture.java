package org.jgolem.compute.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.Limits;
import org.jgolem.compute.Program;

/**
 * The compiled test programs (compute/src/test/c, built by scripts/wasm-programs in
 * generate-test-resources) and helpers to make subtask folders and specs for them.
 */
final class WasmFixture {
  private WasmFixture() {}

  /** The folder with NAME.wasm and NAME.native. */
  static Path programs() {
    String prop = System.getProperty("jgolem.wasm.programs");
    Path dir = prop != null ? Path.of(prop) : Path.of("target", "wasm-programs");
    if (!Files.isRegularFile(dir.resolve("kernel.wasm"))) {
      throw new IllegalStateException(
          "the WASM test programs are not built in "
              + dir.toAbsolutePath()
              + ": run scripts/wasm-programs (Maven does it in generate-test-resources)");
    }
    return dir;
  }

  static Path wasm(String name) {
    return programs().resolve(name + ".wasm");
  }

  static Path nativeBinary(String name) {
    return programs().resolve(name + ".native");
  }

  static Program.WasmBinary binary(String name) {
    Path p = wasm(name);
    try {
      return new Program.WasmBinary(
          p, MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    } catch (Exception e) {
      throw new IllegalStateException("cannot hash " + p, e);
    }
  }

  /** Three fresh folders (resources, work, output) under {@code root}/{@code id}. */
  record Folders(Path resources, Path work, Path output) {
    static Folders under(Path root, String id) throws IOException {
      Path base = Files.createDirectories(root.resolve(id));
      return new Folders(
          Files.createDirectory(base.resolve("resources")),
          Files.createDirectory(base.resolve("work")),
          Files.createDirectory(base.resolve("output")));
    }
  }

  static Limits limits() {
    return Limits.defaults().withTimeout(Duration.ofSeconds(60)).withMemoryBytes(64 * Limits.MIB);
  }

  static ExecutionSpec spec(String id, String program, Folders f, List<String> args) {
    return spec(id, program, f, args, Map.of(), limits());
  }

  static ExecutionSpec spec(
      String id,
      String program,
      Folders f,
      List<String> args,
      Map<String, String> env,
      Limits limits) {
    return new ExecutionSpec(
        id, binary(program), program, args, env, f.resources(), f.work(), f.output(), limits);
  }

  static ExecutionResult run(WasmEnvironment env, ExecutionSpec spec) throws Exception {
    return env.start(spec).result().get(120, TimeUnit.SECONDS);
  }

  /** Runs a native build and returns its stdout; fails on a non-zero exit. */
  static String runNative(String name, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(nativeBinary(name).toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("native %s finished", name).isTrue();
    assertThat(p.exitValue()).as("native %s exit status", name).isZero();
    return out;
  }

  /**
   * Live threads whose name starts with {@code prefix}, after waiting up to 5 s for them to end.
   */
  static List<String> threadsNamed(String prefix) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      List<String> live =
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
              .map(Thread::getName)
              .sorted()
              .toList();
      if (live.isEmpty() || System.nanoTime() > deadline) return live;
      Thread.sleep(20);
    }
  }

  static final String SCENE =
      """
      # three spheres on a checkered floor, two lights
      size 96 64
      camera 0 1 -4
      light -3 5 -3
      light 4 3 -2
      sphere 0 1 2 1 230
      sphere -1.6 0.6 1 0.6 160
      sphere 1.5 0.5 0.5 0.5 200
      plane 0 120
      """;
}

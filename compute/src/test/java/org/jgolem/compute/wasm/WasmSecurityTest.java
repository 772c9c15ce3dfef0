package org.jgolem.compute.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.compute.wasm.WasmFixture.Folders;
import static org.jgolem.compute.wasm.WasmFixture.SCENE;
import static org.jgolem.compute.wasm.WasmFixture.run;
import static org.jgolem.compute.wasm.WasmFixture.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.Limits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile programs (compute/src/test/c/hostile) against the real sandbox: each is contained and
 * reported with the right typed reason, and afterwards the environment still runs a normal subtask
 * and nothing of the hostile one is left: no thread, no open file, no temporary file, no change to
 * its resources.
 */
class WasmSecurityTest {
  private static WasmEnvironment env;
  private static Set<String> tmpBefore;

  @TempDir Path tmp;
  private String subtask;
  private Folders folders;

  @BeforeAll
  static void start() throws IOException {
    tmpBefore = tmpEntries();
    env =
        new WasmEnvironment(
            WasmEnvironment.Settings.defaults().withSlots(2).withFileQuotas(64, 500));
  }

  @AfterAll
  static void stop() throws IOException {
    env.close();
    // the environment writes no temporary file: nothing of ours appeared in java.io.tmpdir
    Set<String> added = new TreeSet<>(tmpEntries());
    added.removeAll(tmpBefore);
    added.removeIf(n ->
        !n.toLowerCase(Locale.ROOT).matches(".*(wasm|jimfs|chicory|golem|resources|hostile).*"));
    assertThat(added).as("temporary files left by the WASM environment").isEmpty();
  }

  /** After every hostile run: nothing left behind, and the environment still works. */
  @AfterEach
  void containedAndStillWorking() throws Exception {
    if (subtask == null) return;
    assertThat(WasmFixture.threadsNamed("wasm-" + subtask)).as("threads of " + subtask).isEmpty();
    assertThat(openFilesUnder(tmp)).as("files still open under the subtask's folders").isEmpty();
    try (Stream<Path> work = Files.list(folders.work())) {
      assertThat(work).as("the work folder").isEmpty();
    }
    assertThat(env.running()).isZero();

    ExecutionResult normal =
        run(env, spec("after-" + subtask, "exitcode", Folders.under(tmp, "after"), List.of("0")));
    assertThat(normal.succeeded()).as("a normal subtask after " + subtask + ": " + normal).isTrue();
    assertThat(normal.stdout().text()).isEqualTo("exiting with 0\n");
  }

  private ExecutionResult hostile(String program, List<String> args, Limits limits)
      throws Exception {
    subtask = "hostile-" + program;
    folders = Folders.under(tmp, subtask);
    Files.writeString(folders.resources().resolve("scene.txt"), SCENE);
    return run(env, spec(subtask, program, folders, args, Map.of(), limits));
  }

  @Test
  void networkCallsFailCleanlyWithAnErrno() throws Exception {
    ExecutionResult r = hostile("net", List.of(), WasmFixture.limits());

    assertThat(r.succeeded()).as(r.toString()).isTrue();
    String out = r.stdout().text();
    assertThat(out.lines().filter(l -> l.matches("sock_\\w+\\(\\d\\): errno 57")))
        .as("ENOTSOCK for each call")
        .hasSize(24);
    assertThat(out).endsWith("network calls that succeeded: 0\n");
  }

  @Test
  void aModuleImportingSocketCreationIsRefused() throws Exception {
    ExecutionResult r = hostile("netopen", List.of(), WasmFixture.limits());

    assertThat(r.reason()).isEqualTo(FailureReason.TRAPPED);
    assertThat(r.failure().orElseThrow().message())
        .contains(
            "wasi_snapshot_preview1.sock_open",
            "wasi_snapshot_preview1.sock_connect",
            "no network");
    assertThat(r.stdout().totalBytes()).as("it never ran").isZero();
  }

  @Test
  void hostFilesCannotBeRead() throws Exception {
    Path keystore = Files.writeString(tmp.resolve("node-keystore.json"), "SECRET-KEY-MATERIAL\n");
    subtask = "hostile-readhost";
    folders = Folders.under(tmp, subtask);
    // links a careless resource package could contain: out of the folder, to the keystore, to /etc
    Files.createSymbolicLink(folders.resources().resolve("escape"), Path.of("/etc"));
    Files.createSymbolicLink(folders.resources().resolve("key"), keystore);
    ExecutionResult r =
        run(
            env,
            spec(
                subtask,
                "readhost",
                folders,
                List.of(
                    keystore.toString(),
                    ExecutionSpec.RESOURCES + "/key",
                    ExecutionSpec.RESOURCES + "/../../node-keystore.json"),
                Map.of(),
                WasmFixture.limits()));

    assertThat(r.succeeded()).as(r.toString()).isTrue();
    String out = r.stdout().text();
    assertThat(out).doesNotContain("READ ").doesNotContain("SECRET").doesNotContain("root:");
    assertThat(out.lines().filter(l -> l.startsWith("DENIED "))).hasSize(13);
    assertThat(out)
        .contains(
            "DENIED /etc/shadow",
            "DENIED /golem/resources/../../etc/passwd",
            "DENIED " + keystore,
            "DENIED /golem/resources/key",
            "DENIED /golem/resources/escape/passwd");
    assertThat(out).endsWith("paths read: 0\n");
    assertThat(r.exitCode()).contains(0);
    assertThat(Files.readString(folders.output().resolve("stolen.txt"))).isEmpty();
  }

  @Test
  void aMemoryBombHitsTheMemoryLimit() throws Exception {
    ExecutionResult r =
        hostile("membomb", List.of(), WasmFixture.limits().withMemoryBytes(32 * Limits.MIB));

    assertThat(r.reason()).isEqualTo(FailureReason.OUT_OF_MEMORY);
    assertThat(r.exitCode()).contains(12);
    assertThat(r.failure().orElseThrow().message())
        .contains("was refused, over the limit of 512 pages (32 MiB)");
    assertThat(r.stderr().text())
        .matches("membomb: malloc failed after 3\\d MiB \\(checksum \\d+\\)\n");
    assertThat(r.usage().peakMemoryBytes()).isLessThanOrEqualTo(32 * Limits.MIB);
  }

  @Test
  void aModuleDeclaringHugeInitialMemoryIsRefused() throws Exception {
    ExecutionResult r = hostile("hugemem", List.of(), WasmFixture.limits());

    assertThat(r.reason()).isEqualTo(FailureReason.OUT_OF_MEMORY);
    assertThat(r.failure().orElseThrow().message())
        .isEqualTo(
            "the module declares 65536 pages (4096 MiB) of initial memory, over the subtask's limit of 1024 pages (64 MiB)");
    assertThat(r.usage().peakMemoryBytes()).isZero();
  }

  @Test
  void anInfiniteLoopIsStoppedAtTheWallTimeLimit() throws Exception {
    long t0 = System.nanoTime();
    ExecutionResult r =
        hostile("spin", List.of(), WasmFixture.limits().withTimeout(Duration.ofSeconds(1)));
    long millis = (System.nanoTime() - t0) / 1_000_000;

    assertThat(r.reason()).isEqualTo(FailureReason.TIMEOUT);
    assertThat(r.failure().orElseThrow().message())
        .isEqualTo("ran past its wall-time limit of 1000 ms");
    assertThat(r.exitCode()).isEmpty();
    assertThat(r.stdout().text()).isEqualTo("spinning\n");
    assertThat(millis).isBetween(1000L, 6000L);
  }

  @Test
  void fillingTheOutputStopsAtTheOutputLimit() throws Exception {
    ExecutionResult r =
        hostile("fillout", List.of(), WasmFixture.limits().withMaxOutputBytes(4 * Limits.MIB));

    assertThat(r.reason()).isEqualTo(FailureReason.OUTPUT_TOO_LARGE);
    assertThat(r.failure().orElseThrow().message())
        .contains("the output is limited to 4194304 bytes");
    assertThat(r.stderr().text()).startsWith("fillout: write failed after 4 MiB");
    try (Stream<Path> out = Files.list(folders.output())) {
      assertThat(out).as("nothing reaches the host's output folder").isEmpty();
    }
  }

  @Test
  void writingIntoTheResourcesIsTrappedAndChangesNothing() throws Exception {
    ExecutionResult r = hostile("writeres", List.of(), WasmFixture.limits());

    assertThat(r.reason()).isEqualTo(FailureReason.TRAPPED);
    assertThat(r.failure().orElseThrow().message())
        .isEqualTo(
            "the program tried to open for writing /golem/resources/planted.txt: /golem/resources is read-only");
    try (Stream<Path> res = Files.list(folders.resources())) {
      assertThat(res).extracting(p -> p.getFileName().toString()).containsExactly("scene.txt");
    }
    assertThat(Files.readString(folders.resources().resolve("scene.txt"))).isEqualTo(SCENE);
  }

  @Test
  void deepRecursionIsTrappedCleanly() throws Exception {
    ExecutionResult r = hostile("recurse", List.of(), WasmFixture.limits());

    assertThat(r.reason()).isEqualTo(FailureReason.TRAPPED);
    assertThat(r.failure().orElseThrow().message()).startsWith("call stack exhausted");
    assertThat(r.exitCode()).isEmpty();
  }

  @Test
  void aSymlinkLeftInTheOutputIsRefused() throws Exception {
    ExecutionResult r = hostile("outlink", List.of(), WasmFixture.limits());

    assertThat(r.reason()).isEqualTo(FailureReason.TRAPPED);
    assertThat(r.failure().orElseThrow().message())
        .contains("/golem/output/link.txt is not a regular file");
    assertThat(r.stdout().text()).isEqualTo("symlink made\n");
    try (Stream<Path> out = Files.list(folders.output())) {
      assertThat(out).as("a refused output is not half-copied").isEmpty();
    }
  }

  @Test
  void openDescriptorsAndCreatedFilesAreBounded() throws Exception {
    ExecutionResult r = hostile("fdbomb", List.of(), WasmFixture.limits());

    assertThat(r.succeeded()).as(r.toString()).isTrue();
    assertThat(r.stdout().text())
        .isEqualTo("open 64 errno 33\ncreate 500 errno 19\n"); // EMFILE, EDQUOT
  }

  private static Set<String> tmpEntries() throws IOException {
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
    }
  }

  /** Files this JVM holds open under {@code dir} (Linux: /proc/self/fd). */
  private static List<Path> openFilesUnder(Path dir) throws IOException {
    List<Path> open = new ArrayList<>();
    Path real = dir.toRealPath();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          Path target = Files.readSymbolicLink(fd);
          if (target.startsWith(real) || target.startsWith(dir)) open.add(target);
        } catch (IOException e) {
          // the descriptor closed while we looked
        }
      }
    }
    return open;
  }
}

package org.jgolem.compute.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.compute.docker.DockerTestSupport.assertNoContainers;
import static org.jgolem.compute.docker.DockerTestSupport.await;
import static org.jgolem.compute.docker.DockerTestSupport.small;
import static org.jgolem.compute.docker.DockerTestSupport.spec;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.Limits;
import org.jgolem.compute.docker.DockerTestSupport.Dirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile subtasks against the real engine: each attack is contained with the right typed reason,
 * the host's files, network and disk are untouched, the provider then runs a normal subtask fine,
 * and no container of ours is left. The hostile C programs are in
 * src/test/resources/.../docker/hostile.
 */
class DockerSecurityTest {
  static final String NODE = "jgolem-test-security";
  static final String HOSTILE = "/org/jgolem/compute/docker/hostile/";

  static String runtimeId;
  static DockerEnvironment env;
  @TempDir static Path binaries;

  @TempDir Path tmp;
  Dirs dirs;
  Map<String, String> resourcesBefore;

  static boolean compiled;

  @AfterAll
  static void close() {
    if (env == null) return;
    assertNoContainers(env, NODE);
    env.close();
  }

  @BeforeEach
  void engineProgramsAndFolders() throws Exception {
    runtimeId = DockerTestSupport.requireRuntimeImage();
    if (!compiled) {
      for (String name : List.of("forkcount", "forkbomb", "membomb", "spin")) compile(name);
      compiled = true;
    }
    if (env == null)
      env = new DockerEnvironment(DockerConfig.of(NODE, java.util.Set.of(runtimeId)));
    dirs = Dirs.under(tmp.resolve("subtask"));
  }

  /**
   * After every attack: host folders as they were, a normal subtask runs fine, nothing of ours is
   * left.
   */
  @AfterEach
  void providerStillWorks() throws Exception {
    if (env == null || dirs == null) return;
    if (resourcesBefore != null)
      assertThat(digests(dirs.resources()))
          .as("resources after the attack")
          .isEqualTo(resourcesBefore);
    assertThat(list(dirs.work()))
        .as("the work folder (the environment keeps no scratch files on the host)")
        .isEmpty();
    assertNoContainers(env, NODE);
    Dirs fresh = Dirs.under(tmp.resolve("after"));
    ExecutionResult ok =
        await(
            env.start(
                spec(
                    "after-attack",
                    runtimeId,
                    fresh,
                    small(),
                    Map.of(),
                    "sh",
                    "-c",
                    "echo fine > /golem/output/f; echo done")));
    assertThat(ok.succeeded())
        .as("a normal subtask after the attack: " + ok + " " + ok.stderr().text())
        .isTrue();
    assertThat(Files.readString(fresh.output().resolve("f"))).isEqualTo("fine\n");
    assertNoContainers(env, NODE);
  }

  private ExecutionResult runScript(String id, Limits limits, String script, String... args)
      throws IOException {
    dirs.resource("attack.sh", script);
    resourcesBefore = digests(dirs.resources());
    String[] all =
        Stream.concat(Stream.of("/golem/resources/attack.sh"), Stream.of(args))
            .toArray(String[]::new);
    return await(env.start(spec(id, runtimeId, dirs, limits, Map.of(), "bash", all)));
  }

  private ExecutionResult runBinary(String id, Limits limits, String name) throws IOException {
    Path b = dirs.resources().resolve(name);
    Files.copy(binaries.resolve(name), b);
    Files.setPosixFilePermissions(b, PosixFilePermissions.fromString("rwxr-xr-x"));
    resourcesBefore = digests(dirs.resources());
    return await(
        env.start(spec(id, runtimeId, dirs, limits, Map.of(), "/golem/resources/" + name)));
  }

  @Test
  void aConnectionToTheHostsLoopbackNeverArrives() throws Exception {
    AtomicInteger accepted = new AtomicInteger();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          Thread.ofVirtual()
              .start(() -> {
                while (!server.isClosed()) {
                  try (Socket s = server.accept()) {
                    accepted.incrementAndGet();
                  } catch (IOException closed) {
                    return;
                  }
                }
              });
      int port = server.getLocalPort();
      ExecutionResult r =
          runScript(
              "net",
              small(),
              """
              port=$1; got=0
              echo "interfaces: $(ls /sys/class/net | tr '\\n' ' ')"
              for host in 127.0.0.1 localhost; do
                if timeout 3 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then echo "CONNECTED to $host"; got=1; fi
              done
              python3 - "$port" <<'PY' && got=1
              import socket, sys
              try:
                  socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
                  print("CONNECTED with python")
              except OSError as e:
                  print("python: " + str(e)); sys.exit(1)
              PY
              [ $got = 1 ] || { echo "no connection possible" >&2; exit 1; }
              """,
              Integer.toString(port));
      assertThat(r.reason()).as(r + " " + r.stdout().text()).isEqualTo(FailureReason.NON_ZERO_EXIT);
      assertThat(r.stdout().text())
          .doesNotContain("CONNECTED")
          .contains("interfaces: lo \n")
          .contains("python: [Errno 111]");
      assertThat(r.stderr().text()).contains("no connection possible");
      server.close();
      acceptor.join(5_000);
      assertThat(accepted.get()).as("connections the host's loopback server accepted").isZero();
    }
  }

  @Test
  void hostFilesCannotBeRead() throws Exception {
    String secret =
        "keystore-secret-"
            + HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(tmp.toString().getBytes()));
    Path keystore = Files.createDirectories(tmp.resolve("keystore")).resolve("node.keystore");
    Files.writeString(keystore, secret);
    Files.setPosixFilePermissions(
        keystore.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(keystore, PosixFilePermissions.fromString("rw-r--r--"));
    Files.createSymbolicLink(dirs.resources().resolve("link-to-keystore"), keystore);
    ExecutionResult r =
        runScript(
            "read-host",
            small(),
            """
            leaked=0
            for f in /etc/shadow "$1" /golem/resources/link-to-keystore /golem/resources/../keystore/node.keystore \\
                     /golem/resources/../../keystore/node.keystore /golem/../../../../"$1"; do
              if cat "$f"; then echo "READ $f"; leaked=1; fi
            done
            echo "listing of /golem/resources/../..:"; ls -a /golem/resources/../..
            echo "search:"; find / -xdev \\( -name node.keystore -o -name 'junit*' \\) 2>/dev/null
            [ $leaked = 1 ] || exit 1
            """,
            keystore.toString());
    String all = r.stdout().text() + r.stderr().text();
    assertThat(r.reason()).as(r + " " + all).isEqualTo(FailureReason.NON_ZERO_EXIT);
    assertThat(all).doesNotContain(secret).doesNotContain("READ ");
    assertThat(r.stderr().text())
        .contains("/etc/shadow: Permission denied")
        .contains("No such file or directory");
    String listing =
        r.stdout()
            .text()
            .replaceAll("(?s).*listing of /golem/resources/../..:\n", "")
            .replaceAll("(?s)search:.*", "");
    assertThat(listing)
        .contains("golem\n")
        .contains("proc\n")
        .doesNotContain("keystore")
        .doesNotContain("junit");
    assertThat(r.stdout().text()).endsWith("search:\n");
    hostShadowRootHash().ifPresent(h -> assertThat(all).doesNotContain(h));
  }

  @Test
  void aForkBombIsHeldAtThePidsLimitUntilItsTimeout() throws Exception {
    // a loaded host forks slowly: the bomb gets 10 s to reach the limit, inside a 14 s timeout
    Limits limits = small().withTimeout(Duration.ofSeconds(14));
    int pidsLimit = limits.maxProcesses() + RunContainer.KEEPER_PIDS;
    Path b = dirs.resources().resolve("forkbomb");
    Files.copy(binaries.resolve("forkbomb"), b);
    Files.setPosixFilePermissions(b, PosixFilePermissions.fromString("rwxr-xr-x"));
    resourcesBefore = digests(dirs.resources());
    var x =
        env.start(spec("forkbomb", runtimeId, dirs, limits, Map.of(), "/golem/resources/forkbomb"));
    String cid = DockerTestSupport.awaitRunningContainer(env, "forkbomb");
    int most = 0;
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (most < pidsLimit && System.nanoTime() < until) {
      var top = DockerTestSupport.client(env).topContainerCmd(cid).exec();
      most = Math.max(most, top.getProcesses() == null ? 0 : top.getProcesses().length);
      Thread.sleep(50);
    }
    assertThat(most)
        .as("processes in the container during the bomb (pids limit %d)", pidsLimit)
        .isEqualTo(pidsLimit);
    assertThat(x.isDone()).as("the bomb still runs").isFalse();
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder("true").start();
    assertThat(p.waitFor(5, TimeUnit.SECONDS))
        .as("the host can still start processes during the bomb")
        .isTrue();
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
    ExecutionResult r = await(x);
    assertThat(r.reason()).as(r.toString()).isEqualTo(FailureReason.TIMEOUT);
  }

  @Test
  void forkingStopsAtTheProcessLimit() throws Exception {
    Limits limits = small();
    ExecutionResult r = runBinary("forkcount", limits, "forkcount");
    assertThat(r.succeeded()).as(r + " " + r.stdout().text() + r.stderr().text()).isTrue();
    Matcher m =
        Pattern.compile("forked (\\d+) then fork failed: Resource temporarily unavailable")
            .matcher(r.stdout().text());
    assertThat(m.find()).as(r.stdout().text()).isTrue();
    int forked = Integer.parseInt(m.group(1));
    // the program itself is one of the subtask's processes; its children are the rest
    assertThat(forked).isBetween(limits.maxProcesses() - 3, limits.maxProcesses() - 1);
  }

  @Test
  void aMemoryBombIsOutOfMemory() throws Exception {
    ExecutionResult r = runBinary("membomb", small().withMemoryBytes(64 * Limits.MIB), "membomb");
    assertThat(r.reason()).as(r.toString()).isEqualTo(FailureReason.OUT_OF_MEMORY);
    assertThat(r.exitCode()).contains(137);
    assertThat(r.failure().orElseThrow().message()).contains("67108864");
  }

  @Test
  void anInfiniteLoopOnEveryCoreIsStoppedAtItsTimeout() throws Exception {
    long t0 = System.nanoTime();
    ExecutionResult r = runBinary("spin", small().withTimeout(Duration.ofSeconds(2)), "spin");
    assertThat(r.reason()).as(r.toString()).isEqualTo(FailureReason.TIMEOUT);
    assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(2_000L, 15_000L);
  }

  @Test
  void scratchSpaceIsBoundedAndNothingElseIsWritable() throws Exception {
    Limits limits = small();
    ExecutionResult r =
        runScript(
            "fill-disk",
            limits,
            """
            for d in /tmp /golem/work /dev/shm / /var/tmp /golem/resources /home /etc; do
              if err=$(dd if=/dev/zero of="$d/fill" bs=1M count=1000 2>&1); then
                echo "UNBOUNDED $d"
              else
                why=$(printf '%s\n' "$err" | grep -o -m 1 -E 'No space left on device|Read-only file system|Permission denied')
                echo "$d: $(stat -c %s "$d/fill" 2>/dev/null || echo none) bytes, $why"
              fi
              rm -f "$d/fill"
            done
            exit 1
            """);
    String out = r.stdout().text();
    assertThat(r.reason())
        .as(r + " " + out + r.stderr().text())
        .isEqualTo(FailureReason.NON_ZERO_EXIT);
    assertThat(out).doesNotContain("UNBOUNDED");
    long work = limits.workBytes();
    assertFilledUpTo(out, "/tmp", work);
    assertFilledUpTo(out, "/golem/work", work);
    assertFilledUpTo(out, "/dev/shm", Math.min(work, RunContainer.MAX_SHM));
    for (String ro : List.of("/", "/var/tmp", "/golem/resources", "/home", "/etc")) {
      assertThat(out).contains(ro + ": none bytes, Read-only file system");
    }
  }

  @Test
  void fillingTheOutputIsOutputTooLarge() throws Exception {
    ExecutionResult r =
        runScript("fill-output", small(), "dd if=/dev/zero of=/golem/output/big bs=1M count=1000");
    assertThat(r.reason())
        .as(r + " " + r.stderr().text())
        .isEqualTo(FailureReason.OUTPUT_TOO_LARGE);
    // dd's own complaint is there unless the supervisor stopped the run first (a loaded host)
    String err = r.stderr().text();
    if (!err.isEmpty()) assertThat(err).contains("No space left on device");
    assertThat(list(dirs.output())).isEmpty();
  }

  @Test
  void aHugeSparseOutputFileIsRefusedWithoutStreamingIt() throws Exception {
    long t0 = System.nanoTime();
    ExecutionResult r =
        runScript(
            "sparse-output",
            small(),
            "truncate -s 100G /golem/output/huge; echo small > /golem/output/a");
    assertThat(r.reason()).as(r.toString()).isEqualTo(FailureReason.OUTPUT_TOO_LARGE);
    assertThat(r.failure().orElseThrow().message()).contains("huge alone is 107374182400 bytes");
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(15_000);
    assertThat(list(dirs.output())).isEmpty();
  }

  @Test
  void tooManyOutputFilesIsOutputTooLarge() throws Exception {
    ExecutionResult r =
        runScript(
            "many-files",
            small(),
            "for i in $(seq 20000); do : > /golem/output/f$i || break; done; exit 0");
    assertThat(r.reason()).as(r.toString()).isEqualTo(FailureReason.OUTPUT_TOO_LARGE);
    assertThat(r.failure().orElseThrow().message())
        .contains("more than " + RunContainer.MAX_OUTPUT_ENTRIES);
    assertThat(list(dirs.output())).isEmpty();
  }

  @Test
  void linksAndSpecialFilesInTheOutputAreRefused() throws Exception {
    record Case(String script, String expected) {}
    for (Case c :
        List.of(
            new Case("ln -s /etc/shadow /golem/output/shadow", "shadow is a symbolic link"),
            new Case(
                "echo x > /golem/output/a; ln /golem/output/a /golem/output/b", "is a hard link"),
            new Case("mkfifo /golem/output/pipe", "pipe is a named pipe"))) {
      ExecutionResult r =
          runScript("links", small(), "echo ok > /golem/output/0-ok; " + c.script());
      assertThat(r.reason()).as(c.script() + ": " + r).isEqualTo(FailureReason.TRAPPED);
      assertThat(r.failure().orElseThrow().message()).contains(c.expected());
      assertThat(list(dirs.output())).as("output after " + c.script()).isEmpty();
    }
  }

  @Test
  void theSubtaskCannotStopItsContainerNorGainPrivileges() throws Exception {
    ExecutionResult r =
        runScript(
            "escalate",
            small(),
            """
            kill -9 1 && echo "KILLED init"
            kill -9 $(for p in /proc/[0-9]*; do [ "$(stat -c %u $p)" = 65534 ] && echo ${p#/proc/}; done) && echo "KILLED keeper"
            su -c id root </dev/null && echo "ESCALATED su"
            unshare -r id && echo "ESCALATED userns"
            mount -t tmpfs none /golem/work 2>&1 && echo "ESCALATED mount"
            echo "still uid $(id -u)" > /golem/output/after
            exit 0
            """);
    String all = r.stdout().text() + r.stderr().text();
    assertThat(r.succeeded()).as(r + " " + all).isTrue();
    assertThat(all)
        .doesNotContain("KILLED")
        .doesNotContain("ESCALATED")
        .contains("Operation not permitted");
    assertThat(Files.readString(dirs.output().resolve("after"))).isEqualTo("still uid 1000\n");
  }

  @Test
  void processesLeftBehindAreKilledBeforeTheOutputIsCollected() throws Exception {
    ExecutionResult r =
        runScript(
            "leftovers",
            small(),
            """
            (sleep 1; echo late > /golem/output/late) &
            for i in 1 2 3 4 5; do sleep 30 & done
            echo early > /golem/output/early
            exit 0
            """);
    assertThat(r.succeeded()).as(r.toString()).isTrue();
    assertThat(r.outputs()).extracting(o -> o.path()).containsExactly("early");
    assertThat(r.wallTime()).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void aForgedTrailerAndArchiveOnlyGarbleTheSubtasksOwnResult() throws Exception {
    ExecutionResult r =
        runScript(
            "forged",
            small(),
            """
            marker=$(tr '\\0' '\\n' < /proc/$PPID/cmdline | grep -o 'jgolem-output-[0-9a-f]\\{32\\}' | head -n 1)
            [ -n "$marker" ] || { echo "no marker found" >&2; exit 3; }
            printf '\\036%s 0 1 1\\n' "$marker"
            cd /tmp && echo escaped > escape && tar -cf - -P --transform 's,^escape,../escape,' escape
            sleep 2
            exit 1
            """);
    assertThat(r.reason()).as(r + " " + r.stderr().text()).isEqualTo(FailureReason.TRAPPED);
    assertThat(r.failure().orElseThrow().message()).contains("'..'");
    assertThat(list(dirs.output())).isEmpty();
    assertThat(Files.exists(dirs.output().resolveSibling("escape"))).isFalse();
    try (Stream<Path> all = Files.walk(tmp)) {
      assertThat(all.filter(p -> p.getFileName().toString().equals("escape"))).isEmpty();
    }
  }

  @Test
  void writesToTheResourcesFailAndLeaveTheHostFolderAsItWas() throws Exception {
    dirs.resource("data.txt", "original\n");
    ExecutionResult r =
        runScript("write-resources", small(), "echo changed > /golem/resources/data.txt");
    assertThat(r.reason()).isEqualTo(FailureReason.NON_ZERO_EXIT);
    assertThat(r.stderr().text()).contains("Read-only file system");
    assertThat(Files.readString(dirs.resources().resolve("data.txt"))).isEqualTo("original\n");
  }

  // --- helpers ---

  private static void assertFilledUpTo(String out, String dir, long size) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(dir) + ": (\\d+) bytes, No space left on device$")
            .matcher(out);
    assertThat(m.find()).as(dir + " should fill up with ENOSPC in:\n" + out).isTrue();
    assertThat(Long.parseLong(m.group(1)))
        .as("bytes written to " + dir)
        .isBetween(size - 64 * 1024, size);
  }

  private static void compile(String name) throws Exception {
    Path src = binaries.resolve(name + ".c");
    try (InputStream in = DockerSecurityTest.class.getResourceAsStream(HOSTILE + name + ".c")) {
      assertThat(in).as("test resource " + name + ".c").isNotNull();
      Files.copy(in, src, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    Process p;
    try {
      p =
          new ProcessBuilder(
                  "gcc",
                  "-static",
                  "-O1",
                  "-pthread",
                  "-o",
                  binaries.resolve(name).toString(),
                  src.toString())
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      DockerTestSupport.missing(
          "gcc is needed to build the hostile test programs (Debian: apt-get install gcc libc6-dev): "
              + e.getMessage());
      return;
    }
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      DockerTestSupport.missing(
          "gcc -static could not build "
              + name
              + ".c (Debian: apt-get install gcc libc6-dev): "
              + log);
    }
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  /** Every file under {@code dir} with the SHA-256 of its content (symlinks by their target). */
  private static Map<String, String> digests(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String rel = dir.relativize(p).toString();
        if (Files.isSymbolicLink(p)) out.put(rel, "-> " + Files.readSymbolicLink(p));
        else if (Files.isRegularFile(p)) {
          try {
            out.put(
                rel,
                HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
          } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
          }
        } else out.put(rel, "dir");
      }
    }
    return out;
  }

  /** The host's root password hash from /etc/shadow, when the test can read it and it has one. */
  private static java.util.Optional<String> hostShadowRootHash() {
    try {
      for (String line : Files.readAllLines(Path.of("/etc/shadow"))) {
        String[] f = line.split(":");
        if (f.length > 1 && f[0].equals("root") && f[1].length() > 4)
          return java.util.Optional.of(f[1]);
      }
    } catch (IOException | SecurityException e) {
      // not readable: nothing to compare
    }
    return java.util.Optional.empty();
  }
}

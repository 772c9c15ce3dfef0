package org.jgolem.compute.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.compute.docker.DockerTestSupport.assertNoContainers;
import static org.jgolem.compute.docker.DockerTestSupport.await;
import static org.jgolem.compute.docker.DockerTestSupport.small;
import static org.jgolem.compute.docker.DockerTestSupport.spec;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.jgolem.compute.Capabilities;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionResult.OutputFile;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.Limits;
import org.jgolem.compute.Program;
import org.jgolem.compute.docker.DockerTestSupport.Dirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DockerEnvironment against the real engine and the jgolem/runtime image. */
class DockerEnvironmentTest {
  static final String NODE = "jgolem-test-env";

  static String runtimeId;
  static DockerEnvironment env;

  @TempDir Path tmp;
  Dirs dirs;

  @AfterAll
  static void closeEnvironment() {
    if (env == null) return;
    assertNoContainers(env, NODE);
    env.close();
  }

  @BeforeEach
  void engineAndFolders() throws Exception {
    runtimeId = DockerTestSupport.requireRuntimeImage();
    if (env == null) env = new DockerEnvironment(DockerConfig.of(NODE, Set.of(runtimeId)));
    dirs = Dirs.under(tmp);
  }

  @AfterEach
  void nothingLeft() {
    if (env != null && dirs != null) assertNoContainers(env, NODE);
  }

  private ExecutionResult run(
      String id, Limits limits, Map<String, String> vars, String entrypoint, String... args) {
    return await(env.start(spec(id, runtimeId, dirs, limits, vars, entrypoint, args)));
  }

  @Test
  void runsASubtaskThatReadsResourcesAndWritesOutputByteExact() throws Exception {
    byte[] input = new byte[300 * 1024 + 17];
    new Random(42).nextBytes(input);
    dirs.resource("input.bin", input);
    dirs.resource("nested/note.txt", "a note\n");
    dirs.resource(
        "job.sh",
        """
        set -eu
        cp /golem/resources/input.bin /golem/output/copy.bin
        mkdir -p /golem/output/sub/dir
        printf '%s|' "$@" > /golem/output/sub/dir/args.txt
        printf '%s' "$GREETING" > /golem/output/greeting.txt
        cat /golem/resources/nested/note.txt
        echo "cwd=$(pwd) home=$HOME"
        echo to-stderr >&2
        """);
    ExecutionResult r =
        run(
            "normal",
            small(),
            Map.of("GREETING", "héllo wörld"),
            "bash",
            "/golem/resources/job.sh",
            "one arg",
            "two",
            "$(not expanded)",
            "");

    assertThat(r.failure()).as(r.toString() + " stderr: " + r.stderr().text()).isEmpty();
    assertThat(r.exitCode()).contains(0);
    assertThat(r.stdout().text()).isEqualTo("a note\ncwd=/golem/work home=/golem/work\n");
    assertThat(r.stderr().text()).isEqualTo("to-stderr\n");
    assertThat(r.outputs())
        .extracting(OutputFile::path)
        .containsExactly("copy.bin", "greeting.txt", "sub/dir/args.txt");
    assertThat(Files.readAllBytes(dirs.output().resolve("copy.bin"))).isEqualTo(input);
    assertThat(r.outputs().get(0).size()).isEqualTo(input.length);
    assertThat(Files.readString(dirs.output().resolve("sub/dir/args.txt")))
        .isEqualTo("one arg|two|$(not expanded)||");
    assertThat(Files.readString(dirs.output().resolve("greeting.txt"), StandardCharsets.UTF_8))
        .isEqualTo("héllo wörld");
    assertThat(r.usage().peakMemoryBytes()).isPositive();
    assertThat(r.usage().cpuNanos()).isPositive();
    assertThat(r.environment()).isEqualTo("docker");
  }

  @Test
  void everyContainerSettingIsInForce() throws Exception {
    dirs.resource(
        "probe.sh",
        """
        echo "uid=$(id -u) gid=$(id -g) groups=$(id -G)"
        grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs):' /proc/self/status | tr -s '\\t ' ' '
        echo "net=$(ls /sys/class/net | tr '\\n' ' ')"
        touch /rootfs-write 2>/dev/null && echo "root=writable" || echo "root=read-only"
        touch /golem/resources/x 2>/dev/null && echo "resources=writable" || echo "resources=read-only"
        touch /golem/work/x /golem/output/x /tmp/x && echo "scratch=writable"
        rm /golem/output/x
        grep -E ' (/tmp|/golem/work|/golem/output|/golem/resources) ' /proc/mounts | awk '{print "mount " $2 " " $3 " " $4}'
        echo "pids.max=$(cat /sys/fs/cgroup/pids/pids.max)"
        echo "memory.limit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
        echo "cfs=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)/$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"
        echo "pid1=$(tr '\\0' ' ' < /proc/1/cmdline) owner=$(stat -c %u /proc/1)"
        i=0; while [ ! -e /golem/resources/go ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done
        """);
    Limits limits = small();
    Execution x =
        env.start(
            spec(
                "settings",
                runtimeId,
                dirs,
                limits,
                Map.of(),
                "bash",
                "/golem/resources/probe.sh"));
    String cid = DockerTestSupport.awaitRunningContainer(env, "settings");
    InspectContainerResponse c = DockerTestSupport.client(env).inspectContainerCmd(cid).exec();
    Files.writeString(dirs.resources().resolve("go"), "");
    ExecutionResult r = await(x);
    assertThat(r.succeeded()).as(r + " stderr: " + r.stderr().text()).isTrue();

    HostConfig h = c.getHostConfig();
    assertThat(c.getConfig().getImage()).isEqualTo(runtimeId);
    assertThat(c.getImageId()).isEqualTo(runtimeId);
    assertThat(h.getNetworkMode()).isEqualTo("none");
    assertThat(h.getReadonlyRootfs()).isTrue();
    assertThat(h.getMemory()).isEqualTo(limits.memoryBytes());
    assertThat(h.getMemorySwap()).isEqualTo(limits.memoryBytes());
    assertThat(h.getNanoCPUs()).isEqualTo(1_000_000_000L);
    assertThat(h.getPidsLimit()).isEqualTo(limits.maxProcesses() + (long) RunContainer.KEEPER_PIDS);
    assertThat(h.getCapDrop()).containsExactly(Capability.ALL);
    assertThat(h.getCapAdd()).isNullOrEmpty();
    assertThat(h.getSecurityOpts()).contains("no-new-privileges");
    assertThat(h.getPrivileged()).isFalse();
    assertThat(h.getInit()).isTrue();
    assertThat(h.getLogConfig().getType().getType()).isEqualTo("none");
    assertThat(h.getTmpFs()).containsOnlyKeys("/tmp", ExecutionSpec.WORK, ExecutionSpec.OUTPUT);
    assertThat(c.getConfig().getUser()).isEqualTo("65534:65534");
    assertThat(c.getConfig().getLabels())
        .containsEntry(DockerEnvironment.LABEL_NODE, NODE)
        .containsEntry(DockerEnvironment.LABEL_SUBTASK, "settings")
        .containsEntry(DockerEnvironment.LABEL_INSTANCE, env.instanceId());

    String out = r.stdout().text();
    assertThat(out)
        .contains("uid=1000 gid=1000 groups=1000\n")
        .contains("CapEff: 0000000000000000\n")
        .contains("CapPrm: 0000000000000000\n")
        .contains("CapBnd: 0000000000000000\n")
        .contains("NoNewPrivs: 1\n")
        .contains("net=lo \n")
        .contains("root=read-only\n")
        .contains("resources=read-only\n")
        .contains("scratch=writable\n")
        .contains("pids.max=" + (limits.maxProcesses() + RunContainer.KEEPER_PIDS) + "\n")
        .contains("memory.limit=" + limits.memoryBytes() + "\n")
        .contains("cfs=100000/100000\n")
        .contains("pid1=/sbin/docker-init -- sleep ")
        .contains("owner=65534\n");
    assertThat(out).containsPattern("mount /golem/resources \\S+ ro,");
    assertThat(out)
        .contains("mount /tmp tmpfs rw,nosuid,nodev,noexec,relatime,size=16384k,nr_inodes=65536");
    assertThat(out)
        .contains(
            "mount /golem/work tmpfs rw,nosuid,nodev,relatime,size=16384k,nr_inodes=65536,mode=700,uid=1000,gid=1000");
    assertThat(out)
        .contains(
            "mount /golem/output tmpfs rw,nosuid,nodev,noexec,relatime,size=9216k,nr_inodes=10016,mode=700,uid=1000,gid=1000");
  }

  @Test
  void aSubtaskPastItsTimeoutIsStopped() {
    long t0 = System.nanoTime();
    ExecutionResult r =
        run(
            "timeout",
            small().withTimeout(Duration.ofMillis(1500)),
            Map.of(),
            "sh",
            "-c",
            "echo started; sleep 60");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.reason()).isEqualTo(FailureReason.TIMEOUT);
    assertThat(r.failure().orElseThrow().message()).contains("1500 ms");
    assertThat(r.exitCode()).isEmpty();
    assertThat(r.stdout().text()).isEqualTo("started\n");
    assertThat(ms).as("wall time in ms").isBetween(1500L, 10_000L);
  }

  @Test
  void aSubtaskOverItsMemoryLimitIsOutOfMemory() {
    ExecutionResult r =
        run(
            "oom",
            small().withMemoryBytes(64 * Limits.MIB),
            Map.of(),
            "python3",
            "-c",
            "b = bytearray(b'x') * (512 << 20); print(len(b))");
    assertThat(r.reason()).as(r.toString()).isEqualTo(FailureReason.OUT_OF_MEMORY);
    assertThat(r.exitCode()).contains(137);
    assertThat(r.stdout().text()).isEmpty();
  }

  @Test
  void aNonZeroExitIsReportedWithItsStatusAndLogs() throws Exception {
    ExecutionResult r =
        run(
            "nonzero",
            small(),
            Map.of(),
            "sh",
            "-c",
            "echo partial > /golem/output/o; echo oops >&2; exit 3");
    assertThat(r.reason()).isEqualTo(FailureReason.NON_ZERO_EXIT);
    assertThat(r.failure().orElseThrow().message()).contains("status 3");
    assertThat(r.exitCode()).contains(3);
    assertThat(r.stderr().text()).isEqualTo("oops\n");
    assertThat(r.outputs()).isEmpty();
    try (var s = Files.list(dirs.output())) {
      assertThat(s).as("output folder after a failure").isEmpty();
    }
  }

  @Test
  void aMissingExecutableIsANonZeroExit() {
    ExecutionResult r = run("noexe", small(), Map.of(), "/usr/bin/no-such-program");
    assertThat(r.reason()).isEqualTo(FailureReason.NON_ZERO_EXIT);
    assertThat(r.exitCode()).contains(127);
    assertThat(r.stderr().text()).contains("no-such-program").contains("not found");
  }

  @Test
  void anImageOffTheWhitelistIsRefused() throws Exception {
    String baseId = env.resolveImage(DockerTestSupport.BASE).orElse(null);
    if (baseId == null)
      DockerTestSupport.missing(
          "the image " + DockerTestSupport.BASE + " is not built: run scripts/images");
    var spec =
        new ExecutionSpec(
            "offlist",
            new Program.DockerImage(DockerTestSupport.BASE, baseId),
            "true",
            List.of(),
            Map.of(),
            dirs.resources(),
            dirs.work(),
            dirs.output(),
            small());
    ExecutionResult r = await(env.start(spec));
    assertThat(r.reason()).isEqualTo(FailureReason.IMAGE_NOT_ALLOWED);
    assertThat(r.failure().orElseThrow().message()).contains(baseId).contains("whitelist");
  }

  @Test
  void aWhitelistedImageThatIsNotPresentIsMissing() throws Exception {
    String absent = "sha256:" + "0123456789abcdef".repeat(4);
    try (var e2 =
        new DockerEnvironment(DockerConfig.of(NODE + "-absent", Set.of(runtimeId, absent)))) {
      var spec =
          new ExecutionSpec(
              "absent",
              new Program.DockerImage("jgolem/gone", absent),
              "true",
              List.of(),
              Map.of(),
              dirs.resources(),
              dirs.work(),
              dirs.output(),
              small());
      ExecutionResult r = await(e2.start(spec));
      assertThat(r.reason()).isEqualTo(FailureReason.IMAGE_MISSING);
      assertThat(r.failure().orElseThrow().message()).contains(absent).contains("not present");
      assertThat(e2.capabilities().images()).containsExactly("jgolem/runtime:latest@" + runtimeId);
    }
  }

  @Test
  void anEngineThatDoesNotAnswerIsUnavailable() throws Exception {
    Path sock = tmp.resolve("nobody-listens.sock");
    try (var down =
        new DockerEnvironment(
            DockerConfig.of(NODE + "-down", Set.of(runtimeId)).withDockerHost("unix://" + sock))) {
      Capabilities c = down.capabilities();
      assertThat(c.available()).isFalse();
      assertThat(c.unavailableReason()).contains("does not answer").contains(sock.toString());
      ExecutionResult r =
          await(down.start(spec("down", runtimeId, dirs, small(), Map.of(), "true")));
      assertThat(r.reason()).isEqualTo(FailureReason.ENGINE_UNAVAILABLE);
      assertThat(r.failure().orElseThrow().message()).contains(sock.toString());
    }
  }

  @Test
  void aSocketFileWithNoEngineBehindItIsUnavailable() throws Exception {
    Path sock = tmp.resolve("dead.sock");
    try (var ch =
        java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      ch.bind(
          java.net.UnixDomainSocketAddress.of(sock)); // the file stays; nothing accepts once closed
    }
    assertThat(Files.exists(sock)).isTrue();
    try (var down =
        new DockerEnvironment(
            DockerConfig.of(NODE + "-down", Set.of(runtimeId)).withDockerHost("unix://" + sock))) {
      ExecutionResult r =
          await(down.start(spec("dead", runtimeId, dirs, small(), Map.of(), "true")));
      assertThat(r.reason()).isEqualTo(FailureReason.ENGINE_UNAVAILABLE);
      assertThat(r.failure().orElseThrow().message()).contains("does not answer");
    }
  }

  @Test
  void closingTheEnvironmentCancelsWhatRunsAndRemovesItsContainers() throws Exception {
    String node = NODE + "-close";
    var closing = new DockerEnvironment(DockerConfig.of(node, Set.of(runtimeId)));
    Execution x = closing.start(spec("closing", runtimeId, dirs, small(), Map.of(), "sleep", "60"));
    DockerTestSupport.awaitRunningContainer(closing, "closing");
    closing.close();
    assertThat(x.isDone()).as("the result is complete when close() returns").isTrue();
    assertThat(await(x).reason()).isEqualTo(FailureReason.CANCELLED);
    assertNoContainers(env, node);
    ExecutionResult after =
        await(closing.start(spec("after-close", runtimeId, dirs, small(), Map.of(), "true")));
    assertThat(after.reason()).isEqualTo(FailureReason.ENGINE_UNAVAILABLE);
  }

  @Test
  void theTaskComputerRoutesDockerImagesHere() throws Exception {
    var computer = new org.jgolem.compute.TaskComputer(List.of(env));
    ExecutionResult r =
        await(
            computer.run(
                spec("routed", runtimeId, dirs, small(), Map.of(), "sh", "-c", "echo routed")));
    assertThat(r.succeeded()).as(r.toString()).isTrue();
    assertThat(r.stdout().text()).isEqualTo("routed\n");
    assertThat(computer.capabilities())
        .extracting(Capabilities::environment)
        .containsExactly("docker");
  }

  @Test
  void containersLeftByACrashedRunAreReapedAtStart() throws Exception {
    String node = NODE + "-reap";
    var docker = DockerTestSupport.client(env);
    String crashed =
        docker
            .createContainerCmd(runtimeId)
            .withEntrypoint("sleep", "300")
            .withUser("65534:65534")
            .withLabels(
                Map.of(
                    DockerEnvironment.LABEL_NODE,
                    node,
                    DockerEnvironment.LABEL_INSTANCE,
                    "crashed-run",
                    DockerEnvironment.LABEL_SUBTASK,
                    "old"))
            .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none"))
            .exec()
            .getId();
    docker.startContainerCmd(crashed).exec();
    String stopped =
        docker
            .createContainerCmd(runtimeId)
            .withEntrypoint("true")
            .withLabels(
                Map.of(
                    DockerEnvironment.LABEL_NODE,
                    node,
                    DockerEnvironment.LABEL_INSTANCE,
                    "older-run"))
            .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none"))
            .exec()
            .getId();
    String otherNode =
        docker
            .createContainerCmd(runtimeId)
            .withEntrypoint("true")
            .withLabels(
                Map.of(
                    DockerEnvironment.LABEL_NODE,
                    NODE + "-other",
                    DockerEnvironment.LABEL_INSTANCE,
                    "x"))
            .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none"))
            .exec()
            .getId();
    try {
      assertThat(DockerTestSupport.containersOf(env, node)).hasSize(2);
      try (var restarted = new DockerEnvironment(DockerConfig.of(node, Set.of(runtimeId)))) {
        assertNoContainers(restarted, node);
        assertThat(DockerTestSupport.containersOf(env, NODE + "-other"))
            .extracting(c -> c.getId())
            .containsExactly(otherNode);
        ExecutionResult r =
            await(restarted.start(spec("after-reap", runtimeId, dirs, small(), Map.of(), "true")));
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        assertThat(restarted.reapLeftovers()).isZero();
      }
    } finally {
      for (String id : List.of(crashed, stopped, otherNode)) {
        try {
          docker.removeContainerCmd(id).withForce(true).exec();
        } catch (com.github.dockerjava.api.exception.NotFoundException gone) {
          // reaped, as it should be
        }
      }
    }
  }

  @Test
  void cancellingRightAtTheStartLeavesNothing() {
    Execution x =
        env.start(spec("cancel-start", runtimeId, dirs, small(), Map.of(), "sleep", "60"));
    x.cancel();
    ExecutionResult r = await(x);
    assertThat(r.reason()).isEqualTo(FailureReason.CANCELLED);
    assertNoContainers(env, NODE);
  }

  @Test
  void cancellingAMidRunSubtaskStopsItAtOnce() throws Exception {
    Execution x =
        env.start(
            spec(
                "cancel-mid",
                runtimeId,
                dirs,
                small(),
                Map.of(),
                "sh",
                "-c",
                "echo going; exec sleep 60"));
    String cid = DockerTestSupport.awaitRunningContainer(env, "cancel-mid");
    awaitProcess(cid, "sleep 60");
    long t0 = System.nanoTime();
    x.cancel();
    ExecutionResult r = await(x);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.reason()).isEqualTo(FailureReason.CANCELLED);
    assertThat(ms).as("ms from cancel() to the result").isLessThan(5_000);
    assertNoContainers(env, NODE);
  }

  @Test
  void cancellingMidRunOnManyThreadsAtOnceIsSafe() throws Exception {
    Execution x = env.start(spec("cancel-many", runtimeId, dirs, small(), Map.of(), "sleep", "60"));
    String cid = DockerTestSupport.awaitRunningContainer(env, "cancel-many");
    awaitProcess(cid, "sleep 60");
    Thread[] ts = new Thread[8];
    for (int i = 0; i < ts.length; i++) ts[i] = Thread.ofVirtual().start(x::cancel);
    for (Thread t : ts) t.join();
    assertThat(await(x).reason()).isEqualTo(FailureReason.CANCELLED);
  }

  @Test
  void cancellingAtAnyPointOfTheLifecycleLeavesNothing() throws Exception {
    Random random = new Random(11);
    int cancelled = 0;
    for (int i = 0; i < 10; i++) {
      Path root = Files.createDirectories(tmp.resolve("any-" + i));
      Dirs d = Dirs.under(root);
      Execution x =
          env.start(
              spec(
                  "cancel-any-" + i,
                  runtimeId,
                  d,
                  small(),
                  Map.of(),
                  "sh",
                  "-c",
                  "head -c 4000000 /dev/urandom > /golem/output/noise; sleep 0.6; echo done"));
      Thread.sleep(
          random.nextInt(
              700)); // anywhere from before the container exists to after the output is in
      x.cancel();
      ExecutionResult r = await(x);
      assertThat(r.reason()).as(r.toString()).isIn(null, FailureReason.CANCELLED);
      if (r.reason() == FailureReason.CANCELLED) {
        cancelled++;
        try (var s = Files.list(d.output())) {
          assertThat(s).as("output folder of a cancelled subtask").isEmpty();
        }
      }
      assertNoContainers(env, NODE);
    }
    // how many finish first depends on the machine's speed; the subtask sleeps after writing its
    // output so
    // that, on a quiet machine too, most of the cancellations land while it runs
    assertThat(cancelled)
        .as("subtasks that were cancelled rather than finished")
        .isGreaterThanOrEqualTo(3);
  }

  @Test
  void logsAreTruncatedAtTheLimitAndCounted() {
    Limits limits =
        new Limits(
            1, 256 * Limits.MIB, Duration.ofSeconds(20), Limits.MIB, 1000, 64, 16 * Limits.MIB);
    ExecutionResult r =
        run(
            "logs",
            limits,
            Map.of(),
            "sh",
            "-c",
            "yes abcdefghi | head -c 3000000; yes e | head -c 500 >&2");
    assertThat(r.succeeded()).as(r.toString()).isTrue();
    assertThat(r.stdout().kept()).hasSize(1000);
    assertThat(r.stdout().totalBytes()).isEqualTo(3_000_000);
    assertThat(r.stdout().truncated()).isTrue();
    assertThat(r.stdout().text()).startsWith("abcdefghi\nabcdefghi\n");
    assertThat(r.stderr().totalBytes()).isEqualTo(500);
    assertThat(r.stderr().truncated()).isFalse();
  }

  @Test
  void capabilitiesListTheWhitelistedImagesPresent() {
    Capabilities c = env.capabilities();
    assertThat(c.available()).isTrue();
    assertThat(c.environment()).isEqualTo("docker");
    assertThat(c.images()).containsExactly("jgolem/runtime:latest@" + runtimeId);
    assertThat(c.cpus()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(c.memoryBytes()).isGreaterThan(Limits.MIB * 512);
  }

  @Test
  void malformedRequestsAreRefusedBeforeAnythingStarts() throws Exception {
    var wasm =
        new ExecutionSpec(
            "wasm",
            new Program.WasmBinary(dirs.resources().resolve("x.wasm"), new byte[32]),
            "x",
            List.of(),
            Map.of(),
            dirs.resources(),
            dirs.work(),
            dirs.output(),
            small());
    assertThat(await(env.start(wasm)).reason()).isEqualTo(FailureReason.INVALID_SPEC);

    Files.setPosixFilePermissions(dirs.resources(), PosixFilePermissions.fromString("rwx------"));
    ExecutionResult r = run("private-resources", small(), Map.of(), "true");
    assertThat(r.reason()).isEqualTo(FailureReason.INVALID_SPEC);
    assertThat(r.failure().orElseThrow().message()).contains("readable by others");
    Files.setPosixFilePermissions(dirs.resources(), PosixFilePermissions.fromString("rwxr-xr-x"));

    try (var capped =
        new DockerEnvironment(
            DockerConfig.of(NODE + "-capped", Set.of(runtimeId)).withMaxCpus(1))) {
      var r2 =
          await(
              capped.start(
                  spec("too-many-cpus", runtimeId, dirs, small().withCpus(2), Map.of(), "true")));
      assertThat(r2.reason()).isEqualTo(FailureReason.INVALID_SPEC);
      assertThat(r2.failure().orElseThrow().message()).contains("2 cpus");
    }
  }

  @Test
  void twoSubtasksRunSideBySide() throws Exception {
    Path a = Files.createDirectories(tmp.resolve("a"));
    Path b = Files.createDirectories(tmp.resolve("b"));
    Dirs da = Dirs.under(a);
    Dirs db = Dirs.under(b);
    Execution xa =
        env.start(
            spec(
                "side-a",
                runtimeId,
                da,
                small(),
                Map.of(),
                "sh",
                "-c",
                "sleep 0.5; echo a > /golem/output/a"));
    Execution xb =
        env.start(
            spec(
                "side-b",
                runtimeId,
                db,
                small(),
                Map.of(),
                "sh",
                "-c",
                "sleep 0.5; echo b > /golem/output/b"));
    ExecutionResult ra = await(xa);
    ExecutionResult rb = await(xb);
    assertThat(ra.succeeded()).as(ra.toString()).isTrue();
    assertThat(rb.succeeded()).as(rb.toString()).isTrue();
    assertThat(Files.readString(da.output().resolve("a"))).isEqualTo("a\n");
    assertThat(Files.readString(db.output().resolve("b"))).isEqualTo("b\n");
  }

  /** Waits until a process whose command line contains {@code needle} runs in the container. */
  private static void awaitProcess(String containerId, String needle) {
    org.jgolem.testkit.Await.until(
        Duration.ofSeconds(30),
        () -> {
          var top = DockerTestSupport.client(env).topContainerCmd(containerId).exec();
          return top.getProcesses() != null
              && Arrays.stream(top.getProcesses())
                  .anyMatch(p -> String.join(" ", p).contains(needle));
        },
        () -> "a process '" + needle + "' in container " + containerId);
  }
}

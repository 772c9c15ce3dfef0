package org.jgolem.compute;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jgolem.compute.host.HostDirectEnvironment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostDirectEnvironmentTest {
  @TempDir Path dir;
  Path resources, work, output;
  final HostDirectEnvironment env = HostDirectEnvironment.enabledForTrustedCode(2, 1L << 30);

  @BeforeEach
  void folders() throws Exception {
    resources = Files.createDirectory(dir.resolve("resources"));
    work = Files.createDirectory(dir.resolve("work"));
    output = Files.createDirectory(dir.resolve("output"));
  }

  ExecutionSpec sh(String script, Limits limits) {
    return new ExecutionSpec(
        "st-1",
        new Program.HostBinary(Path.of("/bin/sh")),
        "sh",
        List.of("-c", script, "/golem/output/x"),
        Map.of("GREETING", "hello", "IN", "/golem/resources/in.txt"),
        resources,
        work,
        output,
        limits);
  }

  static ExecutionResult await(Execution x) throws Exception {
    return x.result().get(30, TimeUnit.SECONDS);
  }

  @Test
  void runsAProgramWithRewrittenPathsACleanEnvironmentAndCollectsItsOutput() throws Exception {
    Files.writeString(resources.resolve("in.txt"), "resource-bytes");
    ExecutionResult r =
        await(
            env.start(
                sh(
                    "cat \"$IN\" > \"$0\"; mkdir -p $GOLEM_OUTPUT/sub; echo \"$GREETING\" > $GOLEM_OUTPUT/sub/y; "
                        + "echo out; echo err >&2; echo \"home=${HOME:-none} pwd=$(pwd)\"",
                    Limits.defaults())));

    assertThat(r.succeeded()).as(r.toString()).isTrue();
    assertThat(r.exitCode()).contains(0);
    assertThat(Files.readString(output.resolve("x"))).isEqualTo("resource-bytes");
    assertThat(r.outputs())
        .extracting(ExecutionResult.OutputFile::path)
        .containsExactly("sub/y", "x");
    assertThat(r.stdout().text()).isEqualTo("out\nhome=none pwd=" + work.toRealPath() + "\n");
    assertThat(r.stderr().text()).isEqualTo("err\n");
  }

  @Test
  void isOffByDefault() throws Exception {
    HostDirectEnvironment off = HostDirectEnvironment.disabled();
    assertThat(off.capabilities().available()).isFalse();
    ExecutionResult r = await(off.start(sh("touch /golem/output/x", Limits.defaults())));
    assertThat(r.reason()).isEqualTo(FailureReason.ENGINE_UNAVAILABLE);
    assertThat(r.failure().get().message()).contains("turned off");
    try (var s = Files.list(output)) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void nonZeroExitIsTypedAndPartialOutputIsDropped() throws Exception {
    ExecutionResult r =
        await(env.start(sh("echo partial > $GOLEM_OUTPUT/p; exit 3", Limits.defaults())));
    assertThat(r.reason()).isEqualTo(FailureReason.NON_ZERO_EXIT);
    assertThat(r.exitCode()).contains(3);
    assertThat(r.outputs()).isEmpty();
    assertThat(Files.exists(output.resolve("p"))).isFalse();
  }

  @Test
  void timeoutKillsTheWholeProcessTree() throws Exception {
    Path pidFile = dir.resolve("child.pid");
    ExecutionResult r =
        await(
            env.start(
                sh(
                    "sleep 600 & echo $! > " + pidFile + "; wait",
                    Limits.defaults().withTimeout(Duration.ofMillis(700)))));
    assertThat(r.reason()).isEqualTo(FailureReason.TIMEOUT);
    assertThat(r.exitCode()).isEmpty();
    long child = Long.parseLong(Files.readString(pidFile).trim());
    assertThat(runningAfter(child, Duration.ofSeconds(5)))
        .as("child sleep still running")
        .isFalse();
    assertThat(r.wallTime()).isLessThan(Duration.ofSeconds(10));
  }

  /**
   * Whether the process still runs after waiting up to {@code d}; a killed zombie awaiting its
   * reaper does not count.
   */
  static boolean runningAfter(long pid, Duration d) throws Exception {
    long end = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < end) {
      String s;
      try {
        s = Files.readString(Path.of("/proc/" + pid + "/stat"));
      } catch (java.io.IOException gone) {
        return false;
      }
      char state = s.charAt(s.lastIndexOf(')') + 2);
      if (state == 'Z' || state == 'X') return false;
      Thread.sleep(20);
    }
    return true;
  }

  @Test
  void cancelStopsARunningSubtask() throws Exception {
    Execution x = env.start(sh("echo started; sleep 600", Limits.defaults()));
    Thread.sleep(200);
    x.cancel();
    ExecutionResult r = await(x);
    assertThat(r.reason()).isEqualTo(FailureReason.CANCELLED);
    assertThat(r.wallTime()).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void logsAreBoundedButCounted() throws Exception {
    Limits small =
        new Limits(1, 64 * Limits.MIB, Duration.ofSeconds(30), Limits.MIB, 100, 16, Limits.MIB);
    ExecutionResult r = await(env.start(sh("head -c 100000 /dev/zero | tr '\\0' a", small)));
    assertThat(r.succeeded()).isTrue();
    assertThat(r.stdout().kept()).hasSize(100);
    assertThat(r.stdout().totalBytes()).isEqualTo(100_000);
    assertThat(r.stdout().truncated()).isTrue();
  }

  @Test
  void outputOverTheLimitIsRefusedAndRemoved() throws Exception {
    ExecutionResult r =
        await(
            env.start(
                sh(
                    "head -c 5000 /dev/zero > $GOLEM_OUTPUT/big",
                    Limits.defaults().withMaxOutputBytes(4096))));
    assertThat(r.reason()).isEqualTo(FailureReason.OUTPUT_TOO_LARGE);
    assertThat(Files.exists(output.resolve("big"))).isFalse();
  }

  @Test
  void aSymlinkInTheOutputIsRefused() throws Exception {
    ExecutionResult r =
        await(env.start(sh("ln -s /etc/passwd $GOLEM_OUTPUT/link", Limits.defaults())));
    assertThat(r.reason()).isEqualTo(FailureReason.TRAPPED);
    assertThat(r.failure().get().message()).contains("link").contains("not a regular file");
  }

  @Test
  void aMissingExecutableIsReported() throws Exception {
    var spec =
        new ExecutionSpec(
            "st-2",
            new Program.HostBinary(dir.resolve("nope")),
            "nope",
            List.of(),
            Map.of(),
            resources,
            work,
            output,
            Limits.defaults());
    ExecutionResult r = await(env.start(spec));
    assertThat(r.reason()).isEqualTo(FailureReason.IMAGE_MISSING);
    assertThat(r.failure().get().message()).contains("nope");
  }
}

package org.jgolem.compute.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jgolem.compute.docker.DockerTestSupport.assertNoContainers;
import static org.jgolem.compute.docker.DockerTestSupport.await;
import static org.jgolem.compute.docker.DockerTestSupport.containersOf;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionResult.OutputFile;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.Limits;
import org.jgolem.compute.Program;
import org.jgolem.compute.WarmUp;
import org.jgolem.compute.docker.DockerTestSupport.Dirs;
import org.jgolem.testkit.Await;
import org.jgolem.testkit.FakeClock;
import org.jgolem.testkit.ManualScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions against the real engine: the subtasks of one session key run one after the other in one
 * container, kept between them with the processes a subtask kept stopped; a server the subtask
 * asked to keep survives into the next subtask, anything else it left is killed as outside a
 * session; each subtask sees its own resources and an empty output folder, and is charged its own
 * CPU time; a failure, another key or closing the environment ends the container.
 *
 * <p>The environment's time is a {@link FakeClock} and a {@link ManualScheduler}: the node's idle
 * time, its sampling ticks and the warm-ups' retry move only when the test moves them, so that a
 * warm-up not made is seen at once; the containers and their warm-ups run in real time, and the
 * test waits for what they do.
 */
class DockerSessionTest {
  static final String NODE = "jgolem-test-session";

  @TempDir Path tmp;
  String runtimeId;
  DockerEnvironment env;
  FakeClock clock = new FakeClock(1_000_000);
  ManualScheduler timers = new ManualScheduler(clock);
  WarmWatch warmUps;
  int n;

  @BeforeEach
  void engine() throws Exception {
    runtimeId = DockerTestSupport.requireRuntimeImage();
    env = new DockerEnvironment(DockerConfig.of(NODE, Set.of(runtimeId)), clock, timers);
    env.sessionFolder(tmp.resolve("sessions"));
    warmUps = new WarmWatch(env);
  }

  @AfterEach
  void closed() {
    if (env == null) return;
    env.close();
    try (var probe = new DockerEnvironment(DockerConfig.of(NODE + "-probe", Set.of()))) {
      assertNoContainers(probe, NODE);
    }
    assertThat(tmp.resolve("sessions"))
        .as("the sessions' folder, gone with its sessions")
        .doesNotExist();
  }

  /**
   * Runs {@code script} (sh) with the resource files given, in session {@code key} (null: none).
   */
  private ExecutionResult run(String key, String script, Map<String, String> resources)
      throws Exception {
    return run(key, script, resources, DockerTestSupport.small());
  }

  private ExecutionResult run(
      String key, String script, Map<String, String> resources, Limits limits) throws Exception {
    Dirs d = Dirs.under(tmp.resolve("run-" + (++n)));
    d.resource("job.sh", script);
    for (var e : resources.entrySet()) d.resource(e.getKey(), e.getValue());
    ExecutionSpec spec =
        new ExecutionSpec(
            "session-test-" + n,
            new Program.DockerImage(DockerTestSupport.RUNTIME, runtimeId),
            "/bin/sh",
            List.of("/golem/resources/job.sh"),
            Map.of(),
            d.resources(),
            d.work(),
            d.output(),
            limits,
            key);
    ExecutionResult r = await(env.start(spec));
    lastOutput = d.output();
    return r;
  }

  Path lastOutput;

  /**
   * Moves the clock on half a second at a time (the node's sampling ticks) until a warm-up starts,
   * for at most {@code max}; returns how long that took, or null if none started.
   */
  private Duration advanceUntilAWarmUpStarts(Duration max) {
    long t0 = clock.millis();
    while (clock.millis() - t0 < max.toMillis()) {
      timers.advance(Duration.ofMillis(500));
      if (warmUps.drain().stream().anyMatch(r -> r.outcome() == WarmUpReport.Outcome.STARTED)) {
        return Duration.ofMillis(clock.millis() - t0);
      }
    }
    return null;
  }

  /**
   * What the old awaitWarm told: a warm sandbox is ready, or, once the node was idle long enough,
   * one was readied.
   */
  private boolean warmReady() throws InterruptedException {
    if (env.warmSessions() > 0) return true;
    if (advanceUntilAWarmUpStarts(Duration.ofSeconds(10)) == null) return false;
    WarmUpReport end = warmUps.nextEnd(Duration.ofSeconds(60));
    return end != null && end.outcome() == WarmUpReport.Outcome.READY && env.warmSessions() > 0;
  }

  /**
   * The uid-1000 processes of a container with their state letters (ps STAT), as the host's ps sees
   * them.
   */
  private static List<String> subtaskProcessStates(DockerEnvironment env, String containerId) {
    var top =
        DockerTestSupport.client(env)
            .topContainerCmd(containerId)
            .withPsArgs("-o pid,uid,stat,args")
            .exec();
    return java.util.Arrays.stream(top.getProcesses())
        .filter(p -> p[1].strip().equals("1000"))
        .map(p -> p[2] + " " + p[3])
        .toList();
  }

  private static String out(ExecutionResult r) {
    return r + "\n" + r.stdout().text() + r.stderr().text();
  }

  @Test
  void aKeptServerSurvivesIntoTheNextSubtaskOfTheSessionInTheSameContainer() throws Exception {
    ExecutionResult first =
        run(
            "task-a",
            """
            set -eu
            echo first > /golem/work/marker
            i=0; while [ $i -lt 300000 ]; do i=$((i + 1)); done
            # the kept "server": a tick every 50 ms
            (while :; do echo tick >> /golem/work/ticks; sleep 0.05; done) &
            echo $! > "$JGOLEM_SESSION/server"
            echo $! > "$JGOLEM_SESSION/keep"
            sleep 0.3
            cat /golem/resources/one.txt > /golem/output/first.txt
            """,
            Map.of("one.txt", "resource one\n"));
    assertThat(first.succeeded()).as(out(first)).isTrue();
    assertThat(Files.readString(lastOutput.resolve("first.txt"))).isEqualTo("resource one\n");
    assertThat(env.idleSessions()).isEqualTo(1);
    var containers = containersOf(env, NODE);
    assertThat(containers).hasSize(1);
    var state =
        DockerTestSupport.client(env)
            .inspectContainerCmd(containers.get(0).getId())
            .exec()
            .getState();
    assertThat(state.getRunning())
        .as("the keeper goes on (the container still ends by itself if the node dies)")
        .isTrue();
    assertThat(state.getPaused()).isFalse();
    // idle: the kept processes are stopped (SIGSTOP), so no tick is written until the next subtask
    assertThat(subtaskProcessStates(env, containers.get(0).getId()))
        .as("the subtask's kept processes")
        .isNotEmpty()
        .allSatisfy(p -> assertThat(p).startsWith("T"));

    ExecutionResult second =
        run(
            "task-a",
            """
            set -eu
            cat /golem/work/marker
            echo "ticks at start $(wc -l < /golem/work/ticks)"
            sleep 0.5
            echo "ticks later $(wc -l < /golem/work/ticks)"
            if kill -0 "$(cat "$JGOLEM_SESSION/server")"; then echo server alive; else echo server gone; fi
            ls /golem/resources | tr '\\n' ' '; echo
            ls -A /golem/output | wc -l
            echo second > /golem/output/second.txt
            """,
            Map.of("two.txt", "resource two\n"));
    assertThat(second.succeeded()).as(out(second)).isTrue();
    var ticks =
        java.util.regex.Pattern.compile("ticks at start (\\d+)\nticks later (\\d+)")
            .matcher(second.stdout().text());
    assertThat(ticks.find()).as(out(second)).isTrue();
    int atStart = Integer.parseInt(ticks.group(1));
    int later = Integer.parseInt(ticks.group(2));
    assertThat(atStart).as("ticks written in 0.3 s, then none while idle").isBetween(2, 9);
    assertThat(later - atStart)
        .as("the kept process goes on in the next subtask")
        .isGreaterThanOrEqualTo(3);
    assertThat(second.stdout().text())
        .contains("first\n", "server alive\n", "job.sh two.txt \n", "0\n")
        .doesNotContain("one.txt");
    assertThat(second.outputs()).extracting(OutputFile::path).containsExactly("second.txt");
    assertThat(containersOf(env, NODE))
        .extracting(c -> c.getId())
        .containsExactly(containers.get(0).getId());
    // the first run counted to 300000 in sh; the second is charged its own CPU time, not the
    // container's since its start
    assertThat(first.usage().cpuNanos()).isGreaterThan(50_000_000L);
    assertThat(second.usage().cpuNanos())
        .as("this run's CPU time only")
        .isBetween(0L, first.usage().cpuNanos() / 2);
  }

  @Test
  void withoutKeepTheNextSubtaskFindsTheContainerCleanAndAnotherKeyGetsAnotherContainer()
      throws Exception {
    ExecutionResult first =
        run(
            "task-b",
            """
            echo b > /golem/work/marker
            echo b > /tmp/marker
            sleep 300 &
            echo $! > /golem/work/pid
            """,
            Map.of());
    assertThat(first.succeeded()).as(out(first)).isTrue();
    var container = containersOf(env, NODE).get(0).getId();
    ExecutionResult second =
        run(
            "task-b",
            """
            ls -A /golem/work /tmp | tr '\n' ' '; echo
            n=0; for p in /proc/[0-9]*; do [ "$(cat "$p/comm" 2>/dev/null)" = sleep ] && [ -O "$p" ] && n=$((n + 1)); done
            if [ "$n" -gt 0 ]; then echo sleep alive; else echo sleep gone; fi
            echo c > /golem/work/marker
            """,
            Map.of());
    assertThat(second.succeeded()).as(out(second)).isTrue();
    assertThat(containersOf(env, NODE)).extracting(c -> c.getId()).containsExactly(container);
    assertThat(second.stdout().text()).contains("sleep gone\n").doesNotContain("marker", "pid");

    ExecutionResult other =
        run("task-c", "cat /golem/work/marker 2>/dev/null || echo no marker\n", Map.of());
    assertThat(other.stdout().text()).contains("no marker");
    assertThat(env.idleSessions()).isEqualTo(2);
    ExecutionResult none =
        run(
            null,
            "echo ${JGOLEM_SESSION:-no session}; cat /golem/work/marker 2>/dev/null || echo no marker\n",
            Map.of());
    assertThat(none.stdout().text()).contains("no session", "no marker");
    assertThat(env.idleSessions()).isEqualTo(2);
  }

  /**
   * A warm sandbox, readied while the node is idle by the node's own program, serves the first
   * subtask of one new session that fits it (same image, cpus and memory; at most its processes,
   * scratch and output), and no other session: the next new session gets another one, readied when
   * the node was idle again, and never sees what the first wrote. A subtask that does not fit gets
   * a new container, the warm one left as it is.
   */
  @Test
  void aWarmSandboxServesOneNewSessionThatFitsItAndAnotherIsReadiedWhenIdle() throws Exception {
    Map<String, Set<String>> steps = new ConcurrentHashMap<>();
    env.onStepTimes(t -> steps.put(t.subtaskId(), t.nanos().keySet()));
    Limits warmLimits =
        DockerTestSupport.small()
            .withMaxOutputBytes(DockerTestSupport.small().maxOutputBytes() * 2);
    env.keepWarm(
        new WarmUp(
            runtimeId,
            warmLimits,
            "/bin/sh",
            List.of("/golem/resources/warm.sh"),
            Map.of(
                "warm.sh",
                """
                set -eu
                echo "warmed with $WARM_TAG" > /golem/work/warm
                (while :; do sleep 1; done) &
                echo $! > "$JGOLEM_SESSION/server"
                echo $! > "$JGOLEM_SESSION/keep"
                """
                    .getBytes(StandardCharsets.UTF_8)),
            Map.of("WARM_TAG", "tag-7")));
    assertThat(warmReady()).isTrue();
    assertThat(env.warmSessions()).isEqualTo(1);
    assertThat(env.idleSessions()).as("warm sandboxes belong to no session yet").isZero();
    assertThat(env.warmUpCpuTime()).isPositive();
    var warmContainers = containersOf(env, NODE);
    assertThat(warmContainers).hasSize(1);

    String probe =
        """
        cat /golem/work/warm 2>/dev/null || echo not warm
        cat /golem/work/mine 2>/dev/null || echo nothing of another session
        if kill -0 "$(cat "$JGOLEM_SESSION/server" 2>/dev/null)" 2>/dev/null; then echo server alive; fi
        ls /golem/resources | tr '\\n' ' '; echo
        echo "$KEY" > /golem/work/mine
        touch "$JGOLEM_SESSION/keep"
        """;
    ExecutionResult a = run("task-w1", probe.replace("$KEY", "w1"), Map.of("a.txt", "a\n"));
    assertThat(a.succeeded()).as(out(a)).isTrue();
    assertThat(a.stdout().text())
        .contains(
            "warmed with tag-7", "nothing of another session", "server alive", "a.txt job.sh \n")
        .doesNotContain("warm.sh");
    assertThat(steps.get("session-test-" + n)).contains("warm").doesNotContain("create", "start");
    String aContainer = warmContainers.get(0).getId();

    // the node is idle again: another sandbox is readied; the next new session gets it, not
    // task-w1's
    assertThat(warmReady()).isTrue();
    assertThat(containersOf(env, NODE)).hasSize(2).extracting(c -> c.getId()).contains(aContainer);
    ExecutionResult b = run("task-w2", probe.replace("$KEY", "w2"), Map.of());
    assertThat(b.stdout().text())
        .contains("warmed with tag-7", "nothing of another session", "server alive");
    assertThat(steps.get("session-test-" + n)).contains("warm");

    ExecutionResult a2 = run("task-w1", "cat /golem/work/mine\n", Map.of());
    assertThat(a2.stdout().text()).isEqualTo("w1\n");
    assertThat(steps.get("session-test-" + n)).contains("resume").doesNotContain("warm", "create");

    assertThat(warmReady()).isTrue();
    ExecutionResult bigger =
        run(
            "task-w3",
            probe.replace("$KEY", "w3"),
            Map.of(),
            DockerTestSupport.small().withMemoryBytes(DockerTestSupport.small().memoryBytes() * 2));
    assertThat(bigger.stdout().text())
        .as("another memory limit: a new container")
        .contains("not warm");
    assertThat(steps.get("session-test-" + n)).contains("create").doesNotContain("warm");
    assertThat(env.warmSessions())
        .as("the warm sandbox is left for a subtask that fits it")
        .isEqualTo(1);
    ExecutionResult none =
        run(null, "cat /golem/work/warm 2>/dev/null || echo not warm\n", Map.of());
    assertThat(none.stdout().text())
        .as("a subtask outside any session never gets a warm sandbox")
        .contains("not warm");
  }

  /**
   * Warm-ups are made only while the rest of the node is idle too, as the node says, and one being
   * readied gives way (its container is removed) as soon as the node is busy again; it is readied
   * again once the node is idle.
   */
  @Test
  void aWarmUpWaitsUntilTheWholeNodeIsIdleAndGivesWayToWork() throws Exception {
    java.util.concurrent.atomic.AtomicBoolean idle =
        new java.util.concurrent.atomic.AtomicBoolean();
    env.idleWhen(idle::get);
    env.keepWarm(
        new WarmUp(
            runtimeId,
            DockerTestSupport.small(),
            "/bin/sh",
            List.of("/golem/resources/warm.sh"),
            Map.of(
                "warm.sh",
                "sleep 3; touch \"$JGOLEM_SESSION/keep\"\n".getBytes(StandardCharsets.UTF_8)),
            Map.of()));
    assertThat(advanceUntilAWarmUpStarts(Duration.ofSeconds(5)))
        .as("the node is busy elsewhere")
        .isNull();
    assertThat(env.warmSessions()).isZero();
    assertThat(warmUps.reports()).as("no warm-up was even started").isEmpty();
    assertThat(containersOf(env, NODE)).isEmpty();

    idle.set(true);
    assertThat(advanceUntilAWarmUpStarts(Duration.ofSeconds(30)))
        .as("a warm-up starts once the node is idle")
        .isNotNull();
    Await.until(
        Duration.ofSeconds(30),
        () -> !containersOf(env, NODE).isEmpty(),
        () -> "the warm-up's container");
    assertThat(containersOf(env, NODE)).as("a warm-up started once the node was idle").hasSize(1);
    idle.set(false); // work comes while it is being readied
    timers.advance(Duration.ofMillis(500)); // the next sampling tick sees it
    WarmUpReport gaveWay = warmUps.nextEnd(Duration.ofSeconds(10));
    assertThat(gaveWay).isNotNull();
    assertThat(gaveWay.outcome()).isEqualTo(WarmUpReport.Outcome.GAVE_WAY);
    assertThat(containersOf(env, NODE)).as("the warm-up gave way: its container is gone").isEmpty();
    assertThat(env.warmSessions()).isZero();

    idle.set(true);
    Duration waited = advanceUntilAWarmUpStarts(Duration.ofSeconds(60));
    assertThat(waited).as("readied again when the node is idle").isNotNull();
    WarmUpReport again = warmUps.nextEnd(Duration.ofSeconds(60));
    assertThat(again).isNotNull();
    assertThat(again.outcome())
        .as("readied again when the node is idle")
        .isEqualTo(WarmUpReport.Outcome.READY);
    assertThat(env.warmSessions()).isEqualTo(1);
    assertThat(waited)
        .as("after the node has been idle for a while")
        .isGreaterThanOrEqualTo(DockerEnvironment.WARM_AFTER_IDLE.minusMillis(600));
  }

  /**
   * A warm-up that fails leaves no sandbox behind (it is tried again a minute later); subtasks run
   * as before.
   */
  @Test
  void aFailedWarmUpLeavesNothingAndSubtasksRunInNewContainers() throws Exception {
    Map<String, Set<String>> steps = new ConcurrentHashMap<>();
    env.onStepTimes(t -> steps.put(t.subtaskId(), t.nanos().keySet()));
    env.keepWarm(
        new WarmUp(
            runtimeId,
            DockerTestSupport.small(),
            "/bin/sh",
            List.of("/golem/resources/warm.sh"),
            Map.of("warm.sh", "echo cannot warm up >&2; exit 3\n".getBytes(StandardCharsets.UTF_8)),
            Map.of()));
    assertThat(advanceUntilAWarmUpStarts(Duration.ofSeconds(6))).isNotNull();
    WarmUpReport failed = warmUps.nextEnd(Duration.ofSeconds(60));
    assertThat(failed).isNotNull();
    assertThat(failed.outcome())
        .as("no warm sandbox from a failing warm-up")
        .isEqualTo(WarmUpReport.Outcome.FAILED);
    assertThat(advanceUntilAWarmUpStarts(DockerWarmUps.RETRY_AFTER.minusSeconds(5)))
        .as("not tried again at once")
        .isNull();
    assertThat(env.warmSessions()).isZero();
    assertThat(env.warmUpCpuTime()).as("the failed warm-up ran").isPositive();
    assertThat(containersOf(env, NODE)).as("its container removed").isEmpty();
    ExecutionResult r = run("task-f", "echo ran\n", Map.of());
    assertThat(r.stdout().text()).isEqualTo("ran\n");
    assertThat(steps.get("session-test-" + n)).contains("create").doesNotContain("warm");
    assertThatThrownBy(() ->
            env.keepWarm(
                new WarmUp(
                    "sha256:" + "0".repeat(64),
                    DockerTestSupport.small(),
                    "/bin/sh",
                    List.of(),
                    Map.of(),
                    Map.of())))
        .hasMessageContaining("not on this node's whitelist");
  }

  /**
   * An idle session is kept for {@link DockerSessions#IDLE}, to the expiry check's 5 s, and then
   * removed.
   */
  @Test
  void anIdleSessionIsRemovedOnceIdleForLongerThanItsIdleTime() throws Exception {
    assertThat(run("task-i", "touch \"$JGOLEM_SESSION/keep\"\n", Map.of()).succeeded()).isTrue();
    assertThat(env.idleSessions()).isEqualTo(1);
    timers.advance(DockerSessions.IDLE.minusSeconds(1));
    assertThat(env.idleSessions()).as("idle for less than its idle time").isEqualTo(1);
    assertThat(containersOf(env, NODE)).hasSize(1);
    timers.advance(Duration.ofSeconds(6));
    assertThat(env.idleSessions()).as("idle for longer").isZero();
    assertThat(containersOf(env, NODE)).as("its container removed").isEmpty();
  }

  @Test
  void aFailedSubtaskEndsItsSession() throws Exception {
    assertThat(
            run("task-d", "echo d > /golem/work/marker; touch \"$JGOLEM_SESSION/keep\"\n", Map.of())
                .succeeded())
        .isTrue();
    ExecutionResult failed = run("task-d", "cat /golem/work/marker; exit 3\n", Map.of());
    assertThat(failed.failure())
        .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(FailureReason.NON_ZERO_EXIT));
    assertThat(failed.stdout().text()).contains("d\n");
    assertThat(env.idleSessions()).isZero();
    assertThat(containersOf(env, NODE)).isEmpty();
    ExecutionResult after =
        run("task-d", "cat /golem/work/marker 2>/dev/null || echo no marker\n", Map.of());
    assertThat(after.stdout().text()).contains("no marker");
  }

  @Test
  void aKeptContainerThatDiedIsReplacedNotBlamedOnTheNextSubtask() throws Exception {
    assertThat(
            run("task-e", "echo e > /golem/work/marker; touch \"$JGOLEM_SESSION/keep\"\n", Map.of())
                .succeeded())
        .isTrue();
    String dead = containersOf(env, NODE).get(0).getId();
    DockerTestSupport.client(env).killContainerCmd(dead).exec();
    ExecutionResult next =
        run("task-e", "cat /golem/work/marker 2>/dev/null || echo no marker\n", Map.of());
    assertThat(next.succeeded()).as(out(next)).isTrue();
    assertThat(next.stdout().text()).contains("no marker");
    assertThat(containersOf(env, NODE)).extracting(c -> c.getId()).doesNotContain(dead).hasSize(1);
  }

  @Test
  void aSubtaskCannotSetTheSessionVariableItself() throws Exception {
    Dirs d = Dirs.under(tmp.resolve("forged"));
    d.resource("job.sh", "true\n");
    ExecutionSpec spec =
        new ExecutionSpec(
            "session-forged",
            new Program.DockerImage(DockerTestSupport.RUNTIME, runtimeId),
            "/bin/sh",
            List.of("/golem/resources/job.sh"),
            Map.of(ExecutionSpec.SESSION_VARIABLE, "/tmp"),
            d.resources(),
            d.work(),
            d.output(),
            DockerTestSupport.small());
    ExecutionResult r = await(env.start(spec));
    assertThat(r.failure())
        .hasValueSatisfying(f -> {
          assertThat(f.reason()).isEqualTo(FailureReason.INVALID_SPEC);
          assertThat(f.message()).contains(ExecutionSpec.SESSION_VARIABLE);
        });
  }
}

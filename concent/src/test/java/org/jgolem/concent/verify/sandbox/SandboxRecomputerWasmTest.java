package org.jgolem.concent.verify.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.Programs;
import org.jgolem.compute.TaskComputer;
import org.jgolem.compute.wasm.WasmEnvironment;
import org.jgolem.concent.verify.Judgement;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Method;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.NeutralReason;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Outcome;
import org.jgolem.protocol.messages.concent.VerificationCheck;
import org.jgolem.protocol.messages.market.ResourceLimits;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.protocol.messages.market.SubtaskRun;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * gWASM disputes re-computed in Concent's real WASM sandbox (Chicory), with compute's test programs
 * (compute/src/test/c, built into target/wasm-programs): the provider's run is made the way a
 * provider makes it, then Concent judges it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SandboxRecomputerWasmTest {
  static TaskComputer computer;
  static SandboxRecomputer recomputer;
  @TempDir Path tmp;

  @BeforeAll
  static void sandbox() {
    computer = new TaskComputer(List.of(new WasmEnvironment()));
    recomputer = new SandboxRecomputer(computer);
  }

  @AfterAll
  static void close() {
    computer.close();
  }

  static Path programs() {
    String prop = System.getProperty("jgolem.wasm.programs");
    Path dir = prop != null ? Path.of(prop) : Path.of("target", "wasm-programs");
    assertThat(dir.resolve("probe.wasm")).as("scripts/wasm-programs built the programs").exists();
    return dir;
  }

  /** The resources of a subtask running {@code program}: the binary alone. */
  Path resources(String program) throws Exception {
    Path res = Files.createDirectories(tmp.resolve("res-" + program));
    Files.copy(programs().resolve(program + ".wasm"), res.resolve(program + ".wasm"));
    return res;
  }

  static SubtaskDefinition definition(
      Path res, String program, List<String> args, List<String> outputs, long timeoutSeconds)
      throws Exception {
    byte[] sha =
        MessageDigest.getInstance("SHA-256")
            .digest(Files.readAllBytes(res.resolve(program + ".wasm")));
    return new SubtaskDefinition(
        "wasm",
        "sha256:" + HexFormat.of().formatHex(sha),
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
        program + ".wasm",
        args,
        outputs,
        new ResourceLimits(1, 128, timeoutSeconds, 4L << 20));
  }

  /** The provider's run of {@code ttc}, as SubtaskRunner makes it; its output folder. */
  Path provide(TaskToCompute ttc, Path res) throws Exception {
    Path base = Files.createDirectories(tmp.resolve("provider-" + System.nanoTime()));
    Path out = Files.createDirectory(base.resolve("output"));
    ExecutionResult r =
        Programs.execute(
                computer,
                Programs.runId(ttc.subtaskId()),
                ttc.definition(),
                res,
                Files.createDirectory(base.resolve("work")),
                out,
                null)
            .result()
            .get(60, TimeUnit.SECONDS);
    assertThat(r.succeeded()).as("%s", r).isTrue();
    return out;
  }

  Judgement judge(TaskToCompute ttc, Path res, Path result, Duration limit) throws IOException {
    return recomputer.judge(Disputes.of(ttc, res, result, tmp, limit, 7));
  }

  @Test
  void aRightResultIsJudgedRightWithOneDigestCheckPerFile() throws Exception {
    Path res = resources("probe");
    TaskToCompute ttc =
        Disputes.ttc(0x21, definition(res, "probe", List.of("x"), List.of("probe.txt"), 60));
    Path result = provide(ttc, res);
    // the probe prints the clocks and random bytes it sees: only a deterministic run matches
    assertThat(Files.readString(result.resolve("probe.txt"))).contains("realtime=");

    Judgement j = judge(ttc, res, result, Duration.ofSeconds(60));

    assertThat(j.method()).isEqualTo(Method.GWASM_DIGEST);
    assertThat(j.outcome()).as(j.detail()).isEqualTo(Outcome.PROVIDER_RIGHT);
    assertThat(j.checks()).hasSize(1);
    VerificationCheck c = j.checks().get(0);
    assertThat(c.kind()).isEqualTo(VerificationCheck.Kind.DIGEST);
    assertThat(c.path()).isEqualTo("probe.txt");
    assertThat(c.actual())
        .isEqualTo(
            MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(result.resolve("probe.txt"))));
    c.validate("check");
  }

  @Test
  void theRunIsDeterministicOnlyUnderTheProvidersRunId() throws Exception {
    Path res = resources("probe");
    TaskToCompute ttc =
        Disputes.ttc(0x22, definition(res, "probe", List.of(), List.of("probe.txt"), 60));
    Path first = provide(ttc, res);
    Path second = provide(ttc, res);
    assertThat(Files.readAllBytes(second.resolve("probe.txt")))
        .isEqualTo(Files.readAllBytes(first.resolve("probe.txt")));
    // another subtask id gives the program another clock and random: the id is what fixes them
    TaskToCompute other =
        Disputes.ttc(0x23, definition(res, "probe", List.of(), List.of("probe.txt"), 60));
    Path elsewhere = provide(other, res);
    assertThat(Files.readString(elsewhere.resolve("probe.txt")))
        .isNotEqualTo(Files.readString(first.resolve("probe.txt")));
    assertThat(judge(other, res, first, Duration.ofSeconds(60)).outcome())
        .isEqualTo(Outcome.PROVIDER_WRONG);
  }

  @Test
  void oneByteChangedIsJudgedWrongNamingThePath() throws Exception {
    Path res = resources("probe");
    TaskToCompute ttc =
        Disputes.ttc(0x24, definition(res, "probe", List.of(), List.of("probe.txt"), 60));
    Path result = provide(ttc, res);
    Path file = result.resolve("probe.txt");
    byte[] b = Files.readAllBytes(file);
    b[b.length / 2] ^= 1;
    Files.write(file, b);

    Judgement j = judge(ttc, res, result, Duration.ofSeconds(60));

    assertThat(j.outcome()).isEqualTo(Outcome.PROVIDER_WRONG);
    assertThat(j.detail()).contains("probe.txt");
    assertThat(j.checks())
        .singleElement()
        .satisfies(c -> {
          assertThat(c.passed()).isFalse();
          assertThat(c.path()).isEqualTo("probe.txt");
        });
  }

  @Test
  void aMissingOrExtraFileFailsItsOwnCheck() throws Exception {
    Path res = resources("probe");
    TaskToCompute ttc =
        Disputes.ttc(0x25, definition(res, "probe", List.of(), List.of("probe.txt"), 60));
    Path result = provide(ttc, res);
    Files.move(result.resolve("probe.txt"), result.resolve("other.txt"));

    Judgement j = judge(ttc, res, result, Duration.ofSeconds(60));

    assertThat(j.outcome()).isEqualTo(Outcome.PROVIDER_WRONG);
    assertThat(j.checks())
        .extracting(VerificationCheck::path)
        .containsExactly("other.txt", "probe.txt");
    assertThat(j.checks()).allSatisfy(c -> assertThat(c.passed()).isFalse());
    assertThat(j.checks().get(1).expected()).isEqualTo(GwasmRecheck.ABSENT);
  }

  @Test
  void concentsTimeLimitStopsTheRunAndIsNeutral() throws Exception {
    Path res = resources("spin");
    // the subtask's own limit is generous; Concent's time runs out first
    TaskToCompute ttc = Disputes.ttc(0x26, definition(res, "spin", List.of(), List.of("x"), 600));
    Path result = Files.createDirectories(tmp.resolve("spin-result"));
    Files.writeString(result.resolve("x"), "x");
    long t0 = System.nanoTime();

    Judgement j = judge(ttc, res, result, Duration.ofMillis(1500));

    assertThat(j.outcome()).isEqualTo(Outcome.NEUTRAL);
    assertThat(j.neutralReason()).isEqualTo(NeutralReason.TIMEOUT);
    assertThat(j.detail()).contains("time limit");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!computer.running().isEmpty() && System.nanoTime() < until) Thread.onSpinWait();
    assertThat(computer.running()).as("the run was stopped").isEmpty();
  }

  @Test
  void anEngineThatIsMissingIsNeutral() throws Exception {
    Path res = resources("probe");
    TaskToCompute ttc =
        Disputes.ttc(0x27, definition(res, "probe", List.of(), List.of("probe.txt"), 60));
    Path result = provide(ttc, res);
    try (TaskComputer none = new TaskComputer(List.of())) {
      Judgement j =
          new SandboxRecomputer(none)
              .judge(Disputes.of(ttc, res, result, tmp, Duration.ofSeconds(10), 1));
      assertThat(j.outcome()).isEqualTo(Outcome.NEUTRAL);
      assertThat(j.neutralReason()).isEqualTo(NeutralReason.ENGINE_UNAVAILABLE);
      assertThat(j.method()).isEqualTo(Method.GWASM_DIGEST);
    }
  }

  /**
   * compute's hostile programs, disputed: each is the provider's fault (its result fails the
   * comparison), Concent's host files stay unread and unchanged, and an honest dispute after them
   * is judged right.
   */
  @Test
  void hostileSubtasksAreContainedAndConcentKeepsJudging() throws Exception {
    Path secret = Files.writeString(tmp.resolve("concent-secret.txt"), "CONCENT-KEY-MATERIAL");
    record Hostile(String program, List<String> args, long timeout) {}
    List<Hostile> hostile =
        List.of(
            new Hostile("readhost", List.of(secret.toString(), "/etc/passwd"), 60),
            new Hostile("writeres", List.of(), 60),
            new Hostile("spin", List.of(), 2),
            new Hostile("membomb", List.of(), 60),
            new Hostile("fillout", List.of(), 60),
            new Hostile("recurse", List.of(), 60),
            new Hostile("fdbomb", List.of(), 60),
            new Hostile("outlink", List.of(), 60),
            new Hostile("net", List.of(), 60),
            new Hostile("netopen", List.of(), 60),
            new Hostile("hugemem", List.of(), 60));
    int n = 0x40;
    for (Hostile h : hostile) {
      Path res = resources(h.program());
      TaskToCompute ttc =
          Disputes.ttc(
              n++, definition(res, h.program(), h.args(), List.of("out.txt"), h.timeout()));
      // the provider claims a plausible result
      Path result = Files.createDirectories(tmp.resolve("claimed-" + h.program()));
      Files.writeString(result.resolve("out.txt"), "all fine");

      Judgement j = judge(ttc, res, result, Duration.ofSeconds(60));

      assertThat(j.outcome())
          .as("%s: %s", h.program(), j.detail())
          .isEqualTo(Outcome.PROVIDER_WRONG);
      assertThat(j.checks()).anySatisfy(c -> assertThat(c.passed()).isFalse());
      assertThat(Files.readString(secret)).isEqualTo("CONCENT-KEY-MATERIAL");
      try (var files = Files.walk(tmp)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          if (f.equals(secret)) continue;
          assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1))
              .as("%s leaked Concent's file into %s", h.program(), f)
              .doesNotContain("CONCENT-KEY-MATERIAL");
        }
      }
    }
    assertThat(computer.running()).isEmpty();
    // Concent keeps judging: an honest dispute after them
    Path res = resources("probe");
    TaskToCompute ttc =
        Disputes.ttc(0x30, definition(res, "probe", List.of(), List.of("probe.txt"), 60));
    assertThat(judge(ttc, res, provide(ttc, res), Duration.ofSeconds(60)).outcome())
        .isEqualTo(Outcome.PROVIDER_RIGHT);
  }

  @Test
  void aDockerSubtaskWithoutADeterministicCheckIsNeutral() throws Exception {
    Path res = Files.createDirectories(tmp.resolve("docker-res"));
    SubtaskDefinition d =
        new SubtaskDefinition(
            "docker",
            "sha256:" + "ab".repeat(32),
            "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
            "/bin/sh",
            List.of("-c", "date > /golem/output/out.txt"),
            List.of("out.txt"),
            new ResourceLimits(1, 128, 60, 1 << 20));
    Path result = Files.createDirectories(tmp.resolve("docker-result"));
    Files.writeString(result.resolve("out.txt"), "Tue Dec  8");

    Judgement j = judge(Disputes.ttc(0x31, d), res, result, Duration.ofSeconds(10));

    assertThat(j.outcome()).isEqualTo(Outcome.NEUTRAL);
    assertThat(j.neutralReason()).isEqualTo(NeutralReason.CONCENT_ERROR);
    assertThat(j.method()).isEqualTo(Method.DOCKER_DETERMINISTIC);
    assertThat(j.detail()).contains("this template cannot be re-checked by Concent");
    assertThat(j.checks())
        .singleElement()
        .satisfies(c -> {
          assertThat(c.kind()).isEqualTo(VerificationCheck.Kind.DETERMINISTIC);
          assertThat(c.passed()).isFalse();
          c.validate("check");
        });
  }

  /**
   * A definition grouping several small runs (gWASM's subtasks_per_assignment): Concent runs them
   * as the provider does and checks every run's file, and a change in the second run's file names
   * that file.
   */
  @Test
  void aGroupedAssignmentIsCheckedFilePerFile() throws Exception {
    Path res = resources("probe");
    Files.createDirectories(res.resolve("a"));
    Files.createDirectories(res.resolve("b"));
    SubtaskDefinition one = definition(res, "probe", List.of(), List.of(), 60);
    SubtaskDefinition grouped =
        new SubtaskDefinition(
            one.environment(),
            one.image(),
            one.resourcesCid(),
            one.entryPoint(),
            List.of(),
            List.of(),
            one.limits(),
            List.of(
                new SubtaskRun("a", List.of("1"), List.of("probe.txt")),
                new SubtaskRun("b", List.of("2"), List.of("probe.txt"))));
    TaskToCompute ttc = Disputes.ttc(0x32, grouped);
    Path result = provide(ttc, res);

    Judgement right = judge(ttc, res, result, Duration.ofSeconds(60));
    assertThat(right.outcome()).as(right.detail()).isEqualTo(Outcome.PROVIDER_RIGHT);
    assertThat(right.checks())
        .extracting(VerificationCheck::path)
        .containsExactly("a/probe.txt", "b/probe.txt");

    Files.writeString(result.resolve("b/probe.txt"), "\n", java.nio.file.StandardOpenOption.APPEND);
    Judgement wrong = judge(ttc, res, result, Duration.ofSeconds(60));
    assertThat(wrong.outcome()).isEqualTo(Outcome.PROVIDER_WRONG);
    assertThat(wrong.detail()).contains("b/probe.txt").doesNotContain("a/probe.txt");
  }
}

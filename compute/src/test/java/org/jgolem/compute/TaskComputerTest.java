package org.jgolem.compute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jgolem.compute.host.HostDirectEnvironment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskComputerTest {
  @TempDir Path dir;
  Path resources, work, output;

  @BeforeEach
  void folders() throws Exception {
    resources = Files.createDirectory(dir.resolve("resources"));
    work = Files.createDirectory(dir.resolve("work"));
    output = Files.createDirectory(dir.resolve("output"));
  }

  ExecutionSpec spec(String id, Program p, List<String> args) {
    return new ExecutionSpec(
        id, p, "sh", args, Map.of(), resources, work, output, Limits.defaults());
  }

  @Test
  void routesBySubtaskEnvironmentAndRefusesUnknownOnes() throws Exception {
    try (var tc =
        new TaskComputer(List.of(HostDirectEnvironment.enabledForTrustedCode(1, 1L << 30)))) {
      ExecutionResult ok =
          tc.run(spec("a", new Program.HostBinary(Path.of("/bin/sh")), List.of("-c", "exit 0")))
              .result()
              .get(30, TimeUnit.SECONDS);
      assertThat(ok.succeeded()).isTrue();
      assertThat(ok.environment()).isEqualTo("host");

      ExecutionResult none =
          tc.run(spec("b", new Program.DockerImage("x", "sha256:" + "0".repeat(64)), List.of()))
              .result()
              .get(1, TimeUnit.SECONDS);
      assertThat(none.reason()).isEqualTo(FailureReason.ENGINE_UNAVAILABLE);
      assertThat(none.failure().get().message()).contains("no 'docker' environment");
    }
  }

  @Test
  void malformedSpecsAreRefusedBeforeAnythingRuns() throws Exception {
    try (var tc =
        new TaskComputer(List.of(HostDirectEnvironment.enabledForTrustedCode(1, 1L << 30)))) {
      Path marker = dir.resolve("ran");
      Program sh = new Program.HostBinary(Path.of("/bin/sh"));
      List<String> args = List.of("-c", "touch " + marker);

      assertThat(tc.run(spec("../evil", sh, args)).result().get().failure().get().message())
          .contains("subtaskId");
      Files.writeString(output.resolve("stale"), "x");
      ExecutionResult notEmpty = tc.run(spec("c", sh, args)).result().get();
      assertThat(notEmpty.reason()).isEqualTo(FailureReason.INVALID_SPEC);
      assertThat(notEmpty.failure().get().message()).contains("output folder is not empty");
      Files.delete(output.resolve("stale"));
      ExecutionResult same =
          tc.run(
                  new ExecutionSpec(
                      "d",
                      sh,
                      "sh",
                      args,
                      Map.of(),
                      resources,
                      resources,
                      output,
                      Limits.defaults()))
              .result()
              .get();
      assertThat(same.failure().get().message()).contains("three different folders");
      ExecutionResult nul = tc.run(spec("e", sh, List.of("-c", "a\0b"))).result().get();
      assertThat(nul.failure().get().message()).contains("NUL");
      assertThat(Files.exists(marker)).isFalse();
    }
  }

  @Test
  void advertisesEachEnvironmentsCapabilities() {
    try (var tc = new TaskComputer(List.of(HostDirectEnvironment.disabled()))) {
      assertThat(tc.capabilities())
          .singleElement()
          .satisfies(c -> {
            assertThat(c.environment()).isEqualTo("host");
            assertThat(c.available()).isFalse();
            assertThat(c.unavailableReason()).contains("turned off");
          });
    }
    try (var tc =
        new TaskComputer(
            List.of(
                HostDirectEnvironment.enabledForTrustedCode(2, 1L << 30),
                new Fixed(
                    new Capabilities(
                        "docker",
                        true,
                        "",
                        List.of("jgolem/runtime@sha256:" + "ab".repeat(32)),
                        2,
                        1L << 30)),
                new Fixed(Capabilities.unavailable("wasm", "off"))))) {
      assertThat(tc.advertisedEnvironments())
          .containsExactly("host", "docker:sha256:" + "ab".repeat(32));
    }
    assertThatThrownBy(() ->
            new TaskComputer(
                List.of(HostDirectEnvironment.disabled(), HostDirectEnvironment.disabled())))
        .hasMessageContaining("two environments named host");
  }

  /**
   * An environment that only reports fixed capabilities (advertisement logic only; runs nothing).
   */
  record Fixed(Capabilities caps) implements Environment {
    @Override
    public String name() {
      return caps.environment();
    }

    @Override
    public Capabilities capabilities() {
      return caps;
    }

    @Override
    public Execution start(ExecutionSpec spec) {
      throw new UnsupportedOperationException("advertisement-only test environment");
    }

    @Override
    public void close() {}
  }

  @Test
  void closeCancelsWhatRuns() throws Exception {
    var tc = new TaskComputer(List.of(HostDirectEnvironment.enabledForTrustedCode(1, 1L << 30)));
    Execution x =
        tc.run(
            spec("long", new Program.HostBinary(Path.of("/bin/sh")), List.of("-c", "sleep 600")));
    assertThat(tc.running()).containsExactly(x);
    tc.close();
    assertThat(x.result().get(10, TimeUnit.SECONDS).reason()).isEqualTo(FailureReason.CANCELLED);
    assertThat(
            tc.run(spec("after", new Program.HostBinary(Path.of("/bin/sh")), List.of("-c", "true")))
                .result()
                .get()
                .failure()
                .get()
                .message())
        .contains("shut down");
  }
}

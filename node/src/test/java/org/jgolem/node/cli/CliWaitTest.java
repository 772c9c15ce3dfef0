package org.jgolem.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.jgolem.node.api.ApiFixture;
import org.jgolem.node.cli.CliHarness.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code golem tasks create}, with and without {@code --wait}, against a real API server. The fake
 * service's task gains one accepted subtask (of four) per poll; a "failing" task fails on its
 * second poll.
 */
class CliWaitTest {
  @TempDir Path data;
  ApiFixture api;
  Map<String, String> env;

  @BeforeEach
  void start() throws IOException {
    api = new ApiFixture(data);
    env = Map.of("JGOLEM_DATA", data.toString());
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void createSendsTheAbsolutePathAndReturns() {
    Result r = CliHarness.run(env, "tasks", "create", "tasks/../tasks/blender.json");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("Task task-1 created: blender (wasm), 4 subtasks, CREATED\n");
    assertThat(api.service.createdFrom)
        .containsExactly(Path.of("tasks/blender.json").toAbsolutePath());
    assertThat(api.service.peek("task-1").state()).isEqualTo("CREATED");
  }

  @Test
  void createJson() throws IOException {
    Result r = CliHarness.run(env, "tasks", "create", "/data/blender.json", "--json");
    assertThat(r.exit()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertThat(j.get("id").asText()).isEqualTo("task-1");
    assertThat(j.get("bidPerHour").asText()).isEqualTo("1500000000000000000");
  }

  @Test
  void anInvalidTaskFileListsEveryProblem() {
    Result r = CliHarness.run(env, "tasks", "create", "/data/invalid.json", "--wait");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .isEqualTo(
            "golem: error: the task file /data/invalid.json is invalid (HTTP 400 bad_request)\n"
                + "  - $.subtasks_count: must be at least 1\n"
                + "  - $.bid: must be a decimal number of GNT\n");
  }

  @Test
  void waitPrintsProgressLinesWhenNotATerminal() {
    Result r =
        CliHarness.run(
            env, "tasks", "create", "/data/blender.json", "--wait", "--interval", "0.01");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .doesNotContain("\r")
        .isEqualTo(
            """
            Task task-1 created: blender (wasm), 4 subtasks
            task task-1: 0% (0/4 subtasks accepted), CREATED
            task task-1: 25% (1/4 subtasks accepted), COMPUTING
            task task-1: 50% (2/4 subtasks accepted), COMPUTING
            task task-1: 75% (3/4 subtasks accepted), COMPUTING
            task task-1: 100% (4/4 subtasks accepted), FINISHED
            Task task-1 finished: 4/4 subtasks accepted, spent 0.4 GNT; output in /out/task-1
            """);
    assertThat(api.service.calls)
        .containsExactly(
            "createTask /data/blender.json",
            "task task-1",
            "task task-1",
            "task task-1",
            "task task-1");
  }

  @Test
  void waitRedrawsABarOnATerminal() {
    Result r =
        CliHarness.run(
            env,
            true,
            getClass().getClassLoader(),
            "tasks",
            "create",
            "/data/blender.json",
            "--wait",
            "--interval",
            "0.01");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "Task task-1 created: blender (wasm), 4 subtasks\n"
                + "\r[------------------------------]   0%  0/4 subtasks  CREATED"
                + "\r[#######-----------------------]  25%  1/4 subtasks  COMPUTING"
                + "\r[###############---------------]  50%  2/4 subtasks  COMPUTING"
                + "\r[######################--------]  75%  3/4 subtasks  COMPUTING"
                + "\r[##############################] 100%  4/4 subtasks  FINISHED \n"
                + "Task task-1 finished: 4/4 subtasks accepted, spent 0.4 GNT; output in /out/task-1\n");
  }

  @Test
  void aFailedTaskIsExit1() {
    Result r =
        CliHarness.run(
            env, "tasks", "create", "/data/failing.json", "--wait", "--interval", "0.01");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out())
        .isEqualTo(
            """
            Task task-1 created: failing (wasm), 4 subtasks
            task task-1: 0% (0/4 subtasks accepted), CREATED
            task task-1: 25% (1/4 subtasks accepted), COMPUTING
            task task-1: 25% (1/4 subtasks accepted), FAILED
            """);
    assertThat(r.err())
        .isEqualTo(
            "golem: error: task task-1 ended FAILED with 1/4 subtasks accepted;"
                + " see 'golem tasks subtasks task-1'\n");
  }

  @Test
  void waitWithJsonPrintsOnlyTheFinalTaskOnStdout() throws IOException {
    Result r =
        CliHarness.run(
            env,
            true,
            getClass().getClassLoader(),
            "tasks",
            "create",
            "/data/blender.json",
            "--wait",
            "--interval",
            "0.01",
            "--json");
    assertThat(r.exit()).as(r.toString()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertThat(j.get("state").asText()).isEqualTo("FINISHED");
    assertThat(j.get("subtasksAccepted").asInt()).isEqualTo(4);
    assertThat(j.get("spent").asText()).isEqualTo("400000000000000000");
    assertThat(r.err())
        .doesNotContain("\r")
        .startsWith("task task-1: 0% (0/4 subtasks accepted), CREATED\n")
        .endsWith("task task-1: 100% (4/4 subtasks accepted), FINISHED\n");
  }

  @Test
  void aFailedTaskWithJsonStillPrintsIt() throws IOException {
    Result r =
        CliHarness.run(
            env, "tasks", "create", "/data/failing.json", "--wait", "--interval", "0.01", "--json");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(new ObjectMapper().readTree(r.out()).get("state").asText()).isEqualTo("FAILED");
    assertThat(r.err())
        .endsWith(
            "golem: error: task task-1 ended FAILED with 1/4 subtasks accepted;"
                + " see 'golem tasks subtasks task-1'\n");
  }

  @Test
  void losingTheNodeWhileWaitingIsExit1() throws Exception {
    api.service.breakNext(null);
    Thread stopper =
        new Thread(() -> {
          // stop the server once the task is being polled
          long until = System.nanoTime() + 10_000_000_000L;
          while (!api.service.calls.contains("task task-1") && System.nanoTime() < until) {
            Thread.onSpinWait();
          }
          api.close();
        });
    stopper.start();
    Result r =
        CliHarness.run(env, "tasks", "create", "/data/blender.json", "--wait", "--interval", "0.2");
    stopper.join();
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("golem: error: cannot reach the node's API at " + api.server.uri());
  }
}

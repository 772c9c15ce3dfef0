package org.jgolem.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import org.jgolem.node.api.ApiFixture.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every route of the REST API, over a real socket, against the fake service. */
class ApiRoutesTest {
  @TempDir Path data;
  ApiFixture api;

  @BeforeEach
  void start() throws IOException {
    api = new ApiFixture(data);
    api.service.put("t-1", "render", "COMPUTING", 3, 1, "100");
    api.service.put("t-2", "done", "FINISHED", 2, 2, "2000000000000000000");
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void status() {
    Reply r = api.get("/v1/status");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
    JsonNode j = r.json();
    assertThat(j.get("nodeId").asText()).isEqualTo(FakeNodeService.NODE_ID);
    assertThat(j.get("roles").toString()).isEqualTo("[\"provider\",\"requestor\"]");
    assertThat(j.get("peers").asInt()).isEqualTo(3);
  }

  @Test
  void createsATaskFromAnAbsolutePath() {
    Reply r = api.send("POST", "/v1/tasks", "{\"file\": \"/tmp/tasks/blender.json\"}");
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.json().get("id").asText()).isEqualTo("task-1");
    assertThat(r.headers().firstValue("Location")).hasValue("/v1/tasks/task-1");
    assertThat(r.json().get("name").asText()).isEqualTo("blender");
    assertThat(r.json().get("state").asText()).isEqualTo("CREATED");
    assertThat(api.service.createdFrom).containsExactly(Path.of("/tmp/tasks/blender.json"));
  }

  @Test
  void anInvalidTaskFileIsRefusedWithEveryProblem() {
    Reply r = api.send("POST", "/v1/tasks", "{\"file\": \"/tmp/invalid.json\"}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error()).isEqualTo("bad_request");
    assertThat(r.message()).isEqualTo("the task file /tmp/invalid.json is invalid");
    assertThat(r.json().get("details"))
        .extracting(JsonNode::asText)
        .containsExactly(
            "$.subtasks_count: must be at least 1", "$.bid: must be a decimal number of GNT");
  }

  @Test
  void listsAndShowsTasks() {
    Reply list = api.get("/v1/tasks");
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json()).extracting(n -> n.get("id").asText()).containsExactly("t-1", "t-2");
    assertThat(list.json().get(1).get("spent").asText()).isEqualTo("2000000000000000000");

    Reply one = api.get("/v1/tasks/t-2");
    assertThat(one.status()).isEqualTo(200);
    assertThat(one.json().get("state").asText()).isEqualTo("FINISHED");
    assertThat(one.json().get("subtasksAccepted").asInt()).isEqualTo(2);
    assertThat(one.json().get("bidPerHour").asText()).isEqualTo("1500000000000000000");
    assertThat(one.json().get("createdAt").asLong()).isEqualTo(FakeNodeService.CREATED_AT);
  }

  @Test
  void anUnknownTaskIs404WithItsName() {
    Reply r = api.get("/v1/tasks/nope");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.error()).isEqualTo("not_found");
    assertThat(r.message()).isEqualTo("task nope not found");
    assertThat(r.json().get("details").isArray()).isTrue();
  }

  @Test
  void subtasks() {
    Reply r = api.get("/v1/tasks/t-1/subtasks");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json()).hasSize(3);
    assertThat(r.json().get(0).get("state").asText()).isEqualTo("ACCEPTED");
    assertThat(r.json().get(0).get("providers").get(0).asText())
        .isEqualTo(FakeNodeService.PROVIDER);
    assertThat(r.json().get(1).get("resultCid").isNull()).isTrue();
  }

  @Test
  void assignmentsOfATask() {
    Reply r = api.get("/v1/tasks/t-1/assignments");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json()).hasSize(3);
    JsonNode accepted = r.json().get(0);
    assertThat(accepted.get("id").asText()).isEqualTo("0".repeat(64));
    assertThat(accepted.get("taskId").asText()).isEqualTo("t-1");
    assertThat(accepted.get("subtask").asText()).isEqualTo("sub-0");
    assertThat(accepted.get("provider").asText()).isEqualTo(FakeNodeService.PROVIDER);
    // amounts stay exact decimal strings of wei, never numbers
    assertThat(accepted.get("price").isTextual()).isTrue();
    assertThat(accepted.get("price").asText()).isEqualTo("123456789012345678901234567890");
    assertThat(accepted.get("deadline").asLong()).isEqualTo(FakeNodeService.CREATED_AT + 600_000);
    assertThat(accepted.get("state").asText()).isEqualTo("ACCEPTED");
    assertThat(accepted.get("resultCid").asText()).isEqualTo("bafysub-0");
    JsonNode lost = r.json().get(1);
    assertThat(lost.get("state").asText()).isEqualTo("TIMED_OUT");
    assertThat(lost.get("detail").asText()).isEqualTo("no report by the deadline");
    assertThat(lost.get("resultCid").asText()).isEmpty();
    assertThat(api.service.calls).contains("assignments t-1");

    Reply missing = api.get("/v1/tasks/nope/assignments");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.message()).isEqualTo("task nope not found");
  }

  @Test
  void reputationByRoleBestFirst() {
    Reply r = api.get("/v1/reputation");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json())
        .extracting(n -> n.get("role").asText())
        .containsExactly("PROVIDER", "PROVIDER", "REQUESTOR");
    JsonNode liar = r.json().get(1);
    assertThat(liar.get("nodeId").asText()).isEqualTo("0x3333333333333333333333333333333333333333");
    assertThat(liar.get("wrong").asLong()).isEqualTo(1);
    assertThat(liar.get("score").asDouble()).isEqualTo(1.0 / 12);
    for (String counter :
        new String[] {"accepted", "wrong", "timeouts", "failures", "paid", "late", "rejected"}) {
      assertThat(liar.get(counter).isIntegralNumber()).as(counter).isTrue();
    }
    assertThat(r.json().get(2).get("paid").asLong()).isEqualTo(1);
  }

  @Test
  void providerJobs() {
    Reply r = api.get("/v1/provider/jobs");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json())
        .extracting(n -> n.get("state").asText())
        .containsExactly("COMPUTING", "REPORTED");
    JsonNode computing = r.json().get(0);
    assertThat(computing.get("subtaskId").asText()).isEqualTo("ab".repeat(32));
    assertThat(computing.get("taskId").asText()).isEqualTo("cd".repeat(32));
    assertThat(computing.get("requestor").asText()).isEqualTo(FakeNodeService.NODE_ID);
    assertThat(computing.get("price").isTextual()).isTrue();
    assertThat(computing.get("price").asText()).isEqualTo("123456789012345678901234567890");
    assertThat(computing.get("deadline").asLong()).isEqualTo(FakeNodeService.CREATED_AT + 600_000);
    assertThat(computing.get("resultCid").asText()).isEmpty();
    assertThat(r.json().get(1).get("resultCid").asText()).isEqualTo("bafyresult");
  }

  @Test
  void theNewRoutesAreReadOnly() {
    for (String path :
        new String[] {"/v1/tasks/t-1/assignments", "/v1/reputation", "/v1/provider/jobs"}) {
      Reply r = api.send("POST", path, "{}");
      assertThat(r.status()).as(path).isEqualTo(405);
      assertThat(r.headers().firstValue("Allow")).as(path).hasValue("GET");
    }
  }

  @Test
  void restartAbortAndRestartSubtask() {
    Reply abort = api.send("POST", "/v1/tasks/t-1/abort", null);
    assertThat(abort.status()).isEqualTo(200);
    assertThat(abort.json().get("state").asText()).isEqualTo("ABORTED");

    Reply again = api.send("POST", "/v1/tasks/t-1/abort", "{}");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.error()).isEqualTo("conflict");
    assertThat(again.message()).contains("task t-1 is ABORTED");

    Reply restart = api.send("POST", "/v1/tasks/t-1/restart", "{}");
    assertThat(restart.status()).isEqualTo(200);
    assertThat(restart.json().get("state").asText()).isEqualTo("COMPUTING");

    Reply sub = api.send("POST", "/v1/tasks/t-1/subtasks/sub-0/restart", null);
    assertThat(sub.status()).isEqualTo(200);
    assertThat(sub.json().get("name").asText()).isEqualTo("sub-0");
    assertThat(sub.json().get("state").asText()).isEqualTo("PENDING");

    Reply missing = api.send("POST", "/v1/tasks/t-1/subtasks/sub-7/restart", null);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.message()).isEqualTo("subtask sub-7 of task t-1 not found");
  }

  @Test
  void pathSegmentsArePercentDecoded() {
    api.service.put("a b/c+d", "odd", "FINISHED", 1, 1, "0");
    Reply r = api.get("/v1/tasks/a%20b%2Fc+d");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("id").asText()).isEqualTo("a b/c+d");
  }

  @Test
  void peersPaymentsIncomesAccount() {
    Reply peers = api.get("/v1/peers");
    assertThat(peers.status()).isEqualTo(200);
    assertThat(peers.json().get(0).get("outbound").asBoolean()).isTrue();
    assertThat(peers.json().get(1).get("host").asText()).isEqualTo("::1");

    Reply payments = api.get("/v1/payments");
    assertThat(payments.status()).isEqualTo(200);
    // amounts stay exact decimal strings of wei, never numbers
    assertThat(payments.json().get(2).get("amount").isTextual()).isTrue();
    assertThat(payments.json().get(2).get("amount").asText())
        .isEqualTo("123456789012345678901234567890");

    Reply incomes = api.get("/v1/incomes");
    assertThat(incomes.status()).isEqualTo(200);
    assertThat(incomes.json().get(1).get("status").asText()).isEqualTo("EXPECTED");

    Reply account = api.get("/v1/account");
    assertThat(account.status()).isEqualTo(200);
    assertThat(account.json().get("gnt").asText()).isEqualTo("1000000000000000000000");
  }

  @Test
  void settingsAreReadAndChanged() {
    Reply all = api.get("/v1/settings");
    assertThat(all.status()).isEqualTo(200);
    assertThat(all.json().get("node_name").asText()).isEqualTo("alice");

    Reply set = api.send("PUT", "/v1/settings/node_name", "{\"value\": \"bob\"}");
    assertThat(set.status()).isEqualTo(200);
    assertThat(set.json().get("node_name").asText()).isEqualTo("bob");
    assertThat(api.get("/v1/settings").json().get("node_name").asText()).isEqualTo("bob");

    Reply number = api.send("PUT", "/v1/settings/max_price", "{\"value\": 5}");
    assertThat(number.status()).isEqualTo(200);
    assertThat(number.json().get("max_price").asText()).isEqualTo("5");

    Reply unknown = api.send("PUT", "/v1/settings/colour", "{\"value\": \"red\"}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.message()).isEqualTo("unknown setting 'colour'");

    Reply malformed = api.send("PUT", "/v1/settings/max_price", "{\"value\": \"lots\"}");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.message()).contains("must be a whole number of wei, got 'lots'");
  }

  @Test
  void aTrailingSlashIsTheSameRoute() {
    assertThat(api.get("/v1/tasks/").status()).isEqualTo(200);
  }
}

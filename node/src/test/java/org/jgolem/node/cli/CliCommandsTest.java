package org.jgolem.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.jgolem.node.api.ApiConfig;
import org.jgolem.node.api.ApiFixture;
import org.jgolem.node.api.ApiToken;
import org.jgolem.node.api.FakeNodeService;
import org.jgolem.node.cli.CliHarness.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The golem commands against a real API server (over a fake service), run in-process. */
class CliCommandsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String P = FakeNodeService.PROVIDER;

  @TempDir Path data;
  ApiFixture api;
  Map<String, String> env;

  @BeforeEach
  void start() throws IOException {
    api = new ApiFixture(data);
    api.service.put("t-1", "render", "COMPUTING", 3, 1, "100");
    api.service.put("t-2", "done", "FINISHED", 2, 2, "2000000000000000000");
    env = Map.of("JGOLEM_DATA", data.toString());
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private Result golem(String... args) {
    return CliHarness.run(env, args);
  }

  private static Result ok(Result r) {
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.err()).as(r.toString()).isEmpty();
    return r;
  }

  private static JsonNode json(Result r) throws IOException {
    return JSON.readTree(r.out());
  }

  private static String lines(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  @Test
  void tasksShowIsAnAlignedTable() {
    Result r = ok(golem("tasks", "show"));
    assertThat(r.out())
        .isEqualTo(
            lines(
                "ID   NAME    TYPE  STATE"
                    + " ".repeat(8)
                    + "PROGRESS"
                    + " ".repeat(19)
                    + "SPENT  CREATED",
                "t-1  render  wasm  COMPUTING   1/3 (33%)  0.0000000000000001 GNT  2023-11-14 22:13:20Z",
                "t-2  done    wasm  FINISHED   2/2 (100%)"
                    + " ".repeat(19)
                    + "2 GNT  2023-11-14 22:13:20Z"));
  }

  @Test
  void tasksShowJsonIsTheApisJson() throws IOException {
    Result r = ok(golem("tasks", "show", "--json"));
    JsonNode j = json(r);
    assertThat(j).hasSize(2);
    assertThat(j.get(0).get("id").asText()).isEqualTo("t-1");
    assertThat(j.get(1).get("spent").asText()).isEqualTo("2000000000000000000");
    // the option works before the subcommand too
    assertThat(json(ok(golem("--json", "tasks", "show")))).isEqualTo(j);
  }

  @Test
  void oneTask() throws IOException {
    Result r = ok(golem("tasks", "show", "t-2"));
    assertThat(r.out())
        .isEqualTo(
            lines(
                "ID        t-2",
                "Name      done",
                "Type      wasm",
                "State     FINISHED",
                "Progress  2/2 (100%) subtasks accepted",
                "Created   2023-11-14 22:13:20Z",
                "Deadline  2023-11-14 23:13:20Z",
                "Bid       1.5 GNT per hour",
                "Spent     2 GNT",
                "Output    /out/t-2"));
    JsonNode j = json(ok(golem("tasks", "show", "t-2", "--json")));
    assertThat(j.get("state").asText()).isEqualTo("FINISHED");
    assertThat(j.get("bidPerHour").asText()).isEqualTo("1500000000000000000");
  }

  @Test
  void anUnknownTaskFailsWithTheNodesMessage() {
    Result r = golem("tasks", "show", "nope");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("golem: error: task nope not found (HTTP 404 not_found)\n");
  }

  @Test
  void subtasks() throws IOException {
    Result r = ok(golem("tasks", "subtasks", "t-1"));
    assertThat(r.out())
        .isEqualTo(
            lines(
                "NAME   STATE     ATTEMPTS  PROVIDERS" + " ".repeat(35) + "VERIFICATION  RESULT",
                "sub-0  ACCEPTED         1  " + P + "  exact match   bafy0",
                "sub-1  PENDING          0  -" + " ".repeat(43) + "-             -",
                "sub-2  PENDING          0  -" + " ".repeat(43) + "-             -"));
    assertThat(json(ok(golem("tasks", "subtasks", "t-1", "--json")))).hasSize(3);
  }

  @Test
  void subtasksThatWentToConcentShowTheirConcentState() throws IOException {
    api.service.concent("t-1", 1, "REFUSED(TOO_LATE: window closed)");
    Result r = ok(golem("tasks", "subtasks", "t-1"));
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).endsWith("RESULT  CONCENT");
    assertThat(lines.get(1)).endsWith("bafy0   -");
    assertThat(lines.get(2)).endsWith("REFUSED(TOO_LATE: window closed)");
    JsonNode j = json(ok(golem("tasks", "subtasks", "t-1", "--json")));
    assertThat(j.get(1).get("concent").asText()).isEqualTo("REFUSED(TOO_LATE: window closed)");
    assertThat(j.get(0).get("concent").asText()).isEmpty();
  }

  @Test
  void subtasksAssignedTogetherShowWhichOfTheFilesSubtasksTheyCover() throws IOException {
    api.service.covers("t-1", 0, List.of("sub-0", "s1", "s2"));
    Result r = ok(golem("tasks", "subtasks", "t-1"));
    assertThat(r.out().lines().skip(1).findFirst().orElseThrow())
        .startsWith("sub-0 (+ s1 s2)  ACCEPTED");
    assertThat(
            json(ok(golem("tasks", "subtasks", "t-1", "--json"))).get(0).get("covers").toString())
        .isEqualTo("[\"sub-0\",\"s1\",\"s2\"]");
  }

  @Test
  void restartAbortAndRestartSubtask() throws IOException {
    assertThat(ok(golem("tasks", "abort", "t-1")).out())
        .isEqualTo("Task t-1 aborted: ABORTED, 1/3 (33%) subtasks accepted\n");
    assertThat(api.service.peek("t-1").state()).isEqualTo("ABORTED");

    Result again = golem("tasks", "abort", "t-1");
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err())
        .isEqualTo(
            "golem: error: task t-1 is ABORTED: only a running task can be aborted (HTTP 409 conflict)\n");

    assertThat(ok(golem("tasks", "restart", "t-1")).out())
        .isEqualTo("Task t-1 restarted: COMPUTING, 1/3 (33%) subtasks accepted\n");
    assertThat(ok(golem("tasks", "restart-subtask", "t-1", "sub-0")).out())
        .isEqualTo("Subtask sub-0 of task t-1 restarted: PENDING\n");
    assertThat(json(ok(golem("tasks", "abort", "t-1", "--json"))).get("state").asText())
        .isEqualTo("ABORTED");
    assertThat(api.service.calls).contains("restartSubtask t-1 sub-0");
  }

  @Test
  void idsAreEncodedInThePath() {
    api.service.put("a b/c", "odd", "FINISHED", 1, 1, "0");
    assertThat(ok(golem("tasks", "show", "a b/c")).out()).startsWith("ID        a b/c\n");
  }

  @Test
  void status() {
    Result r = ok(golem("status"));
    assertThat(r.out())
        .isEqualTo(
            lines(
                "Node id       " + FakeNodeService.NODE_ID,
                "Version       jgolem/0.1.0",
                "Roles         provider, requestor",
                "P2P endpoint  127.0.0.1:40102",
                "Environments  wasm, docker:sha256:abc",
                "Peers         3"));
  }

  @Test
  void peers() throws IOException {
    Result r = ok(golem("network", "peers"));
    assertThat(r.out())
        .isEqualTo(
            lines(
                "NODE ID" + " ".repeat(37) + "ADDRESS          DIRECTION",
                P + "  127.0.0.1:40103  outbound",
                "0x3333333333333333333333333333333333333333  [::1]:40104      inbound"));
    assertThat(json(ok(golem("network", "peers", "--json"))).get(1).get("host").asText())
        .isEqualTo("::1");
  }

  @Test
  void paymentsShowExactGntRightAligned() throws IOException {
    Result r = ok(golem("payments"));
    List<String> rows = r.out().lines().toList();
    assertThat(rows).hasSize(4);
    assertThat(rows.get(0))
        .startsWith("TASK  SUBTASK  PAYEE")
        .contains("AMOUNT  STATUS   TX     DETAIL");
    assertThat(rows.get(1)).contains(" 0.000000000000000001 GNT  PAID     0xabc  -");
    assertThat(rows.get(2)).contains(" 1.5 GNT  PENDING  -      batch at 12:00");
    assertThat(rows.get(3)).contains(" 123456789012.34567890123456789 GNT  SENT     0xdef  -");
    int end = rows.get(1).indexOf(" GNT") + 4;
    assertThat(rows.get(2).indexOf(" GNT") + 4).isEqualTo(end);
    assertThat(rows.get(3).indexOf(" GNT") + 4).isEqualTo(end);
    assertThat(rows.get(0).indexOf("AMOUNT") + 6).isEqualTo(end);

    JsonNode j = json(ok(golem("payments", "--json")));
    assertThat(j.get(0).get("amount").asText()).isEqualTo("1"); // wei, exact, as the API sent it
    assertThat(j.get(2).get("amount").asText()).isEqualTo("123456789012345678901234567890");
  }

  @Test
  void incomes() throws IOException {
    Result r = ok(golem("incomes"));
    assertThat(r.out())
        .isEqualTo(
            lines(
                "SUBTASK  PAYER" + " ".repeat(56) + "AMOUNT  STATUS    TX",
                "sub-9    " + FakeNodeService.NODE_ID + " ".repeat(20) + "1 GNT  RECEIVED  0x999",
                "sub-8    " + FakeNodeService.NODE_ID + "  0.00000000000000001 GNT  EXPECTED  -"));
    assertThat(json(ok(golem("incomes", "--json"))).get(1).get("amount").asText()).isEqualTo("10");
  }

  @Test
  void account() throws IOException {
    Result r = ok(golem("account"));
    assertThat(r.out())
        .isEqualTo(
            lines(
                "Address   " + FakeNodeService.NODE_ID,
                "GNT       1000 GNT",
                "ETH       0.000000000000000001 ETH",
                "Reserved  2.5 GNT (owed for accepted work, not yet paid)"));
    JsonNode j = json(ok(golem("account", "--json")));
    assertThat(j.get("eth").asText()).isEqualTo("1");
    assertThat(j.get("reserved").asText()).isEqualTo("2500000000000000000");
  }

  @Test
  void settingsShowAndSet() throws IOException {
    assertThat(ok(golem("settings", "show")).out())
        .isEqualTo(
            lines(
                "KEY           VALUE",
                "accept_tasks  true",
                "max_price     2000000000000000000",
                "min_price     1",
                "node_name     alice"));
    assertThat(ok(golem("settings", "set", "node_name", "bob")).out())
        .isEqualTo("node_name = bob\n");
    assertThat(json(ok(golem("settings", "show", "--json"))).get("node_name").asText())
        .isEqualTo("bob");
    assertThat(
            json(ok(golem("settings", "set", "min_price", "7", "--json")))
                .get("min_price")
                .asText())
        .isEqualTo("7");

    Result bad = golem("settings", "set", "max_price", "lots");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err())
        .isEqualTo(
            "golem: error: setting max_price must be a whole number of wei, got 'lots' (HTTP 400 bad_request)\n");

    Result unknown = golem("settings", "set", "colour", "red");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err())
        .isEqualTo(
            lines(
                "golem: error: unknown setting 'colour' (HTTP 400 bad_request)",
                "  - accept_tasks",
                "  - max_price",
                "  - min_price",
                "  - node_name"));
  }

  @Test
  void emptyListsSaySo() throws IOException {
    try (ApiFixture empty = new ApiFixture(data.resolve("empty"))) {
      Result r =
          ok(
              CliHarness.run(
                  Map.of("JGOLEM_DATA", data.resolve("empty").toString()), "tasks", "show"));
      assertThat(r.out()).isEqualTo("No tasks.\n");
      assertThat(
              ok(CliHarness.run(
                      Map.of(),
                      "--data-dir",
                      data.resolve("empty").toString(),
                      "tasks",
                      "show",
                      "--json"))
                  .out())
          .isEqualTo("[ ]\n");
      assertThat(empty.service.calls).containsExactly("tasks", "tasks");
    }
  }

  @Test
  void aServiceFailureIsExit1WithTheMessage() {
    api.service.breakNext(new IllegalStateException("database is locked"));
    Result r = golem("tasks", "show");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "golem: error: the node failed while handling GET /v1/tasks:"
                + " IllegalStateException: database is locked (HTTP 500 internal_error)\n");
    ok(golem("tasks", "show"));
  }

  // ------------------------------------------------------------ finding the API and the token

  @Test
  void theApiAndTokenAreFoundFromTheDataDirOption() {
    assertThat(ok(CliHarness.run(Map.of(), "tasks", "show", "--data-dir", data.toString())).out())
        .startsWith("ID   NAME");
    assertThat(ok(CliHarness.run(Map.of(), "--data-dir", data.toString(), "status")).out())
        .startsWith("Node id");
  }

  @Test
  void theApiAndTokenCanBeNamedDirectly() {
    Path elsewhere = data.resolve("elsewhere");
    Map<String, String> e =
        Map.of("JGOLEM_DATA", elsewhere.toString(), "JGOLEM_API", api.server.uri().toString());
    Path token = data.resolve(ApiToken.FILE);
    assertThat(ok(CliHarness.run(e, "--token-file", token.toString(), "status")).out())
        .startsWith("Node id");
    assertThat(
            ok(CliHarness.run(
                    Map.of("JGOLEM_DATA", elsewhere.toString()),
                    "--api",
                    api.server.uri().toString(),
                    "--token-file",
                    token.toString(),
                    "status"))
                .out())
        .startsWith("Node id");
    String hostPort = api.server.uri().getHost() + ":" + api.server.uri().getPort();
    assertThat(
            ok(CliHarness.run(e, "--api", hostPort, "--token-file", token.toString(), "status"))
                .out())
        .startsWith("Node id");
  }

  @Test
  void aMissingTokenFileIsExplained() {
    Path empty = data.resolve("nothing-here");
    Result r =
        CliHarness.run(
            Map.of("JGOLEM_DATA", empty.toString(), "JGOLEM_API", api.server.uri().toString()),
            "status");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "golem: error: no API token file at "
                + empty.resolve(ApiToken.FILE)
                + " (in the data folder from JGOLEM_DATA). The node creates it at its first start: is the node using this"
                + " data folder? Name the right one with --data-dir (or JGOLEM_DATA), or the file with --token-file.\n");
  }

  @Test
  void aWrongTokenIsExit1WithAHint() throws IOException {
    Path other = data.resolve("other");
    Files.createDirectories(other);
    Path token = other.resolve(ApiToken.FILE);
    Files.writeString(token, "ab".repeat(32));
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    Result r = CliHarness.run(env, "--token-file", token.toString(), "status");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            lines(
                "golem: error: invalid API token: use the one in the file api-token in the node's data folder"
                    + " (HTTP 401 unauthorized)",
                "  - the token was read from "
                    + token
                    + ": is that this node's data folder? (see --data-dir, JGOLEM_DATA,"
                    + " --token-file)"));
    assertThat(api.service.calls).isEmpty();
  }

  @Test
  void anUnreachableNodeIsExit1() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Result r =
        CliHarness.run(
            Map.of("JGOLEM_DATA", data.toString(), "JGOLEM_API", "http://127.0.0.1:" + closed),
            "tasks",
            "show");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "golem: error: cannot reach the node's API at http://127.0.0.1:"
                + closed
                + " (from JGOLEM_API): connection refused. Is the node running? Start it with 'golem node start', or point"
                + " --api or JGOLEM_API at it.\n");
  }

  @Test
  void aNodeThatHangsUpWithoutAnswerIsExit1() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      Thread hangUp =
          Thread.ofPlatform()
              .daemon()
              .start(() -> {
                while (!s.isClosed()) {
                  try (var c = s.accept()) {
                    c.getInputStream()
                        .read(); // the request has begun: close without a byte of answer
                  } catch (IOException closed) {
                    return;
                  }
                }
              });
      Result r =
          CliHarness.run(
              Map.of(
                  "JGOLEM_DATA",
                  data.toString(),
                  "JGOLEM_API",
                  "http://127.0.0.1:" + s.getLocalPort()),
              "tasks",
              "show");
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err())
          .startsWith(
              "golem: error: cannot reach the node's API at http://127.0.0.1:"
                  + s.getLocalPort()
                  + " (from JGOLEM_API): the connection ended without an answer to GET /v1/tasks")
          .contains("Is the node still running?");
      s.close();
      hangUp.join(5000);
    }
  }

  @Test
  void aStoppedNodesAddressFileIsGone() {
    Path addressFile = data.resolve(ApiConfig.ADDRESS_FILE);
    assertThat(addressFile).exists();
    api.close();
    assertThat(addressFile).doesNotExist();
    Result r = golem("status");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .startsWith(
            "golem: error: cannot reach the node's API at http://127.0.0.1:61000 (from the"
                + " default, as "
                + addressFile
                + " does not exist)");
  }

  @Test
  void aServerThatIsNotANodeIsNamed() throws Exception {
    com.sun.net.httpserver.HttpServer other =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
    other.createContext(
        "/",
        ex -> {
          byte[] body = "<html>hello</html>".getBytes();
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    other.start();
    try {
      Result r = golem("--api", "http://127.0.0.1:" + other.getAddress().getPort(), "status");
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err())
          .startsWith(
              "golem: error: the server at http://127.0.0.1:"
                  + other.getAddress().getPort()
                  + " answered GET /v1/status with HTTP 200 and a body that is not JSON (is it a jgolem node?): <html>hello");
    } finally {
      other.stop(0);
    }
  }

  // ------------------------------------------------------------ usage

  @Test
  void usageErrorsAreExit2() {
    for (String[] args :
        List.of(
            new String[] {},
            new String[] {"frobnicate"},
            new String[] {"tasks"},
            new String[] {"tasks", "show", "a", "b"},
            new String[] {"tasks", "subtasks"},
            new String[] {"tasks", "create"},
            new String[] {"settings", "set", "only-key"},
            new String[] {"tasks", "show", "--colour"},
            new String[] {"tasks", "create", "x.json", "--wait", "--interval", "0"},
            new String[] {"tasks", "create", "x.json", "--interval", "soon"},
            new String[] {"--api", "ftp://127.0.0.1:1", "status"},
            new String[] {"node", "start"})) {
      Result r = golem(args);
      assertThat(r.exit()).as(String.join(" ", args) + "\n" + r).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", args)).isNotEmpty();
    }
    assertThat(golem("tasks", "create", "x.json", "--wait", "--interval", "0").err())
        .startsWith("--interval must be more than 0 and at most 3600 seconds, got 0");
    assertThat(golem("--api", "ftp://127.0.0.1:1", "status").err())
        .startsWith(
            "the API address 'ftp://127.0.0.1:1' (from --api) is not a URL like http://127.0.0.1:61000");
    assertThat(golem("frobnicate").err()).startsWith("Unmatched argument at index 0: 'frobnicate'");
    assertThat(api.service.calls).isEmpty();
  }

  @Test
  void helpAndVersionAreExit0() {
    Result help = CliHarness.run(env, "--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out())
        .contains("Usage: golem")
        .contains("tasks")
        .contains("payments")
        .contains("JGOLEM_DATA");
    Result sub = CliHarness.run(env, "tasks", "create", "--help");
    assertThat(sub.exit()).isZero();
    assertThat(sub.out())
        .contains("Usage: golem tasks create")
        .contains("--wait")
        .contains("--data-dir");
    Result version = CliHarness.run(env, "--version");
    assertThat(version.exit()).isZero();
    assertThat(version.out()).startsWith("golem (jgolem) ");
  }
}

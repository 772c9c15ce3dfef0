package org.jgolem.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.jgolem.node.api.ApiFixture.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token file, bearer authentication and the loopback-only bind. */
class ApiAuthTest {
  @TempDir Path data;

  @Test
  void theTokenFileIsCreatedOwnerOnlyAndReusedOnRestart() throws IOException {
    Path file = data.resolve("node").resolve(ApiToken.FILE);
    String first;
    try (ApiFixture api = new ApiFixture(data.resolve("node"))) {
      assertThat(file).exists();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
      assertThat(Files.readString(file).strip()).matches("[0-9a-f]{64}").isEqualTo(api.token());
      assertThat(api.server.token().file()).isEqualTo(file);
      first = api.token();
      assertThat(api.get("/v1/status").status()).isEqualTo(200);
    }
    try (ApiFixture again = new ApiFixture(data.resolve("node"))) {
      assertThat(again.token()).isEqualTo(first);
      assertThat(again.send("GET", "/v1/status", null, "Bearer " + first).status()).isEqualTo(200);
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void twoDataFoldersHaveDifferentTokens() throws IOException {
    try (ApiFixture a = new ApiFixture(data.resolve("a"));
        ApiFixture b = new ApiFixture(data.resolve("b"))) {
      assertThat(a.token()).isNotEqualTo(b.token());
      assertThat(a.send("GET", "/v1/status", null, "Bearer " + b.token()).status()).isEqualTo(401);
    }
  }

  @Test
  void everyRouteNeedsTheToken() throws IOException {
    try (ApiFixture api = new ApiFixture(data)) {
      api.service.put("t-1", "x", "COMPUTING", 1, 0, "0");
      String[][] routes = {
        {"GET", "/v1/status"},
        {"POST", "/v1/tasks"},
        {"GET", "/v1/tasks"},
        {"GET", "/v1/tasks/t-1"},
        {"GET", "/v1/tasks/t-1/subtasks"},
        {"POST", "/v1/tasks/t-1/restart"},
        {"POST", "/v1/tasks/t-1/abort"},
        {"POST", "/v1/tasks/t-1/subtasks/sub-0/restart"},
        {"GET", "/v1/peers"},
        {"GET", "/v1/payments"},
        {"GET", "/v1/incomes"},
        {"GET", "/v1/account"},
        {"GET", "/v1/settings"},
        {"PUT", "/v1/settings/node_name"},
        {"GET", "/v1/no-such-route"}
      };
      for (String[] route : routes) {
        Reply r = api.send(route[0], route[1], null, null);
        assertThat(r.status()).as(route[0] + " " + route[1]).isEqualTo(401);
        assertThat(r.error()).isEqualTo("unauthorized");
        assertThat(r.message()).startsWith("missing Authorization header");
        assertThat(r.headers().firstValue("WWW-Authenticate"))
            .hasValue("Bearer realm=\"jgolem-node\"");
      }
      assertThat(api.service.calls).as("nothing reached the service").isEmpty();
    }
  }

  @Test
  void wrongOrMalformedTokensAre401() throws IOException {
    try (ApiFixture api = new ApiFixture(data)) {
      String token = api.token();
      String wrong = (token.charAt(0) == 'a' ? "b" : "a") + token.substring(1);
      Reply r = api.send("GET", "/v1/status", null, "Bearer " + wrong);
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.message()).startsWith("invalid API token");

      assertThat(api.send("GET", "/v1/status", null, "Bearer " + token.substring(1)).status())
          .isEqualTo(401);
      assertThat(api.send("GET", "/v1/status", null, "Bearer " + token + "0").status())
          .isEqualTo(401);
      assertThat(api.send("GET", "/v1/status", null, "Bearer ").status()).isEqualTo(401);
      assertThat(api.send("GET", "/v1/status", null, "Bearer " + token.toUpperCase()).status())
          .isEqualTo(401);
      Reply basic = api.send("GET", "/v1/status", null, "Basic " + token);
      assertThat(basic.status()).isEqualTo(401);
      assertThat(basic.message()).isEqualTo("the Authorization header must be 'Bearer <token>'");
      assertThat(api.send("GET", "/v1/status", null, token).status()).isEqualTo(401);

      Reply two =
          api.send(
              HttpRequest.newBuilder(URI.create(api.server.uri() + "/v1/status"))
                  .header("Authorization", "Bearer " + token)
                  .header("Authorization", "Bearer " + token)
                  .build());
      assertThat(two.status()).isEqualTo(401);
      assertThat(two.message()).isEqualTo("more than one Authorization header");

      // the scheme is case-insensitive (RFC 9110)
      assertThat(api.send("GET", "/v1/status", null, "bearer " + token).status()).isEqualTo(200);
      assertThat(api.service.calls).containsExactly("status");
    }
  }

  @Test
  void anInsecureTokenFileIsRefused() throws IOException {
    Files.writeString(data.resolve(ApiToken.FILE), "ab".repeat(32) + "\n");
    Files.setPosixFilePermissions(
        data.resolve(ApiToken.FILE), PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> new ApiFixture(data))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is accessible to other users (rw-r--r--)")
        .hasMessageContaining("chmod 600 " + data.resolve(ApiToken.FILE));
  }

  @Test
  void aTokenFileWithoutATokenIsRefused() throws IOException {
    Files.writeString(data.resolve(ApiToken.FILE), "not a token\n");
    Files.setPosixFilePermissions(
        data.resolve(ApiToken.FILE), PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> new ApiFixture(data))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("does not hold a token (64 lower-case hex digits)");
  }

  @Test
  void anExistingTokenFileIsUsedAsItIs() throws IOException {
    String mine = "0123456789abcdef".repeat(4);
    Files.writeString(data.resolve(ApiToken.FILE), mine + "\n");
    Files.setPosixFilePermissions(
        data.resolve(ApiToken.FILE), PosixFilePermissions.fromString("rw-------"));
    try (ApiFixture api = new ApiFixture(data)) {
      assertThat(api.token()).isEqualTo(mine);
      assertThat(api.send("GET", "/v1/status", null, "Bearer " + mine).status()).isEqualTo(200);
    }
  }

  @Test
  void aNonLoopbackBindIsRefusedByDefault() {
    ApiConfig any = ApiConfig.defaults(data).withHost("0.0.0.0").withPort(0);
    assertThatThrownBy(() -> ApiServer.start(new FakeNodeService(), any))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "api.host '0.0.0.0' is not a loopback address (it resolves to 0.0.0.0)")
        .hasMessageContaining("set api.allowRemote to true");
    ApiConfig lan = ApiConfig.defaults(data).withHost("192.0.2.7").withPort(0);
    assertThatThrownBy(() -> ApiServer.start(new FakeNodeService(), lan))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("api.host '192.0.2.7' is not a loopback address");
    assertThat(data.resolve(ApiToken.FILE)).as("refused before anything is created").doesNotExist();
  }

  @Test
  void aNonLoopbackAddressIsAcceptedOnlyWhenAllowed() {
    // resolved, not bound: the tests listen on loopback only
    InetSocketAddress any =
        ApiConfig.defaults(data)
            .withHost("0.0.0.0")
            .withPort(0)
            .withAllowRemote(true)
            .bindAddress();
    assertThat(any.getAddress().isAnyLocalAddress()).isTrue();
  }

  @Test
  void loopbackNamesAndIpv6LoopbackAreAccepted() throws IOException {
    assertThat(
            ApiConfig.defaults(data)
                .withHost("localhost")
                .bindAddress()
                .getAddress()
                .isLoopbackAddress())
        .isTrue();
    try (ApiFixture api =
        new ApiFixture(data, ApiConfig.defaults(data).withHost("::1").withPort(0))) {
      assertThat(api.server.uri().toString()).startsWith("http://[0:0:0:0:0:0:0:1]:");
      assertThat(api.get("/v1/status").status()).isEqualTo(200);
    }
  }

  @Test
  void settingsAreValidatedByName() {
    assertThatThrownBy(() -> ApiConfig.defaults(data).withPort(70000).validate())
        .hasMessage("api.port must be in 0..65535, got 70000");
    assertThatThrownBy(() -> ApiConfig.defaults(data).withMaxBodyBytes(10).validate())
        .hasMessage("api.maxBodyBytes must be at least 1024, got 10");
    assertThatThrownBy(
            () -> ApiConfig.defaults(data).withHost("no-such-host.invalid").bindAddress())
        .hasMessage("api.host 'no-such-host.invalid' does not resolve to an address");
  }

  @Test
  void theAddressFileNamesTheServerWhileItRuns() throws IOException {
    Path file = data.resolve(ApiConfig.ADDRESS_FILE);
    try (ApiFixture api = new ApiFixture(data)) {
      assertThat(Files.readString(file).strip())
          .isEqualTo(api.server.uri().toString())
          .startsWith("http://127.0.0.1:");
    }
    assertThat(file).doesNotExist();
  }

  @Test
  void aTakenPortIsReportedWithTheSetting() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ApiConfig config = ApiConfig.defaults(data).withPort(taken.getLocalPort());
      assertThatThrownBy(() -> ApiServer.start(new FakeNodeService(), config))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(
              "cannot listen on 127.0.0.1:" + taken.getLocalPort() + " (api.host, api.port)");
    }
  }
}

package org.jgolem.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.jgolem.node.api.ApiFixture.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad requests and failing services get clear JSON errors, and the server keeps serving. */
class ApiErrorsTest {
  @TempDir Path data;
  ApiFixture api;

  @BeforeEach
  void start() throws IOException {
    api = new ApiFixture(data);
    api.service.put("t-1", "render", "COMPUTING", 3, 1, "100");
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private static List<String> details(Reply r) {
    return r.json().get("details").valueStream().map(JsonNode::asText).toList();
  }

  @Test
  void malformedJson() {
    Reply r = api.send("POST", "/v1/tasks", "{\"file\": ");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error()).isEqualTo("bad_request");
    assertThat(r.message()).startsWith("malformed JSON in the request body: ");
    assertThat(details(r)).singleElement().asString().startsWith("at line 1, column ");

    Reply trailing = api.send("POST", "/v1/tasks", "{\"file\": \"/a.json\"} {}");
    assertThat(trailing.status()).isEqualTo(400);
    assertThat(trailing.message()).startsWith("malformed JSON in the request body: ");

    Reply duplicate =
        api.send("POST", "/v1/tasks", "{\"file\": \"/a.json\", \"file\": \"/b.json\"}");
    assertThat(duplicate.status()).isEqualTo(400);
    assertThat(duplicate.message()).contains("Duplicate field 'file'");
    assertThat(api.service.createdFrom).isEmpty();
  }

  @Test
  void bodiesOfTheWrongShape() {
    Reply array = api.send("POST", "/v1/tasks", "[\"/a.json\"]");
    assertThat(array.status()).isEqualTo(400);
    assertThat(array.message())
        .isEqualTo(
            "the request body must be a JSON object like {\"file\": \"/absolute/path/task.json\"}, got array");

    Reply empty = api.send("POST", "/v1/tasks", "");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.message())
        .startsWith("the request body is empty; expected a JSON object like {\"file\"");

    Reply missing = api.send("POST", "/v1/tasks", "{}");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.message()).startsWith("the request body needs \"file\"");

    Reply number = api.send("POST", "/v1/tasks", "{\"file\": 7}");
    assertThat(number.status()).isEqualTo(400);
    assertThat(number.message()).startsWith("the request body needs \"file\"");

    Reply relative = api.send("POST", "/v1/tasks", "{\"file\": \"tasks/a.json\"}");
    assertThat(relative.status()).isEqualTo(400);
    assertThat(relative.message())
        .startsWith("\"file\" must be an absolute path")
        .endsWith("got 'tasks/a.json'");

    Reply unknown =
        api.send("POST", "/v1/tasks", "{\"file\": \"/a.json\", \"wait\": true, \"fiel\": 1}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.message())
        .isEqualTo("the request body has fields this route does not take; expected only file");
    assertThat(details(unknown))
        .containsExactly("unknown field \"wait\"", "unknown field \"fiel\"");

    Reply value = api.send("PUT", "/v1/settings/node_name", "{\"value\": {\"a\": 1}}");
    assertThat(value.status()).isEqualTo(400);
    assertThat(value.message())
        .startsWith("the request body needs \"value\": the new value of setting 'node_name'");

    Reply actionBody = api.send("POST", "/v1/tasks/t-1/abort", "{\"force\": true}");
    assertThat(actionBody.status()).isEqualTo(400);
    assertThat(actionBody.message())
        .isEqualTo("POST /v1/tasks/t-1/abort takes no request body (or an empty JSON object)");
    assertThat(api.service.peek("t-1").state()).isEqualTo("COMPUTING");
    assertThat(api.service.createdFrom).isEmpty();
  }

  @Test
  void aBodyThatIsNotJsonByItsContentType() {
    Reply r =
        api.send(
            HttpRequest.newBuilder(URI.create(api.server.uri() + "/v1/tasks"))
                .header("Authorization", "Bearer " + api.token())
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"file\": \"/a.json\"}"))
                .build());
    assertThat(r.status()).isEqualTo(415);
    assertThat(r.error()).isEqualTo("unsupported_media_type");
    assertThat(r.message()).contains("got Content-Type 'text/plain'");
  }

  @Test
  void unknownRoutesAre404() {
    for (String path :
        List.of(
            "/",
            "/v1",
            "/v2/status",
            "/v1/tasks/t-1/nope",
            "/v1/tasks/t-1/subtasks/x",
            "/v1//tasks")) {
      Reply r = api.get(path);
      assertThat(r.status()).as(path).isEqualTo(404);
      assertThat(r.error()).isEqualTo("not_found");
      assertThat(r.message())
          .isEqualTo(
              "no route GET " + path + " (the API's routes start with /v1/, e.g. GET /v1/status)");
    }
  }

  @Test
  void wrongMethodsAre405WithTheAllowedOnes() {
    Reply r = api.send("DELETE", "/v1/tasks/t-1", null);
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.error()).isEqualTo("method_not_allowed");
    assertThat(r.message()).isEqualTo("DELETE is not allowed on /v1/tasks/t-1; allowed: GET");
    assertThat(r.headers().firstValue("Allow")).hasValue("GET");

    Reply tasks = api.send("PUT", "/v1/tasks", "{}");
    assertThat(tasks.status()).isEqualTo(405);
    assertThat(tasks.headers().firstValue("Allow")).hasValue("GET, POST");

    Reply abort = api.get("/v1/tasks/t-1/abort");
    assertThat(abort.status()).isEqualTo(405);
    assertThat(abort.message()).endsWith("allowed: POST");
    assertThat(api.service.peek("t-1").state()).isEqualTo("COMPUTING");
  }

  @Test
  void anOversizedBodyIs413WhenDeclared() throws IOException {
    // Content-Length says 1 MiB; the server answers before reading it
    try (Socket s = new Socket(api.server.address().getAddress(), api.server.address().getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                  + api.token()
                  + "\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{\"file\": \"/a.json\"")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String response =
          new String(readUntilClosedOrJson(s.getInputStream()), StandardCharsets.UTF_8);
      assertThat(response).startsWith("HTTP/1.1 413 ");
      assertThat(response)
          .contains("\"error\":\"payload_too_large\"")
          .contains("at most 65536 bytes are accepted, got 1048576 bytes");
    }
    assertThat(api.service.createdFrom).isEmpty();
    assertThat(api.get("/v1/status").status()).isEqualTo(200);
  }

  @Test
  void anOversizedChunkedBodyIs413() {
    byte[] big =
        ("{\"file\": \"/" + "a".repeat(70_000) + ".json\"}").getBytes(StandardCharsets.UTF_8);
    Reply r =
        api.send(
            HttpRequest.newBuilder(URI.create(api.server.uri() + "/v1/tasks"))
                .header("Authorization", "Bearer " + api.token())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
                .build());
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.error()).isEqualTo("payload_too_large");
    assertThat(r.message())
        .isEqualTo(
            "the request body is too large: at most 65536 bytes are accepted, got more than that");
    assertThat(api.service.createdFrom).isEmpty();
    assertThat(api.get("/v1/status").status()).isEqualTo(200);
  }

  @Test
  void aBodyJustUnderTheLimitIsRead() {
    String path = "/" + "a".repeat(65_000) + ".json";
    Reply r = api.send("POST", "/v1/tasks", "{\"file\": \"" + path + "\"}");
    assertThat(r.status()).isEqualTo(201);
    assertThat(api.service.createdFrom).containsExactly(Path.of(path));
  }

  @Test
  void aServiceFailureIs500AndTheServerCarriesOn() {
    api.service.breakNext(new IllegalStateException("database is locked"));
    Reply r = api.get("/v1/tasks");
    assertThat(r.status()).isEqualTo(500);
    assertThat(r.error()).isEqualTo("internal_error");
    assertThat(r.message())
        .isEqualTo(
            "the node failed while handling GET /v1/tasks: IllegalStateException: database is locked");

    api.service.breakNext(new NullPointerException());
    Reply npe = api.get("/v1/peers");
    assertThat(npe.status()).isEqualTo(500);
    assertThat(npe.message())
        .isEqualTo("the node failed while handling GET /v1/peers: NullPointerException");

    api.service.breakNext(new AssertionError("a bug"));
    Reply error = api.get("/v1/account");
    assertThat(error.status()).isEqualTo(500);
    assertThat(error.message()).endsWith("AssertionError: a bug");

    // still serving, on every route
    assertThat(api.get("/v1/tasks").status()).isEqualTo(200);
    assertThat(api.get("/v1/peers").status()).isEqualTo(200);
    assertThat(api.get("/v1/account").status()).isEqualTo(200);
  }

  @Test
  void aServiceReturningNothingIs500() {
    api.service.accountMissing = true;
    Reply r = api.get("/v1/account");
    assertThat(r.status()).isEqualTo(500);
    assertThat(r.message())
        .isEqualTo(
            "the node failed while handling GET /v1/account: IllegalStateException: the node service returned nothing (null)");
    api.service.accountMissing = false;
    assertThat(api.get("/v1/account").status()).isEqualTo(200);
  }

  @Test
  void aRequestLineThatIsNotAUriIs400AndTheServerCarriesOn() throws IOException {
    // java.net.URI refuses "%zz", so the JDK's server answers this itself (plain text, not JSON)
    // before our handler
    try (Socket s = new Socket(api.server.address().getAddress(), api.server.address().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("GET /v1/tasks/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                      + api.token()
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String response =
          new String(readUntilClosedOrJson(s.getInputStream()), StandardCharsets.UTF_8);
      assertThat(response).startsWith("HTTP/1.1 400 ");
    }
    assertThat(api.get("/v1/status").status()).isEqualTo(200);
  }

  @Test
  void manyConcurrentRequestsAreAllAnswered() throws Exception {
    List<Thread> threads = new java.util.ArrayList<>();
    java.util.concurrent.ConcurrentLinkedQueue<Integer> statuses =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    for (int i = 0; i < 16; i++) {
      Thread t =
          new Thread(() -> {
            for (int j = 0; j < 10; j++) {
              statuses.add(api.get("/v1/tasks/t-1/subtasks").status());
            }
          });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join(30_000);
    }
    assertThat(statuses).hasSize(160).containsOnly(200);
  }

  private static byte[] readUntilClosedOrJson(InputStream in) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    int n;
    try {
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        String text = out.toString(StandardCharsets.UTF_8);
        int headerEnd = text.indexOf("\r\n\r\n");
        if (headerEnd > 0 && text.substring(headerEnd).contains("}")) {
          break;
        }
      }
    } catch (java.net.SocketException reset) {
      // the server may close the connection with unread input: what arrived before is the answer
    }
    return out.toByteArray();
  }
}

package org.jgolem.concent.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.concent.ConcentFixtures.CONCENT;
import static org.jgolem.concent.ConcentFixtures.PROVIDER;
import static org.jgolem.concent.ConcentFixtures.REQUESTOR;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jgolem.concent.http.ConcentServer;
import org.jgolem.concent.http.InMemoryNonceLedger;
import org.jgolem.concent.http.RequestAuthenticator;
import org.jgolem.concent.http.ServerConfig;
import org.jgolem.concent.record.CaseQuery;
import org.jgolem.concent.storage.ResultStorage;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read API over real HTTP, without Concent-Auth (auditors may be anyone): the list, paged by a
 * stable cursor at its edges and filtered; one case in detail; its bundle, which audits CONSISTENT;
 * and a clear 400 for every bad parameter.
 */
@Timeout(60)
class CasesApiTest {
  @TempDir Path dir;
  AuditedConcent c;
  ConcentServer server;
  final HttpClient http = HttpClient.newHttpClient();
  final ObjectMapper json = new ObjectMapper();

  @BeforeEach
  void start() throws Exception {
    c = new AuditedConcent(dir);
    MessageCodec codec = c.fx.codec();
    ServerConfig config = ServerConfig.defaults(new InetSocketAddress("127.0.0.1", 0));
    server =
        ConcentServer.start(
            c.service,
            new RequestAuthenticator(
                codec,
                CONCENT.address(),
                c.clock,
                new InMemoryNonceLedger(),
                config.maxAge(),
                config.maxSkew(),
                config.nonceCapacity()),
            codec,
            ResultStorage.open(dir.resolve("storage")),
            config);
    // five cases: three forced acceptances (one answered), two forced reports
    c.silentRequestorPaid(0x31);
    c.requestorAccepts(0x32);
    c.silentRequestorPaid(0x33);
    c.reportForced(0x34, false);
    c.reportTooLate(0x35);
  }

  @AfterEach
  void stop() {
    server.close();
    c.close();
  }

  private HttpResponse<byte[]> get(String pathAndQuery) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(server.uri() + pathAndQuery)).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private JsonNode ok(String pathAndQuery) throws Exception {
    HttpResponse<byte[]> r = get(pathAndQuery);
    assertThat(r.statusCode()).as(pathAndQuery + ": " + new String(r.body())).isEqualTo(200);
    return json.readTree(r.body());
  }

  private String refused(String pathAndQuery, int status) throws Exception {
    HttpResponse<byte[]> r = get(pathAndQuery);
    assertThat(r.statusCode()).as(pathAndQuery).isEqualTo(status);
    JsonNode e = json.readTree(r.body());
    assertThat(e.get("error").asText()).isNotBlank();
    return e.get("code").asText();
  }

  private static List<Long> ids(JsonNode page) {
    List<Long> out = new ArrayList<>();
    page.get("cases").forEach(n -> out.add(n.get("id").asLong()));
    return out;
  }

  @Test
  void everyCaseIsListedOncePageByPageWithoutAuthentication() throws Exception {
    List<Long> all = ids(ok("/api/v1/cases"));
    assertThat(all).hasSize(5).isSorted();
    List<Long> paged = new ArrayList<>();
    String next = null;
    int pages = 0;
    do {
      JsonNode page = ok("/api/v1/cases?limit=2" + (next == null ? "" : "&cursor=" + next));
      paged.addAll(ids(page));
      next = page.get("next").isNull() ? null : page.get("next").asText();
      pages++;
    } while (next != null);
    assertThat(paged).isEqualTo(all);
    assertThat(pages).isEqualTo(3);
    // a page that ends exactly at the last case has no next; a cursor past the end is empty
    JsonNode exact = ok("/api/v1/cases?limit=5");
    assertThat(ids(exact)).hasSize(5);
    assertThat(exact.get("next").isNull()).isTrue();
    assertThat(ids(ok("/api/v1/cases?cursor=" + all.get(4)))).isEmpty();
    assertThat(ids(ok("/api/v1/cases?limit=500"))).hasSize(5);
    // the cursor is stable: a case opened after a page was read comes on a later page
    JsonNode first = ok("/api/v1/cases?limit=4");
    c.reportTooLate(0x36);
    JsonNode rest = ok("/api/v1/cases?limit=4&cursor=" + first.get("next").asText());
    assertThat(ids(rest)).containsExactly(all.get(4), all.get(4) + 1);
  }

  @Test
  void casesAreFilteredByNodeTaskStateAndVerdict() throws Exception {
    assertThat(ids(ok("/api/v1/cases?node=" + PROVIDER.address()))).hasSize(5);
    assertThat(ids(ok("/api/v1/cases?node=" + REQUESTOR.address()))).hasSize(5);
    assertThat(ids(ok("/api/v1/cases?node=0x" + "99".repeat(20)))).isEmpty();
    String task = c.cases().get(0).taskIdHex();
    assertThat(ids(ok("/api/v1/cases?task=" + task))).hasSize(5);
    assertThat(ids(ok("/api/v1/cases?verdict=ACCEPTED_BY_CONCENT"))).hasSize(2);
    assertThat(ids(ok("/api/v1/cases?state=ACCEPTED"))).hasSize(3);
    assertThat(ids(ok("/api/v1/cases?state=REPORTED&verdict=CONCENT_ACK"))).hasSize(1);
    assertThat(ids(ok("/api/v1/cases?verdict=SUBTASK_TIMEOUT&limit=1"))).hasSize(1);
  }

  @Test
  void oneCaseInDetailAndItsBundleWhichAuditsConsistent() throws Exception {
    long id = c.service.records().orElseThrow().cases(CaseQuery.all()).cases().get(0).id();
    JsonNode one = ok("/api/v1/cases/" + id);
    assertThat(one.get("verdict").asText()).isEqualTo("ACCEPTED_BY_CONCENT");
    assertThat(one.get("settlementTx").asText()).startsWith("0x");
    assertThat(one.get("bundle").asText()).isEqualTo("/api/v1/cases/" + id + "/bundle");
    JsonNode first = one.get("entries").get(0);
    assertThat(first.get("kind").asText()).isEqualTo("received");
    assertThat(first.get("message").get("type").asText()).isEqualTo("FORCE_SUBTASK_RESULTS");
    assertThat(first.get("frame").asText()).startsWith("0x");
    HttpResponse<byte[]> bundle = get("/api/v1/cases/" + id + "/bundle");
    assertThat(bundle.statusCode()).isEqualTo(200);
    assertThat(bundle.headers().firstValue("Content-Type")).hasValue("application/cbor");
    new Auditor(x -> {}).audit(bundle.body(), Optional.empty());
  }

  @Test
  void badParametersAreClearFourHundreds() throws Exception {
    assertThat(refused("/api/v1/cases?limit=0", 400)).isEqualTo("cases.bad_limit");
    assertThat(refused("/api/v1/cases?limit=501", 400)).isEqualTo("cases.bad_limit");
    assertThat(refused("/api/v1/cases?limit=ten", 400)).isEqualTo("cases.bad_limit");
    assertThat(refused("/api/v1/cases?cursor=-1", 400)).isEqualTo("cases.bad_cursor");
    assertThat(refused("/api/v1/cases?cursor=abc", 400)).isEqualTo("cases.bad_cursor");
    assertThat(refused("/api/v1/cases?node=0x1234", 400)).isEqualTo("cases.bad_address");
    assertThat(refused("/api/v1/cases?task=0xabcd", 400)).isEqualTo("cases.bad_task");
    assertThat(refused("/api/v1/cases?state=SETTLED", 400)).isEqualTo("cases.bad_state");
    assertThat(refused("/api/v1/cases?verdict=GUILTY", 400)).isEqualTo("cases.bad_verdict");
    assertThat(refused("/api/v1/cases?sort=id", 400)).isEqualTo("cases.bad_query");
    assertThat(refused("/api/v1/cases?limit=1&limit=2", 400)).isEqualTo("cases.bad_query");
    assertThat(refused("/api/v1/cases/zero", 400)).isEqualTo("cases.bad_id");
    assertThat(refused("/api/v1/cases/0", 400)).isEqualTo("cases.bad_id");
    assertThat(refused("/api/v1/cases/999", 404)).isEqualTo("cases.not_found");
    assertThat(refused("/api/v1/cases/999/bundle", 404)).isEqualTo("cases.not_found");
    assertThat(refused("/api/v1/cases/1/evidence", 404)).isEqualTo("request.not_found");
    HttpResponse<byte[]> post =
        http.send(
            HttpRequest.newBuilder(URI.create(server.uri() + "/api/v1/cases"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(post.statusCode()).isEqualTo(405);
  }
}

package org.jgolem.ipfs.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.ipfs.car.CarReader;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.multiformats.Multibase;
import org.jgolem.ipfs.testutil.TestFiles;
import org.jgolem.ipfs.testutil.TestNode;
import org.jgolem.ipfs.unixfs.DagBuilder;
import org.jgolem.ipfs.unixfs.DagNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Trustless Gateway conventions, checked with the JDK's HTTP client as an independent client.
 */
class GatewayServerTest {
  @TempDir static Path tmp;
  static TestNode node;
  static HttpClient http;
  static Cid folder, big, small;
  static byte[] bigBytes;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(tmp, "gw", Providers.none());
    http = HttpClient.newHttpClient();
    bigBytes = TestFiles.bytes(42, 3 * DagBuilder.CHUNK_SIZE + 1000);
    TestFiles.write(tmp.resolve("in/dir/big.bin"), bigBytes);
    TestFiles.write(tmp.resolve("in/dir/sub/small.txt"), "small".getBytes());
    folder = node.store.add(tmp.resolve("in/dir"));
    big = node.store.add(tmp.resolve("in/dir/big.bin"));
    small = Cid.raw("small".getBytes());
  }

  @AfterAll
  static void stop() throws IOException {
    node.close();
  }

  static HttpResponse<byte[]> get(String path, String accept) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.gateway.uri() + path));
    if (accept != null) b.header("Accept", accept);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static Map<Cid, byte[]> car(byte[] body, Cid root) throws IOException {
    CarReader r = new CarReader(new ByteArrayInputStream(body), 4 << 20);
    assertThat(r.roots()).containsExactly(root);
    Map<Cid, byte[]> out = new LinkedHashMap<>();
    CarReader.Block b;
    while ((b = r.next()) != null) {
      assertThat(b.cid().verifies(b.data())).as("block %s verifies", b.cid()).isTrue();
      assertThat(out.put(b.cid(), b.data())).as("no duplicates").isNull();
    }
    return out;
  }

  @Test
  void rawBlockByFormatOrAcceptHeader() throws Exception {
    HttpResponse<byte[]> r = get("/ipfs/" + small + "?format=raw", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("small".getBytes());
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/vnd.ipld.raw");
    assertThat(r.headers().firstValue("Cache-Control").orElse("")).contains("immutable");
    assertThat(r.headers().firstValue("ETag")).hasValue("\"" + small + ".raw\"");
    HttpResponse<byte[]> a = get("/ipfs/" + small, "application/vnd.ipld.raw");
    assertThat(a.body()).isEqualTo("small".getBytes());
    // the same CID written in base58btc names the same block
    assertThat(
            get("/ipfs/" + small.toString(Multibase.Base.BASE58BTC) + "?format=raw", null).body())
        .isEqualTo("small".getBytes());
    // a path through the folder
    assertThat(get("/ipfs/" + folder + "/sub/small.txt?format=raw", null).body())
        .isEqualTo("small".getBytes());
  }

  @Test
  void carOfAWholeDagInDfsOrder() throws Exception {
    HttpResponse<byte[]> r = get("/ipfs/" + folder + "?format=car", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/vnd.ipld.car")
        .contains("version=1");
    Map<Cid, byte[]> blocks = car(r.body(), folder);
    List<Cid> order = new ArrayList<>(blocks.keySet());
    assertThat(order.get(0)).isEqualTo(folder);
    // folder, big.bin root, its 4 leaves, sub, small.txt
    assertThat(order).hasSize(1 + 1 + 4 + 1 + 1);
    assertThat(order.get(1)).isEqualTo(big);
    HttpResponse<byte[]> byAccept = get("/ipfs/" + folder, "application/vnd.ipld.car; version=1");
    assertThat(car(byAccept.body(), folder).keySet()).containsExactlyElementsOf(order);
  }

  @Test
  void carScopesAndEntityByteRanges() throws Exception {
    assertThat(car(get("/ipfs/" + big + "?format=car&dag-scope=block", null).body(), big).keySet())
        .containsExactly(big);
    List<Cid> leaves = DagNode.decode(big, node.store.blockStore().get(big)).links();
    // bytes 262144..262144+10: the root and the second leaf only
    Map<Cid, byte[]> r =
        car(
            get("/ipfs/" + big + "?format=car&dag-scope=entity&entity-bytes=262144:262154", null)
                .body(),
            big);
    assertThat(r.keySet()).containsExactly(big, leaves.get(1));
    // from the second leaf to the end
    r =
        car(
            get("/ipfs/" + big + "?format=car&dag-scope=entity&entity-bytes=300000:*", null).body(),
            big);
    assertThat(r.keySet()).containsExactly(big, leaves.get(1), leaves.get(2), leaves.get(3));
    // the last 10 bytes
    r =
        car(
            get("/ipfs/" + big + "?format=car&dag-scope=entity&entity-bytes=-10:*", null).body(),
            big);
    assertThat(r.keySet()).containsExactly(big, leaves.get(3));
    // a folder as an entity: only its own block; with a path: the path's blocks first
    assertThat(
            car(get("/ipfs/" + folder + "?format=car&dag-scope=entity", null).body(), folder)
                .keySet())
        .containsExactly(folder);
    Map<Cid, byte[]> p =
        car(get("/ipfs/" + folder + "/sub/small.txt?format=car", null).body(), folder);
    assertThat(p.keySet()).hasSize(3).contains(folder, small).first().isEqualTo(folder);
  }

  @Test
  void errorsNameTheProblem() throws Exception {
    HttpResponse<byte[]> bad = get("/ipfs/notacid?format=raw", null);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new String(bad.body())).contains("invalid CID 'notacid'");
    Cid absent = Cid.raw("absent".getBytes());
    HttpResponse<byte[]> missing = get("/ipfs/" + absent + "?format=raw", null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(new String(missing.body())).contains(absent.toString());
    assertThat(get("/ipfs/" + absent + "?format=car", null).statusCode()).isEqualTo(404);
    HttpResponse<byte[]> noFormat = get("/ipfs/" + small, null);
    assertThat(noFormat.statusCode()).isEqualTo(406);
    assertThat(new String(noFormat.body())).contains("format=raw");
    assertThat(get("/ipfs/" + small + "?format=tar", null).statusCode()).isEqualTo(400);
    assertThat(get("/ipfs/" + folder + "/nope?format=raw", null).statusCode()).isEqualTo(404);
    assertThat(new String(get("/ipfs/" + folder + "/..?format=raw", null).body()))
        .contains("bad path segment");
    assertThat(get("/ipns/x", null).statusCode()).isEqualTo(404);
    HttpResponse<byte[]> post =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(node.gateway.uri() + "/ipfs/" + small + "?format=raw"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(post.statusCode()).isEqualTo(405);
    HttpResponse<Void> head =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(node.gateway.uri() + "/ipfs/" + small + "?format=raw"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.discarding());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(5);
  }
}

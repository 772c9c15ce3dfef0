package org.jgolem.ipfs.kubo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jgolem.ipfs.LimitExceededException;
import org.jgolem.ipfs.ResourceStore;
import org.jgolem.ipfs.ResourceStoreConfig;
import org.jgolem.ipfs.UnsafePathException;
import org.jgolem.ipfs.embedded.EmbeddedResourceStore;
import org.jgolem.ipfs.embedded.ResourceStores;
import org.jgolem.ipfs.exchange.GatewayServer;
import org.jgolem.ipfs.exchange.PeerReports;
import org.jgolem.ipfs.exchange.Providers;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.testutil.TestFiles;
import org.jgolem.ipfs.unixfs.BlockSink;
import org.jgolem.ipfs.unixfs.DagBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubo RPC backend against a real IPFS daemon: js-ipfs 0.66.1, started here through
 * scripts/js-ipfs on a free loopback port with a fresh repository, and stopped afterwards. Skipped
 * (saying why) only if the daemon cannot start.
 */
class KuboRpcTest {
  static final int CHUNK = DagBuilder.CHUNK_SIZE;
  @TempDir static Path tmp;
  static Path state;
  static URI api;
  static KuboResourceStore kubo;

  @BeforeAll
  static void startDaemon() throws Exception {
    Path root = Path.of(System.getProperty("jgolem.root", "..")).toAbsolutePath().normalize();
    Path script = root.resolve("scripts/js-ipfs");
    Assumptions.assumeTrue(
        Files.isRegularFile(script), "the js-ipfs daemon cannot start: " + script + " is missing");
    state = Files.createTempDirectory("js-ipfs-test");
    Process p =
        new ProcessBuilder("bash", script.toString(), "start", state.toString())
            .redirectErrorStream(false)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    boolean finished = p.waitFor(10, TimeUnit.MINUTES);
    Matcher m = Pattern.compile("api=(\\S+)").matcher(out);
    if (!finished || p.exitValue() != 0 || !m.find()) {
      p.destroyForcibly();
      Assumptions.abort(
          "the js-ipfs daemon could not start (scripts/js-ipfs start): " + tail(err + out));
    }
    api = URI.create(m.group(1));
    Properties props = new Properties();
    props.setProperty("ipfs.backend", "kubo");
    props.setProperty("ipfs.kubo-api", api.toString());
    props.setProperty("ipfs.max-task-bytes", String.valueOf(4 * CHUNK));
    props.setProperty("ipfs.durable", "false");
    ResourceStore s =
        ResourceStores.open(
            ResourceStoreConfig.fromProperties(props, tmp.resolve("data")),
            Providers.none(),
            PeerReports.none());
    assertThat(s).isInstanceOf(KuboResourceStore.class);
    kubo = (KuboResourceStore) s;
  }

  private static String tail(String s) {
    String t = s.strip();
    return t.length() > 1500 ? "..." + t.substring(t.length() - 1500) : t;
  }

  @AfterAll
  static void stopDaemon() throws Exception {
    if (kubo != null) kubo.close();
    if (state != null && Files.exists(state.resolve("pid"))) {
      Path root = Path.of(System.getProperty("jgolem.root", "..")).toAbsolutePath().normalize();
      new ProcessBuilder(
              "bash", root.resolve("scripts/js-ipfs").toString(), "stop", state.toString())
          .inheritIO()
          .start()
          .waitFor(30, TimeUnit.SECONDS);
    }
    if (state != null)
      org.jgolem.ipfs.FileTrees.deleteQuietly(state); // also when the daemon never started
  }

  @Test
  void theDaemonAnswers() throws IOException {
    assertThat(kubo.id()).contains("\"ID\"");
  }

  @Test
  void filesGetTheSameCidsAsTheEmbeddedBackendAndComeBackVerified() throws IOException {
    for (int size : new int[] {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 1_000_000, 3 * CHUNK}) {
      Path f = TestFiles.write(tmp.resolve("in/f" + size), TestFiles.bytes(size, size));
      Cid cid = kubo.add(f);
      assertThat(cid)
          .as("%d bytes", size)
          .isEqualTo(DagBuilder.rawLeaves(BlockSink.hashOnly()).add(f).cid());
      assertThat(cid.toString())
          .startsWith(size <= CHUNK ? "bafk" : "bafy"); // js-ipfs answered base58; normalised
      Path out = tmp.resolve("out/f" + size);
      Files.createDirectories(out.getParent());
      kubo.get(cid, out);
      assertThat(Files.mismatch(f, out)).isEqualTo(-1);
      try (InputStream in = kubo.cat(cid)) {
        assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(f));
      }
    }
  }

  @Test
  void foldersRoundTripThroughBlockGet() throws IOException {
    Path d = tmp.resolve("in/dir");
    TestFiles.write(d.resolve("a.txt"), "hello".getBytes());
    TestFiles.write(d.resolve("sub/deeper/b.bin"), TestFiles.bytes(7, 2 * CHUNK + 3));
    TestFiles.write(d.resolve("sub/é ü.txt"), "unicode".getBytes());
    TestFiles.write(d.resolve("empty-file"), new byte[0]);
    Files.createDirectories(d.resolve("empty-dir"));
    Cid cid = kubo.add(d);
    assertThat(cid).isEqualTo(DagBuilder.rawLeaves(BlockSink.hashOnly()).add(d).cid());
    kubo.get(cid, tmp.resolve("out-dir"));
    TestFiles.assertSameTree(d, tmp.resolve("out-dir"));
    byte[] root = kubo.blockGet(cid);
    assertThat(cid.verifies(root)).isTrue();
  }

  @Test
  void aDagOfAnotherLayoutIsFetchedBlockByBlock() throws Exception {
    // added straight through the RPC API with 1000-byte chunks and dag-pb leaves: cat cannot be
    // verified by
    // rebuilding, so get falls back to block/get and checks every block
    byte[] content = TestFiles.bytes(99, 10_000);
    String boundary = "b0undary";
    byte[] body =
        concat(
            ("--"
                    + boundary
                    + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8),
            content,
            ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            api + "/api/v0/add?cid-version=1&chunker=size-1000&raw-leaves=false"))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    Matcher m = Pattern.compile("\"Hash\"\\s*:\\s*\"([^\"]+)\"").matcher(r.body());
    assertThat(m.find()).as(r.body()).isTrue();
    Cid cid = Cid.parse(m.group(1));
    assertThat(cid)
        .isNotEqualTo(
            DagBuilder.rawLeaves(BlockSink.hashOnly())
                .addFile(new java.io.ByteArrayInputStream(content))
                .cid());
    kubo.get(cid, tmp.resolve("other-layout"));
    assertThat(Files.readAllBytes(tmp.resolve("other-layout"))).isEqualTo(content);
  }

  @Test
  void pinsTaskLimitsAndGc() throws IOException {
    Path f = TestFiles.write(tmp.resolve("in/task-file"), TestFiles.bytes(5, 3 * CHUNK));
    Cid cid = kubo.add(f, "task-a");
    assertThat(kubo.taskUsage("task-a")).isGreaterThan(3L * CHUNK);
    Path g = TestFiles.write(tmp.resolve("in/task-file-2"), TestFiles.bytes(6, 2 * CHUNK));
    assertThatThrownBy(() -> kubo.add(g, "task-a"))
        .isInstanceOf(LimitExceededException.class)
        .hasMessageContaining("task task-a may use 1.0 MiB");
    kubo.releaseTask("task-a");
    assertThat(kubo.taskUsage("task-a")).isZero();
    kubo.gc();
    kubo.pin(kubo.add(g));
    assertThat(kubo.unpin(Cid.parse(cid.toString()))).isFalse();
    Path link = Files.createSymbolicLink(tmp.resolve("a-link"), f);
    assertThatThrownBy(() -> kubo.add(link)).isInstanceOf(UnsafePathException.class);
  }

  /**
   * A standard IPFS implementation takes the CAR our trustless gateway serves: the daemon imports
   * it and has the folder.
   */
  @Test
  void aCarFromOurTrustlessGatewayImportsIntoTheDaemon() throws Exception {
    try (EmbeddedResourceStore node =
        EmbeddedResourceStore.open(
            ResourceStoreConfig.embedded(tmp.resolve("embedded")).withDurable(false),
            Providers.none(),
            PeerReports.none())) {
      GatewayServer gw = node.serve(new InetSocketAddress("127.0.0.1", 0));
      Path d = tmp.resolve("in/for-car");
      TestFiles.write(d.resolve("x.bin"), TestFiles.bytes(21, 3 * CHUNK + 5));
      TestFiles.write(d.resolve("sub/y.txt"), "y".getBytes());
      Cid cid = node.add(d);
      HttpClient http = HttpClient.newHttpClient();
      byte[] car =
          http.send(
                  HttpRequest.newBuilder(URI.create(gw.uri() + "/ipfs/" + cid))
                      .header("Accept", "application/vnd.ipld.car")
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray())
              .body();
      String boundary = "c4rb0undary";
      byte[] body =
          concat(
              ("--"
                      + boundary
                      + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.car\"\r\n"
                      + "Content-Type: application/vnd.ipld.car\r\n\r\n")
                  .getBytes(StandardCharsets.UTF_8),
              car,
              ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(api + "/api/v0/dag/import"))
                  .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      Matcher m = Pattern.compile("\"/\"\\s*:\\s*\"([^\"]+)\"").matcher(r.body());
      assertThat(m.find()).as(r.body()).isTrue();
      assertThat(Cid.parse(m.group(1))).isEqualTo(cid);
      kubo.get(cid, tmp.resolve("imported"));
      TestFiles.assertSameTree(d, tmp.resolve("imported"));
    }
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) n += p.length;
    byte[] out = new byte[n];
    int o = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }
}

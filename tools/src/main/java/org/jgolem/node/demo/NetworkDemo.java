package org.jgolem.node.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.jgolem.chain.Chain;
import org.jgolem.chain.TxReceipt;
import org.jgolem.chain.contracts.FaucetGateway;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.chain.dev.DevAccounts;
import org.jgolem.eth.Address;
import org.jgolem.ipfs.FileTrees;
import org.jgolem.node.daemon.LoopbackPorts;
import org.jgolem.protocol.identity.Keystore;
import org.jgolem.protocol.identity.NodeKey;
import org.web3j.crypto.Credentials;

/**
 * The network part of {@code ./scripts/demo}: a requestor and three providers as separate node
 * processes on loopback, a gWASM rendering task (the C renderer, one band per subtask, each band
 * computed by two providers whose results must agree), payment in one batched GNT transfer, and a
 * summary.
 *
 * <p>Arguments: the deployment file, the folder of compiled WASM programs, the demo's work folder,
 * and the node class path. The node keys are anvil's dev accounts 3 (requestor) and 4–6
 * (providers), so that the requestor has ETH for gas; it takes test GNT from the faucet.
 *
 * <p>Why over 400 lines: a tool, not the product; the demo's script of a small network (chain,
 * nodes, tasks, summaries) reads best from top to bottom in one place.
 */
public final class NetworkDemo {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BigInteger GNT = BigInteger.TEN.pow(18);
  private static final String PASSWORD_FILE_ENV = "JGOLEM_PASSWORD_FILE";
  private static final int BANDS = 6;

  private final Path deploymentFile;
  private final Path programs;
  private final Path work;
  private final String classpath;

  /** The jgolem/blender image id and a test scene, or null when the Blender part is skipped. */
  private final String blenderImage;

  private final Path blenderScene;
  private final List<Process> processes = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  private NetworkDemo(
      Path deploymentFile,
      Path programs,
      Path work,
      String classpath,
      String blenderImage,
      Path blenderScene) {
    this.blenderImage = blenderImage;
    this.blenderScene = blenderScene;
    this.deploymentFile = deploymentFile;
    this.programs = programs;
    this.work = work;
    this.classpath = classpath;
  }

  public static void main(String[] args) throws Exception {
    NetworkDemo demo =
        new NetworkDemo(
            Path.of(args[0]).toAbsolutePath(),
            Path.of(args[1]).toAbsolutePath(),
            Path.of(args[2]).toAbsolutePath(),
            args[3],
            args.length > 5 ? args[4] : null,
            args.length > 5 ? Path.of(args[5]).toAbsolutePath() : null);
    Runtime.getRuntime().addShutdownHook(new Thread(demo::stopNodes, "demo-stop"));
    int code;
    try {
      demo.run();
      code = 0;
    } catch (Exception e) {
      System.err.println("demo failed: " + e.getMessage());
      System.err.println("node logs are in " + demo.work);
      code = 1;
    } finally {
      demo.stopNodes();
    }
    System.exit(code);
  }

  /** One node: its folder, key, ports and (once started) its API. */
  private record Node(String name, Path dir, Credentials account, int p2pPort, boolean requestor) {
    Address address() {
      return Address.of(account.getAddress());
    }
  }

  private void run() throws Exception {
    Deployment d = Deployment.read(deploymentFile);
    FileTrees.delete(work);
    Files.createDirectories(work);
    // ports below the kernel's ephemeral range: one found free there stays free until the node
    // binds it
    List<Node> nodes =
        List.of(
            new Node(
                "requestor",
                work.resolve("requestor"),
                DevAccounts.account(3),
                LoopbackPorts.free(),
                true),
            new Node(
                "provider-1",
                work.resolve("provider-1"),
                DevAccounts.account(4),
                LoopbackPorts.free(),
                false),
            new Node(
                "provider-2",
                work.resolve("provider-2"),
                DevAccounts.account(5),
                LoopbackPorts.free(),
                false),
            new Node(
                "provider-3",
                work.resolve("provider-3"),
                DevAccounts.account(6),
                LoopbackPorts.free(),
                false));
    Node requestor = nodes.get(0);
    List<Node> providers = nodes.subList(1, 4);

    try (Chain chain = Chain.connect(d.rpcUrl())) {
      new FaucetGateway(chain, d.faucet(), requestor.account()).drip();
      var token = new GntTokenGateway(chain, d.token(), requestor.account());
      say(
          "requestor %s took test GNT from the faucet: %s GNT, %s ETH for gas",
          requestor.address(),
          gnt(token.balanceOf(requestor.address())),
          gnt(chain.etherBalance(requestor.address())));
      Map<Address, BigInteger> before = new LinkedHashMap<>();
      for (Node p : providers) before.put(p.address(), token.balanceOf(p.address()));

      say(
          "starting 1 requestor and 3 providers as separate processes on 127.0.0.1 (logs in %s)",
          work);
      for (Node n : nodes) start(n, nodes.get(0), d);
      Map<Node, Api> apis = new LinkedHashMap<>();
      for (Node n : nodes) apis.put(n, Api.await(http, n.dir(), Duration.ofSeconds(60)));
      Api r = apis.get(requestor);
      awaitCondition(
          Duration.ofSeconds(60),
          "providers connected to the requestor",
          () -> r.get("/v1/status").get("peers").asInt() >= 3);

      Path taskFile = renderTask(work.resolve("task"));
      long t0 = System.nanoTime();
      JsonNode created = r.post("/v1/tasks", Map.of("file", taskFile.toString()));
      String id = created.get("id").asText();
      say(
          "task %s: %d bands of a 96x96 ray-traced image, each computed by 2 providers (redundancy)",
          id.substring(0, 12), BANDS);
      JsonNode task = progress(r, id);
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (!task.get("state").asText().equals("FINISHED")) {
        throw new IllegalStateException("the task ended " + task.get("state").asText());
      }
      Path image = assemble(Path.of(task.get("outputPath").asText()), work.resolve("render.png"));
      say("task finished in %.1f s; the merged image is %s", seconds, image);

      // verification and work per provider
      Map<String, Integer> perProvider = new TreeMap<>();
      List<String> verification = new ArrayList<>();
      for (JsonNode s : r.get("/v1/tasks/" + id + "/subtasks")) {
        for (JsonNode p : s.get("providers")) perProvider.merge(p.asText(), 1, Integer::sum);
        verification.add(s.get("name").asText() + ": " + s.get("verification").asText());
      }
      // payments: wait for the batch to be mined and confirmed
      awaitCondition(
          Duration.ofSeconds(90),
          "payments confirmed",
          () -> {
            JsonNode ps = r.get("/v1/payments");
            if (ps.isEmpty()) return false;
            for (JsonNode p : ps) if (!p.get("status").asText().equals("PAID")) return false;
            return true;
          });
      JsonNode payments = r.get("/v1/payments");
      Map<String, Integer> paymentsPerTx = new TreeMap<>();
      BigInteger paid = BigInteger.ZERO;
      for (JsonNode p : payments) {
        paymentsPerTx.merge(p.get("txHash").asText(), 1, Integer::sum);
        paid = paid.add(new BigInteger(p.get("amount").asText()));
      }

      System.out.println();
      System.out.println("=== summary ===");
      System.out.println("subtasks computed per provider:");
      for (Node p : providers) {
        System.out.printf(
            "  %-10s %s  %d%n",
            p.name(), p.address(), perProvider.getOrDefault(p.address().toString(), 0));
      }
      System.out.println("verification (redundancy 2, results compared by digest):");
      verification.forEach(v -> System.out.println("  " + v));
      for (var e : paymentsPerTx.entrySet()) {
        long gas = chain.receipt(e.getKey()).map(TxReceipt::gasUsed).orElse(0L);
        System.out.printf(
            "payment transaction %s: %d payments in one batchTransfer, gas %d (%d per payment)%n",
            e.getKey(), e.getValue(), gas, e.getValue() == 0 ? 0 : gas / e.getValue());
      }
      System.out.printf("paid in all: %s GNT%n", gnt(paid));
      System.out.println("provider      GNT before        GNT after");
      for (Node p : providers) {
        System.out.printf(
            "  %-10s %12s %16s%n",
            p.name(), gnt(before.get(p.address())), gnt(token.balanceOf(p.address())));
      }
      System.out.println("output image: " + image);

      if (blenderImage != null) blender(r, chain, token, providers);
    }
  }

  /**
   * The Blender part: 2 frames, tiles on both, rendered in the providers' Docker sandboxes and
   * spot-checked.
   */
  private void blender(Api r, Chain chain, GntTokenGateway token, List<Node> providers)
      throws Exception {
    Path dir = Files.createDirectories(work.resolve("blender"));
    Files.copy(blenderScene, dir.resolve("scene.blend"));
    Path taskFile =
        Files.writeString(
            dir.resolve("task.json"),
            """
            {
              "type": "blender", "name": "test scene, 2 frames", "bid": "1",
              "timeout": "0:20:00", "subtask_timeout": "0:05:00", "subtasks_count": 4,
              "resources": ["scene.blend"],
              "options": {"image_id": "%s", "frames": "1-2", "resolution": [160, 120], "format": "PNG",
                          "samples": 16, "output_path": "out"}
            }
            """
                .formatted(blenderImage));
    Map<Address, BigInteger> before = new LinkedHashMap<>();
    for (Node p : providers) before.put(p.address(), token.balanceOf(p.address()));
    System.out.println();
    long t0 = System.nanoTime();
    JsonNode created = r.post("/v1/tasks", Map.of("file", taskFile.toString()));
    String id = created.get("id").asText();
    say(
        "Blender task %s: 2 frames of 160x120 at 16 samples, split into 4 tiles, rendered with Cycles in the "
            + "providers' Docker sandboxes; the requestor re-renders 3 crops of each tile and compares them by SSIM",
        id.substring(0, 12));
    JsonNode task = progress(r, id);
    if (!task.get("state").asText().equals("FINISHED"))
      throw new IllegalStateException("the Blender task ended " + task.get("state").asText());
    say(
        "Blender task finished in %.1f s; frames in %s",
        (System.nanoTime() - t0) / 1e9, task.get("outputPath").asText());
    Map<String, Integer> perProvider = new TreeMap<>();
    System.out.println("=== Blender summary ===");
    System.out.println(
        "verification (spot check: crops re-rendered by the requestor, SSIM threshold 0.94):");
    for (JsonNode s : r.get("/v1/tasks/" + id + "/subtasks")) {
      for (JsonNode p : s.get("providers")) perProvider.merge(p.asText(), 1, Integer::sum);
      System.out.println(
          "  "
              + s.get("name").asText()
              + ": "
              + s.get("state").asText()
              + ", "
              + s.get("verification").asText());
    }
    System.out.printf(
        Locale.ROOT,
        "  verification cost: %.1f s of re-rendering on the requestor (the crops of every tile in one "
            + "Blender process)%n",
        r.get("/v1/tasks/" + id).get("verificationMs").asLong() / 1000.0);
    System.out.println("tiles rendered per provider:");
    for (Node p : providers) {
      System.out.printf(
          "  %-10s %d%n", p.name(), perProvider.getOrDefault(p.address().toString(), 0));
    }
    awaitCondition(
        Duration.ofSeconds(90),
        "Blender payments confirmed",
        () -> {
          int n = 0;
          for (JsonNode p : r.get("/v1/payments")) {
            if (!p.get("taskId").asText().equals(id)) continue;
            n++;
            if (!p.get("status").asText().equals("PAID")) return false;
          }
          return n > 0;
        });
    Map<String, Integer> perTx = new TreeMap<>();
    for (JsonNode p : r.get("/v1/payments"))
      if (p.get("taskId").asText().equals(id))
        perTx.merge(p.get("txHash").asText(), 1, Integer::sum);
    for (var e : perTx.entrySet()) {
      long gas = chain.receipt(e.getKey()).map(TxReceipt::gasUsed).orElse(0L);
      System.out.printf(
          "payment transaction %s: %d payments, gas %d (%d per payment)%n",
          e.getKey(), e.getValue(), gas, gas / e.getValue());
    }
    System.out.println("provider      GNT before        GNT after");
    for (Node p : providers) {
      System.out.printf(
          "  %-10s %12s %16s%n",
          p.name(), gnt(before.get(p.address())), gnt(token.balanceOf(p.address())));
    }
    try (var frames = Files.list(Path.of(task.get("outputPath").asText()))) {
      frames.sorted().forEach(f -> System.out.println("output frame: " + f));
    }
  }

  private void start(Node n, Node requestor, Deployment d) throws IOException {
    Files.createDirectories(n.dir());
    Path password = work.resolve("password");
    if (!Files.exists(password)) {
      Files.writeString(password, "jgolem-demo\n");
      Files.setPosixFilePermissions(
          password, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }
    Keystore.write(
        n.dir().resolve("keystore.json"),
        NodeKey.of(n.account().getEcKeyPair()),
        new Keystore.Password.FromFile(password));
    Map<String, Object> config = new LinkedHashMap<>();
    config.put(
        "p2p",
        n.requestor()
            ? Map.of("host", "127.0.0.1", "port", n.p2pPort())
            : Map.of(
                "host",
                "127.0.0.1",
                "port",
                n.p2pPort(),
                "seeds",
                List.of("127.0.0.1:" + requestor.p2pPort())));
    config.put("api", Map.of("host", "127.0.0.1", "port", 0));
    config.put("chain", Map.of("deployment", deploymentFile.toString(), "confirmations", 1));
    config.put("requestor", Map.of("enabled", n.requestor(), "paymentWindowSeconds", 3));
    Map<String, Object> provider =
        new LinkedHashMap<>(
            Map.of("enabled", !n.requestor(), "minPricePerHour", "0.1", "slots", 2, "wasm", true));
    if (blenderImage != null) {
      // providers render in Docker; the requestor re-renders crops of each tile there to spot-check
      // them
      provider.put("docker", true);
      provider.put("dockerImages", List.of(blenderImage));
      // a Blender sandbox readied while idle, for the demo task's tiles (1 core, 1024 MiB: the task
      // file's defaults)
      provider.put("warmBlender", Map.of("image", blenderImage, "cpus", 1, "memoryMib", 1024));
    }
    config.put("provider", provider);
    Path cfg = n.dir().resolve("node.json");
    Files.writeString(cfg, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx1g",
                "-Djgolem.root=" + System.getProperty("jgolem.root", ""),
                "-cp",
                classpath,
                "org.jgolem.node.cli.GolemCli",
                "node",
                "start",
                "-c",
                cfg.toString(),
                "--data-dir",
                n.dir().toString(),
                n.requestor() ? "--requestor" : "--provider")
            .redirectErrorStream(true)
            .redirectOutput(n.dir().resolve("node.log").toFile());
    pb.environment().put(PASSWORD_FILE_ENV, work.resolve("password").toString());
    processes.add(pb.start());
  }

  /** A gWASM task: the C renderer draws one band of the same scene per subtask. */
  private Path renderTask(Path dir) throws IOException {
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.copy(programs.resolve("render.wasm"), in.resolve("render.wasm"));
    StringBuilder subs = new StringBuilder();
    for (int i = 0; i < BANDS; i++) {
      Path s = Files.createDirectories(in.resolve("band" + i));
      Files.writeString(
          s.resolve("scene.txt"),
          """
          size 96 96
          camera 0 1 -4
          light 3 5 -3
          light -3 4 -2
          sphere 0 1 2 1 220
          sphere -1.6 0.6 3 0.6 150
          sphere 1.5 0.5 1.5 0.5 90
          plane 0 70
          """);
      subs.append(i == 0 ? "" : ",\n      ")
          .append("\"band")
          .append(i)
          .append("\": {\"exec_args\": [\"/golem/resources/scene.txt\", ")
          .append("\"/golem/output\", \"")
          .append(i)
          .append("\", \"")
          .append(BANDS)
          .append("\"], \"output_file_paths\": [\"band-")
          .append(i)
          .append("-of-")
          .append(BANDS)
          .append(".pgm\"]}");
    }
    return Files.writeString(
        dir.resolve("task.json"),
        """
        {
          "type": "wasm", "name": "ray-traced spheres", "bid": "1",
          "timeout": "0:10:00", "subtask_timeout": "0:02:00",
          "verification": {"redundancy": 2},
          "options": {
            "js_name": "render.js", "wasm_name": "render.wasm", "input_dir": "in", "output_dir": "out",
            "subtasks": {
              %s
            }
          }
        }
        """
            .formatted(subs));
  }

  /** Stacks the bands (binary PGM) into one PNG. */
  private static Path assemble(Path out, Path png) throws IOException {
    List<BufferedImage> bands = new ArrayList<>();
    int width = 0;
    int height = 0;
    for (int i = 0; i < BANDS; i++) {
      BufferedImage b =
          readPgm(out.resolve("band" + i).resolve("band-" + i + "-of-" + BANDS + ".pgm"));
      bands.add(b);
      width = b.getWidth();
      height += b.getHeight();
    }
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    int y = 0;
    for (BufferedImage b : bands) {
      img.getRaster().setRect(0, y, b.getRaster());
      y += b.getHeight();
    }
    ImageIO.write(img, "png", png.toFile());
    return png;
  }

  private static BufferedImage readPgm(Path f) throws IOException {
    byte[] all = Files.readAllBytes(f);
    int[] pos = {0};
    String magic = token(all, pos);
    if (!magic.equals("P5")) throw new IOException(f + " is not a binary PGM");
    int w = Integer.parseInt(token(all, pos));
    int h = Integer.parseInt(token(all, pos));
    token(all, pos); // max value
    pos[0]++; // the single whitespace after the header
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster()
        .setDataElements(0, 0, w, h, java.util.Arrays.copyOfRange(all, pos[0], pos[0] + w * h));
    return img;
  }

  private static String token(byte[] b, int[] pos) {
    while (Character.isWhitespace(b[pos[0]])) pos[0]++;
    int start = pos[0];
    while (!Character.isWhitespace(b[pos[0]])) pos[0]++;
    return new String(b, start, pos[0] - start, java.nio.charset.StandardCharsets.US_ASCII);
  }

  private JsonNode progress(Api r, String id) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    String last = "";
    while (System.nanoTime() < deadline) {
      JsonNode t = r.get("/v1/tasks/" + id);
      int done = t.get("subtasksAccepted").asInt();
      int all = t.get("subtasks").asInt();
      String line =
          String.format(
              "  [%-24s] %d/%d subtasks accepted (%s)",
              "#".repeat(all == 0 ? 0 : 24 * done / all), done, all, t.get("state").asText());
      if (!line.equals(last)) {
        System.out.println(line);
        last = line;
      }
      if (!t.get("state").asText().equals("COMPUTING")) return t;
      Thread.sleep(300);
    }
    throw new IllegalStateException("the task did not finish within 5 minutes");
  }

  private void stopNodes() {
    synchronized (processes) {
      for (Process p : processes) p.destroy();
      for (Process p : processes) {
        try {
          if (!p.waitFor(15, TimeUnit.SECONDS)) p.destroyForcibly();
        } catch (InterruptedException e) {
          p.destroyForcibly();
        }
      }
      processes.clear();
    }
  }

  private static void awaitCondition(Duration d, String what, Check check) throws Exception {
    long deadline = System.nanoTime() + d.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (check.ok()) return;
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        "timed out waiting for " + what + (last == null ? "" : ": " + last.getMessage()));
  }

  @FunctionalInterface
  private interface Check {
    boolean ok() throws Exception;
  }

  private static void say(String format, Object... args) {
    System.out.println("[demo] " + String.format(format, args));
  }

  private static String gnt(BigInteger wei) {
    return new BigDecimal(wei, 18).stripTrailingZeros().toPlainString();
  }

  /** A node's REST API, found through the address and token files in its data folder. */
  private record Api(HttpClient http, URI base, String token) {
    static Api await(HttpClient http, Path dir, Duration timeout) throws Exception {
      long deadline = System.nanoTime() + timeout.toNanos();
      Path address = dir.resolve("api-address");
      Path tokenFile = dir.resolve("api-token");
      while (!(Files.exists(address) && Files.exists(tokenFile))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "node in " + dir + " did not start its API; see " + dir.resolve("node.log"));
        }
        Thread.sleep(200);
      }
      return new Api(
          http, URI.create(Files.readString(address).trim()), Files.readString(tokenFile).trim());
    }

    JsonNode get(String path) throws Exception {
      return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    JsonNode post(String path, Object body) throws Exception {
      return send(
          HttpRequest.newBuilder(base.resolve(path))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    private JsonNode send(HttpRequest.Builder b) throws Exception {
      HttpResponse<String> r =
          http.send(
              b.header("Authorization", "Bearer " + token).build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode body = JSON.readTree(r.body());
      if (r.statusCode() >= 300) {
        throw new IllegalStateException(
            r.statusCode() + " " + body.path("message").asText() + " " + body.path("details"));
      }
      return body;
    }
  }
}

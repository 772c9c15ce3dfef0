package org.jgolem.node.daemon;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.node.concent.ConcentMode;
import org.jgolem.tasks.definition.Problems;
import org.jgolem.tasks.definition.TaskFileParser;

/**
 * A node's configuration file (JSON). Every field is optional; what is missing takes the default
 * shown.
 *
 * <pre>
 * {
 *   "p2p":       {"host": "127.0.0.1", "port": 40102, "seeds": ["127.0.0.1:40103"]},
 *   "api":       {"host": "127.0.0.1", "port": 61000},
 *   "chain":     {"deployment": "deployments/demo.json", "confirmations": 1},
 *   "resources": {"gatewayPort": 0},
 *   "requestor": {"enabled": true, "paymentWindowSeconds": 3600, "transferSlackSeconds": 60},
 *   "provider":  {"enabled": true, "minPricePerHour": "0.1", "slots": 2, "wasm": true,
 *                 "docker": false, "dockerImages": ["sha256:…"], "host": false,
 *                 "warmBlender": {"image": "sha256:…", "cpus": 1, "memoryMib": 1024}},
 *   "concent":   {"mode": "off", "url": "http://127.0.0.1:8250", "pollSeconds": 30,
 *                 "dispute": true, "verificationFee": "0.05"}
 * }
 * </pre>
 *
 * Paths are relative to the configuration file. Amounts are GNT (decimal strings), kept exactly.
 *
 * <p>{@code requestor.transferSlackSeconds} is the time a provider gets, on top of a subtask's own
 * timeout, to fetch its resources and report: an assignment without a report by then is given to
 * another provider.
 *
 * <p>{@code provider.warmBlender} (off unless given; needs {@code docker} and the image in {@code
 * dockerImages}): the node keeps a Blender sandbox of that image readied while it is idle, for the
 * first tile of a Blender task of those cpus and memory (the task file's {@code cpus} and {@code
 * memory_mib}; defaults 1 and 1024) and for the first spot check of a task of its own. It holds a
 * Blender process's memory (some hundreds of MB; see docs/PERFORMANCE.md) while it waits.
 *
 * <p>{@code concent.mode}: {@code off} (default), {@code optional} or {@code required}; see {@link
 * ConcentMode}. Anything but {@code off} needs {@code chain.deployment} (deposits are read there).
 * With {@code concent.url} (Concent's HTTP API; its address is the deployment's {@code concent}
 * role) the node also turns to Concent by itself for the subtasks that have it on, and collects
 * what Concent has for it every {@code concent.pollSeconds} (Golem: 30).
 *
 * <p>{@code concent.dispute} (default true; used only when Concent is on): a provider whose result
 * is rejected as wrong (VERIFICATION_NEGATIVE) disputes it through Concent by itself (use case 5,
 * AdditionalVerification), promising {@code concent.verificationFee} (GNT, default 0.05) from its
 * own Concent deposit in a signed VERIFICATION_COST note. Concent does not publish its fee yet: the
 * note must cover it, or Concent refuses the dispute (FEE_NOTE_TOO_SMALL).
 */
public record NodeConfig(
    String p2pHost,
    int p2pPort,
    List<String> seeds,
    String apiHost,
    int apiPort,
    Path deployment,
    int confirmations,
    int gatewayPort,
    boolean requestor,
    Duration paymentWindow,
    Duration transferSlack,
    boolean provider,
    BigInteger minPricePerHour,
    int slots,
    boolean wasm,
    boolean docker,
    List<String> dockerImages,
    boolean host,
    WarmBlender warmBlender,
    ConcentMode concent,
    String concentUrl,
    Duration concentPoll,
    boolean concentDispute,
    BigInteger concentVerificationFee) {

  /**
   * A Blender sandbox to keep warm: its image and the cpus and memory of the subtasks it serves.
   */
  public record WarmBlender(String imageId, int cpus, long memoryMib) {}

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  public NodeConfig withRoles(boolean req, boolean prov) {
    return new NodeConfig(
        p2pHost,
        p2pPort,
        seeds,
        apiHost,
        apiPort,
        deployment,
        confirmations,
        gatewayPort,
        req,
        paymentWindow,
        transferSlack,
        prov,
        minPricePerHour,
        slots,
        wasm,
        docker,
        dockerImages,
        host,
        warmBlender,
        concent,
        concentUrl,
        concentPoll,
        concentDispute,
        concentVerificationFee);
  }

  /** Reads and checks a configuration file; every problem is named by its JSON path. */
  public static NodeConfig read(Path file) throws ConfigException {
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new ConfigException(file + ": not valid JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject())
      throw new ConfigException(file + ": must be a JSON object");
    Path base = file.toAbsolutePath().getParent();
    Problems p = new Problems();
    known(
        root,
        "$",
        List.of("p2p", "api", "chain", "resources", "requestor", "provider", "concent"),
        p);
    JsonNode con =
        section(
            root,
            "concent",
            List.of("mode", "url", "pollSeconds", "dispute", "verificationFee"),
            p);
    BigInteger fee = new BigInteger("50000000000000000"); // 0.05 GNT
    JsonNode vf = con.get("verificationFee");
    if (vf != null) {
      Problems q = new Problems();
      var v = TaskFileParserBid.parse(vf, q);
      if (!q.isEmpty() || v.signum() <= 0)
        p.add("$.concent.verificationFee", "must be a positive amount of GNT, such as \"0.05\"");
      else fee = v;
    }
    String concentUrl = text(con, "$.concent", "url", null, p);
    Duration concentPoll =
        Duration.ofSeconds(number(con, "$.concent", "pollSeconds", 30, 1, 3600, p));
    ConcentMode concent = ConcentMode.OFF;
    String mode = text(con, "$.concent", "mode", null, p);
    if (mode != null) {
      try {
        concent = ConcentMode.parse(mode);
      } catch (IllegalArgumentException e) {
        p.add("$.concent.mode", "must be \"off\", \"optional\" or \"required\"");
      }
    }
    JsonNode p2p = section(root, "p2p", List.of("host", "port", "seeds"), p);
    JsonNode api = section(root, "api", List.of("host", "port"), p);
    JsonNode chain = section(root, "chain", List.of("deployment", "confirmations"), p);
    JsonNode res = section(root, "resources", List.of("gatewayPort"), p);
    JsonNode req =
        section(
            root,
            "requestor",
            List.of("enabled", "paymentWindowSeconds", "transferSlackSeconds"),
            p);
    JsonNode prov =
        section(
            root,
            "provider",
            List.of(
                "enabled",
                "minPricePerHour",
                "slots",
                "wasm",
                "docker",
                "dockerImages",
                "host",
                "warmBlender"),
            p);
    List<String> seeds = new ArrayList<>();
    JsonNode s = p2p.get("seeds");
    if (s != null) {
      if (!s.isArray()) p.add("$.p2p.seeds", "must be a list of \"host:port\"");
      else
        for (int i = 0; i < s.size(); i++) {
          if (!s.get(i).isTextual() || !s.get(i).asText().matches("[^:\\s]+:\\d{1,5}")) {
            p.add("$.p2p.seeds[" + i + "]", "must be \"host:port\"");
          } else seeds.add(s.get(i).asText());
        }
    }
    String dep = text(chain, "$.chain", "deployment", null, p);
    BigInteger minPrice = BigInteger.TEN.pow(17);
    JsonNode mp = prov.get("minPricePerHour");
    if (mp != null) {
      Problems q = new Problems();
      var v = TaskFileParserBid.parse(mp, q);
      if (!q.isEmpty())
        p.add("$.provider.minPricePerHour", "must be an amount of GNT, such as \"0.1\"");
      else minPrice = v;
    }
    List<String> images = new ArrayList<>();
    JsonNode im = prov.get("dockerImages");
    if (im != null) {
      if (!im.isArray()) p.add("$.provider.dockerImages", "must be a list of image ids");
      else
        for (int i = 0; i < im.size(); i++) {
          if (!im.get(i).isTextual() || !im.get(i).asText().matches("sha256:[0-9a-f]{64}")) {
            p.add("$.provider.dockerImages[" + i + "]", "must be an image id sha256:<64 hex>");
          } else images.add(im.get(i).asText());
        }
    }
    WarmBlender warm = null;
    JsonNode wb = prov.get("warmBlender");
    if (wb != null) {
      if (!wb.isObject()) {
        p.add(
            "$.provider.warmBlender",
            "must be an object {\"image\": \"sha256:…\", \"cpus\": 1, \"memoryMib\": 1024}");
      } else {
        known(wb, "$.provider.warmBlender", List.of("image", "cpus", "memoryMib"), p);
        String image = text(wb, "$.provider.warmBlender", "image", null, p);
        if (image == null) {
          p.add(
              "$.provider.warmBlender.image",
              "is required: the id of a Blender image in dockerImages");
        } else if (!images.contains(image)) {
          p.add("$.provider.warmBlender.image", "must be one of $.provider.dockerImages");
        }
        if (!bool(prov, "$.provider", "docker", false, p))
          p.add("$.provider.warmBlender", "needs \"docker\": true");
        warm =
            new WarmBlender(
                image,
                (int) number(wb, "$.provider.warmBlender", "cpus", 1, 1, 64, p),
                number(wb, "$.provider.warmBlender", "memoryMib", 1024, 256, 64 * 1024, p));
      }
    }
    NodeConfig c =
        new NodeConfig(
            text(p2p, "$.p2p", "host", "127.0.0.1", p),
            port(p2p, "$.p2p", "port", 40102, p),
            seeds,
            text(api, "$.api", "host", "127.0.0.1", p),
            port(api, "$.api", "port", 61000, p),
            dep == null ? null : base.resolve(dep).normalize(),
            (int) number(chain, "$.chain", "confirmations", 1, 0, 64, p),
            port(res, "$.resources", "gatewayPort", 0, p),
            bool(req, "$.requestor", "enabled", true, p),
            Duration.ofSeconds(
                number(req, "$.requestor", "paymentWindowSeconds", 3600, 1, 7 * 24 * 3600, p)),
            Duration.ofSeconds(number(req, "$.requestor", "transferSlackSeconds", 60, 1, 3600, p)),
            bool(prov, "$.provider", "enabled", true, p),
            minPrice,
            (int) number(prov, "$.provider", "slots", 1, 1, 256, p),
            bool(prov, "$.provider", "wasm", true, p),
            bool(prov, "$.provider", "docker", false, p),
            images,
            bool(prov, "$.provider", "host", false, p),
            warm,
            concent,
            concentUrl,
            concentPoll,
            bool(con, "$.concent", "dispute", true, p),
            fee);
    if (concent != ConcentMode.OFF && dep == null) {
      p.add(
          "$.concent.mode",
          "\""
              + concent.text()
              + "\" needs the chain, where Concent deposits are: set $.chain.deployment");
    }
    if (!p.isEmpty()) {
      throw new ConfigException(
          file + ":\n  " + String.join("\n  ", p.list().stream().map(Object::toString).toList()));
    }
    return c;
  }

  /** A configuration file the node cannot use. */
  public static final class ConfigException extends Exception {
    public ConfigException(String message) {
      super(message);
    }
  }

  private static void known(JsonNode n, String path, List<String> known, Problems p) {
    n.fieldNames()
        .forEachRemaining(f -> {
          if (!known.contains(f))
            p.add(path + "." + f, "unknown field (known: " + String.join(", ", known) + ")");
        });
  }

  private static JsonNode section(JsonNode root, String name, List<String> fields, Problems p) {
    JsonNode n = root.get(name);
    if (n == null) return JSON.createObjectNode();
    if (!n.isObject()) {
      p.add("$." + name, "must be an object");
      return JSON.createObjectNode();
    }
    known(n, "$." + name, fields, p);
    return n;
  }

  private static String text(JsonNode n, String path, String f, String dflt, Problems p) {
    JsonNode v = n.get(f);
    if (v == null) return dflt;
    if (!v.isTextual() || v.asText().isBlank()) {
      p.add(path + "." + f, "must be a non-empty string");
      return dflt;
    }
    return v.asText();
  }

  private static boolean bool(JsonNode n, String path, String f, boolean dflt, Problems p) {
    JsonNode v = n.get(f);
    if (v == null) return dflt;
    if (!v.isBoolean()) {
      p.add(path + "." + f, "must be true or false");
      return dflt;
    }
    return v.asBoolean();
  }

  private static long number(
      JsonNode n, String path, String f, long dflt, long min, long max, Problems p) {
    JsonNode v = n.get(f);
    if (v == null) return dflt;
    if (!v.canConvertToExactIntegral() || v.asLong() < min || v.asLong() > max) {
      p.add(path + "." + f, "must be an integer in " + min + ".." + max);
      return dflt;
    }
    return v.asLong();
  }

  private static int port(JsonNode n, String path, String f, int dflt, Problems p) {
    return (int) number(n, path, f, dflt, 0, 65535, p);
  }

  /** The task file's exact GNT parser, reused for amounts in the configuration. */
  static final class TaskFileParserBid {
    static BigInteger parse(JsonNode n, Problems p) {
      return TaskFileParser.gnt(n, "$.amount", p);
    }
  }

  /** Writes a configuration (for scripts and tests that lay out a node). */
  public static void write(Path file, String json) throws IOException {
    Files.writeString(file, json);
  }
}

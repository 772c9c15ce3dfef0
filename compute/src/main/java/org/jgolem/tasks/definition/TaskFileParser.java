package org.jgolem.tasks.definition;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates the common part of a task file. Every problem is collected (not just the
 * first) and reported with its JSON path; a file with any problem is refused as a whole.
 */
public final class TaskFileParser {
  public static final long MAX_FILE_BYTES = 1 << 20;
  public static final int MAX_SUBTASKS = 100_000;
  public static final int MAX_NAME = 128;
  public static final int TOKEN_DECIMALS = 18;
  private static final Pattern HMS = Pattern.compile("(\\d{1,5}):([0-5]\\d):([0-5]\\d)");
  private static final Set<String> KNOWN =
      Set.of(
          "type",
          "name",
          "timeout",
          "subtask_timeout",
          "subtasks_count",
          "bid",
          "resources",
          "options",
          "compute_on",
          "concent_enabled",
          "verification");

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private final Set<String> knownTypes;

  /**
   * @param knownTypes the task types this node has templates for
   */
  public TaskFileParser(Set<String> knownTypes) {
    this.knownTypes = Set.copyOf(knownTypes);
  }

  public TaskFile parse(Path file) throws TaskFileException {
    Path abs = file.toAbsolutePath().normalize();
    String shown = abs.toString();
    JsonNode root = read(abs, shown);
    Problems p = new Problems();
    if (!root.isObject()) {
      p.add("$", "must be a JSON object");
      p.throwIfAny(shown);
    }
    root.fieldNames()
        .forEachRemaining(f -> {
          if (!KNOWN.contains(f))
            p.add(
                "$." + f,
                "unknown field (known: "
                    + String.join(", ", KNOWN.stream().sorted().toList())
                    + ")");
        });
    String type = text(root, "type", p, true);
    if (type != null && !knownTypes.contains(type)) {
      p.add(
          "$.type",
          "unknown task type '"
              + type
              + "' (this node knows "
              + knownTypes.stream().sorted().toList()
              + ")");
    }
    String name = text(root, "name", p, true);
    if (name != null
        && (name.isBlank()
            || name.length() > MAX_NAME
            || name.chars().anyMatch(Character::isISOControl))) {
      p.add("$.name", "must be 1.." + MAX_NAME + " printable characters");
    }
    Duration timeout = duration(root, "timeout", p);
    Duration subtaskTimeout = duration(root, "subtask_timeout", p);
    if (timeout != null && subtaskTimeout != null && subtaskTimeout.compareTo(timeout) > 0) {
      p.add(
          "$.subtask_timeout",
          "must not be longer than timeout (" + root.get("timeout").asText() + ")");
    }
    Optional<Integer> count = Optional.empty();
    JsonNode c = root.get("subtasks_count");
    if (c != null) {
      if (!c.canConvertToExactIntegral()
          || !c.canConvertToInt()
          || c.asInt() < 1
          || c.asInt() > MAX_SUBTASKS) {
        p.add("$.subtasks_count", "must be an integer in 1.." + MAX_SUBTASKS);
      } else {
        count = Optional.of(c.asInt());
      }
    }
    BigInteger bid = bid(root.get("bid"), p);
    List<Path> resources = resources(root.get("resources"), abs.getParent(), p);
    ObjectNode options = JsonNodeFactory.instance.objectNode();
    JsonNode o = root.get("options");
    if (o != null) {
      if (o.isObject()) options = (ObjectNode) o;
      else p.add("$.options", "must be an object");
    }
    JsonNode on = root.get("compute_on");
    if (on != null && !(on.isTextual() && on.asText().equals("cpu"))) {
      p.add("$.compute_on", "must be \"cpu\" (GPU computing is not supported)");
    }
    boolean concent = false;
    JsonNode ce = root.get("concent_enabled");
    if (ce != null) {
      if (ce.isBoolean()) concent = ce.asBoolean();
      else p.add("$.concent_enabled", "must be true or false");
    }
    Optional<TaskFile.Verification> verification = verification(root.get("verification"), p);
    p.throwIfAny(shown);
    return new TaskFile(
        abs,
        type,
        name,
        timeout,
        subtaskTimeout,
        count,
        bid,
        resources,
        options,
        concent,
        verification);
  }

  private static JsonNode read(Path abs, String shown) throws TaskFileException {
    try {
      if (!Files.isRegularFile(abs))
        throw single(shown, "$", "task file does not exist or is not a file");
      if (Files.size(abs) > MAX_FILE_BYTES)
        throw single(shown, "$", "task file is larger than " + MAX_FILE_BYTES + " bytes");
      return JSON.readTree(abs.toFile());
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw single(
          shown,
          "$",
          "not valid JSON"
              + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
              + ": "
              + e.getOriginalMessage());
    } catch (IOException e) {
      throw single(shown, "$", "cannot read the task file: " + e.getMessage());
    }
  }

  private static TaskFileException single(String file, String path, String reason) {
    return new TaskFileException(file, List.of(new Problems.Problem(path, reason)));
  }

  static String text(JsonNode root, String field, Problems p, boolean required) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      if (required) p.add("$." + field, "is missing");
      return null;
    }
    if (!n.isTextual()) {
      p.add("$." + field, "must be a string");
      return null;
    }
    return n.asText();
  }

  /** Golem's "h:mm:ss" (hours may exceed 24). */
  public static Optional<Duration> parseHms(String s) {
    Matcher m = HMS.matcher(s);
    if (!m.matches()) return Optional.empty();
    return Optional.of(
        Duration.ofHours(Long.parseLong(m.group(1)))
            .plusMinutes(Long.parseLong(m.group(2)))
            .plusSeconds(Long.parseLong(m.group(3))));
  }

  private static Duration duration(JsonNode root, String field, Problems p) {
    String s = text(root, field, p, true);
    if (s == null) return null;
    Optional<Duration> d = parseHms(s);
    if (d.isEmpty()) {
      p.add("$." + field, "must be a duration \"h:mm:ss\", got \"" + s + "\"");
      return null;
    }
    if (d.get().isZero()) {
      p.add("$." + field, "must be longer than 0:00:00");
      return null;
    }
    return d.get();
  }

  /** A GNT amount per hour (a JSON number or a decimal string) in base units, exactly. */
  static BigInteger bid(JsonNode n, Problems p) {
    if (n == null || n.isNull()) {
      p.add("$.bid", "is missing (the most you pay per hour of computing, in GNT)");
      return null;
    }
    return gnt(n, "$.bid", p);
  }

  /**
   * An amount of GNT, written as a JSON number or a decimal string, in base units (10^-18 GNT),
   * exactly: never through a double. More than 18 decimals, negative or absurd amounts are problems
   * at {@code path}.
   */
  public static BigInteger gnt(JsonNode n, String path, Problems p) {
    BigDecimal v;
    try {
      if (n.isNumber()) v = n.decimalValue();
      else if (n.isTextual()) v = new BigDecimal(n.asText().trim());
      else throw new NumberFormatException();
    } catch (NumberFormatException e) {
      p.add(path, "must be a number of GNT, such as 1 or \"0.25\"");
      return null;
    }
    if (v.signum() < 0) {
      p.add(path, "must not be negative");
      return null;
    }
    BigDecimal units = v.movePointRight(TOKEN_DECIMALS);
    if (units.stripTrailingZeros().scale() > 0) {
      p.add(path, "has more than " + TOKEN_DECIMALS + " decimals");
      return null;
    }
    BigInteger wei = units.toBigIntegerExact();
    if (wei.bitLength() > 128) {
      p.add(path, "is implausibly large");
      return null;
    }
    return wei;
  }

  private static List<Path> resources(JsonNode n, Path base, Problems p) {
    List<Path> out = new ArrayList<>();
    if (n == null || n.isNull()) return out;
    if (!n.isArray()) {
      p.add("$.resources", "must be a list of paths");
      return out;
    }
    for (int i = 0; i < n.size(); i++) {
      JsonNode e = n.get(i);
      String path = "$.resources[" + i + "]";
      if (!e.isTextual() || e.asText().isEmpty()) {
        p.add(path, "must be a path");
        continue;
      }
      Path r = resolve(base, e.asText());
      if (!Files.exists(r)) p.add(path, "does not exist: " + r);
      else out.add(r);
    }
    return out;
  }

  /** A path from the task file, relative to the file's folder unless absolute. */
  public static Path resolve(Path base, String s) {
    Path q = Path.of(s);
    return (q.isAbsolute() ? q : base.resolve(q)).normalize();
  }

  private static Optional<TaskFile.Verification> verification(JsonNode n, Problems p) {
    if (n == null || n.isNull()) return Optional.empty();
    if (!n.isObject()) {
      p.add("$.verification", "must be an object {\"redundancy\": k, \"recompute_fraction\": f}");
      return Optional.empty();
    }
    int k = 1;
    double f = 0;
    boolean ok = true;
    var it = n.fieldNames();
    while (it.hasNext()) {
      String field = it.next();
      if (!field.equals("redundancy") && !field.equals("recompute_fraction")) {
        p.add("$.verification." + field, "unknown field (known: recompute_fraction, redundancy)");
        ok = false;
      }
    }
    JsonNode r = n.get("redundancy");
    if (r != null) {
      if (r.canConvertToExactIntegral()
          && r.asInt() >= 1
          && r.asInt() <= TaskFile.Verification.MAX_REDUNDANCY) {
        k = r.asInt();
      } else {
        p.add(
            "$.verification.redundancy",
            "must be an integer in 1.." + TaskFile.Verification.MAX_REDUNDANCY);
        ok = false;
      }
    }
    JsonNode fr = n.get("recompute_fraction");
    if (fr != null) {
      if (fr.isNumber() && fr.asDouble() >= 0 && fr.asDouble() <= 1) {
        f = fr.asDouble();
      } else {
        p.add("$.verification.recompute_fraction", "must be a number in 0..1");
        ok = false;
      }
    }
    return ok ? Optional.of(new TaskFile.Verification(k, f)) : Optional.empty();
  }
}

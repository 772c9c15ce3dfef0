package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jgolem.protocol.messages.Eip712;
import org.jgolem.protocol.messages.InvalidMessageException;

/**
 * What the provider runs: an environment ({@code "wasm"} or {@code "docker"}), the image or binary
 * to run, the content id of the input resources (empty when there are none), the entry point and
 * its arguments, the paths (relative to the output directory) to send back, and the limits.
 *
 * <p>A definition may instead group several small subtasks of one task into one assignment ({@code
 * runs}, at most {@link #MAX_RUNS}): the program then runs once per {@link SubtaskRun}, one after
 * the other, each with its own arguments, its inputs in the resources' folder of the run's name and
 * its outputs in the output's folder of that name; {@code args} and {@code outputPaths} are then
 * empty, and the limits (time, output) are for all the runs together. Without runs, the list is
 * empty (and may be left out on the wire).
 *
 * <p>As an EIP-712 struct it is {@link #TYPE}: strings as keccak256 of their UTF-8 bytes, {@code
 * string[]} as keccak256 of the concatenated keccak256 of each element, and {@code limits} as the
 * {@link ResourceLimits} struct hash.
 */
@JsonPropertyOrder({
  "environment",
  "image",
  "resourcesCid",
  "entryPoint",
  "args",
  "outputPaths",
  "limits",
  "runs"
})
public record SubtaskDefinition(
    String environment,
    String image,
    String resourcesCid,
    String entryPoint,
    List<String> args,
    List<String> outputPaths,
    ResourceLimits limits,
    List<SubtaskRun> runs) {

  public static final String PRIMARY_TYPE =
      "SubtaskDefinition(string environment,string image,string resourcesCid,string entryPoint,string[] args,"
          + "string[] outputPaths,ResourceLimits limits,SubtaskRun[] runs)";

  /** encodeType: the primary type, then the referenced struct types sorted by name. */
  public static final String TYPE = PRIMARY_TYPE + ResourceLimits.TYPE + SubtaskRun.TYPE;

  private static final byte[] TYPE_HASH = Eip712.typeHash(TYPE);

  public static final int MAX_IMAGE = 256;
  public static final int MAX_CID = 128;
  public static final int MAX_ENTRY_POINT = 256;
  public static final int MAX_LIST = 64;
  public static final int MAX_ITEM = 1024;
  public static final int MAX_RUNS = 64;

  public SubtaskDefinition {
    // Copies that keep null elements, so that validate() can name them.
    args = args == null ? null : Collections.unmodifiableList(new ArrayList<>(args));
    outputPaths =
        outputPaths == null ? null : Collections.unmodifiableList(new ArrayList<>(outputPaths));
    // absent on the wire: a single run
    runs = runs == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(runs));
  }

  /** A definition of one run: the program with {@code args}, sending back {@code outputPaths}. */
  public SubtaskDefinition(
      String environment,
      String image,
      String resourcesCid,
      String entryPoint,
      List<String> args,
      List<String> outputPaths,
      ResourceLimits limits) {
    this(environment, image, resourcesCid, entryPoint, args, outputPaths, limits, List.of());
  }

  public byte[] structHash() {
    return Eip712.hashStruct(
        TYPE_HASH,
        Eip712.string(environment),
        Eip712.string(image),
        Eip712.string(resourcesCid),
        Eip712.string(entryPoint),
        stringArray(args),
        stringArray(outputPaths),
        limits.structHash(),
        runsArray(runs));
  }

  private static byte[] runsArray(List<SubtaskRun> runs) {
    List<byte[]> hashed = new ArrayList<>(runs.size());
    for (SubtaskRun r : runs) hashed.add(r.structHash());
    return Eip712.array(hashed);
  }

  /** EIP-712 encoding of {@code string[]}. */
  static byte[] stringArray(List<String> items) {
    List<byte[]> hashed = new ArrayList<>(items.size());
    for (String s : items) {
      hashed.add(Eip712.string(s));
    }
    return Eip712.array(hashed);
  }

  public void validate(String field) {
    Rules.environment(field + ".environment", environment);
    Rules.string(field + ".image", image, 1, MAX_IMAGE);
    Rules.string(field + ".resourcesCid", resourcesCid, 0, MAX_CID);
    Rules.string(field + ".entryPoint", entryPoint, 1, MAX_ENTRY_POINT);
    Rules.strings(field + ".args", args, MAX_LIST, 0, MAX_ITEM);
    Rules.present(field + ".limits", limits);
    limits.validate(field + ".limits");
    if (runs.isEmpty()) {
      outputPaths(field + ".outputPaths", outputPaths);
      return;
    }
    if (runs.size() > MAX_RUNS)
      throw InvalidMessageException.invalid(field + ".runs", "must list at most " + MAX_RUNS);
    if (!args.isEmpty())
      throw InvalidMessageException.invalid(field + ".args", "must be empty when there are runs");
    if (outputPaths == null || !outputPaths.isEmpty()) {
      throw InvalidMessageException.invalid(
          field + ".outputPaths", "must be empty when there are runs");
    }
    java.util.Set<String> names = new java.util.HashSet<>();
    for (int i = 0; i < runs.size(); i++) {
      SubtaskRun r = runs.get(i);
      Rules.present(field + ".runs[" + i + "]", r);
      r.validate(field + ".runs[" + i + "]");
      if (!names.add(r.name()))
        throw InvalidMessageException.invalid(
            field + ".runs[" + i + "].name", "repeats " + r.name());
      if (r.name().equals(entryPoint)) {
        throw InvalidMessageException.invalid(
            field + ".runs[" + i + "].name", "must not be the entry point's name");
      }
    }
  }

  /** Output paths: relative, no "..", no backslashes (a run's or a definition's). */
  static void outputPaths(String field, List<String> outputPaths) {
    Rules.strings(field, outputPaths, MAX_LIST, 1, MAX_ITEM);
    for (int i = 0; i < outputPaths.size(); i++) {
      String p = outputPaths.get(i);
      if (p.startsWith("/")
          || p.startsWith("\\")
          || p.contains("\\")
          || List.of(p.split("/")).contains("..")) {
        throw InvalidMessageException.invalid(
            field + "[" + i + "]", "must be a relative path without \"..\" or backslashes");
      }
    }
  }
}

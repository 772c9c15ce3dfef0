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
 * <p>As an EIP-712 struct it is {@link #TYPE}: strings as keccak256 of their UTF-8 bytes,
 * {@code string[]} as keccak256 of the concatenated keccak256 of each element, and {@code limits}
 * as the {@link ResourceLimits} struct hash.
 */
@JsonPropertyOrder({"environment", "image", "resourcesCid", "entryPoint", "args", "outputPaths", "limits"})
public record SubtaskDefinition(
    String environment,
    String image,
    String resourcesCid,
    String entryPoint,
    List<String> args,
    List<String> outputPaths,
    ResourceLimits limits) {

  public static final String PRIMARY_TYPE =
      "SubtaskDefinition(string environment,string image,string resourcesCid,string entryPoint,string[] args,"
          + "string[] outputPaths,ResourceLimits limits)";
  /** encodeType: the primary type, then the referenced struct types sorted by name. */
  public static final String TYPE = PRIMARY_TYPE + ResourceLimits.TYPE;
  private static final byte[] TYPE_HASH = Eip712.typeHash(TYPE);

  public static final int MAX_IMAGE = 256;
  public static final int MAX_CID = 128;
  public static final int MAX_ENTRY_POINT = 256;
  public static final int MAX_LIST = 64;
  public static final int MAX_ITEM = 1024;

  public SubtaskDefinition {
    // Copies that keep null elements, so that validate() can name them.
    args = args == null ? null : Collections.unmodifiableList(new ArrayList<>(args));
    outputPaths = outputPaths == null ? null : Collections.unmodifiableList(new ArrayList<>(outputPaths));
  }

  public byte[] structHash() {
    return Eip712.hashStruct(TYPE_HASH,
        Eip712.string(environment),
        Eip712.string(image),
        Eip712.string(resourcesCid),
        Eip712.string(entryPoint),
        stringArray(args),
        stringArray(outputPaths),
        limits.structHash());
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
    Rules.strings(field + ".outputPaths", outputPaths, MAX_LIST, 1, MAX_ITEM);
    for (int i = 0; i < outputPaths.size(); i++) {
      String p = outputPaths.get(i);
      if (p.startsWith("/") || p.startsWith("\\") || p.contains("\\") || List.of(p.split("/")).contains("..")) {
        throw InvalidMessageException.invalid(field + ".outputPaths[" + i + "]",
            "must be a relative path without \"..\" or backslashes");
      }
    }
    Rules.present(field + ".limits", limits);
    limits.validate(field + ".limits");
  }
}

package org.jgolem.chain;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * Turns revert data into a {@link ContractRevertedException}: every custom error declared in the
 * project's contracts, plus Solidity's {@code Error(string)} and {@code Panic(uint256)}. An error
 * whose last parameter is {@code bytes} (GNTDeposit's {@code ItemFailed(index, reason)}) has that
 * revert data decoded too, as {@link ContractRevertedException#innerError()}.
 */
public final class RevertDecoder {
  private record ErrorAbi(String name, List<String> types) {}

  private static final RevertDecoder PROJECT = fromArtifacts(ContractArtifacts.ALL);

  private final Map<String, ErrorAbi> bySelector = new HashMap<>();

  private RevertDecoder() {
    add("Error", List.of("string"));
    add("Panic", List.of("uint256"));
  }

  /** A decoder for all of the project's contracts. */
  public static RevertDecoder project() {
    return PROJECT;
  }

  public static RevertDecoder fromArtifacts(List<String> contractNames) {
    RevertDecoder d = new RevertDecoder();
    for (String name : contractNames) {
      for (JsonNode entry : ContractArtifacts.abi(name)) {
        if ("error".equals(entry.path("type").asText())) {
          List<String> types = new ArrayList<>();
          entry.path("inputs").forEach(in -> types.add(in.path("type").asText()));
          d.add(entry.path("name").asText(), types);
        }
      }
    }
    return d;
  }

  private void add(String name, List<String> types) {
    String signature = name + "(" + String.join(",", types) + ")";
    String selector = Hash.sha3String(signature).substring(0, 10);
    bySelector.put(selector, new ErrorAbi(name, types));
  }

  /** Decodes {@code data} (0x hex, possibly empty or null) into an exception naming the error. */
  public ContractRevertedException decode(String data, String context) {
    String hex = data == null ? "0x" : Numeric.prependHexPrefix(data.trim().replace("\"", ""));
    if (hex.length() < 10) {
      return new ContractRevertedException("Unknown", List.of(), hex, context);
    }
    ErrorAbi abi = bySelector.get(hex.substring(0, 10).toLowerCase());
    if (abi == null) {
      return new ContractRevertedException("Unknown", List.of(hex.substring(0, 10)), hex, context);
    }
    try {
      List<TypeReference<Type>> refs = new ArrayList<>();
      for (String t : abi.types()) {
        refs.add(TypeReference.makeTypeReference(t));
      }
      List<Type> values = FunctionReturnDecoder.decode("0x" + hex.substring(10), refs);
      List<Object> args = new ArrayList<>();
      for (Type v : values) {
        args.add(plain(v.getValue()));
      }
      ContractRevertedException inner = null;
      if (!args.isEmpty() && "bytes".equals(abi.types().get(abi.types().size() - 1))) {
        // an error that carries another's revert data: ItemFailed(index, reason)
        inner =
            decode((String) args.get(args.size() - 1), context + " " + abi.name() + args.get(0));
      }
      return new ContractRevertedException(abi.name(), args, hex, context, inner);
    } catch (ClassNotFoundException | RuntimeException e) {
      return new ContractRevertedException(abi.name(), List.of(), hex, context);
    }
  }

  private static Object plain(Object value) {
    if (value instanceof byte[] b) {
      return "0x" + HexFormat.of().formatHex(b);
    }
    if (value instanceof BigInteger || value instanceof Boolean || value instanceof String) {
      return value;
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      for (Object o : list) {
        out.add(o instanceof Type<?> t ? plain(t.getValue()) : plain(o));
      }
      return out;
    }
    return String.valueOf(value);
  }
}

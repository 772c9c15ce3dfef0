package org.jgolem.node.market;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import org.jgolem.node.compute.ExecutionSpec;
import org.jgolem.node.compute.Limits;
import org.jgolem.node.compute.Program;
import org.jgolem.protocol.messages.market.SubtaskDefinition;

/** Turns a wire subtask definition into what the task computer runs (the provider's and the requestor's recompute). */
public final class Programs {
  public static final int LOG_BYTES = 64 * 1024;
  public static final int MAX_PROCESSES = 256;

  private Programs() {}

  /**
   * The execution of {@code d} with its resources in {@code resources}. A WASM subtask's binary is the
   * resources' file named by the entry point, pinned by the SHA-256 in {@code image}; a Docker subtask's
   * image is pinned by its id.
   */
  public static ExecutionSpec spec(String id, SubtaskDefinition d, Path resources, Path work, Path output) {
    Program program = switch (d.environment()) {
      case "wasm" -> {
        if (!d.image().startsWith("sha256:") || d.image().length() != 71) {
          throw new IllegalArgumentException("wasm image must be sha256:<64 hex>, got " + d.image());
        }
        if (d.entryPoint().contains("/") || d.entryPoint().equals("..") || d.entryPoint().equals(".")) {
          throw new IllegalArgumentException("wasm entry point must be a file name, got " + d.entryPoint());
        }
        yield new Program.WasmBinary(resources.resolve(d.entryPoint()), HexFormat.of().parseHex(d.image().substring(7)));
      }
      case "docker" -> new Program.DockerImage(d.image(), d.image());
      default -> throw new IllegalArgumentException("unknown environment " + d.environment());
    };
    var l = d.limits();
    Limits limits = new Limits(l.cpuCores(), l.memoryMib() * Limits.MIB, Duration.ofSeconds(l.timeoutSeconds()),
        l.maxOutputBytes(), LOG_BYTES, MAX_PROCESSES, 64 * Limits.MIB);
    return new ExecutionSpec(id, program, d.entryPoint(), d.args(), Map.of(), resources, work, output, limits);
  }
}

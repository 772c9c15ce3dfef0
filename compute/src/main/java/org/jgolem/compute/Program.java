package org.jgolem.compute;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The environment-specific reference to what runs: a Docker image, a WASM binary, or a host binary.
 */
public sealed interface Program {

  /** The environment that can run this kind of program. */
  String environment();

  /**
   * A Docker image, named for people and pinned by its image id ({@code sha256:<64 hex>}). Only the
   * id is trusted: the container is created from the id, and the id must be on the node's
   * whitelist.
   */
  record DockerImage(String name, String imageId) implements Program {
    public DockerImage {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(imageId, "imageId");
      if (!imageId.matches("sha256:[0-9a-f]{64}")) {
        throw new IllegalArgumentException(
            "imageId must be sha256:<64 lowercase hex>, got " + imageId);
      }
    }

    @Override
    public String environment() {
      return "docker";
    }

    @Override
    public String toString() {
      return name + "@" + imageId.substring(0, 19);
    }
  }

  /** A WebAssembly (wasm32-wasi) module, with the SHA-256 of its bytes that the task announced. */
  record WasmBinary(Path path, byte[] sha256) implements Program {
    public WasmBinary {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(sha256, "sha256");
      if (sha256.length != 32) throw new IllegalArgumentException("sha256 must be 32 bytes");
      sha256 = sha256.clone();
    }

    @Override
    public byte[] sha256() {
      return sha256.clone();
    }

    @Override
    public String environment() {
      return "wasm";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof WasmBinary w
          && w.path.equals(path)
          && java.util.Arrays.equals(w.sha256, sha256);
    }

    @Override
    public int hashCode() {
      return path.hashCode() * 31 + java.util.Arrays.hashCode(sha256);
    }

    @Override
    public String toString() {
      return "wasm " + path.getFileName() + " sha256:" + HexFormat.of().formatHex(sha256, 0, 8);
    }
  }

  /**
   * A binary run directly on the host, without a sandbox. Only the host-direct environment runs it.
   */
  record HostBinary(Path executable) implements Program {
    public HostBinary {
      Objects.requireNonNull(executable, "executable");
    }

    @Override
    public String environment() {
      return "host";
    }
  }
}

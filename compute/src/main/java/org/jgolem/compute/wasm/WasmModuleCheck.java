package org.jgolem.compute.wasm;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jgolem.compute.ComputeException;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.Program;

/**
 * What a {@link WasmRun} checks of its module before the guest runs: the binary is there and is the
 * one announced (SHA-256), it compiles, its initial memory fits the subtask's limit, and it exports
 * {@code _start}.
 */
final class WasmModuleCheck {
  static final long PAGE = 65536;
  private static final int MAX_PAGES = 65536;

  private WasmModuleCheck() {}

  /** Reads the binary, checks its SHA-256 against the announced one, and gets it compiled. */
  static ModuleCache.Compiled compiled(Program.WasmBinary binary, ModuleCache cache)
      throws ComputeException, InterruptedException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(binary.path());
    } catch (NoSuchFileException e) {
      throw new ComputeException(
          FailureReason.IMAGE_MISSING, "the WASM binary is not on this node: " + binary.path());
    } catch (IOException e) {
      throw new ComputeException(
          FailureReason.IMAGE_MISSING,
          "the WASM binary cannot be read: " + binary.path() + ": " + e.getMessage());
    }
    byte[] actual;
    try {
      actual = MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
    HexFormat hex = HexFormat.of();
    if (!MessageDigest.isEqual(actual, binary.sha256())) {
      throw new ComputeException(
          FailureReason.INVALID_SPEC,
          "refusing to run "
              + binary.path().getFileName()
              + ": its SHA-256 is "
              + hex.formatHex(actual)
              + " but the task announced "
              + hex.formatHex(binary.sha256()));
    }
    return cache.get(hex.formatHex(actual), bytes);
  }

  /**
   * The module's memory, capped by the subtask's limit; refused if its initial size is already
   * over.
   */
  static MemoryLimits memoryLimits(WasmModule module, long memoryBytes) throws ComputeException {
    int limitPages = (int) Math.min(MAX_PAGES, memoryBytes / PAGE);
    var section = module.memorySection();
    if (section.isEmpty() || section.get().memoryCount() == 0)
      return new MemoryLimits(0, limitPages);
    MemoryLimits declared = section.get().getMemory(0).limits();
    if (declared.initialPages() > limitPages) {
      throw new ComputeException(
          FailureReason.OUT_OF_MEMORY,
          "the module declares "
              + declared.initialPages()
              + " pages ("
              + mib(declared.initialPages())
              + ") of initial memory, over the subtask's limit of "
              + limitPages
              + " pages ("
              + mib(limitPages)
              + ")");
    }
    return new MemoryLimits(declared.initialPages(), Math.min(declared.maximumPages(), limitPages));
  }

  static String mib(long pages) {
    return (pages * PAGE >> 20) + " MiB";
  }

  static ExportFunction exportedStart(Instance instance) throws ComputeException {
    try {
      return instance.export("_start");
    } catch (ChicoryException e) {
      throw new ComputeException(
          FailureReason.TRAPPED, "the module exports no _start function: it is not a WASI command");
    }
  }
}

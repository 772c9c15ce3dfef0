package org.jgolem.compute.wasm;

import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.wasm.ChicoryException;
import java.util.Optional;
import org.jgolem.compute.ExecutionResult.Failure;
import org.jgolem.compute.FailureReason;

/**
 * How a guest's run ended, as a failure (or null for success), from what was seen of it: the write
 * attempt on the resources, the output over its limit, a refused {@code memory.grow}, a trap, the
 * exit status. The order is {@link WasmRun}'s list (first match wins). Decides only; reads no
 * files.
 */
final class WasmOutcome {
  private WasmOutcome() {}

  /**
   * @param resourcesViolation what the program tried on /golem/resources, or null
   * @param outputOverLimit how the output went past its limit, or null
   * @param memory the guest's memory, or null if it had none
   */
  static Failure classify(
      Optional<Integer> exit,
      Throwable ended,
      String resourcesViolation,
      String outputOverLimit,
      GuardedMemory memory) {
    if (resourcesViolation != null)
      return new Failure(FailureReason.TRAPPED, "the program tried to " + resourcesViolation);
    if (outputOverLimit != null) {
      return new Failure(
          FailureReason.OUTPUT_TOO_LARGE,
          outputOverLimit + ", and then the program " + how(exit, ended));
    }
    if (ended instanceof OutOfMemoryError) {
      return new Failure(
          FailureReason.OUT_OF_MEMORY,
          "the node's heap ran out while the program ran: " + ended.getMessage());
    }
    boolean died = ended != null || exit.orElse(0) != 0;
    if (died && memory != null && memory.refusedGrows() > 0) {
      return new Failure(
          FailureReason.OUT_OF_MEMORY,
          "memory.grow to "
              + memory.refusedTarget()
              + " pages ("
              + WasmModuleCheck.mib(memory.refusedTarget())
              + ") was refused, over the limit of "
              + memory.maximumPages()
              + " pages ("
              + WasmModuleCheck.mib(memory.maximumPages())
              + "), and then the program "
              + how(exit, ended));
    }
    if (ended != null) return new Failure(FailureReason.TRAPPED, trap(ended));
    if (exit.orElse(0) != 0)
      return new Failure(
          FailureReason.NON_ZERO_EXIT, "the program exited with status " + exit.get());
    return null;
  }

  private static String how(Optional<Integer> exit, Throwable ended) {
    if (ended != null) return "trapped (" + trap(ended) + ")";
    return exit.map(c -> "exited with status " + c).orElse("ended");
  }

  private static String trap(Throwable t) {
    if (t instanceof StackOverflowError || t.getCause() instanceof StackOverflowError) {
      return "call stack exhausted: the program recursed deeper than the sandbox's stack allows";
    }
    if (t instanceof TrapException) return "wasm trap: " + t.getMessage();
    if (t instanceof ChicoryException || t instanceof ReadOnlyFileSystem.Violation)
      return t.getMessage();
    return t.toString();
  }
}

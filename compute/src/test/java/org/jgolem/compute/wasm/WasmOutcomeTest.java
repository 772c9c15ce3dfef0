package org.jgolem.compute.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.runtime.TrapException;
import java.util.Optional;
import org.jgolem.compute.ExecutionResult.Failure;
import org.jgolem.compute.FailureReason;
import org.junit.jupiter.api.Test;

/** How a guest's end is classified, first match wins; no module runs. */
class WasmOutcomeTest {
  private static final Optional<Integer> OK = Optional.of(0);

  @Test
  void aCleanExitIsSuccessAndANonZeroOneIsNot() {
    assertThat(WasmOutcome.classify(OK, null, null, null, null)).isNull();
    Failure f = WasmOutcome.classify(Optional.of(3), null, null, null, null);
    assertThat(f.reason()).isEqualTo(FailureReason.NON_ZERO_EXIT);
    assertThat(f.message()).isEqualTo("the program exited with status 3");
  }

  @Test
  void aWriteOnTheResourcesComesBeforeAnOutputOverItsLimitWhichComesBeforeATrap() {
    Throwable trap = new TrapException("unreachable");
    assertThat(
            WasmOutcome.classify(OK, trap, "write /golem/resources/x", "the output is 2 MiB", null)
                .reason())
        .isEqualTo(FailureReason.TRAPPED);
    Failure tooLarge =
        WasmOutcome.classify(Optional.empty(), trap, null, "the output is 2 MiB", null);
    assertThat(tooLarge.reason()).isEqualTo(FailureReason.OUTPUT_TOO_LARGE);
    assertThat(tooLarge.message())
        .isEqualTo("the output is 2 MiB, and then the program trapped (wasm trap: unreachable)");
    assertThat(WasmOutcome.classify(Optional.empty(), trap, null, null, null).message())
        .isEqualTo("wasm trap: unreachable");
  }

  @Test
  void exhaustedStacksAndHeapsAreNamed() {
    assertThat(
            WasmOutcome.classify(Optional.empty(), new StackOverflowError(), null, null, null)
                .message())
        .startsWith("call stack exhausted");
    assertThat(
            WasmOutcome.classify(
                    Optional.empty(), new OutOfMemoryError("Java heap space"), null, null, null)
                .reason())
        .isEqualTo(FailureReason.OUT_OF_MEMORY);
  }
}

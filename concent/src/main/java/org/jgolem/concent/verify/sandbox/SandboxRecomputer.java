package org.jgolem.concent.verify.sandbox;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.jgolem.compute.TaskComputer;
import org.jgolem.concent.verify.Dispute;
import org.jgolem.concent.verify.Judgement;
import org.jgolem.concent.verify.Recomputer;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Method;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.NeutralReason;
import org.jgolem.protocol.messages.concent.VerificationCheck;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Recomputer} over Concent's own sandboxes: the compute module's {@link TaskComputer}
 * (the same WASM and Docker environments as a provider's, with their limits and escape tests), the
 * subtask started as a provider starts it, under the limits the requestor signed in the
 * TaskToCompute's definition.
 *
 * <ul>
 *   <li>gWASM ({@code wasm}): {@link GwasmRecheck}, one digest check per output file.
 *   <li>Blender (a {@code docker} subtask of the Blender template): {@link BlenderRecheck}, crops
 *       chosen from {@link Dispute#seed} and compared by SSIM.
 *   <li>Any other {@code docker} subtask: no template declares a deterministic check yet (Docker
 *       programs may read the time, the random device or the number of cores), so Concent cannot
 *       re-check it: a {@code NEUTRAL} judgement, reason {@code CONCENT_ERROR} ("another failure of
 *       Concent's": it is Concent that lacks a method for the task, not the provider's result that
 *       failed, and neither the engine nor the time is at fault), with one unpassed {@code
 *       DETERMINISTIC} check of empty digests as the record of it.
 * </ul>
 *
 * <p>Concent's own failures are neutral: its engine down or its image missing is {@code
 * ENGINE_UNAVAILABLE}; {@link Dispute#timeLimit()} passing (the run is stopped) is {@code TIMEOUT};
 * anything else of its own (an I/O error in its work folder, a bug) is {@code CONCENT_ERROR}. The
 * subtask's own faults (it crashes, traps, loops past its own limit, writes too much or nothing,
 * tries to escape) are judgements: its result is compared with what the run left, and fails.
 * Nothing is shown to either party: the judgement is only returned.
 */
public final class SandboxRecomputer implements Recomputer {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxRecomputer.class);

  /** The detail of a Docker subtask that Concent cannot re-check. */
  static final String NOT_RECHECKABLE =
      "this template cannot be re-checked by Concent: it declares no deterministic check";

  private final TaskComputer computer;

  /**
   * @param computer Concent's task computer, with a {@code wasm} and a {@code docker} environment
   *     (the Docker one allowing the images of the templates Concent re-checks, e.g.
   *     jgolem/blender)
   */
  public SandboxRecomputer(TaskComputer computer) {
    this.computer = Objects.requireNonNull(computer, "computer");
  }

  @Override
  public Judgement judge(Dispute d) {
    SubtaskDefinition def = d.taskToCompute().definition();
    Method method = methodOf(d);
    long started = System.nanoTime();
    try {
      Judgement j =
          switch (method) {
            case GWASM_DIGEST -> GwasmRecheck.judge(computer, d, d.timeLimit());
            case BLENDER_SSIM -> BlenderRecheck.judge(computer, d, d.timeLimit());
            case DOCKER_DETERMINISTIC ->
                Judgement.neutral(
                    method,
                    NeutralReason.CONCENT_ERROR,
                    NOT_RECHECKABLE + " (image " + def.image() + ")",
                    List.of(
                        new VerificationCheck(
                            "deterministic check",
                            VerificationCheck.Kind.DETERMINISTIC,
                            "",
                            false,
                            new byte[0],
                            new byte[0],
                            VerificationCheck.Crop.NONE,
                            0,
                            0)));
            case NONE ->
                Judgement.neutral(
                    Method.NONE,
                    NeutralReason.CONCENT_ERROR,
                    clip("Concent has no sandbox for environment '" + def.environment() + "'"),
                    List.of());
          };
      LOG.info(
          "Re-computed subtask {} ({}): {} in {} ms",
          d.taskToCompute().subtaskIdHex(),
          method,
          j.outcome(),
          (System.nanoTime() - started) / 1_000_000);
      return j;
    } catch (SandboxRun.ConcentFailure e) {
      LOG.warn(
          "Re-computation of subtask {} is neutral ({}): {}",
          d.taskToCompute().subtaskIdHex(),
          e.reason,
          e.getMessage());
      return Judgement.neutral(method, e.reason, clip(e.getMessage()), List.of());
    } catch (IOException | RuntimeException e) {
      LOG.error("Re-computation of subtask {} failed", d.taskToCompute().subtaskIdHex(), e);
      return Judgement.neutral(
          method, NeutralReason.CONCENT_ERROR, clip("Concent failed: " + e), List.of());
    }
  }

  /** The method for {@code d}'s subtask, by its environment and template. */
  static Method methodOf(Dispute d) {
    SubtaskDefinition def = d.taskToCompute().definition();
    return switch (def.environment()) {
      case "wasm" -> Method.GWASM_DIGEST;
      case "docker" ->
          BlenderRecheck.isBlender(def, d.resources())
              ? Method.BLENDER_SSIM
              : Method.DOCKER_DETERMINISTIC;
      default -> Method.NONE;
    };
  }

  /** {@code detail} cut to what a verdict holds. */
  static String clip(String detail) {
    return detail.length() <= SubtaskResultsSettled.MAX_DETAIL
        ? detail
        : detail.substring(0, SubtaskResultsSettled.MAX_DETAIL - 3) + "...";
  }
}

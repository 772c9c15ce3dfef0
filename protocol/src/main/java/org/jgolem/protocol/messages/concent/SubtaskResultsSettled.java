package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.Rules;

/**
 * Use case 5, Concent's verdict on a disputed rejection, to both parties (named after Golem's
 * SubtaskResultsSettled). It names the dispute (subtask, parties, the report and the rejection by
 * their struct hashes), what Concent re-computed on (the result's and the resources' CIDs), how
 * ({@link Method}), every check it made ({@link VerificationCheck}: digests, crops and their SSIM
 * scores), the {@link Outcome} and the amounts it moves:
 *
 * <ul>
 *   <li>{@link Outcome#PROVIDER_RIGHT}: the rejection is overturned; {@code paidToProvider} (the
 *       price) is paid from the requestor's deposit and {@code feeFromRequestor} (Concent's cost)
 *       charged to it; {@code feeFromProvider} is 0. Every check passed, and there is at least one
 *       of the method's kind.
 *   <li>{@link Outcome#PROVIDER_WRONG}: the fee {@code feeFromProvider} goes from the provider's
 *       deposit to the cold wallet; nothing else moves. At least one check failed (a missing upload
 *       is a failed {@link VerificationCheck.Kind#UPLOAD} check, with method {@link Method#NONE}).
 *   <li>{@link Outcome#NEUTRAL}: Concent could not judge for its own reasons ({@code
 *       neutralReason}, never {@link NeutralReason#NONE}); nobody pays, every amount is 0, and the
 *       checks made before the failure are listed.
 * </ul>
 *
 * <p>The enums' names are the wire form: append only, never rename or remove. The verdict is not an
 * EIP-712 evidence type (nothing on chain reads it, like Concent's other verdicts): its envelope's
 * signature covers the exact CBOR bytes, which anyone checks with the codec and Concent's address.
 */
@JsonPropertyOrder({
  "subtaskId",
  "requestor",
  "provider",
  "reportHash",
  "rejectionHash",
  "resultCid",
  "resourceCids",
  "method",
  "outcome",
  "neutralReason",
  "detail",
  "checks",
  "paidToProvider",
  "feeFromRequestor",
  "feeFromProvider"
})
public record SubtaskResultsSettled(
    byte[] subtaskId,
    Address requestor,
    Address provider,
    byte[] reportHash,
    byte[] rejectionHash,
    String resultCid,
    List<String> resourceCids,
    Method method,
    Outcome outcome,
    NeutralReason neutralReason,
    String detail,
    List<VerificationCheck> checks,
    BigInteger paidToProvider,
    BigInteger feeFromRequestor,
    BigInteger feeFromProvider)
    implements Payload {

  /** How Concent re-computed; each re-computing method has its check kind. Append only. */
  public enum Method {
    /** Nothing was re-computed (no upload, or Concent failed before it could run). */
    NONE(null),
    /**
     * gWASM: the subtask re-run deterministically (virtual clock, seeded random), digests compared.
     */
    GWASM_DIGEST(VerificationCheck.Kind.DIGEST),
    /** Blender: crops of Concent's choice re-rendered and compared by SSIM with the provider's. */
    BLENDER_SSIM(VerificationCheck.Kind.SSIM),
    /** Docker: the template's declared deterministic check. */
    DOCKER_DETERMINISTIC(VerificationCheck.Kind.DETERMINISTIC);

    private final VerificationCheck.Kind kind;

    Method(VerificationCheck.Kind kind) {
      this.kind = kind;
    }

    /** The kind of the checks this method makes; null for {@link #NONE}. */
    public VerificationCheck.Kind kind() {
      return kind;
    }
  }

  /** Who was right. Append only. */
  public enum Outcome {
    PROVIDER_RIGHT,
    PROVIDER_WRONG,
    NEUTRAL
  }

  /** Why a verdict is neutral: Concent's own failures. Append only. */
  public enum NeutralReason {
    /** The verdict is not neutral. */
    NONE,
    /** The sandbox or engine could not be started or failed (Docker down, WASM engine error). */
    ENGINE_UNAVAILABLE,
    /** The re-computation did not finish before the verification deadline. */
    TIMEOUT,
    /** Another failure of Concent's (its storage, a bug), named in the detail. */
    CONCENT_ERROR
  }

  /** The most checks one verdict lists. */
  public static final int MAX_CHECKS = 64;

  public static final int MAX_DETAIL = 1024;

  public SubtaskResultsSettled {
    // copies that keep null elements, so that validate() can name them
    resourceCids =
        resourceCids == null ? null : Collections.unmodifiableList(new ArrayList<>(resourceCids));
    checks = checks == null ? null : Collections.unmodifiableList(new ArrayList<>(checks));
  }

  @Override
  public MessageType type() {
    return MessageType.SUBTASK_RESULTS_SETTLED;
  }

  @Override
  public void validate() {
    Rules.id("subtaskId", subtaskId);
    Rules.address("requestor", requestor);
    Rules.address("provider", provider);
    if (requestor.equals(provider)) {
      throw InvalidMessageException.invalid("provider", "must not be the requestor");
    }
    Rules.id("reportHash", reportHash);
    Rules.id("rejectionHash", rejectionHash);
    Rules.string("resultCid", resultCid, 1, ReportComputedTask.MAX_CID);
    AckSubtaskResultsVerify.resourceCids("resourceCids", resourceCids);
    Rules.present("method", method);
    Rules.present("outcome", outcome);
    Rules.present("neutralReason", neutralReason);
    Rules.string("detail", detail, 0, MAX_DETAIL);
    Rules.uint256("paidToProvider", paidToProvider);
    Rules.uint256("feeFromRequestor", feeFromRequestor);
    Rules.uint256("feeFromProvider", feeFromProvider);
    validateChecks();
    validateOutcome();
  }

  private void validateChecks() {
    if (checks == null || checks.size() > MAX_CHECKS) {
      throw InvalidMessageException.invalid("checks", "must list at most " + MAX_CHECKS);
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < checks.size(); i++) {
      String field = "checks[" + i + "]";
      VerificationCheck c = checks.get(i);
      Rules.present(field, c);
      c.validate(field);
      if (!names.add(c.name())) {
        throw InvalidMessageException.invalid(field + ".name", "repeats " + c.name());
      }
      if (c.kind() != VerificationCheck.Kind.UPLOAD && c.kind() != method.kind()) {
        throw InvalidMessageException.invalid(
            field + ".kind", "must be UPLOAD or " + method.kind() + " for " + method);
      }
    }
  }

  private void validateOutcome() {
    boolean neutral = outcome == Outcome.NEUTRAL;
    if (neutral == (neutralReason == NeutralReason.NONE)) {
      throw InvalidMessageException.invalid(
          "neutralReason", neutral ? "must name Concent's failure" : "must be NONE for " + outcome);
    }
    switch (outcome) {
      case PROVIDER_RIGHT -> {
        if (method == Method.NONE
            || checks.stream().noneMatch(c -> c.kind() == method.kind())
            || !checks.stream().allMatch(VerificationCheck::passed)) {
          throw InvalidMessageException.invalid(
              "checks", "must all pass, with one at least of the method's kind, for " + outcome);
        }
        zero("feeFromProvider");
      }
      case PROVIDER_WRONG -> {
        if (checks.stream().allMatch(VerificationCheck::passed)) {
          throw InvalidMessageException.invalid("checks", "must hold a failed one for " + outcome);
        }
        zero("paidToProvider");
        zero("feeFromRequestor");
      }
      case NEUTRAL -> {
        zero("paidToProvider");
        zero("feeFromRequestor");
        zero("feeFromProvider");
      }
    }
  }

  private void zero(String field) {
    BigInteger v =
        switch (field) {
          case "paidToProvider" -> paidToProvider;
          case "feeFromRequestor" -> feeFromRequestor;
          default -> feeFromProvider;
        };
    if (v.signum() != 0) {
      throw InvalidMessageException.invalid(field, "must be 0 for " + outcome + ", got " + v);
    }
  }

  @Override
  public byte[] subtaskId() {
    return Frames.copy(subtaskId);
  }

  @Override
  public byte[] reportHash() {
    return Frames.copy(reportHash);
  }

  @Override
  public byte[] rejectionHash() {
    return Frames.copy(rejectionHash);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SubtaskResultsSettled s
        && Arrays.equals(subtaskId, s.subtaskId)
        && Objects.equals(requestor, s.requestor)
        && Objects.equals(provider, s.provider)
        && Arrays.equals(reportHash, s.reportHash)
        && Arrays.equals(rejectionHash, s.rejectionHash)
        && Objects.equals(resultCid, s.resultCid)
        && Objects.equals(resourceCids, s.resourceCids)
        && method == s.method
        && outcome == s.outcome
        && neutralReason == s.neutralReason
        && Objects.equals(detail, s.detail)
        && Objects.equals(checks, s.checks)
        && Objects.equals(paidToProvider, s.paidToProvider)
        && Objects.equals(feeFromRequestor, s.feeFromRequestor)
        && Objects.equals(feeFromProvider, s.feeFromProvider);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(rejectionHash) * 31 + Objects.hashCode(outcome);
  }

  @Override
  public String toString() {
    return "SubtaskResultsSettled["
        + outcome
        + (outcome == Outcome.NEUTRAL ? " (" + neutralReason + ")" : "")
        + ", subtask "
        + Frames.hex(subtaskId)
        + ", "
        + method
        + ", "
        + (checks == null ? 0 : checks.size())
        + " checks, paid "
        + paidToProvider
        + ", fees "
        + feeFromRequestor
        + "/"
        + feeFromProvider
        + "]";
  }
}

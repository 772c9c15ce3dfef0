package org.jgolem.concent.verify;

import java.util.List;
import java.util.Objects;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Method;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.NeutralReason;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Outcome;
import org.jgolem.protocol.messages.concent.VerificationCheck;

/**
 * What a re-computation found: the method, the outcome, and every check it made (digests compared,
 * crops and their SSIM scores), as they go into the signed verdict ({@code SubtaskResultsSettled})
 * and the auditors' record. The amounts are the service's business, not the re-computation's.
 */
public record Judgement(
    Method method,
    Outcome outcome,
    NeutralReason neutralReason,
    String detail,
    List<VerificationCheck> checks) {
  public Judgement {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(neutralReason, "neutralReason");
    Objects.requireNonNull(detail, "detail");
    checks = List.copyOf(checks);
    if ((outcome == Outcome.NEUTRAL) != (neutralReason != NeutralReason.NONE)) {
      throw new IllegalArgumentException(
          "a neutral judgement, and only one, names its reason: " + outcome + "/" + neutralReason);
    }
  }

  /** Concent could not judge, for a reason of its own: nobody pays. */
  public static Judgement neutral(
      Method method, NeutralReason reason, String detail, List<VerificationCheck> checksSoFar) {
    return new Judgement(method, Outcome.NEUTRAL, reason, detail, checksSoFar);
  }

  /** Every check passed: the provider was right. Otherwise it was wrong. */
  public static Judgement of(Method method, String detail, List<VerificationCheck> checks) {
    if (checks.isEmpty()) {
      throw new IllegalArgumentException("a judgement that is not neutral rests on checks");
    }
    boolean right = checks.stream().allMatch(VerificationCheck::passed);
    return new Judgement(
        method,
        right ? Outcome.PROVIDER_RIGHT : Outcome.PROVIDER_WRONG,
        NeutralReason.NONE,
        detail,
        checks);
  }
}

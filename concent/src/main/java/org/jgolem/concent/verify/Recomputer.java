package org.jgolem.concent.verify;

/**
 * AdditionalVerification's re-computation (use case 5): Concent computes a disputed subtask again
 * in its own sandboxes, with the task computer that nodes use, and judges the provider's result.
 * The service calls it off its request threads, once the provider's uploads are in Concent's
 * storage; the sandbox adapter implements it.
 *
 * <p>A fault of the subtask (it crashes, loops, escapes, writes garbage) is the provider's: a
 * judgement, not an exception. A fault of Concent's own (the engine is down, its time ran out, a
 * bug) is a {@link Judgement#neutral} judgement: nobody pays.
 */
public interface Recomputer {
  /**
   * Judges {@code dispute}; returns within {@link Dispute#timeLimit()} (a run still going then is
   * stopped, and the judgement is neutral with reason TIMEOUT).
   */
  Judgement judge(Dispute dispute);
}

package org.jgolem.concent.cases;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The states of a subtask's case, Golem's ten. Active states wait for someone until the case's
 * {@code nextDeadline}; passive ones wait for nobody. The allowed transitions are Golem's table
 * ({@link #canFollow}); {@code docs/CONCENT.md} draws them with what triggers each.
 */
public enum CaseState {
  FORCING_REPORT(true),
  REPORTED(false),
  FORCING_RESULT_TRANSFER(true),
  RESULT_UPLOADED(false),
  FORCING_ACCEPTANCE(true),
  REJECTED(false),
  VERIFICATION_FILE_TRANSFER(true),
  ADDITIONAL_VERIFICATION(true),
  ACCEPTED(false),
  FAILED(false);

  private static final Map<CaseState, Set<CaseState>> FROM =
      Map.of(
          FORCING_REPORT, EnumSet.noneOf(CaseState.class),
          REPORTED, EnumSet.of(FORCING_REPORT),
          FORCING_RESULT_TRANSFER, EnumSet.of(REPORTED),
          RESULT_UPLOADED, EnumSet.of(FORCING_RESULT_TRANSFER),
          FORCING_ACCEPTANCE, EnumSet.of(REPORTED, RESULT_UPLOADED),
          REJECTED, EnumSet.of(FORCING_ACCEPTANCE),
          VERIFICATION_FILE_TRANSFER,
              EnumSet.of(REPORTED, RESULT_UPLOADED, FORCING_ACCEPTANCE, REJECTED),
          ADDITIONAL_VERIFICATION, EnumSet.of(VERIFICATION_FILE_TRANSFER),
          ACCEPTED, EnumSet.of(FORCING_ACCEPTANCE, ADDITIONAL_VERIFICATION),
          FAILED,
              EnumSet.of(
                  FORCING_REPORT,
                  FORCING_RESULT_TRANSFER,
                  VERIFICATION_FILE_TRANSFER,
                  ADDITIONAL_VERIFICATION));

  /** States a case may start in (Golem's "None" column). */
  private static final Set<CaseState> INITIAL =
      EnumSet.of(
          FORCING_REPORT, FORCING_RESULT_TRANSFER, FORCING_ACCEPTANCE, VERIFICATION_FILE_TRANSFER);

  private final boolean active;

  CaseState(boolean active) {
    this.active = active;
  }

  /** True if someone must act by the case's next deadline. */
  public boolean isActive() {
    return active;
  }

  /** True if a new case may start in this state. */
  public boolean isInitial() {
    return INITIAL.contains(this);
  }

  /** True if a case in {@code previous} may move to this state. */
  public boolean canFollow(CaseState previous) {
    return FROM.get(this).contains(previous);
  }
}

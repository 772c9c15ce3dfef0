package org.jgolem.concent.audit;

/** The first inconsistency an audit found: a check's name and what is wrong. */
public final class Inconsistency extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String check;

  public Inconsistency(String check, String detail) {
    super(detail);
    this.check = check;
  }

  /** The check that failed, e.g. {@code envelope-signature}, {@code window}, {@code amount}. */
  public String check() {
    return check;
  }
}

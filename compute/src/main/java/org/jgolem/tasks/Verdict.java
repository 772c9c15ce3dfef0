package org.jgolem.tasks;

import java.util.Objects;

/**
 * A template's judgement of one result: accepted, or rejected with a reason that names what is
 * wrong.
 */
public record Verdict(boolean accepted, String reason) {
  public static final Verdict OK = new Verdict(true, "");

  public Verdict {
    Objects.requireNonNull(reason, "reason");
    if (!accepted && reason.isBlank())
      throw new IllegalArgumentException("a rejection needs a reason");
  }

  public static Verdict reject(String reason) {
    return new Verdict(false, reason);
  }
}

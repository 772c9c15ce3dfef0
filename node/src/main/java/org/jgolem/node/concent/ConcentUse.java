package org.jgolem.node.concent;

/**
 * The node's switch for Concent: {@code off} (never), {@code optional} (for tasks that have it on),
 * {@code required} (as optional here; a provider requiring it offers only for such tasks, which is
 * the offer rule's business, not this package's).
 */
public enum ConcentUse {
  OFF,
  OPTIONAL,
  REQUIRED;

  /** Whether Concent is on for a subtask of a task that has it {@code taskHasConcent}. */
  public boolean onFor(boolean taskHasConcent) {
    return this != OFF && taskHasConcent;
  }

  /** {@code off}, {@code optional} or {@code required}, in any case. */
  public static ConcentUse parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException(
          "concent must be off, optional or required, not '" + s + "'", e);
    }
  }
}

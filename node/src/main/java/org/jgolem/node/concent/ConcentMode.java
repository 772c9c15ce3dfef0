package org.jgolem.node.concent;

import java.util.Locale;

/**
 * A node's {@code concent} setting: whether its tasks, and the tasks it takes, are backed by
 * Concent.
 *
 * <ul>
 *   <li>{@code off} (the default): the node never uses Concent and behaves exactly as a node
 *       without it. As a requestor it announces every task without Concent, even when the task file
 *       asks for it ({@code concent_enabled}; the node logs that it ignored the request). As a
 *       provider it takes tasks with and without Concent alike, without checking any deposit: it
 *       never turns to Concent, so the deposit would back nothing it relies on.
 *   <li>{@code optional}: a requestor announces a task with Concent when its task file asks for it;
 *       a provider takes both kinds, and checks the requestor's deposit before it offers for a task
 *       announced with Concent.
 *   <li>{@code required}: a requestor announces every task with Concent; a provider takes only
 *       tasks announced with Concent, after checking the requestor's deposit.
 * </ul>
 */
public enum ConcentMode {
  OFF,
  OPTIONAL,
  REQUIRED;

  /** {@code off}, {@code optional} or {@code required} (any case); else a clear error. */
  public static ConcentMode parse(String text) {
    if (text != null) {
      for (ConcentMode m : values()) {
        if (m.text().equalsIgnoreCase(text.strip())) return m;
      }
    }
    throw new IllegalArgumentException(
        "concent must be one of off, optional, required; got '" + text + "'");
  }

  /** The setting as written in the configuration and shown by the API. */
  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether a requestor announces a task with Concent, given what its task file asks. */
  public boolean announcesWithConcent(boolean taskFileAsks) {
    return switch (this) {
      case OFF -> false;
      case OPTIONAL -> taskFileAsks;
      case REQUIRED -> true;
    };
  }

  /** Whether a provider takes a task announced with ({@code true}) or without Concent. */
  public boolean takes(boolean announcedWithConcent) {
    return this != REQUIRED || announcedWithConcent;
  }

  /** Whether a provider checks the requestor's deposit before it offers for such a task. */
  public boolean checksDeposit(boolean announcedWithConcent) {
    return this != OFF && announcedWithConcent;
  }

  @Override
  public String toString() {
    return text();
  }
}

package org.jgolem.node.cli;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.jgolem.node.api.NodeService.TaskSummary;

/** How values read in tables. */
final class Views {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  private Views() {}

  /** Epoch milliseconds as UTC time; 0 (unset) as "-". */
  static String time(long epochMillis) {
    return epochMillis <= 0 ? "-" : TIME.format(Instant.ofEpochMilli(epochMillis));
  }

  /**
   * Whole percent of accepted subtasks, from the counts (never rounds up to 100 before all are
   * accepted).
   */
  static int percent(TaskSummary t) {
    if (t.subtasks() <= 0) {
      return 0;
    }
    return (int) (100L * Math.min(t.subtasksAccepted(), t.subtasks()) / t.subtasks());
  }

  /** "3/8 (37%)" */
  static String progress(TaskSummary t) {
    return t.subtasksAccepted() + "/" + t.subtasks() + " (" + percent(t) + "%)";
  }

  static String list(List<String> items) {
    return items == null || items.isEmpty() ? "-" : String.join(", ", items);
  }

  static String orDash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }
}

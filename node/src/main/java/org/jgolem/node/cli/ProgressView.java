package org.jgolem.node.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import org.jgolem.node.api.NodeService.TaskSummary;

/**
 * The progress of a task being waited for. On a terminal one bar redrawn in place with {@code \r};
 * elsewhere (a file, a pipe, a CI log) a plain line whenever the progress or state changes, and at
 * least every {@code heartbeat} (read on the injected clock) while nothing does.
 */
final class ProgressView {
  static final int WIDTH = 30;

  private final PrintWriter out;
  private final boolean terminal;
  private final long heartbeatMillis;
  private final Clock clock;
  private int drawnLength = -1;
  private String lastKey;
  private long lastLineAt;

  ProgressView(PrintWriter out, boolean terminal, Duration heartbeat, Clock clock) {
    this.out = out;
    this.terminal = terminal;
    this.heartbeatMillis = heartbeat.toMillis();
    this.clock = clock;
  }

  /** "[#########---------------------] 30% 3/10 subtasks COMPUTING" */
  static String bar(TaskSummary t) {
    int pct = Views.percent(t);
    int filled = WIDTH * pct / 100;
    return "["
        + "#".repeat(filled)
        + "-".repeat(WIDTH - filled)
        + "] "
        + String.format("%3d%%", pct)
        + "  "
        + t.subtasksAccepted()
        + "/"
        + t.subtasks()
        + " subtasks  "
        + t.state();
  }

  /** "task t-1: 30% (3/10 subtasks accepted), COMPUTING" */
  static String line(TaskSummary t) {
    return "task "
        + t.id()
        + ": "
        + Views.percent(t)
        + "% ("
        + t.subtasksAccepted()
        + "/"
        + t.subtasks()
        + " subtasks accepted), "
        + t.state();
  }

  void update(TaskSummary t) {
    if (terminal) {
      String bar = bar(t);
      int pad = Math.max(0, drawnLength - bar.length());
      out.print("\r" + bar + " ".repeat(pad));
      drawnLength = bar.length();
    } else {
      String key = t.state() + "/" + t.subtasksAccepted() + "/" + t.subtasks();
      long now = clock.millis();
      if (!key.equals(lastKey) || now - lastLineAt >= heartbeatMillis) {
        out.println(line(t));
        lastKey = key;
        lastLineAt = now;
      }
    }
    out.flush();
  }

  /** Ends the bar's line on a terminal. */
  void finish() {
    if (terminal && drawnLength >= 0) {
      out.println();
      out.flush();
    }
  }
}

package org.jgolem.it.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Set;
import org.jgolem.testkit.Await;

/** Following tasks through the requestor's API. */
public final class Tasks {
  private static final Set<String> ENDED = Set.of("FINISHED", "FAILED", "ABORTED", "TIMED_OUT");

  private Tasks() {}

  /** Waits until the task ends (finished, failed, aborted or timed out) and returns it. */
  public static JsonNode awaitEnd(NodeProcess requestor, String id, Duration timeout) {
    return Await.until("task " + id + " to end", timeout, () -> {
      JsonNode t = requestor.api().task(id);
      return ENDED.contains(t.get("state").asText()) ? t : null;
    }, () -> requestor.api().task(id) + "\nsubtasks: " + requestor.api().subtasks(id) + "\nthe requestor's last log lines:\n"
        + requestor.logTail(15));
  }

  /** Waits until the node has at least {@code n} peers. */
  public static void awaitPeers(NodeProcess node, int n) {
    Await.condition(node.name() + " connected to " + n + " peers", Duration.ofSeconds(60),
        () -> node.api().status().get("peers").asInt() >= n, () -> node.api().status().toString());
  }
}

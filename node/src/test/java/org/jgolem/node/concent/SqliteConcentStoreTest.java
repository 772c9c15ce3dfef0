package org.jgolem.node.concent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.store.SqliteConcentStore;
import org.jgolem.protocol.messages.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The evidence and the Concent states in a real SQLite file, read back after a reopen. */
@Timeout(30)
class SqliteConcentStoreTest {
  @TempDir Path dir;

  @Test
  void framesAndStatesSurviveAReopenAndTheFirstFrameIsKept() {
    try (NodeDatabase db = NodeDatabase.open(dir, Clock.systemUTC())) {
      SqliteConcentStore s = new SqliteConcentStore(db);
      s.put("aa", MessageType.TASK_TO_COMPUTE, new byte[] {1, 2});
      s.put("aa", MessageType.TASK_TO_COMPUTE, new byte[] {9});
      s.put("aa", MessageType.REPORT_COMPUTED_TASK, new byte[] {3});
      s.set("aa", new ConcentStatus(ConcentState.FORCING_REPORT, "", 5));
      s.set("aa", new ConcentStatus(ConcentState.REFUSED, "TOO_LATE: closed", 6));
      s.set("bb", new ConcentStatus(ConcentState.CONCENT_ACK, "", 7));
    }
    try (NodeDatabase db = NodeDatabase.open(dir, Clock.systemUTC())) {
      SqliteConcentStore s = new SqliteConcentStore(db);
      assertThat(s.get("aa", MessageType.TASK_TO_COMPUTE)).hasValue(new byte[] {1, 2});
      assertThat(s.get("aa", MessageType.ACK_REPORT_COMPUTED_TASK)).isEmpty();
      assertThat(s.all("aa"))
          .containsOnlyKeys(MessageType.TASK_TO_COMPUTE, MessageType.REPORT_COMPUTED_TASK);
      assertThat(s.get("aa"))
          .hasValue(new ConcentStatus(ConcentState.REFUSED, "TOO_LATE: closed", 6));
      assertThat(s.get("cc")).isEmpty();
      assertThat(s.all()).containsOnlyKeys("aa", "bb");
      assertThat(s.all().get("aa").label()).isEqualTo("REFUSED(TOO_LATE: closed)");
    }
  }
}

package org.jgolem.node.concent;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.store.SqliteConcentStore;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.testkit.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evidence and the Concent states in a real SQLite file, read back after a reopen; a provider
 * restarted on its database.
 */
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

  @Test
  void aProviderRestartedOnItsDatabaseDoesNotForceTwiceAndStillCitesTheKeptFrames() {
    ConcentFixture f = new ConcentFixture();
    ConcentFixture.FakePort port = new ConcentFixture.FakePort();
    TaskToCompute ttc = f.ttc(Duration.ofHours(1));
    Envelope ttcEnv = f.seal(ttc, f.requestor);
    String id = ConcentFixture.hex(ttc.subtaskId());
    ReportComputedTask report = ConcentFixture.report(ttc, 1000);
    Envelope reportEnv = f.seal(report, f.provider);
    try (NodeDatabase db = NodeDatabase.open(dir, f.clock)) {
      ManualScheduler scheduler = new ManualScheduler(f.clock);
      ProviderConcent concent = provider(f, port, new SqliteConcentStore(db), scheduler);
      concent.assigned(id, ttcEnv);
      concent.reported(reportEnv);
      scheduler.advance(Duration.ofSeconds(145));
      assertThat(port.sent).singleElement().isInstanceOf(ForceReportComputedTask.class);
    } // the node stops: its timers die, its database stays

    try (NodeDatabase db = NodeDatabase.open(dir, f.clock)) {
      ManualScheduler scheduler = new ManualScheduler(f.clock);
      SqliteConcentStore store = new SqliteConcentStore(db);
      assertThat(store.get(id)).map(ConcentStatus::state).hasValue(ConcentState.FORCING_REPORT);
      ProviderConcent concent = provider(f, port, store, scheduler);
      concent.reported(f.seal(report, f.provider)); // reported again after the restart
      scheduler.advance(Duration.ofMinutes(10));
      assertThat(port.sent).hasSize(1);
      // Concent's ack then arms the forced verdict, which cites the frames kept before the restart
      ConcentMessage ack =
          f.fromConcent(
              new ForceReportComputedTaskResponse(
                  ttc.subtaskId(),
                  report.structHash(),
                  ForceReportComputedTaskResponse.Outcome.CONCENT_ACK,
                  new byte[0]));
      assertThat(concent.handle(ack)).isTrue();
      scheduler.advance(Duration.ofHours(3));
      assertThat(port.sent).hasSize(2);
      ForceSubtaskResults force = (ForceSubtaskResults) port.sent.get(1);
      assertThat(force.taskToCompute()).isEqualTo(f.codec.encode(ttcEnv));
      assertThat(force.report()).isEqualTo(f.codec.encode(reportEnv));
      assertThat(force.ack()).isEqualTo(ack.frame());
    }
  }

  private static ProviderConcent provider(
      ConcentFixture f,
      ConcentFixture.FakePort port,
      SqliteConcentStore store,
      ManualScheduler scheduler) {
    ProviderConcent c =
        new ProviderConcent(
            port,
            store,
            store,
            f.codec,
            f.provider.address(),
            f.clock,
            scheduler,
            Windows.golem(),
            h -> true);
    c.bind(new NoAgent());
    return c;
  }

  /** An agent that has nothing to do in these tests. */
  private static final class NoAgent implements ProviderConcent.Agent {
    @Override
    public void relayed(Envelope m) {}

    @Override
    public void acknowledgedByConcent(String id) {}

    @Override
    public void acceptedByConcent(String id, Address requestor, BigInteger amount) {}

    @Override
    public void paidByConcent(
        SettlementMade.UseCase u, List<String> ids, Address payer, BigInteger a, String tx) {}

    @Override
    public void overturned(
        String id, org.jgolem.protocol.messages.market.TaskToCompute ttc, BigInteger amount) {}
  }
}

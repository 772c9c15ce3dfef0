package org.jgolem.it.concent;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.ConcentFixtures.Subtask;
import org.jgolem.it.harness.ConcentWorld;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.testkit.Postgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Use case 3 on a real chain: a requestor that acknowledges reports and then never decides. The
 * provider forces acceptance inside (deadline + SVT, deadline + SVT + FAT]; the requestor stays
 * silent; past FAT Concent accepts in its place and pays the provider from the requestor's deposit
 * (the settler batches the cases that fell due in one round into one transaction). The chain's
 * balances are exactly the settlement, and a second request for a settled subtask is refused.
 */
@Timeout(180)
class RequestorNeverDecidesTest {
  static final BigInteger PRICE = ConcentWorld.GNT.multiply(BigInteger.valueOf(3));

  @Test
  void concentAcceptsForTheSilentRequestorAndPaysFromItsDeposit(@TempDir Path dir)
      throws Exception {
    story(dir, "jdbc:sqlite:" + dir.resolve("concent.db"));
  }

  /** The same story with Concent's store on a real PostgreSQL server (a fresh database). */
  @Test
  void theSameStoryOnPostgresql(@TempDir Path dir) throws Exception {
    story(dir, Postgres.shared().createDatabase("concent_story"));
  }

  private static void story(Path dir, String db) throws Exception {
    BigInteger deposit = ConcentWorld.GNT.multiply(BigInteger.valueOf(20));
    try (ConcentWorld world = ConcentWorld.start(dir, deposit, db)) {
      ConcentWorld.Party provider = world.provider();
      ConcentWorld.Party requestor = world.requestor();
      ConcentFixtures f = world.fixtures();
      long assigned = world.clock().millis();
      long deadline = assigned + Duration.ofMinutes(10).toMillis();
      List<Subtask> subtasks = new ArrayList<>();
      for (int n = 1; n <= 3; n++) {
        subtasks.add(f.subtask(0x40 + n, PRICE, assigned, deadline));
      }
      BigInteger providerBefore = world.chain().gnt(ConcentFixtures.PROVIDER.address());

      // Deadline + SVT: too early, by one millisecond.
      long opensAfter =
          deadline + world.windows().svt(assigned, deadline, ConcentFixtures.SIZE).toMillis();
      world.clock().set(opensAfter);
      Envelope early = provider.send(force(f, subtasks.get(0), assigned));
      assertThat(early.payload(ServiceRefused.class).reason())
          .isEqualTo(ServiceRefused.Reason.TOO_EARLY);

      world.clock().set(opensAfter + 1);
      for (Subtask s : subtasks) {
        assertThat(provider.send(force(f, s, assigned))).as("queued, no reply").isNull();
      }
      assertThat(requestor.receive())
          .as("each request relayed to the requestor")
          .extracting(Envelope::type)
          .containsOnly(MessageType.FORCE_SUBTASK_RESULTS)
          .hasSize(3);

      // The requestor stays silent past deadline + SVT + FAT.
      world.clock().set(opensAfter + world.windows().fat().toMillis() + 1);
      ForceSubtaskResultsResponse verdict =
          provider.awaitMessage(
              MessageType.FORCE_SUBTASK_RESULTS_RESPONSE,
              ForceSubtaskResultsResponse.class,
              Duration.ofSeconds(30));
      assertThat(verdict.outcome())
          .isEqualTo(ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_CONCENT);
      assertThat(verdict.amount()).isEqualTo(PRICE);

      List<SettlementMade> settlements =
          provider.awaitMessages(
              MessageType.SETTLEMENT_MADE, SettlementMade.class, 3, Duration.ofSeconds(30));
      assertThat(settlements).hasSize(3);
      assertThat(settlements)
          .flatExtracting(m -> m.subtaskIds().stream().map(HexFormat.of()::formatHex).toList())
          .as("each subtask paid once")
          .containsExactlyInAnyOrderElementsOf(
              subtasks.stream().map(s -> HexFormat.of().formatHex(s.subtaskId())).toList());
      for (SettlementMade m : settlements) {
        assertThat(world.chain().chain().receipt(m.transactionHash()))
            .hasValueSatisfying(r -> assertThat(r.success()).isTrue());
      }

      BigInteger total = PRICE.multiply(BigInteger.valueOf(3));
      assertThat(world.chain().gnt(ConcentFixtures.PROVIDER.address()))
          .isEqualTo(providerBefore.add(total));
      assertThat(world.depositOf(ConcentFixtures.REQUESTOR)).isEqualTo(deposit.subtract(total));

      // Settled once: asking again is refused, and the deposit is untouched.
      Envelope again = provider.send(force(f, subtasks.get(0), assigned));
      assertThat(again.payload(ServiceRefused.class).reason())
          .isIn(ServiceRefused.Reason.ALREADY_SETTLED, ServiceRefused.Reason.ALREADY_PAID);
      assertThat(world.depositOf(ConcentFixtures.REQUESTOR)).isEqualTo(deposit.subtract(total));
    }
  }

  private static ForceSubtaskResults force(ConcentFixtures f, Subtask s, long assigned) {
    return new ForceSubtaskResults(s.ttcFrame(), s.rctFrame(), f.ack(s, assigned + 120_000));
  }
}

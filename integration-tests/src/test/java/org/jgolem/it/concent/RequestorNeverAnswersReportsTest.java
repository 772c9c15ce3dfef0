package org.jgolem.it.concent;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.ConcentFixtures.Subtask;
import org.jgolem.it.harness.ConcentWorld;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse.Outcome;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Use case 1 on a real chain: a requestor that never answers reports. Concent relays the provider's
 * report; past deadline + CMT it acknowledges in the requestor's place, and that signed verdict is
 * what the provider then cites to force acceptance — which, the requestor staying silent, ends in a
 * payment from its deposit. A requestor that does answer through Concent has its own
 * acknowledgement relayed back instead.
 */
@Timeout(180)
class RequestorNeverAnswersReportsTest {
  static final BigInteger PRICE = ConcentWorld.GNT.multiply(BigInteger.valueOf(4));

  @Test
  void concentAcknowledgesForTheSilentRequestorAndTheVerdictLeadsToPayment(@TempDir Path dir)
      throws Exception {
    BigInteger deposit = ConcentWorld.GNT.multiply(BigInteger.valueOf(10));
    try (ConcentWorld world = ConcentWorld.start(dir, deposit)) {
      ConcentWorld.Party provider = world.provider();
      ConcentWorld.Party requestor = world.requestor();
      long assigned = world.clock().millis();
      long deadline = assigned + Duration.ofMinutes(10).toMillis();
      Subtask s = world.fixtures().subtask(0x51, PRICE, assigned, deadline);
      world.clock().advance(Duration.ofMinutes(5));

      assertThat(provider.send(new ForceReportComputedTask(s.ttcFrame(), s.rctFrame()))).isNull();
      assertThat(requestor.receive())
          .extracting(Envelope::type)
          .containsExactly(MessageType.FORCE_REPORT_COMPUTED_TASK);

      // deadline + CMT passes in silence.
      world.clock().set(deadline + world.windows().cmt().toMillis() + 1);
      ForceReportComputedTaskResponse ack =
          provider.awaitMessage(
              MessageType.FORCE_REPORT_COMPUTED_TASK_RESPONSE,
              ForceReportComputedTaskResponse.class,
              Duration.ofSeconds(30));
      assertThat(ack.outcome()).isEqualTo(Outcome.CONCENT_ACK);
      byte[] verdictFrame =
          provider.inbox().stream()
              .filter(e -> e.type() == MessageType.FORCE_REPORT_COMPUTED_TASK_RESPONSE)
              .map(e -> provider.client().codec().encode(e))
              .findFirst()
              .orElseThrow();

      // The verdict stands in for the requestor's ack: the provider forces acceptance with it.
      long opensAfter =
          deadline + world.windows().svt(assigned, deadline, ConcentFixtures.SIZE).toMillis();
      world.clock().set(opensAfter + 1);
      assertThat(provider.send(new ForceSubtaskResults(s.ttcFrame(), s.rctFrame(), verdictFrame)))
          .isNull();
      world.clock().set(opensAfter + world.windows().fat().toMillis() + 1);
      assertThat(
              provider
                  .awaitMessage(
                      MessageType.FORCE_SUBTASK_RESULTS_RESPONSE,
                      ForceSubtaskResultsResponse.class,
                      Duration.ofSeconds(30))
                  .outcome())
          .isEqualTo(ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_CONCENT);
      SettlementMade paid =
          provider.awaitMessage(
              MessageType.SETTLEMENT_MADE, SettlementMade.class, Duration.ofSeconds(30));
      assertThat(paid.amount()).isEqualTo(PRICE);
      assertThat(world.depositOf(ConcentFixtures.REQUESTOR)).isEqualTo(deposit.subtract(PRICE));
    }
  }

  @Test
  void aRequestorThatAnswersThroughConcentHasItsAckRelayed(@TempDir Path dir) throws Exception {
    try (ConcentWorld world = ConcentWorld.start(dir, BigInteger.ZERO)) {
      ConcentWorld.Party provider = world.provider();
      ConcentWorld.Party requestor = world.requestor();
      long assigned = world.clock().millis();
      long deadline = assigned + Duration.ofMinutes(10).toMillis();
      Subtask s = world.fixtures().subtask(0x52, PRICE, assigned, deadline);

      // At the deadline exactly the request is still in time.
      world.clock().set(deadline - 1);
      assertThat(provider.send(new ForceReportComputedTask(s.ttcFrame(), s.rctFrame()))).isNull();
      requestor.receive();
      world.clock().advance(Duration.ofMinutes(1));
      requestor.sendFrame(world.fixtures().ack(s, world.clock().millis()));

      ForceReportComputedTaskResponse answer =
          provider.awaitMessage(
              MessageType.FORCE_REPORT_COMPUTED_TASK_RESPONSE,
              ForceReportComputedTaskResponse.class,
              Duration.ofSeconds(30));
      assertThat(answer.outcome()).isEqualTo(Outcome.ACK_FROM_REQUESTOR);
      assertThat(provider.client().codec().decode(answer.answer()).sender())
          .isEqualTo(ConcentFixtures.REQUESTOR.address());
    }
  }
}

package org.jgolem.it.concent;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jgolem.chain.contracts.ConcentDeposits;
import org.jgolem.chain.contracts.GntToken;
import org.jgolem.chain.testing.AnvilDeployment;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.ConcentFixtures.Subtask;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.concent.client.Received;
import org.jgolem.concent.time.CaseWindows;
import org.jgolem.concent.time.Windows;
import org.jgolem.it.harness.ConcentProcess;
import org.jgolem.it.harness.ConcentWorld;
import org.jgolem.it.harness.TestChain;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concent as a real process, killed with SIGKILL mid-case and restarted on the same data folder. A
 * provider forces acceptance of three subtasks; the requestor stays silent. Concent is killed right
 * after the cases opened (inside FAT), restarted, and killed again the moment the first settlement
 * shows on chain (before it may have recorded or delivered it), then restarted once more. In the
 * end each subtask is settled exactly once: the provider has exactly 3 × price more, the deposit
 * exactly 3 × price less, the contract records each subtask as settled, and the provider still
 * receives a SettlementMade for every subtask (deliveries survive the restarts). The process runs
 * on the real clock with Golem's windows divided by {@value #SCALE}.
 */
@Timeout(300)
class ConcentRestartTest {
  static final long SCALE = 60;
  static final int N = 3;
  static final BigInteger PRICE = ConcentWorld.GNT.multiply(BigInteger.valueOf(2));
  static final BigInteger DEPOSIT = ConcentWorld.GNT.multiply(BigInteger.valueOf(20));

  @Test
  void killedMidCaseAndMidSettlementItSettlesEachSubtaskExactlyOnce(@TempDir Path dir)
      throws Exception {
    try (TestChain chain = TestChain.start(dir.resolve("deployment.json"));
        ConcentProcess concent = new ConcentProcess(dir, chain.deploymentFile(), SCALE)) {
      for (NodeKey k : List.of(ConcentFixtures.REQUESTOR, ConcentFixtures.PROVIDER)) {
        chain.fund(k.address(), ConcentWorld.GNT.multiply(BigInteger.valueOf(1000)), TestChain.ETH);
      }
      ConcentWorld.deposit(chain, ConcentFixtures.REQUESTOR, DEPOSIT);
      ConcentDeposits deposits = ConcentWorld.deposits(chain, ConcentFixtures.PROVIDER);
      BigInteger providerBefore = chain.gnt(ConcentFixtures.PROVIDER.address());
      ConcentFixtures f =
          new ConcentFixtures(chain.deployment().chainId(), chain.deployment().deposit());

      // Started first, so that its start-up does not eat into the window below.
      URI uri = concent.start();
      // Subtasks whose acceptance window opened half a second ago and lasts FAT.
      CaseWindows windows = new CaseWindows(Windows.golem().scaledBy(SCALE));
      long span = Duration.ofMinutes(10).toMillis();
      long now = System.currentTimeMillis();
      long svt = windows.forceAcceptanceOpensAfter(0, span, ConcentFixtures.SIZE) - span;
      long deadline = now - svt - 500;
      long assigned = deadline - span;
      long closes = windows.forceAcceptanceClosesAt(assigned, deadline, ConcentFixtures.SIZE);
      assertThat(windows.forceAcceptanceOpensAfter(assigned, deadline, ConcentFixtures.SIZE))
          .isLessThan(now);
      List<Subtask> subtasks = new ArrayList<>();
      for (int n = 1; n <= N; n++) {
        subtasks.add(f.subtask(0x70 + n, PRICE, assigned, deadline));
      }

      try (ConcentClient provider = client(uri, chain, ConcentFixtures.PROVIDER)) {
        for (Subtask s : subtasks) {
          ForceSubtaskResults force =
              new ForceSubtaskResults(s.ttcFrame(), s.rctFrame(), f.ack(s, assigned + 120_000));
          assertThat(
                  provider.send(
                      provider.codec().seal(force, ConcentFixtures.PROVIDER, Clock.systemUTC())))
              .as("queued")
              .isEmpty();
        }
      }
      assertThat(System.currentTimeMillis()).as("the cases opened inside FAT").isLessThan(closes);

      // kill -9 with the cases open, inside FAT; nothing is settled yet.
      concent.kill();
      for (Subtask s : subtasks) {
        assertThat(isSettled(deposits, s)).isFalse();
      }
      concent.start();

      // The silent requestor's window closes; kill -9 the moment a settlement is on chain.
      Await.until(
          "a first settlement on chain",
          Duration.ofSeconds(120),
          () -> subtasks.stream().anyMatch(s -> isSettled(deposits, s)) ? Boolean.TRUE : null,
          concent::logText);
      concent.kill();
      uri = concent.start();

      Set<String> delivered = new LinkedHashSet<>();
      List<SettlementMade> made = new ArrayList<>();
      try (ConcentClient provider = client(uri, chain, ConcentFixtures.PROVIDER)) {
        Await.until(
            "a SettlementMade for each subtask",
            Duration.ofSeconds(120),
            () -> {
              try {
                Received r = provider.receive(List.of());
                if (!r.isEmpty()) {
                  provider.ack(r.allIds());
                }
                for (Envelope e : r.envelopes()) {
                  if (e.type() == MessageType.SETTLEMENT_MADE) {
                    SettlementMade m = e.payload(SettlementMade.class);
                    made.add(m);
                    m.subtaskIds().forEach(id -> delivered.add(HexFormat.of().formatHex(id)));
                  }
                }
              } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
              }
              return delivered.size() >= N ? Boolean.TRUE : null;
            },
            () -> "delivered " + delivered + "\n" + concent.logText());
      }

      assertThat(delivered)
          .containsExactlyInAnyOrderElementsOf(
              subtasks.stream().map(s -> HexFormat.of().formatHex(s.subtaskId())).toList());
      for (SettlementMade m : made) {
        assertThat(chain.chain().receipt(m.transactionHash()))
            .hasValueSatisfying(r -> assertThat(r.success()).isTrue());
      }
      for (Subtask s : subtasks) {
        assertThat(isSettled(deposits, s)).as("settled on chain").isTrue();
      }
      BigInteger total = PRICE.multiply(BigInteger.valueOf(N));
      assertThat(chain.gnt(ConcentFixtures.PROVIDER.address()))
          .as("the provider is paid exactly once per subtask")
          .isEqualTo(providerBefore.add(total));
      assertThat(deposits.balanceOf(ConcentFixtures.REQUESTOR.address()))
          .isEqualTo(DEPOSIT.subtract(total));
      // No second reimbursement: every transfer out of the deposit to the provider is one of the
      // settlements delivered, and together they are exactly the total.
      List<GntToken.IncomingTransfer> reimbursements =
          chain.transfersTo(ConcentFixtures.PROVIDER.address()).stream()
              .filter(t -> t.from().equals(chain.deployment().deposit()))
              .toList();
      assertThat(reimbursements)
          .extracting(GntToken.IncomingTransfer::transactionHash)
          .allSatisfy(h ->
              assertThat(made)
                  .extracting(SettlementMade::transactionHash)
                  .anySatisfy(m -> assertThat(m).isEqualToIgnoringCase(h)));
      assertThat(
              reimbursements.stream()
                  .map(GntToken.IncomingTransfer::value)
                  .reduce(BigInteger.ZERO, BigInteger::add))
          .isEqualTo(total);
    }
  }

  private static boolean isSettled(ConcentDeposits deposits, Subtask s) {
    return deposits.isSettled(
        ConcentFixtures.REQUESTOR.address(), s.subtaskId(), Purpose.SUBTASK_PAYMENT);
  }

  private static ConcentClient client(URI uri, TestChain chain, NodeKey key) {
    return new ConcentClient(
        ConcentClient.Config.of(
            uri,
            NodeKey.of(AnvilDeployment.CONCENT.getEcKeyPair()).address(),
            chain.deployment().chainId()),
        key,
        Clock.systemUTC());
  }
}

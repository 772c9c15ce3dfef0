package org.jgolem.it.concent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jgolem.chain.contracts.ConcentDeposits;
import org.jgolem.chain.contracts.GntToken;
import org.jgolem.chain.testing.AnvilDeployment;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.ConcentFixtures.Subtask;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.concent.client.Received;
import org.jgolem.concent.service.Settlement;
import org.jgolem.concent.time.CaseWindows;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.it.harness.ConcentProcess;
import org.jgolem.it.harness.ConcentWorld;
import org.jgolem.it.harness.RpcGate;
import org.jgolem.it.harness.TestChain;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.testkit.Await;
import org.jgolem.testkit.Postgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.response.EthBlock;

/**
 * Concent as a real process, killed with SIGKILL at each dangerous point of a case and of its
 * settlement, and restarted on the same database (a SQLite file, or a real PostgreSQL server). A
 * provider forces acceptance of four subtasks, in three groups; the requestor stays silent. Its
 * chain is reached through an {@link RpcGate}, which holds Concent's settlement transaction at the
 * exact point where the test kills it:
 *
 * <ol>
 *   <li>group A's two cases are open, inside FAT, nothing settled;
 *   <li>A's batch transaction is signed and stored, not broadcast: the gate holds Concent's {@code
 *       eth_sendRawTransaction} before the chain sees it (the store holds it SIGNED, the chain has
 *       nothing);
 *   <li>group B's transaction is broadcast and mined, but Concent has not heard so (the gate holds
 *       the chain's answer; the store still holds it SIGNED);
 *   <li>group C's transaction is broadcast into the pool of a chain that does not mine until the
 *       test says so, and Concent dies before it is mined.
 * </ol>
 *
 * After each restart Concent sends the very bytes it stored again (never a second transaction for
 * the same note). In the end each subtask is settled exactly once: the provider has exactly 4 ×
 * price more, the deposit exactly 4 × price less, the contract records each subtask as settled,
 * Concent sent exactly three transactions, all mined and successful, each subtask in one of them,
 * and the provider receives a SettlementMade for every subtask (deliveries survive the restarts).
 * The process runs on the real clock with Golem's windows divided by {@value #SCALE}.
 */
@Timeout(300)
class ConcentRestartTest {
  static final long SCALE = 60;
  static final BigInteger PRICE = ConcentWorld.GNT.multiply(BigInteger.valueOf(2));
  static final BigInteger DEPOSIT = ConcentWorld.GNT.multiply(BigInteger.valueOf(20));
  static final Duration WAIT = Duration.ofSeconds(120);

  @Test
  void killedMidCaseAndMidSettlementItSettlesEachSubtaskExactlyOnce(@TempDir Path dir)
      throws Exception {
    story(dir, null);
  }

  /** The same story with Concent's store on a real PostgreSQL server (a fresh database). */
  @Test
  void theSameStoryOnPostgresql(@TempDir Path dir) throws Exception {
    story(dir, Postgres.shared().createDatabase("concent_restart"));
  }

  private static void story(Path dir, String db) throws Exception {
    try (TestChain chain = TestChain.start(dir.resolve("deployment.json"));
        RpcGate gate = RpcGate.in(chain.deployment().rpcUrl());
        ConcentProcess concent =
            new ConcentProcess(dir, chain.deploymentFile(), SCALE, db, gate.url())) {
      for (NodeKey k : List.of(ConcentFixtures.REQUESTOR, ConcentFixtures.PROVIDER)) {
        chain.fund(k.address(), ConcentWorld.GNT.multiply(BigInteger.valueOf(1000)), TestChain.ETH);
      }
      ConcentWorld.deposit(chain, ConcentFixtures.REQUESTOR, DEPOSIT);
      ConcentDeposits deposits = ConcentWorld.deposits(chain, ConcentFixtures.PROVIDER);
      BigInteger providerBefore = chain.gnt(ConcentFixtures.PROVIDER.address());
      Address concentAccount = NodeKey.of(AnvilDeployment.CONCENT.getEcKeyPair()).address();
      long firstBlock = chain.chain().blockNumber() + 1;
      long nonceBefore = chain.chain().pendingTransactionCount(concentAccount);
      Cases cases =
          new Cases(
              chain,
              new ConcentFixtures(chain.deployment().chainId(), chain.deployment().deposit()));

      // Started first, so that its start-up does not eat into the windows below.
      URI uri = concent.start();

      // 1. Group A's cases open, inside FAT; kill -9 before they fall due.
      long closesA = System.currentTimeMillis() + 6_000;
      List<Subtask> groupA = cases.open(uri, 0x71, 2, closesA);
      concent.kill();
      assertThat(System.currentTimeMillis()).as("killed inside FAT").isLessThan(closesA);
      for (Subtask s : groupA) {
        assertThat(isSettled(deposits, s)).isFalse();
      }

      // 2. A's batch is signed and stored; kill -9 before the chain sees it.
      CompletableFuture<RpcGate.Held> beforeTheChain = gate.hold(RpcGate.Hold.BEFORE_THE_CHAIN);
      concent.start();
      RpcGate.Held stored =
          killWhenHeld(beforeTheChain, "A's transaction at the gate", concent, gate);
      assertThat(chain.chain().receipt(stored.hash())).as("not on chain").isEmpty();
      assertThat(chain.chain().pendingTransactionCount(concentAccount))
          .as("nothing in the pool either")
          .isEqualTo(nonceBefore);
      assertThat(concent.settlements(Settlement.Status.SIGNED))
          .as("stored before the broadcast, both of A's cases in one transaction")
          .extracting(ConcentRestartTest::hash)
          .containsExactly(stored.hash(), stored.hash());

      // 3. Restarted, Concent sends those very bytes. Then B's transaction is broadcast and
      // mined; kill -9 before Concent hears the chain's answer.
      CompletableFuture<RpcGate.Held> afterTheChain = gate.hold(RpcGate.Hold.AFTER_THE_CHAIN);
      uri = concent.start();
      awaitReceipt(chain, stored.hash(), concent);
      assertThat(gate.sends(stored.hash())).as("the same bytes, sent again").isGreaterThan(1);
      List<Subtask> groupB = cases.open(uri, 0x73, 1, System.currentTimeMillis() + 4_000);
      RpcGate.Held mined =
          killWhenHeld(afterTheChain, "B's transaction through the gate", concent, gate);
      assertThat(chain.chain().receipt(mined.hash()))
          .as("mined")
          .hasValueSatisfying(r -> assertThat(r.success()).isTrue());
      assertThat(concent.settlements(Settlement.Status.SIGNED))
          .as("Concent had not recorded the receipt")
          .extracting(ConcentRestartTest::hash)
          .contains(mined.hash());

      // 4. C's transaction is taken into the pool of a chain that does not mine by itself; kill
      // -9 before it is mined.
      gate.rpc("evm_setAutomine", List.of(false));
      CompletableFuture<RpcGate.Held> inThePool = gate.hold(RpcGate.Hold.AFTER_THE_CHAIN);
      uri = concent.start();
      List<Subtask> groupC = cases.open(uri, 0x74, 1, System.currentTimeMillis() + 4_000);
      RpcGate.Held pooled =
          killWhenHeld(inThePool, "C's transaction through the gate", concent, gate);
      assertThat(chain.chain().receipt(pooled.hash())).as("not mined").isEmpty();
      assertThat(chain.chain().pendingTransactionCount(concentAccount))
          .as("in the pool: A, B and C")
          .isEqualTo(nonceBefore + 3);
      assertThat(concent.settlements(Settlement.Status.SIGNED))
          .extracting(ConcentRestartTest::hash)
          .contains(pooled.hash());
      uri = concent.start();
      Await.until(
          "C's bytes sent again",
          WAIT,
          () -> gate.sends(pooled.hash()) > 1 ? Boolean.TRUE : null,
          concent::logText);
      gate.rpc("evm_mine", List.of());
      gate.rpc("evm_setAutomine", List.of(true));

      // 5. Every subtask delivered as settled, in the transactions seen at the gate.
      List<Subtask> all = new ArrayList<>(groupA);
      all.addAll(groupB);
      all.addAll(groupC);
      Map<String, Set<String>> paidIn = settlementsDelivered(uri, chain, all.size(), concent);
      assertThat(paidIn.keySet())
          .containsExactlyInAnyOrderElementsOf(all.stream().map(ConcentRestartTest::id).toList());
      assertThat(paidIn)
          .as("each subtask paid in exactly one transaction")
          .allSatisfy((id, hashes) -> assertThat(hashes).hasSize(1));
      for (Subtask s : groupA) {
        assertThat(paidIn.get(id(s))).containsExactly(stored.hash());
      }
      assertThat(paidIn.get(id(groupB.get(0)))).containsExactly(mined.hash());
      assertThat(paidIn.get(id(groupC.get(0)))).containsExactly(pooled.hash());
      for (Subtask s : all) {
        assertThat(isSettled(deposits, s)).as("settled on chain").isTrue();
      }

      // Concent's own transactions: exactly these three, each mined once and successful.
      List<String> sent = transactionsFrom(chain, concentAccount, firstBlock);
      assertThat(sent).containsExactlyInAnyOrder(stored.hash(), mined.hash(), pooled.hash());
      for (String h : sent) {
        assertThat(chain.chain().receipt(h))
            .as("%s succeeded", h)
            .hasValueSatisfying(r -> assertThat(r.success()).isTrue());
      }
      assertThat(chain.chain().pendingTransactionCount(concentAccount)).isEqualTo(nonceBefore + 3);

      BigInteger total = PRICE.multiply(BigInteger.valueOf(all.size()));
      assertThat(chain.gnt(ConcentFixtures.PROVIDER.address()))
          .as("the provider is paid exactly once per subtask")
          .isEqualTo(providerBefore.add(total));
      assertThat(deposits.balanceOf(ConcentFixtures.REQUESTOR.address()))
          .as("the deposit spent")
          .isEqualTo(DEPOSIT.subtract(total));
      List<GntToken.IncomingTransfer> reimbursements =
          chain.transfersTo(ConcentFixtures.PROVIDER.address()).stream()
              .filter(t -> t.from().equals(chain.deployment().deposit()))
              .toList();
      assertThat(reimbursements)
          .extracting(t -> t.transactionHash().toLowerCase(Locale.ROOT))
          .allSatisfy(h -> assertThat(sent).contains(h));
      assertThat(
              reimbursements.stream()
                  .map(GntToken.IncomingTransfer::value)
                  .reduce(BigInteger.ZERO, BigInteger::add))
          .isEqualTo(total);
    }
  }

  /** Opens forced-acceptance cases for the silent requestor, through Concent's API. */
  private record Cases(TestChain chain, ConcentFixtures f) {
    /**
     * Opens {@code count} cases (subtasks {@code first}, {@code first + 1}, …) whose window closes
     * at {@code closes}, now inside it.
     */
    List<Subtask> open(URI uri, int first, int count, long closes) throws IOException {
      CaseWindows windows = new CaseWindows(Windows.golem().scaledBy(SCALE));
      long span = Duration.ofMinutes(10).toMillis();
      long svt = windows.forceAcceptanceOpensAfter(0, span, ConcentFixtures.SIZE) - span;
      long fat = Windows.golem().scaledBy(SCALE).fat().toMillis();
      long deadline = closes - fat - svt;
      long assigned = deadline - span;
      assertThat(windows.forceAcceptanceClosesAt(assigned, deadline, ConcentFixtures.SIZE))
          .isEqualTo(closes);
      assertThat(windows.forceAcceptanceOpensAfter(assigned, deadline, ConcentFixtures.SIZE))
          .isLessThan(System.currentTimeMillis());
      List<Subtask> subtasks = new ArrayList<>();
      try (ConcentClient provider = client(uri, chain, ConcentFixtures.PROVIDER)) {
        for (int n = first; n < first + count; n++) {
          Subtask s = f.subtask(n, PRICE, assigned, deadline);
          ForceSubtaskResults force =
              new ForceSubtaskResults(s.ttcFrame(), s.rctFrame(), f.ack(s, assigned + 120_000));
          assertThat(
                  provider.send(
                      provider.codec().seal(force, ConcentFixtures.PROVIDER, Clock.systemUTC())))
              .as("queued")
              .isEmpty();
          subtasks.add(s);
        }
      }
      assertThat(System.currentTimeMillis()).as("the cases opened inside FAT").isLessThan(closes);
      return subtasks;
    }
  }

  /**
   * Waits until the gate holds Concent's transaction, then kills Concent there (kill -9) and lets
   * the gate drop the held request; the transaction held.
   */
  private static RpcGate.Held killWhenHeld(
      CompletableFuture<RpcGate.Held> future, String what, ConcentProcess concent, RpcGate gate)
      throws Exception {
    RpcGate.Held held;
    try {
      held = future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no " + what + " within " + WAIT + "\n" + concent.logText(), e);
    }
    concent.kill();
    gate.release();
    return held;
  }

  private static void awaitReceipt(TestChain chain, String hash, ConcentProcess concent) {
    Await.until(
        hash + " mined",
        WAIT,
        () -> chain.chain().receipt(hash).isPresent() ? Boolean.TRUE : null,
        concent::logText);
  }

  /**
   * Collects (and acknowledges) the provider's SettlementMade messages until {@code count} subtasks
   * are named; each subtask's transactions.
   */
  private static Map<String, Set<String>> settlementsDelivered(
      URI uri, TestChain chain, int count, ConcentProcess concent) {
    Map<String, Set<String>> paidIn = new HashMap<>();
    try (ConcentClient provider = client(uri, chain, ConcentFixtures.PROVIDER)) {
      Await.until(
          "a SettlementMade for each subtask",
          WAIT,
          () -> {
            try {
              Received r = provider.receive(List.of());
              if (!r.isEmpty()) {
                provider.ack(r.allIds());
              }
              for (Envelope e : r.envelopes()) {
                if (e.type() == MessageType.SETTLEMENT_MADE) {
                  SettlementMade m = e.payload(SettlementMade.class);
                  for (byte[] id : m.subtaskIds()) {
                    paidIn
                        .computeIfAbsent(HexFormat.of().formatHex(id), k -> new LinkedHashSet<>())
                        .add(m.transactionHash().toLowerCase(Locale.ROOT));
                  }
                }
              }
            } catch (IOException e) {
              throw new IllegalStateException(e);
            }
            return paidIn.size() >= count ? Boolean.TRUE : null;
          },
          () -> "delivered " + paidIn + "\n" + concent.logText());
    }
    return paidIn;
  }

  /** The hashes of the transactions {@code from} sent, mined from {@code firstBlock} on. */
  private static List<String> transactionsFrom(TestChain chain, Address from, long firstBlock)
      throws IOException {
    List<String> out = new ArrayList<>();
    long last = chain.chain().blockNumber();
    for (long n = firstBlock; n <= last; n++) {
      EthBlock.Block block =
          chain
              .chain()
              .web3j()
              .ethGetBlockByNumber(DefaultBlockParameter.valueOf(BigInteger.valueOf(n)), true)
              .send()
              .getBlock();
      for (EthBlock.TransactionResult<?> r : block.getTransactions()) {
        EthBlock.TransactionObject t = (EthBlock.TransactionObject) r.get();
        if (Address.of(t.getFrom()).equals(from)) {
          out.add(t.getHash().toLowerCase(Locale.ROOT));
        }
      }
    }
    return out;
  }

  private static String hash(Settlement s) {
    return s.transactionHash().toLowerCase(Locale.ROOT);
  }

  private static String id(Subtask s) {
    return HexFormat.of().formatHex(s.subtaskId());
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

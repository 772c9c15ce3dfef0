package org.jgolem.it.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.StreamSupport;
import org.jgolem.chain.contracts.GntToken;
import org.jgolem.eth.Address;
import org.jgolem.testkit.Await;

/**
 * Checks a finished task's payments three ways against each other: the requestor's accepted assignments (its
 * database), its payment ledger ({@code GET /v1/payments}), and the chain (GNT balances and {@code Transfer}
 * logs), plus each provider's own incomes ({@code GET /v1/incomes}).
 */
public final class PaymentCheck {
  private PaymentCheck() {}

  /** One ledger line. */
  public record Payment(String subtaskId, Address payee, BigInteger amount, String status, String txHash) {}

  public static List<Payment> ledger(NodeProcess requestor, String taskId) {
    List<Payment> out = new ArrayList<>();
    for (JsonNode p : requestor.api().payments()) {
      if (!p.get("taskId").asText().equals(taskId)) continue;
      out.add(new Payment(p.get("subtaskId").asText(), Address.of(p.get("payee").asText()),
          new BigInteger(p.get("amount").asText()), p.get("status").asText(), p.get("txHash").asText()));
    }
    return out;
  }

  /** Waits until every accepted assignment of the task has a payment and every payment is PAID; returns the ledger. */
  public static List<Payment> awaitAllPaid(NodeProcess requestor, String taskId, Duration timeout) {
    NodeDb db = new NodeDb(requestor);
    return Await.until("every accepted subtask of " + taskId + " paid", timeout, () -> {
      long accepted = db.assignments(taskId).stream().filter(a -> a.state().equals("ACCEPTED")).count();
      List<Payment> l = ledger(requestor, taskId);
      return l.size() >= accepted && l.stream().allMatch(p -> p.status().equals("PAID")) ? l : null;
    }, () -> "ledger " + ledger(requestor, taskId) + "; assignments " + db.assignments(taskId));
  }

  /**
   * Every accepted assignment paid exactly once at its agreed price to its provider, nothing else paid; each
   * provider's balance rose by exactly what the ledger says it was paid, and the GNT {@code Transfer} logs from
   * the requestor to it add up to the same, one per (payee, batch transaction) of the ledger.
   *
   * @param before each provider's GNT balance before the task
   * @return what each provider was paid
   */
  public static Map<Address, BigInteger> assertPaidExactlyOnce(TestChain chain, NodeProcess requestor, String taskId,
      List<Payment> ledger, Map<Address, BigInteger> before) {
    List<NodeDb.Assignment> accepted = new NodeDb(requestor).assignments(taskId).stream()
        .filter(a -> a.state().equals("ACCEPTED")).toList();
    assertThat(accepted).as("accepted assignments").isNotEmpty();

    List<String> paidIds = ledger.stream().map(Payment::subtaskId).toList();
    assertThat(paidIds).as("no subtask is in the ledger twice").doesNotHaveDuplicates();
    assertThat(paidIds).as("the ledger pays exactly the accepted assignments")
        .containsExactlyInAnyOrderElementsOf(accepted.stream().map(NodeDb.Assignment::id).toList());
    Map<String, NodeDb.Assignment> byId = new HashMap<>();
    accepted.forEach(a -> byId.put(a.id(), a));
    for (Payment p : ledger) {
      NodeDb.Assignment a = byId.get(p.subtaskId());
      assertThat(p.payee()).as("payee of " + p.subtaskId()).isEqualTo(a.provider());
      assertThat(p.amount()).as("amount of " + p.subtaskId()).isEqualTo(new BigInteger(a.price())).isPositive();
      assertThat(p.status()).isEqualTo("PAID");
      assertThat(p.txHash()).startsWith("0x");
    }

    return assertLedgerMatchesChain(chain, requestor, ledger, before);
  }

  /**
   * The chain side alone: no subtask twice in the ledger, every payment PAID, and each provider's balance rise
   * and {@code Transfer} logs from the requestor equal to what the ledger says it was paid. The ledger must hold
   * everything the requestor paid these providers since {@code before} was read (one task at a time).
   */
  public static Map<Address, BigInteger> assertLedgerMatchesChain(TestChain chain, NodeProcess requestor,
      List<Payment> ledger, Map<Address, BigInteger> before) {
    assertThat(ledger.stream().map(Payment::subtaskId).toList()).as("no subtask is in the ledger twice")
        .doesNotHaveDuplicates();
    assertThat(ledger).as("every payment paid").allMatch(p -> p.status().equals("PAID") && p.txHash().startsWith("0x"));
    Map<Address, BigInteger> paid = new TreeMap<>();
    ledger.forEach(p -> paid.merge(p.payee(), p.amount(), BigInteger::add));
    assertThat(paid.keySet()).as("payees").isSubsetOf(before.keySet());
    for (Address provider : before.keySet()) {
      BigInteger expected = paid.getOrDefault(provider, BigInteger.ZERO);
      assertThat(chain.gnt(provider).subtract(before.get(provider))).as("GNT balance rise of " + provider)
          .isEqualTo(expected);
      List<GntToken.IncomingTransfer> in = chain.transfersTo(provider).stream()
          .filter(t -> t.from().equals(requestor.id())).toList();
      assertThat(in.stream().map(GntToken.IncomingTransfer::value).reduce(BigInteger.ZERO, BigInteger::add))
          .as("Transfer logs from the requestor to " + provider).isEqualTo(expected);
      Set<String> txs = new HashSet<>();
      ledger.stream().filter(p -> p.payee().equals(provider)).forEach(p -> txs.add(p.txHash()));
      assertThat(in.stream().map(GntToken.IncomingTransfer::transactionHash).toList())
          .as("one Transfer to " + provider + " per batch transaction of the ledger")
          .containsExactlyInAnyOrderElementsOf(txs);
    }
    return paid;
  }

  /** Waits until the provider's incomes from this task's subtasks are all RECEIVED and checks them against the ledger. */
  public static void assertIncomesReceived(NodeProcess provider, List<Payment> ledger, Duration timeout) {
    List<Payment> mine = ledger.stream().filter(p -> p.payee().equals(provider.id())).toList();
    Await.condition(provider.name() + "'s incomes received", timeout, () -> {
      JsonNode incomes = provider.api().incomes();
      for (Payment p : mine) {
        JsonNode i = StreamSupport.stream(incomes.spliterator(), false)
            .filter(x -> x.get("subtaskId").asText().equals(p.subtaskId())).findFirst().orElse(null);
        if (i == null || !i.get("status").asText().equals("RECEIVED")) return false;
        if (!new BigInteger(i.get("amount").asText()).equals(p.amount())) {
          throw new AssertionError("income " + i + " differs from the ledger's " + p);
        }
      }
      return true;
    }, () -> provider.api().incomes().toString());
  }
}

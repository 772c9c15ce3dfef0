package org.jgolem.concent.audit;

import static org.jgolem.concent.audit.Auditor.hex;
import static org.jgolem.concent.audit.Auditor.require;

import java.util.List;
import java.util.function.Consumer;
import org.jgolem.concent.audit.AuditChain.MinedTx;
import org.jgolem.concent.audit.AuditChain.Paid;
import org.jgolem.concent.audit.Auditor.Check;
import org.jgolem.concent.audit.Auditor.Owed;
import org.jgolem.concent.record.Bundle;
import org.jgolem.protocol.notes.SignedNote;

/**
 * The on-chain part of an audit ({@code --rpc}): the settlement's transaction exists, is mined and
 * successful, its deposit contract's events pay exactly the settlement's amount to its payee from
 * its payer for its subtasks, and each subtask is settled once on chain (the contract's record, and
 * a single reimbursement event for it since the contract was deployed).
 */
final class ChainChecks {
  private final Bundle b;
  private final Owed settlement;
  private final String hash;
  private final AuditChain chain;
  private final Consumer<Check> out;

  ChainChecks(Bundle b, Owed settlement, String hash, AuditChain chain, Consumer<Check> out) {
    this.b = b;
    this.settlement = settlement;
    this.hash = hash;
    this.chain = chain;
    this.out = out;
  }

  void run() {
    long id = chain.chainId();
    if (id != b.facts().chainId()) {
      throw new Auditor.Unreadable(
          "the --rpc node serves chain " + id + ", the bundle is for chain " + b.facts().chainId(),
          null);
    }
    if (settlement == null) {
      pass("settlement-tx", "the verdict pays nothing on chain: no settlement to check");
      return;
    }
    if (hash == null) {
      pass("settlement-tx", "the settlement is owed but not mined yet: nothing on chain to check");
      return;
    }
    MinedTx tx =
        chain
            .transaction(hash)
            .orElseThrow(() ->
                new Inconsistency(
                    "settlement-tx", "no transaction " + hash + " is mined on chain " + id));
    require(tx.success(), "settlement-tx", "transaction " + hash + " reverted");
    long confirmations = chain.head() - tx.blockNumber() + 1;
    require(
        confirmations >= 1,
        "settlement-tx",
        "transaction " + hash + " is in block " + tx.blockNumber() + ", beyond the chain's head");
    pass(
        "settlement-tx",
        hash
            + " mined in block "
            + tx.blockNumber()
            + " ("
            + confirmations
            + " confirmations), successful");
    List<byte[]> subtasks = settlement.notes().stream().map(n -> n.note().subtaskId()).toList();
    boolean payment = settlement.useCase().equals("FORCED_PAYMENT");
    String event = payment ? "ReimburseForNoPayment" : "ReimburseForSubtask";
    List<Paid> matching =
        tx.events().stream()
            .filter(p -> p.event().equals(event))
            .filter(p -> p.requestor().equals(settlement.payer()))
            .filter(p -> p.provider().equals(settlement.payee()))
            .filter(p -> Auditor.sameIds(p.subtaskIds(), subtasks))
            .toList();
    require(
        matching.size() == 1,
        "settlement-payment",
        "transaction "
            + hash
            + " holds "
            + matching.size()
            + " "
            + event
            + " events paying "
            + settlement.payee()
            + " from "
            + settlement.payer()
            + " for subtask(s) "
            + subtasks.stream().map(Auditor::hex).toList()
            + " (it emitted "
            + tx.events().size()
            + " reimbursement events)");
    Paid paid = matching.get(0);
    require(
        paid.amount().equals(settlement.amount()),
        "settlement-payment",
        event
            + " in "
            + hash
            + " pays "
            + paid.amount()
            + ", the verdict names "
            + settlement.amount());
    if (payment) {
      require(
          paid.closureTime() == settlement.closureTime(),
          "settlement-payment",
          event
              + " closes at "
              + paid.closureTime()
              + ", the settlement at "
              + settlement.closureTime());
    }
    pass(
        "settlement-payment",
        event
            + " pays exactly "
            + paid.amount()
            + " to "
            + paid.provider()
            + " from the deposit of "
            + paid.requestor());
    for (SignedNote n : settlement.notes()) {
      byte[] sid = n.note().subtaskId();
      require(
          chain.isSettled(settlement.payer(), sid),
          "settled-once",
          "GNTDeposit does not record subtask "
              + hex(sid)
              + " of "
              + settlement.payer()
              + " as settled");
      List<Paid> all = chain.paymentsOf(settlement.payer(), sid, b.facts().depositDeployedAt());
      require(
          all.size() == 1 && all.get(0).transactionHash().equalsIgnoreCase(hash),
          "settled-once",
          "subtask "
              + hex(sid)
              + " is paid by "
              + all.size()
              + " reimbursement events since block "
              + b.facts().depositDeployedAt()
              + " "
              + all.stream().map(Paid::transactionHash).toList());
    }
    pass(
        "settled-once",
        subtasks.size() + " subtask(s) settled in GNTDeposit's record, each by this one event");
  }

  private void pass(String name, String detail) {
    out.accept(new Check(name, detail));
  }
}

package org.jgolem.chain.contracts;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jgolem.chain.Chain;
import org.jgolem.chain.SignedTransaction;
import org.jgolem.chain.TxFees;
import org.jgolem.contracts.generated.GNTDeposit;
import org.jgolem.eth.Address;
import org.jgolem.eth.TxResult;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.protocol.notes.SignedNote;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/** {@link ConcentDeposits} over the generated wrapper. */
public final class ConcentDepositsGateway extends ContractGateway implements ConcentDeposits {
  private final GNTDeposit deposit;

  public ConcentDepositsGateway(Chain chain, Address address, Credentials credentials) {
    super(chain, chain.signer(credentials), address);
    this.deposit = GNTDeposit.load(address.hex(), chain.web3j(), signer, IGNORED_GAS);
  }

  @Override
  public BigInteger balanceOf(Address account) {
    return view("GNTDeposit.balanceOf", deposit.balanceOf(account.hex()));
  }

  @Override
  public BigInteger totalDeposits() {
    return view("GNTDeposit.totalDeposits", deposit.totalDeposits());
  }

  @Override
  public boolean isLocked(Address account) {
    return view("GNTDeposit.isLocked", deposit.isLocked(account.hex()));
  }

  @Override
  public boolean isTimeLocked(Address account) {
    return view("GNTDeposit.isTimeLocked", deposit.isTimeLocked(account.hex()));
  }

  @Override
  public boolean isUnlocked(Address account) {
    return view("GNTDeposit.isUnlocked", deposit.isUnlocked(account.hex()));
  }

  @Override
  public long timelock(Address account) {
    return view("GNTDeposit.getTimelock", deposit.getTimelock(account.hex())).longValueExact();
  }

  @Override
  public boolean isDepositPossible(Address account, BigInteger amount) {
    return view("GNTDeposit.isDepositPossible", deposit.isDepositPossible(account.hex(), amount));
  }

  @Override
  public boolean isSettled(Address payer, byte[] subtaskId, Purpose purpose) {
    return view(
        "GNTDeposit.isSettled",
        deposit.isSettled(payer.hex(), subtaskId, BigInteger.valueOf(purpose.ordinal())));
  }

  @Override
  public Limits limits() {
    return new Limits(
        view("GNTDeposit.maximumDepositAmount", deposit.maximumDepositAmount()),
        view("GNTDeposit.maximumDepositsTotal", deposit.maximumDepositsTotal()),
        view("GNTDeposit.dailyReimbursementLimit", deposit.dailyReimbursementLimit()));
  }

  @Override
  public Roles roles() {
    return new Roles(
        Address.of(view("GNTDeposit.owner", deposit.owner())),
        Address.of(view("GNTDeposit.concent", deposit.concent())),
        Address.of(view("GNTDeposit.coldwallet", deposit.coldwallet())));
  }

  @Override
  public long withdrawalDelaySeconds() {
    return view("GNTDeposit.withdrawalDelay", deposit.withdrawalDelay()).longValueExact();
  }

  /** The contract's own EIP-712 digest of a note, to check client-side hashing against. */
  public byte[] noteDigest(PromissoryNote n) {
    return view(
        "GNTDeposit.noteDigest",
        deposit.noteDigest(
            n.payer().hex(),
            n.payee().hex(),
            n.amount(),
            n.subtaskId(),
            BigInteger.valueOf(n.purpose().ordinal())));
  }

  public byte[] domainSeparator() {
    return view("GNTDeposit.domainSeparator", deposit.domainSeparator());
  }

  @Override
  public TxResult deposit(BigInteger amount) {
    return tx("GNTDeposit.deposit", deposit.deposit(amount));
  }

  @Override
  public TxResult unlock() {
    return tx("GNTDeposit.unlock", deposit.unlock());
  }

  @Override
  public TxResult lock() {
    return tx("GNTDeposit.lock", deposit.lock());
  }

  @Override
  public TxResult withdraw(Address to) {
    return tx("GNTDeposit.withdraw", deposit.withdraw(to.hex()));
  }

  @Override
  public TxResult reimburseForSubtask(SignedNote s, BigInteger reimburseAmount) {
    return tx("GNTDeposit.reimburseForSubtask", subtaskCall(s, reimburseAmount));
  }

  @Override
  public TxResult reimburseForSubtasks(List<Reimbursement> items) {
    return tx("GNTDeposit.reimburseForSubtasks", subtasksCall(items));
  }

  @Override
  public TxResult reimburseForNoPayment(
      List<SignedNote> notes, BigInteger reimburseAmount, long closureTime) {
    return tx(
        "GNTDeposit.reimburseForNoPayment", noPaymentCall(notes, reimburseAmount, closureTime));
  }

  @Override
  public GntToken.GasQuote quoteReimburseForSubtask(SignedNote note, BigInteger reimburseAmount) {
    return quote(subtaskCall(note, reimburseAmount));
  }

  @Override
  public GntToken.GasQuote quoteReimburseForSubtasks(List<Reimbursement> items) {
    return quote(subtasksCall(items));
  }

  @Override
  public GntToken.GasQuote quoteReimburseForNoPayment(
      List<SignedNote> notes, BigInteger reimburseAmount, long closureTime) {
    return quote(noPaymentCall(notes, reimburseAmount, closureTime));
  }

  @Override
  public SignedTransaction signReimburseForSubtask(
      SignedNote note, BigInteger reimburseAmount, long nonce, BigInteger gasLimit, TxFees fees) {
    return sign(subtaskCall(note, reimburseAmount), nonce, gasLimit, fees);
  }

  @Override
  public SignedTransaction signReimburseForSubtasks(
      List<Reimbursement> items, long nonce, BigInteger gasLimit, TxFees fees) {
    return sign(subtasksCall(items), nonce, gasLimit, fees);
  }

  @Override
  public SignedTransaction signReimburseForNoPayment(
      List<SignedNote> notes,
      BigInteger reimburseAmount,
      long closureTime,
      long nonce,
      BigInteger gasLimit,
      TxFees fees) {
    return sign(noPaymentCall(notes, reimburseAmount, closureTime), nonce, gasLimit, fees);
  }

  private RemoteFunctionCall<TransactionReceipt> subtaskCall(
      SignedNote s, BigInteger reimburseAmount) {
    PromissoryNote n = s.note();
    requirePurpose(n, Purpose.SUBTASK_PAYMENT);
    return deposit.reimburseForSubtask(
        n.payer().hex(),
        n.payee().hex(),
        n.amount(),
        n.subtaskId(),
        BigInteger.valueOf(s.v()),
        s.r(),
        s.s(),
        reimburseAmount);
  }

  private RemoteFunctionCall<TransactionReceipt> subtasksCall(List<Reimbursement> items) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("a batch of reimbursements needs at least one item");
    }
    if (items.size() > MAX_SUBTASKS_PER_CALL) {
      throw new IllegalArgumentException(
          items.size()
              + " reimbursements in one batch; the contract takes at most "
              + MAX_SUBTASKS_PER_CALL);
    }
    Map<String, Integer> seen = new HashMap<>();
    List<GNTDeposit.SubtaskReimbursement> encoded = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      SignedNote s = items.get(i).note();
      PromissoryNote n = s.note();
      requirePurpose(n, Purpose.SUBTASK_PAYMENT);
      Integer earlier = seen.putIfAbsent(n.payer() + HexFormat.of().formatHex(n.subtaskId()), i);
      if (earlier != null) {
        throw new IllegalArgumentException(
            "items " + earlier + " and " + i + " settle the same subtask of one requestor: " + n);
      }
      encoded.add(
          new GNTDeposit.SubtaskReimbursement(
              n.payer().hex(),
              n.payee().hex(),
              n.amount(),
              n.subtaskId(),
              BigInteger.valueOf(s.v()),
              s.r(),
              s.s(),
              items.get(i).reimburseAmount()));
    }
    return deposit.reimburseForSubtasks(encoded);
  }

  private RemoteFunctionCall<TransactionReceipt> noPaymentCall(
      List<SignedNote> notes, BigInteger reimburseAmount, long closureTime) {
    if (notes.isEmpty()) {
      throw new IllegalArgumentException("ForcePayment needs at least one note");
    }
    PromissoryNote first = notes.get(0).note();
    for (SignedNote s : notes) {
      PromissoryNote n = s.note();
      if (!n.payer().equals(first.payer()) || !n.payee().equals(first.payee())) {
        throw new IllegalArgumentException(
            "ForcePayment notes must share one payer and payee: "
                + n
                + " differs from "
                + first.payer()
                + " -> "
                + first.payee());
      }
      requirePurpose(n, Purpose.SUBTASK_PAYMENT);
    }
    return deposit.reimburseForNoPayment(
        first.payer().hex(),
        first.payee().hex(),
        notes.stream().map(s -> s.note().amount()).toList(),
        notes.stream().map(s -> s.note().subtaskId()).toList(),
        notes.stream().map(s -> BigInteger.valueOf(s.v())).toList(),
        notes.stream().map(SignedNote::r).toList(),
        notes.stream().map(SignedNote::s).toList(),
        reimburseAmount,
        BigInteger.valueOf(closureTime));
  }

  @Override
  public TxResult reimburseForVerificationCosts(SignedNote s, BigInteger reimburseAmount) {
    return tx(
        "GNTDeposit.reimburseForVerificationCosts", verificationCostsCall(s, reimburseAmount));
  }

  @Override
  public GntToken.GasQuote quoteReimburseForVerificationCosts(
      SignedNote note, BigInteger reimburseAmount) {
    return quote(verificationCostsCall(note, reimburseAmount));
  }

  @Override
  public SignedTransaction signReimburseForVerificationCosts(
      SignedNote note, BigInteger reimburseAmount, long nonce, BigInteger gasLimit, TxFees fees) {
    return sign(verificationCostsCall(note, reimburseAmount), nonce, gasLimit, fees);
  }

  private RemoteFunctionCall<TransactionReceipt> verificationCostsCall(
      SignedNote s, BigInteger reimburseAmount) {
    PromissoryNote n = requireFeeNote(s, Purpose.VERIFICATION_COST);
    return deposit.reimburseForVerificationCosts(
        n.payer().hex(),
        n.amount(),
        n.subtaskId(),
        BigInteger.valueOf(s.v()),
        s.r(),
        s.s(),
        reimburseAmount);
  }

  @Override
  public TxResult reimburseForCommunication(SignedNote s, BigInteger reimburseAmount) {
    PromissoryNote n = requireFeeNote(s, Purpose.COMMUNICATION);
    return tx(
        "GNTDeposit.reimburseForCommunication",
        deposit.reimburseForCommunication(
            n.payer().hex(),
            n.amount(),
            n.subtaskId(),
            BigInteger.valueOf(s.v()),
            s.r(),
            s.s(),
            reimburseAmount));
  }

  /**
   * Checks before sending what the contract would otherwise only answer with InvalidSignature: a
   * note's purpose is part of what was signed, and fee notes are payable to this contract.
   */
  private static void requirePurpose(PromissoryNote n, Purpose expected) {
    if (n.purpose() != expected) {
      throw new IllegalArgumentException(
          "note purpose is " + n.purpose() + ", this reimbursement needs " + expected + ": " + n);
    }
  }

  private PromissoryNote requireFeeNote(SignedNote s, Purpose purpose) {
    PromissoryNote n = s.note();
    requirePurpose(n, purpose);
    if (!n.payee().equals(address)) {
      throw new IllegalArgumentException(
          "a fee note's payee must be the deposit contract " + address + ": " + n);
    }
    return n;
  }

  @Override
  public TxResult transferConcent(Address newConcent) {
    return tx("GNTDeposit.transferConcent", deposit.transferConcent(newConcent.hex()));
  }

  @Override
  public TxResult transferColdwallet(Address newColdwallet) {
    return tx("GNTDeposit.transferColdwallet", deposit.transferColdwallet(newColdwallet.hex()));
  }

  @Override
  public TxResult transferOwnership(Address newOwner) {
    return tx("GNTDeposit.transferOwnership", deposit.transferOwnership(newOwner.hex()));
  }

  @Override
  public TxResult setMaximumDepositAmount(BigInteger value) {
    return tx("GNTDeposit.setMaximumDepositAmount", deposit.setMaximumDepositAmount(value));
  }

  @Override
  public TxResult setMaximumDepositsTotal(BigInteger value) {
    return tx("GNTDeposit.setMaximumDepositsTotal", deposit.setMaximumDepositsTotal(value));
  }

  @Override
  public TxResult setDailyReimbursementLimit(BigInteger value) {
    return tx("GNTDeposit.setDailyReimbursementLimit", deposit.setDailyReimbursementLimit(value));
  }
}

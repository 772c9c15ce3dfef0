package org.jgolem.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.jgolem.chain.contracts.AppRegistry;
import org.jgolem.chain.contracts.ConcentDeposits.Reimbursement;
import org.jgolem.chain.testing.AnvilTest;
import org.jgolem.eth.Address;
import org.jgolem.eth.PackedPayment;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.protocol.notes.SignedNote;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;

/**
 * Randomized, model-based invariant test on a real chain. A seeded generator drives 2,000
 * operations (transfers, allowances, batches, burns, deposits both ways, unlock/lock/withdraw,
 * Concent reimbursements of all four kinds including replays, batched subtask settlements
 * (reimburseForSubtasks) and ForcePayment, registry changes, time jumps) from 10 accounts and
 * Concent. A Java model predicts each outcome, success or the exact custom error, and every
 * balance. After every step it checks on chain:
 *
 * <ul>
 *   <li>the sum of all balances equals the total supply;
 *   <li>the deposit contract's GNT equals the sum of deposits and {@code totalDeposits};
 *   <li>no balance fell without its owner, an allowance or Concent;
 *   <li>every balance, allowance and deposit equals the model's.
 * </ul>
 *
 * At the end, from the chain's own event logs ({@link DepositEventLedger}), not the model: all
 * deposits ever made equal all withdrawals plus all reimbursements (four kinds) plus what is left
 * ({@code totalDeposits}, and the contract's GNT), in total and per account; the event sums also
 * equal the model's.
 *
 * <p>Run another seed with {@code -Dinvariant.seed=N}, more steps with {@code -Dinvariant.steps=N}.
 * A failure message starts with the seed and step.
 */
class InvariantTest extends AnvilTest {
  private static final int USERS = 10;
  private static final BigInteger START = gnt(100_000);

  private final long seed = Long.getLong("invariant.seed", 20261121L);
  private final int steps = Integer.getInteger("invariant.steps", 2000);
  private final SplittableRandom random = new SplittableRandom(seed);

  // ---- model
  private final List<Credentials> users = new ArrayList<>();
  private final Map<Address, BigInteger> balances = new LinkedHashMap<>();
  private final Map<List<Address>, BigInteger> allowances = new HashMap<>();
  private final Map<Address, BigInteger> deposited = new HashMap<>();
  private final Map<Address, Long> lockedUntil = new HashMap<>();
  private final Set<String> settled = new HashSet<>();
  private final List<SignedNote> usedNotes = new ArrayList<>();
  private final Map<String, Address> appVendor = new HashMap<>();
  private final Map<String, Set<String>> appVersions = new HashMap<>();
  private final Set<String> deprecated = new HashSet<>();
  private BigInteger supply;
  private BigInteger maxPerAccount;
  private BigInteger maxTotal;
  private NoteSigner notes;
  private Address depositContract;
  private Address coldwallet;
  private int step;
  private String lastOp = "";

  /** How often each outcome happened ("ok" or an error name), to show the run was not vacuous. */
  private final Map<String, Integer> outcomes = new java.util.TreeMap<>();

  /** Who may make which balance fall in the current step (besides no one). */
  private final Set<Address> mayFall = new HashSet<>();

  /** What the model moved through the deposit contract, to compare with the chain's events. */
  private BigInteger modelDeposited = BigInteger.ZERO;

  private BigInteger modelWithdrawn = BigInteger.ZERO;
  private final Map<String, BigInteger> modelReimbursed = new java.util.TreeMap<>();

  @Test
  void twoThousandRandomOperationsKeepEveryInvariant() {
    long firstBlock = chain.blockNumber() + 1;
    BigInteger depositsAtStart = deposits(DEPLOYER).totalDeposits();
    setUp();
    for (step = 1; step <= steps; step++) {
      Map<Address, BigInteger> before = new HashMap<>(balances);
      Map<Address, BigInteger> depositsBefore = new HashMap<>(deposited);
      mayFall.clear();
      randomOperation();
      checkInvariants(before, depositsBefore);
    }
    System.out.printf(
        "invariant test: seed %d, %d steps, all invariants held; outcomes %s%n",
        seed, steps, outcomes);
    assertThat(outcomes.getOrDefault("ok", 0)).as("successful operations").isGreaterThan(steps / 3);
    assertThat(outcomes.keySet())
        .as("seed " + seed + ": the run reached the main reverts")
        .contains(
            "InsufficientBalance",
            "InsufficientAllowance",
            "AllowanceChanged",
            "AlreadySettled",
            "StillLocked",
            "DepositTooLarge",
            "NotVendor",
            "VersionExists",
            "ReimbursementAboveNote",
            "ItemFailed:AlreadySettled",
            "ItemFailed:InsufficientDeposit",
            "ItemFailed:ReimbursementAboveNote");
    assertThat(outcomes.get("ok reimburseForSubtasks")).as("successful batches").isGreaterThan(20);
    assertThat(outcomes.get("ok reimburseForNoPayment")).as("successful ForcePayments").isNotNull();
    checkDepositAccountingFromEvents(firstBlock, depositsAtStart);
  }

  /**
   * Deposits in = withdrawals + reimbursements + what is left, summed from the chain's logs over
   * the whole run, in total and per account, and matched against the model's sums.
   */
  private void checkDepositAccountingFromEvents(long firstBlock, BigInteger depositsAtStart) {
    DepositEventLedger ledger =
        DepositEventLedger.read(chain, depositContract, firstBlock, chain.blockNumber());
    BigInteger left = deposits(DEPLOYER).totalDeposits();
    System.out.printf(
        "deposit accounting from %d events: deposited %s = withdrawn %s + reimbursed %s %s + left"
            + " %s - at start %s%n",
        ledger.events(),
        ledger.deposited(),
        ledger.withdrawn(),
        ledger.totalReimbursed(),
        ledger.reimbursed(),
        left,
        depositsAtStart);
    assertThat(ledger.deposited())
        .as("deposits = withdrawals + reimbursements + what is left (from the chain's events)")
        .isEqualTo(
            ledger.withdrawn().add(ledger.totalReimbursed()).add(left).subtract(depositsAtStart));
    assertThat(token(DEPLOYER).balanceOf(depositContract))
        .as("the contract's GNT is what is left")
        .isEqualTo(left);
    for (Credentials u : users) {
      assertThat(ledger.net().getOrDefault(addr(u), BigInteger.ZERO))
          .as("deposits - withdrawals - reimbursements of " + addr(u) + " from the events")
          .isEqualTo(deposits(DEPLOYER).balanceOf(addr(u)));
    }
    assertThat(ledger.deposited()).as("deposits: events vs model").isEqualTo(modelDeposited);
    assertThat(ledger.withdrawn()).as("withdrawals: events vs model").isEqualTo(modelWithdrawn);
    for (var kind : ledger.reimbursed().entrySet()) {
      assertThat(kind.getValue())
          .as(kind.getKey() + ": events vs model")
          .isEqualTo(modelReimbursed.getOrDefault(kind.getKey(), BigInteger.ZERO))
          .isPositive();
    }
  }

  private void setUp() {
    depositContract = deployment.deposit();
    coldwallet = Address.of(deployment.roles().coldwallet());
    notes = new NoteSigner(chain.chainId(), depositContract);
    supply = token(DEPLOYER).totalSupply();
    for (Address a :
        List.of(addr(DEPLOYER), depositContract, coldwallet, deployment.faucet(), addr(CONCENT))) {
      balances.put(a, token(DEPLOYER).balanceOf(a));
    }
    // The daily limit depends on block timestamps the model cannot know to the second; it has its
    // own tests. Here it is set out of reach so every other outcome can be predicted exactly.
    deposits(DEPLOYER).setDailyReimbursementLimit(supply);
    // Caps low enough for the random deposits to reach them.
    deposits(DEPLOYER).setMaximumDepositAmount(gnt(30_000));
    deposits(DEPLOYER).setMaximumDepositsTotal(gnt(120_000));
    maxPerAccount = deposits(DEPLOYER).limits().maximumDepositAmount();
    maxTotal = deposits(DEPLOYER).limits().maximumDepositsTotal();
    List<PackedPayment> start = new ArrayList<>();
    for (int i = 0; i < USERS; i++) {
      users.add(user(i));
      start.add(new PackedPayment(addr(user(i)), START));
      balances.put(addr(user(i)), BigInteger.ZERO);
    }
    token(DEPLOYER).batchTransfer(start, now());
    users.forEach(u -> credit(addr(u), START));
    debit(addr(DEPLOYER), START.multiply(BigInteger.valueOf(USERS)));
  }

  // ------------------------------------------------------------------ operations

  private void randomOperation() {
    int pick = random.nextInt(110);
    Credentials a = users.get(random.nextInt(USERS));
    Credentials b = other(a);
    if (pick >= 100) {
      if (pick < 107) {
        reimburseBatch();
      } else {
        forcePayment(a, b);
      }
    } else if (pick < 14) {
      transfer(a, b);
    } else if (pick < 22) {
      approve(a, b);
    } else if (pick < 32) {
      transferFrom(a, b);
    } else if (pick < 44) {
      batch(a);
    } else if (pick < 48) {
      burn(a);
    } else if (pick < 58) {
      depositByTransferAndCall(a);
    } else if (pick < 64) {
      depositByApprove(a);
    } else if (pick < 69) {
      unlockOrLock(a);
    } else if (pick < 75) {
      withdraw(a);
    } else if (pick < 86) {
      reimburse(a, b);
    } else if (pick < 90) {
      replay();
    } else if (pick < 96) {
      registryChange(a);
    } else {
      lastOp = "advance time";
      advanceTime(random.nextLong(3_600, 2 * 86_400));
    }
  }

  private void transfer(Credentials from, Credentials to) {
    BigInteger amount = amount(balance(addr(from)));
    lastOp = "transfer " + amount + " " + addr(from) + " -> " + addr(to);
    mayFall.add(addr(from));
    boolean ok = amount.compareTo(balance(addr(from))) <= 0;
    expect(ok ? null : "InsufficientBalance", () -> token(from).transfer(addr(to), amount));
    if (ok) {
      move(addr(from), addr(to), amount);
    }
  }

  private void approve(Credentials owner, Credentials spender) {
    BigInteger value = amount(balance(addr(owner)));
    List<Address> key = List.of(addr(owner), addr(spender));
    if (random.nextBoolean()) {
      lastOp = "approve " + value;
      expect(null, () -> token(owner).approve(addr(spender), value));
      allowances.put(key, value);
    } else {
      BigInteger expected = random.nextInt(4) == 0 ? value : allowance(key);
      lastOp = "compareAndApprove expected " + expected + " -> " + value;
      boolean ok = expected.equals(allowance(key));
      expect(
          ok ? null : "AllowanceChanged",
          () -> token(owner).compareAndApprove(addr(spender), expected, value));
      if (ok) {
        allowances.put(key, value);
      }
    }
  }

  private void transferFrom(Credentials owner, Credentials spender) {
    Credentials to = users.get(random.nextInt(USERS));
    List<Address> key = List.of(addr(owner), addr(spender));
    BigInteger amount = amount(allowance(key).min(balance(addr(owner))).max(BigInteger.ONE));
    lastOp = "transferFrom " + amount + " of " + addr(owner) + " by " + addr(spender);
    mayFall.add(addr(owner)); // through an allowance the owner gave
    String error =
        amount.compareTo(allowance(key)) > 0
            ? "InsufficientAllowance"
            : amount.compareTo(balance(addr(owner))) > 0 ? "InsufficientBalance" : null;
    expect(error, () -> token(spender).transferFrom(addr(owner), addr(to), amount));
    if (error == null) {
      allowances.put(key, allowance(key).subtract(amount));
      move(addr(owner), addr(to), amount);
    }
  }

  private void batch(Credentials payer) {
    List<PackedPayment> payments = new ArrayList<>();
    int n = 1 + random.nextInt(6);
    BigInteger total = BigInteger.ZERO;
    for (int i = 0; i < n; i++) {
      BigInteger value = BigInteger.ONE.add(below(gnt(5_000)));
      payments.add(new PackedPayment(addr(other(payer)), value));
      total = total.add(value);
    }
    lastOp = "batch of " + n + " total " + total + " from " + addr(payer);
    mayFall.add(addr(payer));
    boolean ok = total.compareTo(balance(addr(payer))) <= 0;
    expect(ok ? null : "InsufficientBalance", () -> token(payer).batchTransfer(payments, now()));
    if (ok) {
      payments.forEach(p -> move(addr(payer), p.payee(), p.amount()));
    }
  }

  private void burn(Credentials a) {
    BigInteger amount = amount(balance(addr(a))).divide(BigInteger.TEN);
    lastOp = "burn " + amount;
    mayFall.add(addr(a));
    boolean ok = amount.compareTo(balance(addr(a))) <= 0;
    expect(ok ? null : "InsufficientBalance", () -> token(a).burn(amount));
    if (ok) {
      debit(addr(a), amount);
      supply = supply.subtract(amount);
    }
  }

  private void depositByTransferAndCall(Credentials a) {
    BigInteger amount = amount(balance(addr(a))).add(BigInteger.ONE);
    lastOp = "transferAndCall deposit " + amount;
    mayFall.add(addr(a));
    String error = depositError(addr(a), amount, true);
    expect(error, () -> token(a).transferAndCall(depositContract, amount, new byte[0]));
    if (error == null) {
      applyDeposit(addr(a), amount);
    }
  }

  private void depositByApprove(Credentials a) {
    BigInteger amount = amount(balance(addr(a))).add(BigInteger.ONE);
    lastOp = "approve+deposit " + amount;
    mayFall.add(addr(a));
    expect(null, () -> token(a).approve(depositContract, amount));
    allowances.put(List.of(addr(a), depositContract), amount);
    String error = depositError(addr(a), amount, false);
    expect(error, () -> deposits(a).deposit(amount));
    if (error == null) {
      allowances.put(List.of(addr(a), depositContract), BigInteger.ZERO);
      applyDeposit(addr(a), amount);
    }
  }

  /**
   * transferAndCall moves the tokens before the deposit checks its caps; deposit() is the other way
   * round.
   */
  private String depositError(Address a, BigInteger amount, boolean balanceFirst) {
    if (balanceFirst && amount.compareTo(balance(a)) > 0) {
      return "InsufficientBalance";
    }
    if (deposit(a).add(amount).compareTo(maxPerAccount) > 0) {
      return "DepositTooLarge";
    }
    if (totalDeposits().add(amount).compareTo(maxTotal) > 0) {
      return "DepositsTotalTooLarge";
    }
    return amount.compareTo(balance(a)) > 0 ? "InsufficientBalance" : null;
  }

  private void applyDeposit(Address a, BigInteger amount) {
    modelDeposited = modelDeposited.add(amount);
    move(a, depositContract, amount);
    deposited.merge(a, amount, BigInteger::add);
    lockedUntil.put(a, 0L); // a deposit re-locks (TOB-10)
  }

  private void unlockOrLock(Credentials a) {
    long until = lockedUntil.getOrDefault(addr(a), 0L);
    if (until == 0) {
      lastOp = "unlock";
      String error = deposit(addr(a)).signum() == 0 ? "NothingDeposited" : null;
      expect(error, () -> deposits(a).unlock());
      if (error == null) {
        lockedUntil.put(addr(a), deposits(a).timelock(addr(a)));
        assertThat(lockedUntil.get(addr(a))).as(context()).isGreaterThan(0L);
      }
    } else {
      lastOp = "lock";
      expect(null, () -> deposits(a).lock());
      lockedUntil.put(addr(a), 0L);
    }
  }

  private void withdraw(Credentials a) {
    long until = lockedUntil.getOrDefault(addr(a), 0L);
    long t = now();
    if (until != 0 && Math.abs(until - t) <= 3) {
      advanceTime(10); // the next block's timestamp is only known to a second or two
      t = now();
    }
    lastOp = "withdraw (until " + until + ", now " + t + ")";
    mayFall.add(depositContract); // the owner takes back its own deposit
    String error =
        deposit(addr(a)).signum() == 0
            ? "NothingDeposited"
            : until == 0 || t + 1 < until ? "StillLocked" : null;
    expect(error, () -> deposits(a).withdraw(addr(a)));
    if (error == null) {
      BigInteger amount = deposited.remove(addr(a));
      modelWithdrawn = modelWithdrawn.add(amount);
      move(depositContract, addr(a), amount);
      lockedUntil.put(addr(a), 0L);
    }
  }

  private void reimburse(Credentials requestor, Credentials provider) {
    byte[] subtask = new byte[32];
    random.nextBytes(subtask);
    BigInteger promised = amount(deposit(addr(requestor)).max(gnt(10))).max(BigInteger.ONE);
    BigInteger pay =
        random.nextInt(10) == 0
            ? promised.add(BigInteger.ONE)
            : BigInteger.ONE.add(below(promised));
    int kind = random.nextInt(3);
    Purpose purpose =
        kind == 0
            ? Purpose.SUBTASK_PAYMENT
            : kind == 1 ? Purpose.VERIFICATION_COST : Purpose.COMMUNICATION;
    Address payee = purpose == Purpose.SUBTASK_PAYMENT ? addr(provider) : depositContract;
    SignedNote note =
        notes.sign(
            new PromissoryNote(addr(requestor), payee, promised, subtask, purpose),
            requestor.getEcKeyPair());
    lastOp = "reimburse " + purpose + " " + pay + " of " + promised;
    settle(note, pay);
  }

  private void replay() {
    if (usedNotes.isEmpty()) {
      lastOp = "replay (none yet)";
      return;
    }
    SignedNote old = usedNotes.get(random.nextInt(usedNotes.size()));
    lastOp = "replay of " + old.note();
    settle(old, BigInteger.ONE);
  }

  private void settle(SignedNote note, BigInteger pay) {
    PromissoryNote n = note.note();
    Address payer = n.payer();
    mayFall.add(depositContract); // Concent pays out of the deposit
    String key = settlementKey(n);
    // The contract's order: the note's cap, the replay record, then the deposit.
    String expected =
        pay.compareTo(n.amount()) > 0
            ? "ReimbursementAboveNote"
            : settled.contains(key)
                ? "AlreadySettled"
                : pay.signum() == 0
                    ? "ZeroAmount"
                    : pay.compareTo(deposit(payer)) > 0 ? "InsufficientDeposit" : null;
    var concent = deposits(CONCENT);
    expect(
        expected,
        () ->
            switch (n.purpose()) {
              case SUBTASK_PAYMENT -> concent.reimburseForSubtask(note, pay);
              case VERIFICATION_COST -> concent.reimburseForVerificationCosts(note, pay);
              case COMMUNICATION -> concent.reimburseForCommunication(note, pay);
            });
    if (expected == null) {
      applyReimbursement(
          note,
          pay,
          switch (n.purpose()) {
            case SUBTASK_PAYMENT -> "ReimburseForSubtask";
            case VERIFICATION_COST -> "ReimburseForVerificationCosts";
            case COMMUNICATION -> "ReimburseForCommunication";
          });
    }
  }

  private void applyReimbursement(SignedNote note, BigInteger pay, String event) {
    PromissoryNote n = note.note();
    settled.add(settlementKey(n));
    usedNotes.add(note);
    deposited.put(n.payer(), deposit(n.payer()).subtract(pay));
    move(depositContract, n.purpose() == Purpose.SUBTASK_PAYMENT ? n.payee() : coldwallet, pay);
    modelReimbursed.merge(event, pay, BigInteger::add);
  }

  private static String settlementKey(PromissoryNote n) {
    return n.payer() + ":" + java.util.HexFormat.of().formatHex(n.subtaskId()) + ":" + n.purpose();
  }

  /** A fresh subtask note from {@code requestor} to {@code provider}, and a payment of it. */
  private Reimbursement freshSubtaskItem(Credentials requestor, Credentials provider) {
    byte[] subtask = new byte[32];
    random.nextBytes(subtask);
    BigInteger promised = amount(deposit(addr(requestor)).max(gnt(10))).max(BigInteger.ONE);
    BigInteger pay =
        random.nextInt(12) == 0
            ? promised.add(BigInteger.ONE)
            : BigInteger.ONE.add(below(promised.min(gnt(3_000))));
    SignedNote note =
        notes.sign(
            new PromissoryNote(
                addr(requestor), addr(provider), promised, subtask, Purpose.SUBTASK_PAYMENT),
            requestor.getEcKeyPair());
    return new Reimbursement(note, pay);
  }

  private List<SignedNote> usedSubtaskNotes() {
    return usedNotes.stream().filter(n -> n.note().purpose() == Purpose.SUBTASK_PAYMENT).toList();
  }

  /**
   * reimburseForSubtasks: 1 to 5 items from random requestors to random providers, now and then a
   * replayed one. The model checks them in order as the contract does, each against the deposits
   * the items before it left, and predicts the first failing item's error.
   */
  private void reimburseBatch() {
    int size = 1 + random.nextInt(5);
    List<Reimbursement> items = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    List<SignedNote> used = usedSubtaskNotes();
    for (int i = 0; i < size; i++) {
      Reimbursement item;
      if (!used.isEmpty() && random.nextInt(8) == 0) {
        item = new Reimbursement(used.get(random.nextInt(used.size())), BigInteger.ONE);
      } else {
        Credentials requestor = users.get(random.nextInt(USERS));
        item = freshSubtaskItem(requestor, other(requestor));
      }
      if (keys.add(settlementKey(item.note().note()))) {
        items.add(item); // the gateway refuses the same subtask twice in one batch
      }
    }
    mayFall.add(depositContract);
    Map<Address, BigInteger> left = new HashMap<>(deposited);
    String expected = null;
    int failing = -1;
    for (int i = 0; i < items.size() && expected == null; i++) {
      PromissoryNote n = items.get(i).note().note();
      BigInteger pay = items.get(i).reimburseAmount();
      BigInteger have = left.getOrDefault(n.payer(), BigInteger.ZERO);
      expected =
          pay.compareTo(n.amount()) > 0
              ? "ItemFailed:ReimbursementAboveNote"
              : settled.contains(settlementKey(n))
                  ? "ItemFailed:AlreadySettled"
                  : pay.compareTo(have) > 0 ? "ItemFailed:InsufficientDeposit" : null;
      left.put(n.payer(), have.subtract(pay));
      failing = expected == null ? -1 : i;
    }
    lastOp =
        "reimburse batch of " + items.size() + (failing < 0 ? "" : ", item " + failing + " fails");
    int expectedIndex = failing;
    expect(
        expected,
        () -> {
          try {
            return deposits(CONCENT).reimburseForSubtasks(items);
          } catch (ContractRevertedException e) {
            assertThat(e.argument(0))
                .as(context() + " failing index")
                .isEqualTo(BigInteger.valueOf(expectedIndex));
            throw e;
          }
        });
    if (expected == null) {
      items.forEach(r -> applyReimbursement(r.note(), r.reimburseAmount(), "ReimburseForSubtask"));
      outcomes.merge("ok reimburseForSubtasks", 1, Integer::sum);
    }
  }

  /**
   * reimburseForNoPayment: 1 to 3 notes from one requestor to one provider (now and then starting
   * with a replayed one), paid up to their sum, sometimes one more.
   */
  private void forcePayment(Credentials requestor, Credentials provider) {
    List<SignedNote> batch = new ArrayList<>();
    List<SignedNote> used = usedSubtaskNotes();
    Address payer = addr(requestor);
    Address payee = addr(provider);
    if (!used.isEmpty() && random.nextInt(6) == 0) {
      SignedNote old = used.get(random.nextInt(used.size()));
      batch.add(old);
      payer = old.note().payer();
      payee = old.note().payee();
    }
    Credentials from = account(payer);
    Credentials to = account(payee);
    int fresh = 1 + random.nextInt(3);
    for (int i = 0; i < fresh; i++) {
      batch.add(freshSubtaskItem(from, to).note());
    }
    BigInteger promised =
        batch.stream().map(n -> n.note().amount()).reduce(BigInteger.ZERO, BigInteger::add);
    BigInteger pay =
        random.nextInt(10) == 0
            ? promised.add(BigInteger.ONE)
            : BigInteger.ONE.add(below(promised.min(deposit(payer).max(BigInteger.TEN))));
    mayFall.add(depositContract);
    // The contract's order: every note's record, the notes' sum, then the deposit.
    String expected =
        batch.stream().anyMatch(n -> settled.contains(settlementKey(n.note())))
            ? "AlreadySettled"
            : pay.compareTo(promised) > 0
                ? "ReimbursementAboveNote"
                : pay.compareTo(deposit(payer)) > 0 ? "InsufficientDeposit" : null;
    lastOp = "reimburse ForcePayment of " + batch.size() + " notes, " + pay + " of " + promised;
    long closure = now();
    expect(expected, () -> deposits(CONCENT).reimburseForNoPayment(batch, pay, closure));
    if (expected == null) {
      for (SignedNote n : batch) {
        settled.add(settlementKey(n.note()));
        usedNotes.add(n);
      }
      deposited.put(payer, deposit(payer).subtract(pay));
      move(depositContract, payee, pay);
      modelReimbursed.merge("ReimburseForNoPayment", pay, BigInteger::add);
      outcomes.merge("ok reimburseForNoPayment", 1, Integer::sum);
    }
  }

  private void registryChange(Credentials caller) {
    String app = "app-" + random.nextInt(4);
    String version = "1." + random.nextInt(3);
    Address vendor = appVendor.get(app);
    // Half the time the app's own vendor acts, so vendor-only paths are reached, not just
    // NotVendor.
    Credentials a =
        vendor != null && random.nextBoolean()
            ? users.stream().filter(u -> addr(u).equals(vendor)).findFirst().orElseThrow()
            : caller;
    AppRegistry r = registry(a);
    byte[] id = r.appIdOf(app);
    int kind = random.nextInt(3);
    boolean exists = appVersions.getOrDefault(app, Set.of()).contains(version);
    if (kind == 0 || vendor == null) {
      lastOp = "registerVersion " + app + " " + version;
      String error =
          vendor != null && !vendor.equals(addr(a)) ? "NotVendor" : exists ? "VersionExists" : null;
      expect(
          error,
          () ->
              r.registerVersion(
                  app,
                  version,
                  "bafkreiabc" + version,
                  AppRegistry.Environment.WASM,
                  BigInteger.TEN,
                  addr(a)));
      if (error == null) {
        appVendor.putIfAbsent(app, addr(a));
        appVersions.computeIfAbsent(app, k -> new HashSet<>()).add(version);
      }
    } else {
      boolean update = kind == 1;
      lastOp = (update ? "updateTerms " : "deprecate ") + app + " " + version;
      String error =
          !exists
              ? "UnknownVersion"
              : !vendor.equals(addr(a))
                  ? "NotVendor"
                  : deprecated.contains(app + version) ? "VersionIsDeprecated" : null;
      expect(
          error,
          () ->
              update
                  ? r.updateTerms(id, version, BigInteger.TWO, addr(a))
                  : r.deprecate(id, version));
      if (error == null && !update) {
        deprecated.add(app + version);
      }
    }
  }

  // ------------------------------------------------------------------ checks

  private void checkInvariants(
      Map<Address, BigInteger> before, Map<Address, BigInteger> depositsBefore) {
    BigInteger sum = BigInteger.ZERO;
    for (Address a : balances.keySet()) {
      BigInteger onChain = token(DEPLOYER).balanceOf(a);
      assertThat(onChain).as(context() + " balance of " + a).isEqualTo(balances.get(a));
      sum = sum.add(onChain);
      if (onChain.compareTo(before.getOrDefault(a, BigInteger.ZERO)) < 0) {
        assertThat(mayFall)
            .as(context() + " balance of " + a + " fell without its owner, an allowance or Concent")
            .contains(a);
      }
    }
    assertThat(sum)
        .as(context() + " sum of balances vs total supply")
        .isEqualTo(token(DEPLOYER).totalSupply());
    assertThat(token(DEPLOYER).totalSupply()).as(context() + " supply").isEqualTo(supply);

    BigInteger depositSum = BigInteger.ZERO;
    for (Credentials u : users) {
      BigInteger d = deposits(DEPLOYER).balanceOf(addr(u));
      assertThat(d).as(context() + " deposit of " + addr(u)).isEqualTo(deposit(addr(u)));
      depositSum = depositSum.add(d);
      if (d.compareTo(depositsBefore.getOrDefault(addr(u), BigInteger.ZERO)) < 0) {
        assertThat(lastOp)
            .as(context() + " deposit fell outside withdraw/Concent")
            .matches("(withdraw|reimburse|replay).*");
      }
    }
    assertThat(token(DEPLOYER).balanceOf(depositContract))
        .as(context() + " deposit contract GNT vs sum of deposits")
        .isEqualTo(depositSum);
    assertThat(deposits(DEPLOYER).totalDeposits())
        .as(context() + " totalDeposits")
        .isEqualTo(depositSum);
  }

  private void expect(String error, Supplier<?> action) {
    try {
      var unused = action.get();
      assertThat(error).as(context() + " succeeded but the model expected " + error).isNull();
      outcomes.merge("ok", 1, Integer::sum);
    } catch (ContractRevertedException e) {
      String name =
          e.innerError()
              .map(inner -> e.errorName() + ":" + inner.errorName())
              .orElse(e.errorName());
      assertThat(name).as(context() + " reverted " + e.getMessage()).isEqualTo(error);
      outcomes.merge(name, 1, Integer::sum);
    }
  }

  private String context() {
    return "seed " + seed + " step " + step + " [" + lastOp + "]";
  }

  // ------------------------------------------------------------------ model helpers

  private Credentials account(Address a) {
    return users.stream().filter(u -> addr(u).equals(a)).findFirst().orElseThrow();
  }

  private Credentials other(Credentials a) {
    Credentials b;
    do {
      b = users.get(random.nextInt(USERS));
    } while (b == a);
    return b;
  }

  /** Mostly within {@code cap}, sometimes exactly it or just above, to reach the reverts. */
  private BigInteger amount(BigInteger cap) {
    int r = random.nextInt(20);
    if (r == 0) {
      return cap.add(BigInteger.ONE);
    }
    if (r == 1) {
      return cap;
    }
    if (cap.signum() <= 0) {
      return BigInteger.ONE;
    }
    return BigInteger.ONE.add(below(cap));
  }

  /** Uniform-ish in 0 .. bound-1 (bound > 0), over the whole BigInteger range. */
  private BigInteger below(BigInteger bound) {
    byte[] bytes = new byte[bound.toByteArray().length + 8];
    random.nextBytes(bytes);
    return new BigInteger(1, bytes).mod(bound);
  }

  private BigInteger balance(Address a) {
    return balances.getOrDefault(a, BigInteger.ZERO);
  }

  private BigInteger allowance(List<Address> key) {
    return allowances.getOrDefault(key, BigInteger.ZERO);
  }

  private BigInteger deposit(Address a) {
    return deposited.getOrDefault(a, BigInteger.ZERO);
  }

  private BigInteger totalDeposits() {
    return deposited.values().stream().reduce(BigInteger.ZERO, BigInteger::add);
  }

  private void move(Address from, Address to, BigInteger amount) {
    debit(from, amount);
    credit(to, amount);
  }

  private void debit(Address a, BigInteger amount) {
    balances.put(a, balance(a).subtract(amount));
  }

  private void credit(Address a, BigInteger amount) {
    balances.put(a, balance(a).add(amount));
  }
}

package org.jgolem.concent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.concent.service.Claim;
import org.jgolem.concent.service.ClaimResult;
import org.jgolem.concent.service.ConcentTx;
import org.jgolem.concent.service.Delivery;
import org.jgolem.concent.service.Settlement;
import org.jgolem.concent.service.StaleCaseException;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.protocol.notes.SignedNote;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of {@link org.jgolem.concent.service.ConcentStore}, run against every database the
 * store supports: each subclass gives a fresh, real database ({@link #newDatabase}).
 */
@Timeout(120)
abstract class ConcentStoreContract {
  static final Address REQUESTOR = Address.of("0x" + "11".repeat(20));
  static final Address PROVIDER = Address.of("0x" + "22".repeat(20));
  static final Address OTHER = Address.of("0x" + "33".repeat(20));
  static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);
  static final BigInteger HUGE = BigInteger.TWO.pow(255).add(BigInteger.valueOf(12345));

  String url;
  JdbcConcentStore store;

  /** A JDBC URL of a new, empty database. */
  abstract String newDatabase() throws Exception;

  abstract String expectedKind();

  @BeforeEach
  void open() throws Exception {
    url = newDatabase();
    store = JdbcConcentStore.open(url, CLOCK, 4);
  }

  @AfterEach
  void close() {
    store.close();
  }

  static byte[] id(int n) {
    byte[] b = new byte[32];
    b[0] = (byte) (n >> 24);
    b[1] = (byte) (n >> 16);
    b[2] = (byte) (n >> 8);
    b[3] = (byte) n;
    b[31] = 7;
    return b;
  }

  static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (seed * 31 + i);
    }
    return b;
  }

  static SubtaskCase newCase(int n, CaseState state, long deadline) {
    Map<MessageType, byte[]> ev = new EnumMap<>(MessageType.class);
    ev.put(MessageType.TASK_TO_COMPUTE, bytes(300, n));
    ev.put(MessageType.REPORT_COMPUTED_TASK, bytes(200, n + 1));
    return new SubtaskCase(
        id(n),
        id(n + 1000),
        REQUESTOR,
        PROVIDER,
        state,
        deadline,
        1_000L + n,
        2_000L + n,
        HUGE.add(BigInteger.valueOf(n)),
        "bafy" + n,
        4096L + n,
        bytes(32, n + 2),
        ev,
        1);
  }

  static SignedNote note(int n, Address payer, Address payee, BigInteger amount) {
    return new SignedNote(
        new PromissoryNote(payer, payee, amount, id(n), Purpose.SUBTASK_PAYMENT),
        27 + (n % 2),
        bytes(32, n + 5),
        bytes(32, n + 6));
  }

  static Settlement settlement(Claim.UseCase useCase, List<SignedNote> notes, BigInteger amount) {
    return new Settlement(
        0,
        useCase,
        REQUESTOR,
        PROVIDER,
        notes,
        amount,
        1_700_000_000L,
        Settlement.Status.PENDING,
        null,
        null,
        CLOCK.millis());
  }

  static Claim claim(Address payer, int subtask, Claim.UseCase useCase, BigInteger amount) {
    return new Claim(payer, PROVIDER, id(subtask), useCase, amount, CLOCK.millis());
  }

  // ------------------------------------------------------------------ opening

  @Test
  void theUrlChoosesTheDatabase() {
    assertThat(store.kind()).isEqualTo(expectedKind());
  }

  @Test
  void reopeningMigratesNothingTwiceAndANewerSchemaIsRefused() {
    store.close();
    store = JdbcConcentStore.open(url, CLOCK, 2);
    store.transaction(tx -> {
      try (var p =
          ((JdbcConcentTx) tx)
              .session()
              .prepare(
                  "INSERT INTO schema_version (version, description, applied_at)"
                      + " VALUES (99, 'from the future', 0)")) {
        p.executeUpdate();
      } catch (java.sql.SQLException e) {
        throw new AssertionError(e);
      }
      return null;
    });
    store.close();
    assertThatThrownBy(() -> JdbcConcentStore.open(url, CLOCK, 2))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("is at schema version 99")
        .hasMessageContaining("knows versions up to " + Schema.ALL.size());
    store = JdbcConcentStore.open(newDatabaseForReopen(), CLOCK, 2);
  }

  /** A fresh database for the rest of a test that spoiled its own. */
  String newDatabaseForReopen() throws RuntimeException {
    try {
      url = newDatabase();
      return url;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void transactionsDoNotNest() {
    assertThatThrownBy(() -> store.transaction(tx -> store.transaction(inner -> 1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("inside another");
    // the store still serves
    assertThat(bool(tx -> tx.rememberNonce(PROVIDER, bytes(16, 1), 5))).isTrue();
  }

  // ------------------------------------------------------------------ cases

  @Test
  void aCaseIsStoredReadAndUpdatedWithItsEvidence() {
    SubtaskCase c = newCase(1, CaseState.FORCING_ACCEPTANCE, 5_000);
    store.transaction(tx -> {
      tx.saveCase(c);
      return null;
    });
    SubtaskCase read = find(REQUESTOR, 1).orElseThrow();
    assertThat(read).isEqualTo(c);
    assertThat(read.price()).isEqualTo(HUGE.add(BigInteger.ONE));
    assertThat(read.frame(MessageType.TASK_TO_COMPUTE)).isEqualTo(bytes(300, 1));

    SubtaskCase accepted =
        read.moveTo(
            CaseState.ACCEPTED, 0, Map.of(MessageType.SUBTASK_RESULTS_ACCEPTED, bytes(99, 9)));
    store.transaction(tx -> {
      tx.saveCase(accepted);
      return null;
    });
    SubtaskCase again = find(REQUESTOR, 1).orElseThrow();
    assertThat(again).isEqualTo(accepted);
    assertThat(again.version()).isEqualTo(2);
    assertThat(again.evidence()).hasSize(3);
    assertThat(again.frame(MessageType.SUBTASK_RESULTS_ACCEPTED)).isEqualTo(bytes(99, 9));

    assertThat(find(REQUESTOR, 2)).isEmpty();
    assertThat(find(OTHER, 1)).isEmpty();
  }

  @Test
  void aStaleSaveIsRefused() {
    SubtaskCase c = newCase(1, CaseState.FORCING_ACCEPTANCE, 5_000);
    store.transaction(tx -> {
      tx.saveCase(c);
      return null;
    });
    // a second version 1: the case exists
    AtomicInteger runs = new AtomicInteger();
    assertThatThrownBy(() ->
            store.transaction(tx -> {
              runs.incrementAndGet();
              tx.saveCase(c);
              return null;
            }))
        .isInstanceOf(StaleCaseException.class)
        .hasMessageContaining("already exists");
    // retried a bounded number of times, then rethrown
    assertThat(runs).hasValue(JdbcConcentStore.MAX_ATTEMPTS);

    SubtaskCase v2 = c.moveTo(CaseState.ACCEPTED, 0, Map.of());
    SubtaskCase v3Skipping =
        new SubtaskCase(
            c.subtaskId(),
            c.taskId(),
            REQUESTOR,
            PROVIDER,
            CaseState.ACCEPTED,
            0,
            c.assignedAt(),
            c.computeDeadline(),
            c.price(),
            c.resultCid(),
            c.resultSize(),
            c.reportHash(),
            c.evidence(),
            3);
    assertThatThrownBy(() ->
            store.transaction(tx -> {
              tx.saveCase(v3Skipping);
              return null;
            }))
        .isInstanceOf(StaleCaseException.class)
        .hasMessageContaining("not 2");
    store.transaction(tx -> {
      tx.saveCase(v2);
      return null;
    });
    // two writers that read version 1: the second one's save is stale
    SubtaskCase otherV2 = c.moveTo(CaseState.REJECTED, 0, Map.of());
    assertThatThrownBy(() ->
            store.transaction(tx -> {
              tx.saveCase(otherV2);
              return null;
            }))
        .isInstanceOf(StaleCaseException.class);
    assertThat(find(REQUESTOR, 1).orElseThrow().state()).isEqualTo(CaseState.ACCEPTED);
  }

  @Test
  void aStaleTransactionIsRerunWithAFreshReadAndItsOtherWritesRolledBack() {
    SubtaskCase c = newCase(1, CaseState.FORCING_ACCEPTANCE, 5_000);
    store.transaction(tx -> {
      tx.saveCase(c);
      return null;
    });
    AtomicInteger runs = new AtomicInteger();
    CaseState end =
        store.transaction(tx -> {
          SubtaskCase read = tx.findCase(REQUESTOR, id(1)).orElseThrow();
          tx.enqueue(PROVIDER, bytes(10, runs.get()), 1);
          if (runs.incrementAndGet() == 1) {
            // as if another transaction had moved the case since this one read it
            throw new StaleCaseException("moved meanwhile");
          }
          SubtaskCase next = read.moveTo(CaseState.ACCEPTED, 0, Map.of());
          tx.saveCase(next);
          return next.state();
        });
    assertThat(end).isEqualTo(CaseState.ACCEPTED);
    assertThat(runs).hasValue(2);
    // the first run's message was rolled back with it
    assertThat(pending(PROVIDER, 10)).extracting(Delivery::frame).containsExactly(bytes(10, 1));
    assertThat(find(REQUESTOR, 1).orElseThrow().version()).isEqualTo(2);
  }

  @Test
  void aFailedTransactionLeavesNothing() {
    assertThatThrownBy(() ->
            store.transaction(tx -> {
              tx.saveCase(newCase(1, CaseState.FORCING_ACCEPTANCE, 5_000));
              tx.enqueue(PROVIDER, bytes(10, 1), 1);
              tx.claim(
                  claim(REQUESTOR, 1, Claim.UseCase.FORCED_ACCEPTANCE, BigInteger.TEN),
                  BigInteger.TEN);
              tx.rememberNonce(PROVIDER, bytes(16, 1), 10);
              throw new IllegalStateException("judged wrong");
            }))
        .hasMessage("judged wrong");
    store.transaction(tx -> {
      assertThat(tx.findCase(REQUESTOR, id(1))).isEmpty();
      assertThat(tx.pending(PROVIDER, 10)).isEmpty();
      assertThat(tx.reserved(REQUESTOR)).isZero();
      assertThat(tx.rememberNonce(PROVIDER, bytes(16, 1), 10)).isTrue();
      return null;
    });
  }

  @Test
  void dueCasesAreTheActiveOnesPastTheirDeadlineEarliestFirst() {
    store.transaction(tx -> {
      tx.saveCase(newCase(1, CaseState.FORCING_ACCEPTANCE, 3_000));
      tx.saveCase(newCase(2, CaseState.FORCING_REPORT, 1_000));
      tx.saveCase(newCase(3, CaseState.FORCING_RESULT_TRANSFER, 2_000));
      tx.saveCase(newCase(4, CaseState.FORCING_ACCEPTANCE, 9_000));
      tx.saveCase(newCase(5, CaseState.REPORTED, 0));
      return null;
    });
    List<Integer> due = due(3_001, 10);
    assertThat(due).containsExactly(2, 3, 1);
    // the deadline itself is not past
    assertThat(due(3_000, 10)).containsExactly(2, 3);
    assertThat(due(1_000, 10)).isEmpty();
    assertThat(due(1_001, 10)).containsExactly(2);
    assertThat(due(100_000, 2)).containsExactly(2, 3);
    assertThat(due(100_000, 10)).containsExactly(2, 3, 1, 4);
    // a case that moves to a passive state is no longer due
    store.transaction(tx -> {
      SubtaskCase c = tx.findCase(REQUESTOR, id(2)).orElseThrow();
      tx.saveCase(c.moveTo(CaseState.REPORTED, 0, Map.of()));
      return null;
    });
    assertThat(due(100_000, 10)).containsExactly(3, 1, 4);
  }

  private boolean bool(Function<ConcentTx, Boolean> work) {
    return store.transaction(work);
  }

  private int count(Function<ConcentTx, Integer> work) {
    return store.transaction(work);
  }

  private BigInteger amount(Function<ConcentTx, BigInteger> work) {
    return store.transaction(work);
  }

  private ClaimResult claimed(Function<ConcentTx, ClaimResult> work) {
    return store.transaction(work);
  }

  private Optional<SubtaskCase> find(Address requestor, int subtask) {
    return store.transaction(tx -> tx.findCase(requestor, id(subtask)));
  }

  private List<Integer> due(long now, int limit) {
    return store.transaction(tx -> subtasks(tx.dueCases(now, limit)));
  }

  private List<Delivery> pending(Address recipient, int limit) {
    return store.transaction(tx -> tx.pending(recipient, limit));
  }

  private List<Settlement> settlementsIn(Settlement.Status status, int limit) {
    return store.transaction(tx -> tx.settlements(status, limit));
  }

  private static List<Integer> subtasks(List<SubtaskCase> cases) {
    List<Integer> out = new ArrayList<>();
    for (SubtaskCase c : cases) {
      byte[] s = c.subtaskId();
      out.add(((s[0] & 0xff) << 24) | ((s[1] & 0xff) << 16) | ((s[2] & 0xff) << 8) | (s[3] & 0xff));
    }
    return out;
  }

  // ------------------------------------------------------------------ outbox

  @Test
  void messagesAreDeliveredOldestFirstUntilAcknowledgedPerRecipient() {
    byte[] a1 = store.transaction(tx -> tx.enqueue(PROVIDER, bytes(50, 1), 10));
    byte[] b1 = store.transaction(tx -> tx.enqueue(REQUESTOR, bytes(50, 2), 11));
    byte[] a2 = store.transaction(tx -> tx.enqueue(PROVIDER, bytes(50, 3), 12));
    byte[] a3 = store.transaction(tx -> tx.enqueue(PROVIDER, bytes(50, 4), 9));
    assertThat(a1).hasSize(16);
    assertThat(a1).isNotEqualTo(a2);

    List<Delivery> p = pending(PROVIDER, 10);
    assertThat(p)
        .containsExactly(
            new Delivery(a1, PROVIDER, bytes(50, 1), 10),
            new Delivery(a2, PROVIDER, bytes(50, 3), 12),
            new Delivery(a3, PROVIDER, bytes(50, 4), 9));
    // not acknowledged: delivered again, the same
    assertThat(pending(PROVIDER, 10)).isEqualTo(p);
    assertThat(pending(PROVIDER, 2)).isEqualTo(p.subList(0, 2));
    assertThat(pending(REQUESTOR, 10))
        .containsExactly(new Delivery(b1, REQUESTOR, bytes(50, 2), 11));

    // another recipient cannot acknowledge them
    assertThat(count(tx -> tx.acknowledge(REQUESTOR, List.of(a1, a2)))).isZero();
    assertThat(count(tx -> tx.acknowledge(PROVIDER, List.of(a1, a3, b1)))).isEqualTo(2);
    assertThat(pending(PROVIDER, 10)).containsExactly(new Delivery(a2, PROVIDER, bytes(50, 3), 12));
    // acknowledging again counts nothing
    assertThat(count(tx -> tx.acknowledge(PROVIDER, List.of(a1)))).isZero();
    assertThat(count(tx -> tx.acknowledge(PROVIDER, List.of(bytes(16, 77))))).isZero();
    assertThat(pending(REQUESTOR, 10)).hasSize(1);
  }

  // ------------------------------------------------------------------ claims

  @Test
  void claimsReserveInFullOncePerSubtaskAndUseCaseWithinTheDeposit() {
    BigInteger balance = HUGE;
    BigInteger third = HUGE.divide(BigInteger.valueOf(3));
    ClaimResult r1 =
        claimed(
            tx -> tx.claim(claim(REQUESTOR, 1, Claim.UseCase.FORCED_ACCEPTANCE, third), balance));
    assertThat(r1).isEqualTo(new ClaimResult.Reserved(third));
    // the same subtask and use case again
    assertThat(
            claimed(tx ->
                tx.claim(
                    claim(REQUESTOR, 1, Claim.UseCase.FORCED_ACCEPTANCE, BigInteger.ONE), balance)))
        .isEqualTo(new ClaimResult.Duplicate());
    // the same subtask, another use case
    assertThat(
            claimed(
                tx -> tx.claim(claim(REQUESTOR, 1, Claim.UseCase.FORCED_PAYMENT, third), balance)))
        .isEqualTo(new ClaimResult.Reserved(third.add(third)));
    BigInteger rest = balance.subtract(third).subtract(third);
    // one unit more than what is left: refused at the start
    assertThat(
            claimed(tx ->
                tx.claim(
                    claim(REQUESTOR, 2, Claim.UseCase.FORCED_ACCEPTANCE, rest.add(BigInteger.ONE)),
                    balance)))
        .isEqualTo(
            new ClaimResult.Insufficient(balance, third.add(third), rest.add(BigInteger.ONE)));
    // exactly what is left
    assertThat(
            claimed(tx ->
                tx.claim(claim(REQUESTOR, 2, Claim.UseCase.FORCED_ACCEPTANCE, rest), balance)))
        .isEqualTo(new ClaimResult.Reserved(balance));
    assertThat(amount(tx -> tx.reserved(REQUESTOR))).isEqualTo(balance);
    // another payer's deposit is its own
    assertThat(amount(tx -> tx.reserved(OTHER))).isZero();
    assertThat(
            claimed(tx ->
                tx.claim(
                    claim(OTHER, 1, Claim.UseCase.FORCED_ACCEPTANCE, BigInteger.TEN),
                    BigInteger.TEN)))
        .isEqualTo(new ClaimResult.Reserved(BigInteger.TEN));

    // release frees the amount, once
    store.transaction(tx -> {
      tx.releaseClaim(REQUESTOR, id(1), Claim.UseCase.FORCED_ACCEPTANCE);
      return null;
    });
    assertThat(amount(tx -> tx.reserved(REQUESTOR))).isEqualTo(balance.subtract(third));
    store.transaction(tx -> {
      tx.releaseClaim(REQUESTOR, id(1), Claim.UseCase.FORCED_ACCEPTANCE);
      tx.releaseClaim(REQUESTOR, id(99), Claim.UseCase.FORCED_ACCEPTANCE);
      return null;
    });
    assertThat(amount(tx -> tx.reserved(REQUESTOR))).isEqualTo(balance.subtract(third));
    // a released claim is not made again: the subtask was settled
    assertThat(
            claimed(tx ->
                tx.claim(claim(REQUESTOR, 1, Claim.UseCase.FORCED_ACCEPTANCE, third), balance)))
        .isEqualTo(new ClaimResult.Duplicate());
    // the freed amount serves another subtask
    assertThat(
            claimed(
                tx -> tx.claim(claim(REQUESTOR, 3, Claim.UseCase.FORCED_PAYMENT, third), balance)))
        .isEqualTo(new ClaimResult.Reserved(balance));
  }

  @Test
  void concurrentClaimsOnOneDepositNeverOverReserve() throws Exception {
    int threads = 8;
    int perThread = 40;
    BigInteger unit = BigInteger.TEN.pow(18);
    BigInteger balance = unit.multiply(BigInteger.valueOf(100));
    AtomicInteger reserved = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        Callable<Void> job =
            () -> {
              for (int i = 0; i < perThread; i++) {
                Claim c =
                    claim(REQUESTOR, thread * 1000 + i, Claim.UseCase.FORCED_ACCEPTANCE, unit);
                ClaimResult r = claimed(tx -> tx.claim(c, balance));
                if (r instanceof ClaimResult.Reserved) {
                  reserved.incrementAndGet();
                } else if (r instanceof ClaimResult.Insufficient) {
                  refused.incrementAndGet();
                } else {
                  throw new AssertionError("unexpected " + r);
                }
                // and the same subtask claimed again by another thread's view: always a duplicate
                ClaimResult again = claimed(tx -> tx.claim(c, balance));
                if (!(again instanceof ClaimResult.Duplicate)
                    && !(again instanceof ClaimResult.Insufficient)) {
                  throw new AssertionError("claimed twice: " + again);
                }
              }
              return null;
            };
        done.add(pool.submit(job));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(reserved).hasValue(100);
    assertThat(refused).hasValue(threads * perThread - 100);
    assertThat(amount(tx -> tx.reserved(REQUESTOR))).isEqualTo(balance);
  }

  @Test
  void concurrentWritersOfOneCaseEachSucceedOnceThroughRetries() throws Exception {
    // every writer appends its own frame to the case's evidence, on a fresh read each attempt
    int writers = 6;
    store.transaction(tx -> {
      tx.saveCase(newCase(1, CaseState.FORCING_ACCEPTANCE, 5_000));
      return null;
    });
    MessageType[] kinds = {
      MessageType.FORCE_SUBTASK_RESULTS,
      MessageType.FORCE_PAYMENT,
      MessageType.FORCE_GET_TASK_RESULT,
      MessageType.FORCE_REPORT_COMPUTED_TASK,
      MessageType.SERVICE_REFUSED,
      MessageType.ACK_REPORT_COMPUTED_TASK
    };
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        MessageType kind = kinds[w];
        done.add(
            pool.submit(() ->
                store.transaction(tx -> {
                  SubtaskCase c = tx.findCase(REQUESTOR, id(1)).orElseThrow();
                  Map<MessageType, byte[]> ev = new EnumMap<>(MessageType.class);
                  ev.putAll(c.evidence());
                  ev.put(kind, bytes(20, kind.code()));
                  tx.saveCase(
                      new SubtaskCase(
                          c.subtaskId(),
                          c.taskId(),
                          c.requestor(),
                          c.provider(),
                          c.state(),
                          c.nextDeadline(),
                          c.assignedAt(),
                          c.computeDeadline(),
                          c.price(),
                          c.resultCid(),
                          c.resultSize(),
                          c.reportHash(),
                          ev,
                          c.version() + 1));
                  return null;
                })));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    SubtaskCase end = find(REQUESTOR, 1).orElseThrow();
    assertThat(end.version()).isEqualTo(1 + writers);
    assertThat(end.evidence()).hasSize(2 + writers);
  }

  // ------------------------------------------------------------------ settlements

  @Test
  void settlementsAreRecordedSignedAndMinedWithTheirNotes() {
    SignedNote n1 = note(1, REQUESTOR, PROVIDER, HUGE);
    SignedNote n2 = note(2, REQUESTOR, PROVIDER, BigInteger.valueOf(5));
    SignedNote n3 = note(3, REQUESTOR, PROVIDER, BigInteger.valueOf(6));
    Settlement accept = settlement(Claim.UseCase.FORCED_ACCEPTANCE, List.of(n1), HUGE);
    Settlement pay =
        settlement(Claim.UseCase.FORCED_PAYMENT, List.of(n2, n3), BigInteger.valueOf(11));
    long id1 = store.transaction(tx -> tx.addSettlement(accept));
    long id2 = store.transaction(tx -> tx.addSettlement(pay));
    assertThat(id2).isGreaterThan(id1);
    assertThat(settlementsIn(Settlement.Status.PENDING, 10))
        .containsExactly(accept.withId(id1), pay.withId(id2));
    assertThat(settlementsIn(Settlement.Status.PENDING, 1)).containsExactly(accept.withId(id1));
    assertThat(settlementsIn(Settlement.Status.SIGNED, 10)).isEmpty();

    Settlement signed = accept.withId(id1).signed("0x" + "ab".repeat(32), bytes(120, 3));
    store.transaction(tx -> {
      tx.updateSettlement(signed);
      return null;
    });
    assertThat(settlementsIn(Settlement.Status.SIGNED, 10)).containsExactly(signed);
    assertThat(settlementsIn(Settlement.Status.PENDING, 10)).containsExactly(pay.withId(id2));
    Settlement mined = signed.withStatus(Settlement.Status.MINED);
    store.transaction(tx -> {
      tx.updateSettlement(mined);
      return null;
    });
    assertThat(settlementsIn(Settlement.Status.MINED, 10)).containsExactly(mined);
    assertThat(mined.rawTransaction()).isEqualTo(bytes(120, 3));

    assertThatThrownBy(() ->
            store.transaction(tx -> {
              tx.updateSettlement(pay.withId(id2 + 100));
              return null;
            }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no settlement " + (id2 + 100));
  }

  @Test
  void theClaimsSettlementsAndCasesOfAdditionalVerificationAreKept() {
    BigInteger price = BigInteger.valueOf(1_000);
    BigInteger fee = BigInteger.valueOf(30);
    Claim av = claim(REQUESTOR, 9, Claim.UseCase.ADDITIONAL_VERIFICATION, price);
    Claim cost = claim(REQUESTOR, 9, Claim.UseCase.VERIFICATION_COST, fee);
    ClaimResult first = claimed(tx -> tx.claim(av, HUGE));
    ClaimResult second = claimed(tx -> tx.claim(cost, HUGE));
    ClaimResult again = claimed(tx -> tx.claim(cost, HUGE));
    assertThat(first).isInstanceOf(ClaimResult.Reserved.class);
    assertThat(second).isInstanceOf(ClaimResult.Reserved.class);
    assertThat(again).isInstanceOf(ClaimResult.Duplicate.class);
    assertThat(amount(tx -> tx.reserved(REQUESTOR))).isEqualTo(price.add(fee));
    store.transaction(tx -> {
      tx.releaseClaim(REQUESTOR, id(9), Claim.UseCase.ADDITIONAL_VERIFICATION);
      return null;
    });
    assertThat(amount(tx -> tx.reserved(REQUESTOR))).isEqualTo(fee);

    SignedNote feeNote =
        new SignedNote(
            new PromissoryNote(REQUESTOR, PROVIDER, fee, id(9), Purpose.VERIFICATION_COST),
            27,
            bytes(32, 1),
            bytes(32, 2));
    Settlement s = settlement(Claim.UseCase.VERIFICATION_COST, List.of(feeNote), fee);
    long sid = store.transaction(tx -> tx.addSettlement(s));
    assertThat(settlementsIn(Settlement.Status.PENDING, 10)).containsExactly(s.withId(sid));

    store.transaction(tx -> {
      tx.saveCase(newCase(21, CaseState.ADDITIONAL_VERIFICATION, 5_000));
      tx.saveCase(newCase(22, CaseState.VERIFICATION_FILE_TRANSFER, 4_000));
      tx.saveCase(newCase(23, CaseState.ADDITIONAL_VERIFICATION, 3_000));
      return null;
    });
    List<Integer> verifying =
        store.transaction(tx -> subtasks(tx.casesIn(CaseState.ADDITIONAL_VERIFICATION, 10)));
    List<Integer> uploading =
        store.transaction(tx -> subtasks(tx.casesIn(CaseState.VERIFICATION_FILE_TRANSFER, 10)));
    assertThat(verifying).containsExactly(23, 21);
    assertThat(uploading).containsExactly(22);
  }

  @Test
  void aSubtaskIsKnownPaidUnlessItsSettlementFailed() {
    Settlement pay =
        settlement(
            Claim.UseCase.FORCED_PAYMENT,
            List.of(note(2, REQUESTOR, PROVIDER, BigInteger.ONE)),
            BigInteger.ONE);
    long id = store.transaction(tx -> tx.addSettlement(pay));
    assertThat(bool(tx -> tx.hasSettlementFor(REQUESTOR, id(2)))).isTrue();
    assertThat(bool(tx -> tx.hasSettlementFor(REQUESTOR, id(3)))).isFalse();
    assertThat(bool(tx -> tx.hasSettlementFor(OTHER, id(2)))).isFalse();
    store.transaction(tx -> {
      tx.updateSettlement(pay.withId(id).withStatus(Settlement.Status.FAILED));
      return null;
    });
    assertThat(bool(tx -> tx.hasSettlementFor(REQUESTOR, id(2)))).isFalse();
  }

  // ------------------------------------------------------------------ nonces

  @Test
  void aNonceIsAcceptedOncePerClientUntilForgotten() {
    byte[] nonce = bytes(16, 4);
    assertThat(bool(tx -> tx.rememberNonce(PROVIDER, nonce, 5_000))).isTrue();
    assertThat(bool(tx -> tx.rememberNonce(PROVIDER, nonce, 9_000))).isFalse();
    assertThat(bool(tx -> tx.rememberNonce(REQUESTOR, nonce, 5_000))).isTrue();
    assertThat(bool(tx -> tx.rememberNonce(PROVIDER, bytes(16, 5), 6_000))).isTrue();
    // kept up to and including its expiry
    assertThat(count(tx -> tx.forgetNonces(5_000))).isZero();
    assertThat(bool(tx -> tx.rememberNonce(PROVIDER, nonce, 9_000))).isFalse();
    assertThat(count(tx -> tx.forgetNonces(5_001))).isEqualTo(2);
    assertThat(bool(tx -> tx.rememberNonce(PROVIDER, nonce, 9_000))).isTrue();
    assertThat(bool(tx -> tx.rememberNonce(PROVIDER, bytes(16, 5), 9_000))).isFalse();
  }

  // ------------------------------------------------------------------ restart

  @Test
  void everythingIsThereAfterARestart() {
    SubtaskCase c = newCase(1, CaseState.FORCING_ACCEPTANCE, 5_000);
    Settlement s =
        settlement(
            Claim.UseCase.FORCED_ACCEPTANCE, List.of(note(1, REQUESTOR, PROVIDER, HUGE)), HUGE);
    byte[] delivery =
        store.transaction(tx -> {
          tx.saveCase(c);
          tx.claim(claim(REQUESTOR, 1, Claim.UseCase.FORCED_ACCEPTANCE, HUGE), HUGE);
          tx.rememberNonce(PROVIDER, bytes(16, 1), 9_000);
          return tx.enqueue(PROVIDER, bytes(40, 1), 77);
        });
    long id = store.transaction(tx -> tx.addSettlement(s));
    store.close();

    store = JdbcConcentStore.open(url, CLOCK, 2);
    store.transaction(tx -> {
      assertThat(tx.findCase(REQUESTOR, id(1))).contains(c);
      assertThat(tx.dueCases(5_001, 10)).containsExactly(c);
      assertThat(tx.pending(PROVIDER, 10))
          .containsExactly(new Delivery(delivery, PROVIDER, bytes(40, 1), 77));
      assertThat(tx.reserved(REQUESTOR)).isEqualTo(HUGE);
      assertThat(tx.claim(claim(REQUESTOR, 1, Claim.UseCase.FORCED_ACCEPTANCE, HUGE), HUGE))
          .isEqualTo(new ClaimResult.Duplicate());
      assertThat(tx.settlements(Settlement.Status.PENDING, 10)).containsExactly(s.withId(id));
      assertThat(tx.hasSettlementFor(REQUESTOR, id(1))).isTrue();
      assertThat(tx.rememberNonce(PROVIDER, bytes(16, 1), 9_000)).isFalse();
      return null;
    });
  }

  // ------------------------------------------------------------------ the auditors' record

  @Test
  void aSubtaskHasOneRecordCaseAndItsEntriesKeepTheirOrderAndBytes() {
    long id =
        store.transaction(tx -> tx.record().subtaskCase(REQUESTOR, PROVIDER, id(9), id(1), 10));
    long again =
        store.transaction(tx -> tx.record().subtaskCase(REQUESTOR, PROVIDER, id(9), id(1), 20));
    assertThat(again).as("one record case per (requestor, subtask)").isEqualTo(id);
    byte[] frame = bytes(300, 5);
    List<org.jgolem.concent.record.Entry> written =
        List.of(
            org.jgolem.concent.record.Entry.received(11, PROVIDER, frame),
            org.jgolem.concent.record.Entry.rule(
                "forceAcceptanceWindow", 12, true, Map.of("deadline", 5L), Map.of("closesAt", 99L)),
            org.jgolem.concent.record.Entry.verdict(
                13, "FORCE_SUBTASK_RESULTS", "ACCEPTED_BY_CONCENT", Map.of("amount", HUGE)));
    store.transaction(tx -> {
      for (var e : written) {
        tx.record().append(id, e);
      }
      tx.record().mark(id, "ACCEPTED", "ACCEPTED_BY_CONCENT", 13);
      tx.record().linkSettlement(id, 77);
      return null;
    });
    store.transaction(tx -> {
      tx.record().settled(id, "0xabc", 14);
      return null;
    });
    List<org.jgolem.concent.record.Entry> read = store.transaction(tx -> tx.record().entries(id));
    assertThat(read).isEqualTo(written);
    assertThat(read.get(0).read().bytes("frame")).isEqualTo(frame);
    var c = store.transaction(tx -> tx.record().find(id)).orElseThrow();
    assertThat(c.state()).isEqualTo("ACCEPTED");
    assertThat(c.verdict()).isEqualTo("ACCEPTED_BY_CONCENT");
    assertThat(c.settlementTx()).isEqualTo("0xabc");
    assertThat(c.openedAt()).isEqualTo(10);
    java.util.OptionalLong linked = store.transaction(tx -> tx.record().caseOfSettlement(77));
    java.util.OptionalLong none = store.transaction(tx -> tx.record().caseOfSettlement(78));
    assertThat(linked).hasValue(id);
    assertThat(none).isEmpty();
  }

  @Test
  void aRecordEntryRollsBackWithItsTransaction() {
    long id =
        store.transaction(tx -> tx.record().subtaskCase(REQUESTOR, PROVIDER, id(9), id(2), 10));
    assertThatThrownBy(() ->
            store.transaction(tx -> {
              tx.record().append(id, org.jgolem.concent.record.Entry.uploaded(11, "bafy"));
              throw new IllegalStateException("refused");
            }))
        .hasMessage("refused");
    List<org.jgolem.concent.record.Entry> left = store.transaction(tx -> tx.record().entries(id));
    assertThat(left).isEmpty();
  }

  @Test
  void casesArePagedByAStableCursorAndFiltered() {
    List<Long> ids = new ArrayList<>();
    store.transaction(tx -> {
      for (int i = 0; i < 7; i++) {
        Address requestor = i % 2 == 0 ? REQUESTOR : OTHER;
        long id =
            i == 6
                ? tx.record().paymentCase(requestor, PROVIDER, id(100), id(i), 10 + i)
                : tx.record().subtaskCase(requestor, PROVIDER, id(100 + i % 3), id(i), 10 + i);
        tx.record()
            .mark(id, i < 6 ? "FORCING_ACCEPTANCE" : null, i % 3 == 0 ? "CONCENT_ACK" : null, 20);
        ids.add(id);
      }
      return null;
    });
    var all = org.jgolem.concent.record.CaseQuery.all();
    var first =
        store.transaction(tx ->
            tx.record()
                .cases(
                    new org.jgolem.concent.record.CaseQuery(
                        all.node(), all.taskId(), all.state(), all.verdict(), 0, 3)));
    assertThat(first.cases()).extracting(c -> c.id()).containsExactlyElementsOf(ids.subList(0, 3));
    assertThat(first.next()).hasValue(ids.get(2));
    var last =
        store.transaction(tx ->
            tx.record()
                .cases(
                    new org.jgolem.concent.record.CaseQuery(
                        all.node(), all.taskId(), all.state(), all.verdict(), ids.get(5), 3)));
    assertThat(last.cases()).extracting(c -> c.id()).containsExactly(ids.get(6));
    assertThat(last.next()).as("the last page has no next").isEmpty();
    var exact =
        store.transaction(tx ->
            tx.record()
                .cases(
                    new org.jgolem.concent.record.CaseQuery(
                        all.node(), all.taskId(), all.state(), all.verdict(), ids.get(3), 3)));
    assertThat(exact.cases()).hasSize(3);
    assertThat(exact.next()).as("a full last page has no next either").isEmpty();
    var byNode =
        store.transaction(tx ->
            tx.record()
                .cases(
                    new org.jgolem.concent.record.CaseQuery(
                        Optional.of(OTHER), all.taskId(), all.state(), all.verdict(), 0, 50)));
    assertThat(byNode.cases())
        .extracting(c -> c.id())
        .containsExactly(ids.get(1), ids.get(3), ids.get(5));
    var byProvider =
        store.transaction(tx ->
            tx.record()
                .cases(
                    new org.jgolem.concent.record.CaseQuery(
                        Optional.of(PROVIDER), all.taskId(), all.state(), all.verdict(), 0, 50)));
    assertThat(byProvider.cases()).hasSize(7);
    var byTaskAndVerdict =
        store.transaction(tx ->
            tx.record()
                .cases(
                    new org.jgolem.concent.record.CaseQuery(
                        all.node(),
                        Optional.of(id(100)),
                        all.state(),
                        Optional.of("CONCENT_ACK"),
                        0,
                        50)));
    assertThat(byTaskAndVerdict.cases())
        .extracting(c -> c.id())
        .containsExactly(ids.get(0), ids.get(3), ids.get(6));
    var byState =
        store.transaction(tx ->
            tx.record()
                .cases(
                    new org.jgolem.concent.record.CaseQuery(
                        all.node(),
                        all.taskId(),
                        Optional.of("FORCING_ACCEPTANCE"),
                        all.verdict(),
                        0,
                        50)));
    assertThat(byState.cases()).hasSize(6);
  }
}

package org.jgolem.concent.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.concent.ConcentFixtures.CHAIN_ID;
import static org.jgolem.concent.ConcentFixtures.CONCENT;
import static org.jgolem.concent.ConcentFixtures.DEPOSIT;
import static org.jgolem.concent.ConcentFixtures.PRICE;
import static org.jgolem.concent.ConcentFixtures.PROVIDER;
import static org.jgolem.concent.ConcentFixtures.REQUESTOR;
import static org.jgolem.concent.ConcentFixtures.T0;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.ConcentFixtures.Subtask;
import org.jgolem.concent.api.ConcentApi.SendResult;
import org.jgolem.concent.record.Bundle;
import org.jgolem.concent.record.CanonicalCbor;
import org.jgolem.concent.record.CaseQuery;
import org.jgolem.concent.record.CaseSummary;
import org.jgolem.concent.service.ConcentService;
import org.jgolem.concent.service.DepositBook;
import org.jgolem.concent.service.PaymentHistory;
import org.jgolem.concent.service.Settlement;
import org.jgolem.concent.settle.SettlementChain;
import org.jgolem.concent.settle.Settler;
import org.jgolem.concent.store.JdbcConcentStore;
import org.jgolem.concent.time.Windows;
import org.jgolem.protocol.hashing.Keccak;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.concent.ConcentDelivery;
import org.jgolem.protocol.messages.concent.ForceGetTaskResult;
import org.jgolem.protocol.messages.concent.ForcePayment;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.testkit.FakeClock;

/**
 * A real Concent service over a real SQLite store on a fake clock, with a settler whose chain is a
 * fake that mines everything at once: every use case's cases are decided and recorded as in
 * production, and their bundles made. For the audit's offline tests; the on-chain checks run on
 * anvil (integration-tests, AuditedCasesTest).
 */
final class AuditedConcent implements AutoCloseable {
  static final Windows WINDOWS = Windows.golem();
  static final Bundle.Facts FACTS =
      new Bundle.Facts(CONCENT.address(), CHAIN_ID, DEPOSIT, 1, WINDOWS);

  final ConcentFixtures fx = new ConcentFixtures();
  final FakeClock clock = new FakeClock(T0);
  final JdbcConcentStore store;
  final BigInteger[] paid = {BigInteger.ZERO};
  final ConcentService service;
  final Settler settler;
  int block = 100;

  AuditedConcent(Path dir) {
    store = JdbcConcentStore.openFile(dir.resolve("concent.db"), clock);
    DepositBook deposits =
        owner -> new DepositBook.DepositStatus(PRICE.multiply(BigInteger.TEN), 0);
    PaymentHistory payments = (r, p, since) -> paid[0];
    service =
        new ConcentService(
            fx.codec(), CONCENT, fx.notes(), WINDOWS, clock, store, deposits, payments, FACTS);
    settler =
        new Settler(
            store,
            new MiningChain(),
            payload -> fx.codec().encode(fx.codec().seal(payload, CONCENT, clock)),
            clock,
            128);
  }

  /** A chain that takes every transaction and mines it at once. */
  final class MiningChain implements SettlementChain {
    private final Map<String, Integer> mined = new LinkedHashMap<>();

    @Override
    public long pendingNonce() {
      return mined.size();
    }

    private SignedSettlement sign(List<Settlement> batch, long nonce) {
      String hash = "0x" + HexFormat.of().formatHex(Keccak.keccak256(batch.toString().getBytes()));
      mined.put(hash, ++block);
      return new SignedSettlement(hash, "0x0102", nonce);
    }

    @Override
    public SignedSettlement signForcedAcceptance(List<Settlement> batch, long nonce) {
      return sign(batch, nonce);
    }

    @Override
    public SignedSettlement signForcedPayment(Settlement settlement, long nonce) {
      return sign(List.of(settlement), nonce);
    }

    @Override
    public SignedSettlement signVerification(Settlement settlement, long nonce) {
      return sign(List.of(settlement), nonce);
    }

    @Override
    public Sent broadcast(String raw) {
      return Sent.IN_POOL;
    }

    @Override
    public Optional<Receipt> receipt(String hash) {
      Integer b = mined.get(hash);
      return b == null ? Optional.empty() : Optional.of(new Receipt(true, 50_000, b));
    }
  }

  SendResult send(NodeKey key, Payload payload) {
    return service.send(key.address(), fx.frame(payload, key, clock.millis()));
  }

  void settle() {
    settler.runOnce();
    settler.runOnce();
  }

  CaseSummary only() {
    List<CaseSummary> cases = service.records().orElseThrow().cases(CaseQuery.all()).cases();
    assertThat(cases).hasSize(1);
    return cases.get(0);
  }

  List<CaseSummary> cases() {
    return service.records().orElseThrow().cases(CaseQuery.all()).cases();
  }

  byte[] bundle(long id) {
    return service.records().orElseThrow().bundle(id).orElseThrow();
  }

  // ------------------------------------------------------------------ the stories

  /** Use case 3: the requestor never decides; Concent accepts and the settler pays. */
  Subtask silentRequestorPaid(int n) {
    Subtask s = fx.subtask(n);
    long opensAfter =
        s.deadline() + WINDOWS.svt(s.assignedAt(), s.deadline(), ConcentFixtures.SIZE).toMillis();
    clock.set(opensAfter + 1);
    assertThat(
            send(
                    PROVIDER,
                    new ForceSubtaskResults(s.ttcFrame(), s.rctFrame(), fx.ack(s, s.deadline())))
                .reply())
        .isEmpty();
    clock.set(opensAfter + WINDOWS.fat().toMillis() + 1);
    service.tick();
    settle();
    return s;
  }

  /**
   * Use cases 1 then 3 on one subtask: Concent acknowledges the report for the silent requestor,
   * the provider forces acceptance with Concent's own CONCENT_ACK as its evidence, Concent accepts
   * and the settler pays.
   */
  Subtask reportThenAcceptancePaid(int n) {
    Subtask s = reportForced(n, false);
    byte[] concentAck = null;
    Envelope delivery = fx.open(service.receive(PROVIDER.address(), List.of()).orElseThrow());
    for (byte[] f : delivery.payload(ConcentDelivery.class).messages()) {
      if (fx.open(f).type() == MessageType.FORCE_REPORT_COMPUTED_TASK_RESPONSE) {
        concentAck = f;
      }
    }
    assertThat(concentAck).isNotNull();
    long opensAfter =
        s.deadline() + WINDOWS.svt(s.assignedAt(), s.deadline(), ConcentFixtures.SIZE).toMillis();
    clock.set(opensAfter + 1);
    assertThat(
            send(PROVIDER, new ForceSubtaskResults(s.ttcFrame(), s.rctFrame(), concentAck)).reply())
        .isEmpty();
    clock.set(opensAfter + WINDOWS.fat().toMillis() + 1);
    service.tick();
    settle();
    return s;
  }

  /** Use case 3: the requestor accepts in time. */
  Subtask requestorAccepts(int n) {
    Subtask s = fx.subtask(n);
    long opensAfter =
        s.deadline() + WINDOWS.svt(s.assignedAt(), s.deadline(), ConcentFixtures.SIZE).toMillis();
    clock.set(opensAfter + 1);
    send(PROVIDER, new ForceSubtaskResults(s.ttcFrame(), s.rctFrame(), fx.ack(s, s.deadline())));
    clock.set(opensAfter + 1000);
    assertThat(
            service
                .send(REQUESTOR.address(), fx.accepted(s, clock.millis() / 1000, clock.millis()))
                .reply())
        .isEmpty();
    return s;
  }

  /** Use case 1: the requestor stays silent, then (another subtask) answers. */
  Subtask reportForced(int n, boolean requestorAnswers) {
    Subtask s = fx.subtask(n);
    clock.set(s.deadline() - 1000);
    send(PROVIDER, new ForceReportComputedTask(s.ttcFrame(), s.rctFrame()));
    if (requestorAnswers) {
      clock.set(s.deadline() + 1000);
      service.send(REQUESTOR.address(), fx.ack(s, clock.millis()));
    } else {
      clock.set(s.deadline() + WINDOWS.cmt().toMillis() + 1);
      service.tick();
    }
    return s;
  }

  /** Use case 1 after the deadline: SUBTASK_TIMEOUT. */
  Subtask reportTooLate(int n) {
    Subtask s = fx.subtask(n);
    clock.set(s.deadline() + 1);
    send(PROVIDER, new ForceReportComputedTask(s.ttcFrame(), s.rctFrame()));
    return s;
  }

  /** Use case 2: the provider uploads, or does not. */
  Subtask resultForced(int n, boolean uploads) {
    Subtask s = fx.subtask(n);
    clock.set(s.deadline() + 1000);
    send(REQUESTOR, new ForceGetTaskResult(s.ttcFrame(), s.rctFrame()));
    if (uploads) {
      clock.set(s.deadline() + 2000);
      service.resultUploaded(PROVIDER.address(), s.rct().resultCid());
    } else {
      clock.set(
          WINDOWS
                  .cmt()
                  .multipliedBy(3)
                  .plus(WINDOWS.mdt(ConcentFixtures.SIZE).multipliedBy(2))
                  .toMillis()
              + s.deadline()
              + 1);
      service.tick();
    }
    return s;
  }

  /** Use case 4: two subtasks accepted, {@code paidOnChain} of them paid. */
  List<Subtask> paymentForced(int n, BigInteger paidOnChain) {
    Subtask a = fx.subtask(n);
    Subtask b = fx.subtask(n + 1);
    long paymentTs = (a.deadline() + 60_000) / 1000;
    clock.set(paymentTs * 1000 + WINDOWS.pdt().toMillis());
    paid[0] = paidOnChain;
    send(
        PROVIDER,
        new ForcePayment(
            List.of(a.ttcFrame(), b.ttcFrame()),
            List.of(
                fx.accepted(a, paymentTs, paymentTs * 1000),
                fx.accepted(b, paymentTs, paymentTs * 1000))));
    settle();
    return List.of(a, b);
  }

  // ------------------------------------------------------------------ tampering

  /** The bundle's body as a mutable tree. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> body(byte[] bundle) {
    return (Map<String, Object>) mutable(CanonicalCbor.decode(Bundle.read(bundle).body()));
  }

  static Object mutable(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put((String) k, mutable(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(mutable(x)));
      return out;
    }
    if (v instanceof byte[] b) {
      return b.clone();
    }
    return v;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> entries(Map<String, Object> body) {
    return (List<Map<String, Object>>) (List<?>) body.get("entries");
  }

  /** {@code body} signed by {@code key}, as a bundle file. */
  static byte[] signed(Map<String, Object> body, NodeKey key) {
    byte[] b = CanonicalCbor.encode(body);
    return Bundle.file(b, key.sign(Bundle.digest(b)).toBytes());
  }

  /** {@code body} with the original bundle's signature (not re-signed). */
  static byte[] unsigned(Map<String, Object> body, byte[] original) {
    return Bundle.file(CanonicalCbor.encode(body), Bundle.read(original).signature());
  }

  @Override
  public void close() {
    store.close();
  }
}

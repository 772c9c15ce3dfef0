package org.jgolem.concent.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.concent.ConcentFixtures.CONCENT;
import static org.jgolem.concent.ConcentFixtures.PRICE;
import static org.jgolem.concent.ConcentFixtures.STRANGER;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.jgolem.concent.record.Bundle;
import org.jgolem.concent.record.CanonicalCbor;
import org.jgolem.concent.record.CaseSummary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit} offline: every use case's bundle, made by a real Concent over a real SQLite store,
 * audits CONSISTENT; and each part of a real bundle altered in turn is caught and named, both as a
 * forger would alter it (Concent's signature then fails) and as a lying Concent would (the altered
 * bundle signed again by Concent's own key: then the check of that part must catch it).
 */
@Timeout(60)
class AuditTest {
  @TempDir Path dir;
  AuditedConcent c;
  final List<Auditor.Check> checks = new ArrayList<>();

  @BeforeEach
  void start() {
    c = new AuditedConcent(dir);
  }

  @AfterEach
  void stop() {
    c.close();
  }

  /** CONSISTENT, or the name of the first check that failed. */
  String audit(byte[] bundle) {
    checks.clear();
    try {
      new Auditor(checks::add).audit(bundle, Optional.empty());
      return "CONSISTENT";
    } catch (Inconsistency e) {
      return e.check();
    }
  }

  private CaseSummary caseWithVerdict(String verdict) {
    return c.cases().stream().filter(s -> verdict.equals(s.verdict())).findFirst().orElseThrow();
  }

  @Test
  void everyUseCasesBundleAuditsConsistent() {
    c.silentRequestorPaid(0x31);
    c.requestorAccepts(0x32);
    c.reportForced(0x33, false);
    c.reportForced(0x34, true);
    c.reportTooLate(0x35);
    c.resultForced(0x36, true);
    c.resultForced(0x37, false);
    c.paymentForced(0x40, BigInteger.ZERO);
    c.paymentForced(0x50, PRICE.multiply(BigInteger.TWO));
    List<CaseSummary> cases = c.cases();
    assertThat(cases)
        .extracting(CaseSummary::verdict)
        .containsExactlyInAnyOrder(
            "ACCEPTED_BY_CONCENT",
            "ACCEPTED_BY_REQUESTOR",
            "CONCENT_ACK",
            "ACK_FROM_REQUESTOR",
            "SUBTASK_TIMEOUT",
            "RESULT_UPLOADED",
            "UPLOAD_FAILED",
            "PAYMENT_COMMITTED",
            "NO_UNSETTLED_TASKS");
    for (CaseSummary s : cases) {
      assertThat(audit(c.bundle(s.id()))).as("case " + s).isEqualTo("CONSISTENT");
    }
    assertThat(caseWithVerdict("ACCEPTED_BY_CONCENT").settlementTx()).startsWith("0x");
    assertThat(caseWithVerdict("PAYMENT_COMMITTED").settlementTx()).startsWith("0x");
    assertThat(caseWithVerdict("PAYMENT_COMMITTED").kind()).isEqualTo(CaseSummary.Kind.PAYMENT);
  }

  @Test
  void aSubtaskThroughTwoUseCasesIsOneCaseThatAuditsConsistent() {
    c.reportThenAcceptancePaid(0x38);
    CaseSummary only = c.only();
    assertThat(only.verdict()).isEqualTo("ACCEPTED_BY_CONCENT");
    assertThat(only.state()).isEqualTo("ACCEPTED");
    assertThat(audit(c.bundle(only.id()))).isEqualTo("CONSISTENT");
    assertThat(checks)
        .filteredOn(k -> k.name().equals("transition"))
        .extracting(Auditor.Check::detail)
        .anyMatch(d -> d.endsWith("NEW -> FORCING_REPORT"))
        .anyMatch(d -> d.endsWith("REPORTED -> FORCING_ACCEPTANCE"));
    assertThat(checks)
        .filteredOn(k -> k.name().equals("verdict"))
        .extracting(Auditor.Check::detail)
        .anyMatch(d -> d.contains("CONCENT_ACK follows"))
        .anyMatch(d -> d.contains("ACCEPTED_BY_CONCENT follows"));
  }

  @Test
  void aSettledCaseNamesEachCheckItPassed() {
    c.silentRequestorPaid(0x31);
    assertThat(audit(c.bundle(c.only().id()))).isEqualTo("CONSISTENT");
    assertThat(checks)
        .extracting(Auditor.Check::name)
        .contains(
            "bundle-format",
            "bundle-signature",
            "evidence-chain",
            "window",
            "deposit",
            "amount",
            "transition",
            "verdict",
            "promissory-note",
            "settlement-record",
            "concent-signature",
            "record",
            "chain");
    assertThat(checks)
        .filteredOn(k -> k.name().equals("verdict"))
        .extracting(Auditor.Check::detail)
        .anyMatch(
            d -> d.contains("ACCEPTED_BY_CONCENT follows: acceptanceAnswerWindow did not hold"));
  }

  // ------------------------------------------------------------------ tampering

  private byte[] settled() {
    c.silentRequestorPaid(0x31);
    return c.bundle(c.only().id());
  }

  /** Alters the body of {@code bundle}; returns [not re-signed, re-signed by Concent]. */
  private List<String> tamper(byte[] bundle, Consumer<Map<String, Object>> change) {
    Map<String, Object> body = AuditedConcent.body(bundle);
    change.accept(body);
    return List.of(
        audit(AuditedConcent.unsigned(body, bundle)), audit(AuditedConcent.signed(body, CONCENT)));
  }

  private static Map<String, Object> entry(Map<String, Object> body, String kind, int nth) {
    return AuditedConcent.entries(body).stream()
        .filter(e -> e.get("kind").equals(kind))
        .skip(nth)
        .findFirst()
        .orElseThrow();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> rule(Map<String, Object> body, String name) {
    return AuditedConcent.entries(body).stream()
        .filter(e -> name.equals(e.get("rule")))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aByteChangedInAnyEnvelopeIsCaught() {
    byte[] bundle = settled();
    Map<String, Object> body = AuditedConcent.body(bundle);
    int frames = 0;
    for (int i = 0; i < AuditedConcent.entries(body).size(); i++) {
      if (!(AuditedConcent.entries(body).get(i).get("frame") instanceof byte[] frame)) {
        continue;
      }
      frames++;
      for (int at : new int[] {10, frame.length / 2, frame.length - 1}) {
        int index = i;
        List<String> caught =
            tamper(
                bundle,
                b -> {
                  byte[] f = (byte[]) AuditedConcent.entries(b).get(index).get("frame");
                  f[at] ^= 0x01;
                });
        assertThat(caught)
            .as("entry " + i + " byte " + at)
            .containsExactly("bundle-signature", "envelope-signature");
      }
    }
    assertThat(frames).as("the request, Concent's verdict and its SettlementMade").isEqualTo(3);
  }

  @Test
  void aTimestampChangedIsCaught() {
    byte[] bundle = settled();
    assertThat(
            tamper(
                bundle,
                b -> {
                  Map<String, Object> r = rule(b, "acceptanceAnswerWindow");
                  long closes = (Long) ((Map<?, ?>) r.get("bounds")).get("closesAt");
                  r.put("now", closes); // Concent claims it decided when the window was still open
                  r.put("at", closes);
                }))
        .containsExactly("bundle-signature", "window");
    assertThat(
            tamper(
                bundle,
                b -> {
                  @SuppressWarnings("unchecked")
                  Map<String, Object> in =
                      (Map<String, Object>) rule(b, "forceAcceptanceWindow").get("inputs");
                  in.put("deadline", (Long) in.get("deadline") - 60_000); // an earlier deadline
                }))
        .containsExactly("bundle-signature", "window");
    assertThat(
            tamper(
                bundle,
                b -> {
                  Map<String, Object> r = rule(b, "acceptanceAnswerWindow");
                  r.put("at", (Long) r.get("at") - 1);
                }))
        .containsExactly("bundle-signature", "window");
  }

  @Test
  void aVerdictChangedIsCaught() {
    byte[] bundle = settled();
    assertThat(tamper(bundle, b -> entry(b, "verdict", 0).put("outcome", "REJECTED_BY_REQUESTOR")))
        .containsExactly("bundle-signature", "verdict");
    assertThat(
            tamper(
                bundle,
                b -> {
                  @SuppressWarnings("unchecked")
                  Map<String, Object> k = (Map<String, Object>) b.get("case");
                  k.put("verdict", "REJECTED_BY_REQUESTOR");
                }))
        .containsExactly("bundle-signature", "verdict");
    assertThat(tamper(bundle, b -> rule(b, "acceptanceAnswerWindow").put("held", true)))
        .containsExactly("bundle-signature", "window");
  }

  @Test
  void anAmountChangedIsCaught() {
    byte[] bundle = settled();
    String more = PRICE.add(BigInteger.ONE).toString();
    assertThat(tamper(bundle, b -> entry(b, "verdict", 0).put("amount", more)))
        .containsExactly("bundle-signature", "amount");
    assertThat(tamper(bundle, b -> entry(b, "settlement", 0).put("amount", more)))
        .containsExactly("bundle-signature", "amount");
    assertThat(tamper(bundle, b -> entry(b, "claim", 0).put("amount", more)))
        .containsExactly("bundle-signature", "amount");
    assertThat(
            tamper(
                bundle, b -> entry(b, "settlement", 0).put("payee", STRANGER.address().toString())))
        .containsExactly("bundle-signature", "amount");
  }

  @Test
  void aForcePaymentsAmountsChangedAreCaught() {
    c.paymentForced(0x40, PRICE.divide(BigInteger.TWO));
    byte[] bundle = c.bundle(c.only().id());
    assertThat(audit(bundle)).isEqualTo("CONSISTENT");
    String owed = PRICE.multiply(BigInteger.TWO).add(BigInteger.ONE).toString();
    assertThat(tamper(bundle, b -> entry(b, "verdict", 0).put("owed", owed)))
        .containsExactly("bundle-signature", "amount");
    assertThat(tamper(bundle, b -> entry(b, "verdict", 0).put("paid", "0")))
        .as("paid lowered: reimbursed no longer owed - paid")
        .containsExactly("bundle-signature", "amount");
  }

  @Test
  void theSettlementTransactionChangedIsCaughtOffline() {
    byte[] bundle = settled();
    String other = "0x" + "ab".repeat(32);
    assertThat(tamper(bundle, b -> entry(b, "settled", 0).put("transactionHash", other)))
        .containsExactly("bundle-signature", "settlement-record");
  }

  @Test
  void concentsSignatureChangedOrAnothersIsCaught() {
    byte[] bundle = settled();
    Bundle b = Bundle.read(bundle);
    byte[] sig = b.signature();
    sig[5] ^= 0x01;
    assertThat(audit(Bundle.file(b.body(), sig))).isEqualTo("bundle-signature");
    assertThat(audit(AuditedConcent.signed(AuditedConcent.body(bundle), STRANGER)))
        .isEqualTo("bundle-signature");
  }

  @Test
  void aRemovedRequestIsCaught() {
    byte[] bundle = settled();
    assertThat(tamper(bundle, b -> AuditedConcent.entries(b).remove(0)))
        .containsExactly("bundle-signature", "window");
  }

  @Test
  void anUnreadableBundleCannotBeJudged() {
    byte[] bundle = settled();
    Map<String, Object> body = AuditedConcent.body(bundle);
    body.put("version", 2L);
    byte[] v2 = AuditedConcent.signed(body, CONCENT);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> audit(v2))
        .isInstanceOf(Auditor.Unreadable.class)
        .hasMessageContaining("version 2");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> audit(new byte[] {1, 2, 3}))
        .isInstanceOf(Auditor.Unreadable.class);
  }

  // ------------------------------------------------------------------ the golden bundle

  static final Path GOLDEN =
      Path.of("src/test/resources/org/jgolem/concent/audit/golden-bundle.cbor");

  /**
   * The golden bundle (a settled ForceSubtaskResults case) audits CONSISTENT, is canonical, and
   * starts with the bytes docs/AUDITORS.md shows. {@code -Dgolden.write=true} writes it anew.
   */
  @Test
  void theGoldenBundleAuditsConsistentAndIsCanonical() throws Exception {
    if (Boolean.getBoolean("golden.write")) {
      Files.createDirectories(GOLDEN.getParent());
      Files.write(GOLDEN, settled());
    }
    byte[] golden = Files.readAllBytes(GOLDEN);
    assertThat(audit(golden)).isEqualTo("CONSISTENT");
    assertThat(CanonicalCbor.encode(CanonicalCbor.decode(golden))).isEqualTo(golden);
    // a2: a map of 2; 64 62 6f 64 79: the text "body"; 59: bytes with a 2-byte length
    assertThat(java.util.HexFormat.of().formatHex(golden, 0, 7)).isEqualTo("a264626f647959");
    Bundle b = Bundle.read(golden);
    assertThat(b.body()[0] & 0xff).as("the body is a map of 10 fields").isEqualTo(0xaa);
    List<Object> keys = new ArrayList<>(((Map<?, ?>) CanonicalCbor.decode(b.body())).keySet());
    assertThat(keys)
        .as("the body's keys in their encoded order, as docs/AUDITORS.md lists them")
        .containsExactly(
            "case",
            "format",
            "madeAt",
            "chainId",
            "concent",
            "deposit",
            "entries",
            "version",
            "windows",
            "depositDeployedAt");
    assertThat(b.signer()).isEqualTo(CONCENT.address());
    assertThat(b.summary().verdict()).isEqualTo("ACCEPTED_BY_CONCENT");
    assertThat(b.summary().settlementTx()).isNotNull();
  }
}

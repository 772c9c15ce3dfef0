package org.jgolem.concent.audit;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.concent.evidence.EvidenceException;
import org.jgolem.concent.evidence.EvidenceVerifier;
import org.jgolem.concent.evidence.PaymentEvidence;
import org.jgolem.concent.evidence.ReportEvidence;
import org.jgolem.concent.evidence.Signed;
import org.jgolem.concent.record.Bundle;
import org.jgolem.concent.record.CanonicalCbor;
import org.jgolem.concent.record.CaseSummary;
import org.jgolem.concent.record.Entry;
import org.jgolem.concent.record.Fields;
import org.jgolem.concent.time.CaseWindows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.SignedNote;

/**
 * {@code golem-concent audit}: judges one case's evidence bundle again, without Concent. It reads
 * the bundle, checks Concent's signature over it, opens every frame with the codec of the bundle's
 * chain (every signature), re-checks every evidence chain with Concent's own {@link
 * EvidenceVerifier} and the promissory notes in the deposit contract's EIP-712 domain ({@link
 * NoteSigner}), recomputes every window from the evidence's own timestamps ({@link CaseWindows}),
 * and follows the case from rule to verdict to amount to settlement ({@link CaseReplay}); with an
 * {@link AuditChain} it checks the settlement on chain ({@link ChainChecks}). Each check is
 * reported as it passes; the first that fails throws an {@link Inconsistency} naming it. Pure: the
 * chain is a port.
 */
public final class Auditor {
  /** A bundle that cannot be judged at all (not a bundle, another version, an unknown entry). */
  public static final class Unreadable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Unreadable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** One line of the audit's report. */
  public record Check(String name, String detail) {}

  private final Consumer<Check> out;

  /**
   * @param out receives each check as it passes
   */
  public Auditor(Consumer<Check> out) {
    this.out = Objects.requireNonNull(out, "out");
  }

  /**
   * Audits the bundle {@code file}: returns normally if every check passed (the case is
   * CONSISTENT).
   *
   * @param chain the chain to check the settlement on, or empty for an offline audit
   * @throws Inconsistency the first check that failed
   * @throws Unreadable the file is no bundle this audit can read
   */
  public void audit(byte[] file, Optional<AuditChain> chain) {
    Bundle b = read(file);
    Bundle.Facts f = b.facts();
    pass(
        "bundle-format",
        Bundle.FORMAT
            + " v"
            + Bundle.VERSION
            + ", case "
            + b.summary().id()
            + " ("
            + b.summary().kind()
            + " "
            + b.summary().subtaskIdHex()
            + "), "
            + b.entries().size()
            + " entries, canonical CBOR");
    Address signer;
    try {
      signer = b.signer();
    } catch (RuntimeException e) {
      throw new Inconsistency("bundle-signature", "the bundle's signature does not recover: " + e);
    }
    if (!signer.equals(f.concent())) {
      throw new Inconsistency(
          "bundle-signature",
          "the bundle is signed by " + signer + ", not by the Concent it names, " + f.concent());
    }
    pass("bundle-signature", "signed by Concent " + f.concent() + " over the body's bytes");
    MessageCodec codec = new MessageCodec(f.chainId(), 1 << 20);
    NoteSigner notes = new NoteSigner(f.chainId(), f.deposit());
    CaseReplay replay =
        new CaseReplay(
            b,
            codec,
            notes,
            new EvidenceVerifier(codec, notes, f.concent()),
            new CaseWindows(f.windows()),
            out);
    replay.run();
    if (chain.isPresent()) {
      new ChainChecks(b, replay.settlement(), replay.settledHash(), chain.get(), out).run();
    } else {
      pass("chain", "not checked (offline; run with --rpc URL to check the settlement on chain)");
    }
  }

  static Bundle read(byte[] file) {
    Bundle b;
    try {
      b = Bundle.read(file);
    } catch (RuntimeException e) {
      throw new Unreadable("not a bundle this audit can read: " + e.getMessage(), e);
    }
    if (!Arrays.equals(CanonicalCbor.encode(CanonicalCbor.decode(file)), file)) {
      throw new Unreadable("the bundle is not in canonical CBOR", null);
    }
    for (Entry e : b.entries()) {
      if (!CaseReplay.KINDS.contains(e.kind())) {
        throw new Unreadable(
            "entry kind '"
                + e.kind()
                + "' is unknown to this audit (a newer Concent's bundle?): it cannot judge it",
            null);
      }
    }
    return b;
  }

  private void pass(String name, String detail) {
    out.accept(new Check(name, detail));
  }

  // ------------------------------------------------------------------ shared helpers

  static String hex(byte[] b) {
    return "0x" + HexFormat.of().formatHex(b);
  }

  /** Opens a frame with the codec: layout, payload rules, and its signature on this chain. */
  static Envelope open(MessageCodec codec, byte[] frame, String where) {
    try {
      return codec.decode(frame);
    } catch (InvalidMessageException e) {
      throw new Inconsistency("envelope-signature", where + ": " + e.getMessage());
    } catch (RuntimeException e) {
      throw new Inconsistency("envelope-signature", where + " does not open: " + e);
    }
  }

  /** The evidence of a subtask case: its TaskToCompute and report, checked. */
  record Evidence(Signed<TaskToCompute> task, Signed<ReportComputedTask> report) {
    TaskToCompute ttc() {
      return task.payload();
    }

    ReportComputedTask rct() {
      return report.payload();
    }

    static Evidence of(ReportEvidence e) {
      return new Evidence(e.task(), e.report());
    }

    /** The case as Concent's answers are checked against (state and deadline do not matter). */
    SubtaskCase asCase() {
      return new SubtaskCase(
          ttc().subtaskId(),
          ttc().taskId(),
          ttc().requestor(),
          ttc().provider(),
          CaseState.REPORTED,
          0,
          task.envelope().timestamp(),
          ttc().deadline(),
          ttc().price(),
          rct().resultCid(),
          rct().size(),
          rct().structHash(),
          java.util.Map.of(),
          1);
    }
  }

  /** The verifier's refusal as an inconsistency. */
  static Inconsistency evidence(EvidenceException e, String where) {
    return new Inconsistency("evidence-chain", where + ": " + e.getMessage());
  }

  /** The settlement entry of a case, decoded. */
  record Owed(
      long settlementId,
      String useCase,
      Address payer,
      Address payee,
      BigInteger amount,
      long closureTime,
      List<SignedNote> notes) {
    static Owed of(Entry e) {
      Fields f = e.read();
      List<SignedNote> ns = new ArrayList<>();
      for (Object n : f.list("notes")) {
        ns.add(Entry.note(n));
      }
      return new Owed(
          f.integer("settlementId"),
          f.text("useCase"),
          f.address("payer"),
          f.address("payee"),
          f.amount("amount"),
          f.integer("closureTime"),
          ns);
    }
  }

  static boolean isPayment(CaseSummary s) {
    return s.kind() == CaseSummary.Kind.PAYMENT;
  }

  static void require(boolean ok, String check, String detail) {
    if (!ok) {
      throw new Inconsistency(check, detail);
    }
  }

  static PaymentEvidence paymentEvidence(EvidenceVerifier v, Envelope request, String where) {
    try {
      return v.forcePayment(request);
    } catch (EvidenceException e) {
      throw evidence(e, where);
    }
  }

  /** The same ids, in the same order. */
  static boolean sameIds(List<byte[]> a, List<byte[]> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!Arrays.equals(a.get(i), b.get(i))) {
        return false;
      }
    }
    return true;
  }

  static MessageType typeOf(Envelope e) {
    return e.type();
  }
}

package org.jgolem.concent.record;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.hashing.Keccak;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.identity.Secp256k1;
import org.jgolem.protocol.identity.Signature;

/**
 * A case's evidence bundle: one file an auditor can judge alone. The file is a {@link
 * CanonicalCbor} map of two byte strings, {@code body} and {@code signature}; the body is itself a
 * canonical CBOR map: the format and version, Concent's address, the chain id, the deposit
 * contract's address and deployment block, the windows Concent used, the case's summary and its
 * entries, in order. The signature is Concent's (secp256k1, r ‖ s ‖ v) over keccak256 of {@link
 * #DOMAIN} followed by the body's bytes. {@code docs/AUDITORS.md} specifies it byte for byte.
 *
 * @param facts who judged, on which chain and contract, with which windows
 * @param summary the case as listed
 * @param entries its record, in order
 * @param madeAt when the bundle was made (ms, Concent's clock)
 * @param body the body's bytes, as signed
 * @param signature 65 bytes
 */
public record Bundle(
    Facts facts,
    CaseSummary summary,
    List<Entry> entries,
    long madeAt,
    byte[] body,
    byte[] signature) {

  public static final String FORMAT = "jgolem-concent-audit-bundle";
  public static final long VERSION = 1;

  /** Prefixed to the body before hashing, so that the signature can mean nothing else. */
  public static final byte[] DOMAIN =
      "jgolem concent audit bundle v1\n".getBytes(StandardCharsets.US_ASCII);

  /**
   * What an auditor needs besides the case: Concent's address (the signer), the chain, the deposit
   * contract (the notes' EIP-712 domain, the settlement's events) and the block it was deployed in
   * (where the chain's record of settlements starts), and the windows Concent judged with.
   */
  public record Facts(
      Address concent, long chainId, Address deposit, long depositDeployedAt, Windows windows) {
    public Facts {
      Objects.requireNonNull(concent, "concent");
      Objects.requireNonNull(deposit, "deposit");
      Objects.requireNonNull(windows, "windows");
    }
  }

  public Bundle {
    Objects.requireNonNull(facts, "facts");
    Objects.requireNonNull(summary, "summary");
    entries = List.copyOf(entries);
    body = body.clone();
    signature = signature.clone();
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  // ------------------------------------------------------------------ making

  /** The bundle file of case {@code summary}, signed by {@code concent}. */
  public static byte[] make(
      Facts facts, CaseSummary summary, List<Entry> entries, long madeAt, NodeKey concent) {
    if (!concent.address().equals(facts.concent())) {
      throw new IllegalArgumentException(
          "the bundle names Concent " + facts.concent() + " but is signed by " + concent.address());
    }
    byte[] body = CanonicalCbor.encode(bodyMap(facts, summary, entries, madeAt));
    return file(body, concent.sign(digest(body)).toBytes());
  }

  /** The file of {@code body} with {@code signature}. */
  public static byte[] file(byte[] body, byte[] signature) {
    Map<String, Object> file = new LinkedHashMap<>();
    file.put("body", body);
    file.put("signature", signature);
    return CanonicalCbor.encode(file);
  }

  /** keccak256(DOMAIN ‖ body): what Concent signs. */
  public static byte[] digest(byte[] body) {
    byte[] in = new byte[DOMAIN.length + body.length];
    System.arraycopy(DOMAIN, 0, in, 0, DOMAIN.length);
    System.arraycopy(body, 0, in, DOMAIN.length, body.length);
    return Keccak.keccak256(in);
  }

  static Map<String, Object> bodyMap(Facts facts, CaseSummary c, List<Entry> entries, long madeAt) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("version", VERSION);
    m.put("concent", facts.concent().toString());
    m.put("chainId", facts.chainId());
    m.put("deposit", facts.deposit().toString());
    m.put("depositDeployedAt", facts.depositDeployedAt());
    m.put("windows", windows(facts.windows()));
    m.put("case", caseMap(c));
    List<Object> es = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      es.add(e.toMap());
    }
    m.put("entries", es);
    m.put("madeAt", madeAt);
    return m;
  }

  static Map<String, Object> windows(Windows w) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cmtMs", w.cmt().toMillis());
    m.put("fatMs", w.fat().toMillis());
    m.put("pdtMs", w.pdt().toMillis());
    m.put("mmttMs", w.mmtt().toMillis());
    m.put("matMs", w.mat().toMillis());
    m.put("downloadLeadInMs", w.downloadLeadIn().toMillis());
    m.put("uploadBytesPerSecond", w.uploadBytesPerSecond());
    return m;
  }

  static Map<String, Object> caseMap(CaseSummary c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", c.id());
    m.put("kind", c.kind().name());
    m.put("requestor", c.requestor().toString());
    m.put("provider", c.provider().toString());
    m.put("taskId", c.taskId());
    m.put("subtaskId", c.subtaskId());
    m.put("state", c.state());
    m.put("verdict", c.verdict());
    m.put("settlementTx", c.settlementTx());
    m.put("openedAt", c.openedAt());
    m.put("updatedAt", c.updatedAt());
    return m;
  }

  // ------------------------------------------------------------------ reading

  /**
   * Reads a bundle file: its layout, the body's format and version, every field's type. Does not
   * check the signature ({@link #signer}) nor anything the entries say (the auditor does).
   *
   * @throws IllegalArgumentException naming what is malformed
   */
  public static Bundle read(byte[] file) {
    Fields outer = Fields.of("the bundle file", CanonicalCbor.decode(file));
    requireOnly(outer, "body", "signature");
    byte[] body = outer.bytes("body");
    byte[] signature = outer.bytes("signature");
    if (signature.length != Signature.LENGTH) {
      throw new IllegalArgumentException(
          "the signature has " + signature.length + " bytes, not " + Signature.LENGTH);
    }
    Fields b = Fields.of("the bundle's body", CanonicalCbor.decode(body));
    if (!FORMAT.equals(b.text("format"))) {
      throw new IllegalArgumentException(
          "not a bundle of format " + FORMAT + ": " + b.text("format"));
    }
    if (b.integer("version") != VERSION) {
      throw new IllegalArgumentException(
          "bundle version " + b.integer("version") + ": this audit reads version " + VERSION);
    }
    Fields w = b.fields("windows");
    Windows windows =
        new Windows(
            Duration.ofMillis(w.integer("cmtMs")),
            Duration.ofMillis(w.integer("fatMs")),
            Duration.ofMillis(w.integer("pdtMs")),
            Duration.ofMillis(w.integer("mmttMs")),
            Duration.ofMillis(w.integer("matMs")),
            Duration.ofMillis(w.integer("downloadLeadInMs")),
            w.integer("uploadBytesPerSecond"));
    Facts facts =
        new Facts(
            b.address("concent"),
            b.integer("chainId"),
            b.address("deposit"),
            b.integer("depositDeployedAt"),
            windows);
    Fields c = b.fields("case");
    CaseSummary summary =
        new CaseSummary(
            c.integer("id"),
            CaseSummary.Kind.valueOf(c.text("kind")),
            c.address("requestor"),
            c.address("provider"),
            c.bytes("taskId"),
            c.bytes("subtaskId"),
            c.textOrNull("state"),
            c.textOrNull("verdict"),
            c.textOrNull("settlementTx"),
            c.integer("openedAt"),
            c.integer("updatedAt"));
    List<Entry> entries = new ArrayList<>();
    for (Object e : b.list("entries")) {
      entries.add(Entry.fromMap(e));
    }
    return new Bundle(facts, summary, entries, b.integer("madeAt"), body, signature);
  }

  /** Who signed the body: Concent, if it is {@link Facts#concent}. */
  public Address signer() {
    return Secp256k1.recover(digest(body), Signature.fromBytes(signature));
  }

  private static void requireOnly(Fields f, String... names) {
    for (String k : f.map().keySet()) {
      if (!List.of(names).contains(k)) {
        throw new IllegalArgumentException("the bundle file has an unknown field " + k);
      }
    }
  }
}

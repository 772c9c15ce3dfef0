package org.jgolem.concent.record;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jgolem.eth.Address;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.SignedNote;

/**
 * One entry of a case's record, appended in the transaction of what it records and never changed.
 * An entry is a flat map: {@code kind} (what it records), {@code at} (Concent's clock, ms) and the
 * fields of its kind; its bytes are that map in {@link CanonicalCbor}, stored and bundled as they
 * are. New kinds and new fields are added without a format change (additional verification will add
 * {@code resultCid}, {@code resourceCids}, {@code crops}, {@code scores}, {@code digests}); {@code
 * docs/AUDITORS.md} lists the kinds.
 *
 * <p>Addresses are lowercase 0x text, ids and frames bytes, amounts decimal text of token base
 * units (exact), times ms since the epoch (closure times seconds, as on chain).
 */
public record Entry(String kind, long at, Map<String, Object> fields) {
  /** A signed frame Concent received, exactly as received: a request or a party's answer. */
  public static final String RECEIVED = "received";

  /** A frame Concent signed and sent (a reply or a queued message), exactly as sent. */
  public static final String SENT = "sent";

  /** A rule Concent checked: its name, the times it used, and whether it held. */
  public static final String RULE = "rule";

  /** The case moved from one of Golem's states to another. */
  public static final String TRANSITION = "transition";

  /** Concent's decision of a use case: the outcome and the amount it names. */
  public static final String VERDICT = "verdict";

  /** The amount reserved on the payer's deposit when the case opened. */
  public static final String CLAIM = "claim";

  /** The reimbursement Concent owes: payer, payee, amount and the notes backing it. */
  public static final String SETTLEMENT = "settlement";

  /** The settlement's transaction was mined (its hash and block). */
  public static final String SETTLED = "settled";

  /** The chain refused the settlement for good; nobody was paid. */
  public static final String SETTLEMENT_FAILED = "settlementFailed";

  /** Concent's storage verified the uploaded result against its CID (use case 2). */
  public static final String UPLOADED = "uploaded";

  public Entry {
    Objects.requireNonNull(kind, "kind");
    Map<String, Object> copy = new LinkedHashMap<>(fields);
    if (copy.containsKey("kind") || copy.containsKey("at")) {
      throw new IllegalArgumentException("'kind' and 'at' are an entry's own fields");
    }
    fields = Collections.unmodifiableMap(copy);
  }

  // ------------------------------------------------------------------ bytes

  /** The entry as one map: {@code kind}, {@code at} and its fields. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>(fields);
    m.put("kind", kind);
    m.put("at", at);
    return m;
  }

  public byte[] encode() {
    return CanonicalCbor.encode(toMap());
  }

  /** The entry {@code map} holds; refuses a map without a text kind and an integer at. */
  public static Entry fromMap(Object value) {
    if (!(value instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("an entry must be a map");
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    map.forEach((k, v) -> fields.put((String) k, v));
    if (!(fields.remove("kind") instanceof String kind)) {
      throw new IllegalArgumentException("an entry needs a text 'kind'");
    }
    if (!(fields.remove("at") instanceof Long at)) {
      throw new IllegalArgumentException("entry '" + kind + "' needs an integer 'at'");
    }
    return new Entry(kind, at, fields);
  }

  public static Entry decode(byte[] bytes) {
    return fromMap(CanonicalCbor.decode(bytes));
  }

  // ------------------------------------------------------------------ reading fields

  /** The entry's fields, read with their types. */
  public Fields read() {
    return new Fields("entry '" + kind + "'", fields);
  }

  // ------------------------------------------------------------------ the kinds

  public static Entry received(long at, Address from, byte[] frame) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("from", from.toString());
    f.put("frame", frame.clone());
    return new Entry(RECEIVED, at, f);
  }

  public static Entry sent(long at, List<Address> to, byte[] frame) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("to", to.stream().map(Address::toString).toList());
    f.put("frame", frame.clone());
    return new Entry(SENT, at, f);
  }

  /**
   * Rule {@code name} checked at {@code now}: {@code inputs} are the values it read from the
   * evidence (timestamps, sizes), {@code bounds} the window edges it computed from them, {@code
   * held} whether the rule's condition held.
   */
  public static Entry rule(
      String name, long now, boolean held, Map<String, Long> inputs, Map<String, Long> bounds) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("rule", name);
    f.put("now", now);
    f.put("held", held);
    f.put("inputs", new LinkedHashMap<String, Object>(inputs));
    f.put("bounds", new LinkedHashMap<String, Object>(bounds));
    return new Entry(RULE, now, f);
  }

  public static Entry transition(long at, String from, String to) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("from", from);
    f.put("to", to);
    return new Entry(TRANSITION, at, f);
  }

  /** The use case's outcome; {@code amounts} by name (e.g. amount, or owed/paid/reimbursed). */
  public static Entry verdict(
      long at, String useCase, String outcome, Map<String, BigInteger> amounts) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("useCase", useCase);
    f.put("outcome", outcome);
    amounts.forEach((k, v) -> f.put(k, v.toString()));
    return new Entry(VERDICT, at, f);
  }

  public static Entry claim(
      long at,
      String useCase,
      Address payer,
      Address payee,
      byte[] subtaskId,
      BigInteger amount,
      BigInteger depositBalance,
      long timelock) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("useCase", useCase);
    f.put("payer", payer.toString());
    f.put("payee", payee.toString());
    f.put("subtaskId", subtaskId.clone());
    f.put("amount", amount.toString());
    f.put("depositBalance", depositBalance.toString());
    f.put("depositTimelock", timelock);
    return new Entry(CLAIM, at, f);
  }

  public static Entry settlement(
      long at,
      long settlementId,
      String useCase,
      Address payer,
      Address payee,
      BigInteger amount,
      long closureTime,
      List<SignedNote> notes) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("settlementId", settlementId);
    f.put("useCase", useCase);
    f.put("payer", payer.toString());
    f.put("payee", payee.toString());
    f.put("amount", amount.toString());
    f.put("closureTime", closureTime);
    List<Object> ns = new ArrayList<>();
    for (SignedNote n : notes) {
      ns.add(note(n));
    }
    f.put("notes", ns);
    return new Entry(SETTLEMENT, at, f);
  }

  public static Entry settled(long at, long settlementId, String transactionHash, long block) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("settlementId", settlementId);
    f.put("transactionHash", transactionHash);
    f.put("blockNumber", block);
    return new Entry(SETTLED, at, f);
  }

  public static Entry settlementFailed(long at, long settlementId, String reason) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("settlementId", settlementId);
    f.put("reason", reason);
    return new Entry(SETTLEMENT_FAILED, at, f);
  }

  public static Entry uploaded(long at, String cid) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("cid", cid);
    return new Entry(UPLOADED, at, f);
  }

  /** A signed promissory note as a map. */
  public static Map<String, Object> note(SignedNote sn) {
    PromissoryNote n = sn.note();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("payer", n.payer().toString());
    m.put("payee", n.payee().toString());
    m.put("amount", n.amount().toString());
    m.put("subtaskId", n.subtaskId());
    m.put("purpose", n.purpose().name());
    m.put("v", (long) sn.v());
    m.put("r", sn.r());
    m.put("s", sn.s());
    return m;
  }

  /** The signed note {@code m} holds. */
  public static SignedNote note(Object m) {
    Fields e = Fields.of("note", m);
    return new SignedNote(
        new PromissoryNote(
            e.address("payer"),
            e.address("payee"),
            e.amount("amount"),
            e.bytes("subtaskId"),
            org.jgolem.protocol.notes.Purpose.valueOf(e.text("purpose"))),
        (int) e.integer("v"),
        e.bytes("r"),
        e.bytes("s"));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Entry e && java.util.Arrays.equals(encode(), e.encode());
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(encode());
  }

  @Override
  public String toString() {
    return "Entry[" + kind + " at " + at + "]";
  }
}

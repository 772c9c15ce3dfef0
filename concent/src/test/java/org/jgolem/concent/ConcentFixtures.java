package org.jgolem.concent;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.RejectReportComputedTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.ResourceLimits;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;

/**
 * Real keys, the real codec and real notes, for Concent's tests (after protocol's test Fixtures,
 * which are not published as a test-jar): builds the signed frames of one subtask's story.
 */
public final class ConcentFixtures {
  public static final long CHAIN_ID = 31337;
  public static final int MAX_PAYLOAD = 1 << 20;
  public static final long T0 = 1_700_000_000_000L;
  public static final BigInteger PRICE = new BigInteger("1500000000000000000");
  public static final long SIZE = 12_345_678;

  public static final NodeKey REQUESTOR =
      NodeKey.fromPrivateKey(
          new BigInteger("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", 16));
  public static final NodeKey PROVIDER =
      NodeKey.fromPrivateKey(
          new BigInteger("8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f", 16));
  public static final NodeKey CONCENT =
      NodeKey.fromPrivateKey(
          new BigInteger("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d", 16));
  public static final NodeKey STRANGER =
      NodeKey.fromPrivateKey(
          new BigInteger("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a", 16));
  public static final Address DEPOSIT = Address.of("0x5fbdb2315678afecb367f032d93f642f64180aa3");

  private static final SecureRandom RANDOM = new SecureRandom();

  private final long chainId;
  private final MessageCodec codec;
  private final NoteSigner notes;

  public ConcentFixtures() {
    this(CHAIN_ID, DEPOSIT);
  }

  /** Frames of another chain or deposit contract: for the cross-chain refusals. */
  public ConcentFixtures(long chainId, Address depositContract) {
    this.chainId = chainId;
    this.codec = new MessageCodec(chainId, MAX_PAYLOAD);
    this.notes = new NoteSigner(chainId, depositContract);
  }

  public long chainId() {
    return chainId;
  }

  public MessageCodec codec() {
    return codec;
  }

  public NoteSigner notes() {
    return notes;
  }

  /** {@code payload} signed by {@code key} at {@code timestamp}, with a random message id. */
  public byte[] frame(Payload payload, NodeKey key, long timestamp) {
    byte[] id = new byte[Envelope.MESSAGE_ID_LENGTH];
    RANDOM.nextBytes(id);
    return codec.encode(codec.seal(payload, key, timestamp, id));
  }

  public Envelope open(byte[] frame) {
    return codec.decode(frame);
  }

  public static byte[] bytes32(int first) {
    byte[] b = new byte[32];
    for (int i = 0; i < 32; i++) {
      b[i] = (byte) (first + i);
    }
    return b;
  }

  /** One subtask's signed TaskToCompute (at {@code assignedAt}) and its provider's report. */
  public record Subtask(
      TaskToCompute ttc,
      byte[] ttcFrame,
      long assignedAt,
      ReportComputedTask rct,
      byte[] rctFrame) {
    public byte[] subtaskId() {
      return ttc.subtaskId();
    }

    public long deadline() {
      return ttc.deadline();
    }
  }

  /** Subtask {@code n} between REQUESTOR and PROVIDER, assigned at T0, due one hour later. */
  public Subtask subtask(int n) {
    return subtask(n, PRICE, T0, T0 + 3_600_000);
  }

  public Subtask subtask(int n, BigInteger price, long assignedAt, long deadline) {
    return subtask(bytes32(n), price, assignedAt, deadline);
  }

  /** Subtask {@code subtaskId} (32 bytes) between REQUESTOR and PROVIDER: any number of them. */
  public Subtask subtask(byte[] subtaskId, BigInteger price, long assignedAt, long deadline) {
    TaskToCompute ttc = taskToCompute(subtaskId, price, deadline, REQUESTOR, PROVIDER, notes);
    byte[] ttcFrame = frame(ttc, REQUESTOR, assignedAt);
    ReportComputedTask rct = report(ttc);
    return new Subtask(ttc, ttcFrame, assignedAt, rct, frame(rct, PROVIDER, assignedAt + 60_000));
  }

  public static ReportComputedTask report(TaskToCompute ttc) {
    return ReportComputedTask.answering(
        ttc,
        "bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u",
        bytes32(0x44),
        SIZE,
        42);
  }

  /** A TaskToCompute whose notes are signed by {@code requestor} with {@code signer}. */
  public static TaskToCompute taskToCompute(
      int n,
      BigInteger price,
      long deadline,
      NodeKey requestor,
      NodeKey provider,
      NoteSigner signer) {
    return taskToCompute(bytes32(n), price, deadline, requestor, provider, signer);
  }

  /** The same for subtask {@code sid} (32 bytes). */
  public static TaskToCompute taskToCompute(
      byte[] sid,
      BigInteger price,
      long deadline,
      NodeKey requestor,
      NodeKey provider,
      NoteSigner signer) {
    WireNote providerNote =
        WireNote.of(
            signer.sign(
                new PromissoryNote(
                    requestor.address(), provider.address(), price, sid, Purpose.SUBTASK_PAYMENT),
                requestor.keyPair()));
    WireNote concentNote =
        WireNote.of(
            signer.sign(
                new PromissoryNote(
                    requestor.address(),
                    DEPOSIT,
                    BigInteger.valueOf(10_000_000_000_000_000L),
                    sid,
                    Purpose.VERIFICATION_COST),
                requestor.keyPair()));
    return new TaskToCompute(
        bytes32(0x11),
        sid,
        requestor.address(),
        provider.address(),
        price,
        deadline,
        new SubtaskDefinition(
            "wasm",
            "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
            "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
            "main",
            List.of("--frames", "10-19"),
            List.of("out/frame-*.png"),
            new ResourceLimits(2, 1024, 600, 64L << 20)),
        providerNote,
        concentNote);
  }

  public byte[] ack(Subtask s, long at) {
    return frame(new AckReportComputedTask(s.rct().structHash(), s.subtaskId()), REQUESTOR, at);
  }

  public byte[] reject(Subtask s, long at) {
    return frame(
        new RejectReportComputedTask(
            s.rct().structHash(), s.subtaskId(), RejectReportComputedTask.Reason.CANNOT_COMPUTE),
        REQUESTOR,
        at);
  }

  public SubtaskResultsAccepted acceptance(Subtask s, long paymentTsSeconds) {
    return new SubtaskResultsAccepted(
        s.rct().structHash(),
        s.subtaskId(),
        REQUESTOR.address(),
        PROVIDER.address(),
        s.ttc().price(),
        paymentTsSeconds);
  }

  public byte[] accepted(Subtask s, long paymentTsSeconds, long at) {
    return frame(acceptance(s, paymentTsSeconds), REQUESTOR, at);
  }

  public byte[] rejected(Subtask s, long at) {
    return frame(
        new SubtaskResultsRejected(
            s.rct().structHash(),
            s.subtaskId(),
            REQUESTOR.address(),
            PROVIDER.address(),
            SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE,
            "frame 13 differs"),
        REQUESTOR,
        at);
  }
}

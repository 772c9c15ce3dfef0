package org.jgolem.node.concent;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.ResourceLimits;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.testkit.FakeClock;

/** Keys, signed messages and fakes of the ports for the tests of this package. */
public final class ConcentFixture {
  static final long CHAIN = 1337;
  static final BigInteger PRICE = BigInteger.TEN.pow(16);

  final FakeClock clock = new FakeClock(1_000_000_000L);
  final NodeKey requestor = NodeKey.generate();
  final NodeKey provider = NodeKey.generate();
  final NodeKey concent = NodeKey.generate();
  final Address deposit = NodeKey.generate().address();
  final MessageCodec codec = new MessageCodec(CHAIN, 1 << 20);
  private int subtasks;

  Envelope seal(Payload p, NodeKey by) {
    return codec.seal(p, by, clock);
  }

  public ConcentMessage fromConcent(Payload p) {
    Envelope e = seal(p, concent);
    return new ConcentMessage(e, codec.encode(e));
  }

  /** A TaskToCompute of a fresh subtask, its deadline {@code deadlineIn} from now. */
  TaskToCompute ttc(Duration deadlineIn) {
    byte[] sid = ByteBuffer.allocate(32).putInt(28, ++subtasks).array();
    byte[] tid = ByteBuffer.allocate(32).putInt(28, 7).array();
    NoteSigner notes = new NoteSigner(CHAIN, deposit);
    WireNote pay =
        WireNote.of(
            notes.sign(
                new PromissoryNote(
                    requestor.address(), provider.address(), PRICE, sid, Purpose.SUBTASK_PAYMENT),
                requestor.keyPair()));
    WireNote comm =
        WireNote.of(
            notes.sign(
                new PromissoryNote(
                    requestor.address(), deposit, BigInteger.ONE, sid, Purpose.VERIFICATION_COST),
                requestor.keyPair()));
    return new TaskToCompute(
        tid,
        sid,
        requestor.address(),
        provider.address(),
        PRICE,
        clock.millis() + deadlineIn.toMillis(),
        new SubtaskDefinition(
            "wasm",
            "sha256:" + "ab".repeat(32),
            "cid",
            "p.js",
            List.of(),
            List.of(),
            new ResourceLimits(1, 256, 60, 1 << 20),
            List.of()),
        pay,
        comm);
  }

  /** The header of the task {@link #ttc} assigns subtasks of, announced with Concent or not. */
  TaskHeader header(boolean concentOn) {
    return TaskHeader.signed(
        ByteBuffer.allocate(32).putInt(28, 7).array(),
        requestor,
        new NodeRecord(requestor.address(), "127.0.0.1", 4000),
        "wasm",
        "bafybeiprogram",
        PRICE,
        2,
        60,
        clock.millis() + 3_600_000,
        64,
        1,
        concentOn,
        new MessageHasher(CHAIN));
  }

  static ReportComputedTask report(TaskToCompute ttc, long size) {
    return ReportComputedTask.answering(ttc, "bafy-result", new byte[32], size, 5);
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  /** Both stores in memory. */
  public static final class MemoryStores implements EvidenceStore, ConcentStates {
    final Map<String, Map<MessageType, byte[]>> frames = new HashMap<>();
    final Map<String, ConcentStatus> states = new LinkedHashMap<>();
    final List<String> history = new ArrayList<>();

    @Override
    public synchronized void put(String subtaskId, MessageType type, byte[] frame) {
      frames
          .computeIfAbsent(subtaskId, k -> new EnumMap<>(MessageType.class))
          .putIfAbsent(type, frame.clone());
    }

    @Override
    public synchronized Optional<byte[]> get(String subtaskId, MessageType type) {
      return Optional.ofNullable(frames.getOrDefault(subtaskId, Map.of()).get(type));
    }

    @Override
    public synchronized Map<MessageType, byte[]> all(String subtaskId) {
      return Map.copyOf(frames.getOrDefault(subtaskId, Map.of()));
    }

    @Override
    public synchronized void set(String subtaskId, ConcentStatus status) {
      states.put(subtaskId, status);
      history.add(subtaskId + " " + status.label());
    }

    @Override
    public synchronized Optional<ConcentStatus> get(String subtaskId) {
      return Optional.ofNullable(states.get(subtaskId));
    }

    @Override
    public synchronized Map<String, ConcentStatus> all() {
      return Map.copyOf(states);
    }

    public ConcentState state(String id) {
      return get(id).map(ConcentStatus::state).orElse(ConcentState.NONE);
    }
  }

  /** Concent as a test drives it: what was sent, what waits to be delivered, what was acked. */
  public static final class FakePort implements ConcentPort {
    public final List<Payload> sent = new ArrayList<>();
    final Deque<Delivery> inbox = new ArrayDeque<>();
    final List<String> acked = new ArrayList<>();
    final List<String> uploads = new ArrayList<>();
    final AtomicInteger receives = new AtomicInteger();

    /** Fails this many calls (as an unreachable Concent) before answering again. */
    int failures;

    /** Concent's immediate answer to the next send, if any. */
    ConcentMessage answer;

    private int deliveries;

    void deliver(ConcentMessage m) {
      byte[] id = ByteBuffer.allocate(16).putInt(12, ++deliveries).array();
      inbox.add(new Delivery(id, m));
    }

    private void maybeFail() throws ConcentException {
      if (failures > 0) {
        failures--;
        throw new ConcentException("Concent unreachable (test)");
      }
    }

    @Override
    public Optional<ConcentMessage> send(Payload request) throws ConcentException {
      maybeFail();
      sent.add(request);
      ConcentMessage a = answer;
      answer = null;
      return Optional.ofNullable(a);
    }

    @Override
    public List<Delivery> receive() throws ConcentException {
      receives.incrementAndGet();
      maybeFail();
      return List.copyOf(inbox);
    }

    @Override
    public void ack(List<byte[]> deliveryIds) throws ConcentException {
      maybeFail();
      for (byte[] id : deliveryIds) {
        acked.add(hex(id));
        inbox.removeIf(d -> java.util.Arrays.equals(d.id(), id));
      }
    }

    @Override
    public Windows times() {
      return Windows.golem();
    }

    @Override
    public void uploadResult(String subtaskId, String cid) throws ConcentException {
      maybeFail();
      uploads.add(subtaskId + " " + cid);
    }

    @Override
    public Path downloadResult(String subtaskId, String cid) throws ConcentException {
      maybeFail();
      return Path.of("/concent", cid);
    }
  }
}

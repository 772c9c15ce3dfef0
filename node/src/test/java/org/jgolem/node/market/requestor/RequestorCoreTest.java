package org.jgolem.node.market.requestor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jgolem.compute.MemoryFolder;
import org.jgolem.eth.Address;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.Pricing;
import org.jgolem.node.market.requestor.RequestorModel.Assignment;
import org.jgolem.node.market.requestor.RequestorModel.AssignmentState;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.SubtaskState;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.jgolem.node.market.requestor.RequestorModel.TaskState;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.CannotAssignTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.ResourceLimits;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WantToComputeTask;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.jgolem.tasks.PlannedSubtask;
import org.jgolem.tasks.TaskPlan;
import org.jgolem.tasks.Verdict;
import org.jgolem.tasks.definition.TaskFile;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The requestor's state machine alone: no threads, no network, no disk. Events go in as calls, what
 * it decides comes out through a recording {@link RequestorEffects}; time is a {@link FakeClock}.
 */
@Timeout(30)
class RequestorCoreTest {
  static final long CHAIN = 1337;
  static final String IMAGE = "sha256:" + "ab".repeat(32);
  static final BigInteger BID = BigInteger.TEN.pow(16);

  final FakeClock clock = new FakeClock(1_000_000);
  final NodeKey key = NodeKey.generate();
  final MarketConfig config = MarketConfig.defaults(CHAIN, NodeKey.generate().address());
  final Reputation reputation = new Reputation(Reputation.inMemory());
  final Recorder effects = new Recorder();
  final RequestorCore core =
      new RequestorCore(
          effects,
          new OfferPolicy(config, reputation),
          new AssignmentSigner(key, config, new SecureRandom()),
          reputation,
          clock,
          Duration.ofMillis(700),
          new HashMap<>());

  /** What the core asked of the world, in order. */
  static final class Recorder implements RequestorEffects {
    final List<Sent> sent = new ArrayList<>();
    final List<String> log = new ArrayList<>();
    final List<Assignment> fetched = new ArrayList<>();
    final List<Assignment> paid = new ArrayList<>();
    final List<Task> merges = new ArrayList<>();
    final Map<Address, Peer> peers = new HashMap<>();

    record Sent(Address to, Payload payload) {}

    @Override
    public void send(Peer peer, Payload p) {
      sent.add(new Sent(peer.id(), p));
    }

    @Override
    public void send(Address provider, Payload p) {
      sent.add(new Sent(provider, p));
    }

    @Override
    public Optional<Peer> activePeer(Address provider) {
      return Optional.ofNullable(peers.get(provider));
    }

    @Override
    public void changed(Task t, Subtask s, Assignment a) {}

    @Override
    public void paymentDue(Task t, Assignment a, long at) {
      log.add("paymentDue " + a.idHex() + " while " + a.state);
      paid.add(a);
    }

    @Override
    public void announce(TaskHeader header) {
      log.add("announce");
    }

    @Override
    public void withdraw(Task t) {
      log.add("withdraw");
    }

    @Override
    public void fetch(Task t, Subtask s, Assignment a, List<URI> from) {
      fetched.add(a);
    }

    @Override
    public boolean recompute(Task t, Subtask s) {
      return false;
    }

    @Override
    public void merge(Task t, Map<String, Path> accepted, List<ResultVerifier.KeptResult> kept) {
      merges.add(t);
    }

    <T extends Payload> List<T> of(Class<T> type) {
      return sent.stream().map(Sent::payload).filter(type::isInstance).map(type::cast).toList();
    }
  }

  record FakePeer(Address id) implements Peer {
    @Override
    public NodeRecord record() {
      return new NodeRecord(id, "127.0.0.1", 1);
    }

    @Override
    public List<String> capabilities() {
      return List.of();
    }

    @Override
    public boolean outbound() {
      return false;
    }

    @Override
    public boolean isActive() {
      return true;
    }

    @Override
    public CompletableFuture<Void> send(Envelope envelope) {
      throw new UnsupportedOperationException("the core sends through its effects");
    }

    @Override
    public CompletableFuture<Void> send(Payload payload) {
      throw new UnsupportedOperationException("the core sends through its effects");
    }

    @Override
    public void disconnect(Disconnect.Reason reason) {}
  }

  static PlannedSubtask subtask(String name) {
    return new PlannedSubtask(
        name,
        Path.of("/nowhere", name),
        "wasm",
        IMAGE,
        "p.js",
        List.of(),
        List.of(),
        new ResourceLimits(1, 256, 60, 1 << 20));
  }

  /** A computing task of {@code n} published subtasks, added to the core. */
  Task task(int n, int redundancy) {
    List<PlannedSubtask> planned = new ArrayList<>();
    for (int i = 0; i < n; i++) planned.add(subtask("s" + i));
    TaskFile.Verification v = new TaskFile.Verification(redundancy, 0);
    TaskFile file =
        new TaskFile(
            Path.of("/nowhere/task.json"),
            "wasm",
            "unit",
            Duration.ofMinutes(10),
            Duration.ofMinutes(1),
            Optional.of(n),
            BID,
            List.of(),
            JsonNodeFactory.instance.objectNode(),
            false,
            Optional.of(v));
    TaskPlan plan =
        new TaskPlan() {
          @Override
          public TaskFile file() {
            return file;
          }

          @Override
          public List<PlannedSubtask> subtasks() {
            return planned;
          }

          @Override
          public TaskFile.Verification defaultVerification() {
            return v;
          }

          @Override
          public Verdict check(PlannedSubtask subtask, Path result) {
            throw new AssertionError("the core does not check results itself");
          }

          @Override
          public Path merge(Map<String, Path> accepted) {
            throw new AssertionError("the core does not merge itself");
          }
        };
    byte[] id = new byte[32];
    new SecureRandom().nextBytes(id);
    TaskHeader header =
        TaskHeader.signed(
            id,
            key,
            new NodeRecord(key.address(), "127.0.0.1", 1),
            "wasm",
            IMAGE,
            BID,
            n,
            60,
            clock.millis() + 600_000,
            256,
            1,
            false,
            new MessageHasher(CHAIN));
    Task t = new Task(id, file, plan, header, v, clock.millis(), Path.of("/nowhere/work"));
    for (PlannedSubtask s : planned)
      t.subtasks.put(s.name(), new Subtask(s, "cid-" + s.name(), false));
    core.add(t);
    return t;
  }

  Envelope envelope(Address sender, Payload p) {
    return new Envelope(1, p.type(), sender, clock.millis(), new byte[16], new byte[0], p, null);
  }

  /**
   * A provider offers for {@code t} at {@code price} per hour; returns the TaskToCompute it got, if
   * any.
   */
  Optional<TaskToCompute> offer(Task t, Address provider, BigInteger price) {
    int before = effects.sent.size();
    core.onWant(
        new FakePeer(provider),
        envelope(
            provider,
            new WantToComputeTask(
                t.header.taskId(),
                provider,
                price,
                1000,
                1,
                1024,
                new NodeRecord(provider, "127.0.0.1", 2),
                List.of("wasm"))));
    return effects.sent.subList(before, effects.sent.size()).stream()
        .map(Recorder.Sent::payload)
        .filter(TaskToCompute.class::isInstance)
        .map(TaskToCompute.class::cast)
        .findFirst();
  }

  ReportComputedTask report(TaskToCompute ttc) {
    ReportComputedTask r =
        ReportComputedTask.answering(
            ttc, "bafy-" + ttc.provider().hex().substring(2, 10), new byte[32], 10, 5);
    core.onReport(new FakePeer(ttc.provider()), envelope(ttc.provider(), r));
    return r;
  }

  Assignment assignment(Task t, TaskToCompute ttc) {
    return t.subtasks.values().stream()
        .flatMap(s -> s.assignments.stream())
        .filter(a -> java.util.Arrays.equals(a.id, ttc.subtaskId()))
        .findFirst()
        .orElseThrow();
  }

  /** The verifier's outcome: the result checked and found good, with digest {@code d}. */
  void checked(Task t, TaskToCompute ttc, int d) {
    Assignment a = assignment(t, ttc);
    byte[] digest = new byte[32];
    digest[0] = (byte) d;
    core.judge()
        .checked(
            t,
            t.subtasks.get(a.subtask),
            a,
            Path.of("/nowhere/result"),
            (MemoryFolder) null,
            Verdict.OK,
            digest);
  }

  static Address provider() {
    return NodeKey.generate().address();
  }

  @Test
  void anOfferGetsTheFirstSubtaskAndTheNextOfferOfTheSameProviderGetsTheNext() {
    Task t = task(2, 1);
    Address p = provider();
    TaskToCompute first = offer(t, p, BID).orElseThrow();
    assertThat(assignment(t, first).subtask).isEqualTo("s0");
    assertThat(t.subtasks.get("s0").state).isEqualTo(SubtaskState.COMPUTING);
    TaskToCompute second = offer(t, p, BID).orElseThrow();
    assertThat(assignment(t, second).subtask).isEqualTo("s1");
    assertThat(offer(t, p, BID)).isEmpty();
    assertThat(effects.of(CannotAssignTask.class))
        .extracting(CannotAssignTask::reason)
        .containsExactly(CannotAssignTask.Reason.NO_MORE_SUBTASKS);
    // the price is the provider's, for the subtask's timeout
    assertThat(first.price()).isEqualTo(Pricing.subtaskPrice(BID, 60));
  }

  @Test
  void anOfferAboveTheBidIsRefused() {
    Task t = task(1, 1);
    assertThat(offer(t, provider(), BID.add(BigInteger.ONE))).isEmpty();
    assertThat(effects.of(CannotAssignTask.class))
        .extracting(CannotAssignTask::reason)
        .containsExactly(CannotAssignTask.Reason.OFFER_REJECTED);
  }

  @Test
  void aCheckedResultIsPaidBeforeItIsAcceptedAndTheTaskIsMergedAndEnds() {
    Task t = task(1, 1);
    TaskToCompute ttc = offer(t, provider(), BID).orElseThrow();
    report(ttc);
    assertThat(effects.fetched).hasSize(1);
    checked(t, ttc, 1);
    Assignment a = assignment(t, ttc);
    assertThat(a.state).isEqualTo(AssignmentState.ACCEPTED);
    assertThat(effects.log).contains("paymentDue " + a.idHex() + " while CHECKED");
    assertThat(effects.of(SubtaskResultsAccepted.class)).hasSize(1);
    assertThat(effects.merges).containsExactly(t);
    assertThat(t.detail).isEqualTo("merging");
    core.judge().merged(t, Path.of("/nowhere/out"));
    assertThat(t.state).isEqualTo(TaskState.FINISHED);
    assertThat(effects.log).last().isEqualTo("withdraw");
  }

  @Test
  void aReportIsAcknowledgedAfterTheAckDelayOnlyIfNoVerdictWentOutBefore() {
    Task t = task(2, 1);
    Address p = provider();
    TaskToCompute slow = offer(t, p, BID).orElseThrow();
    TaskToCompute fast = offer(t, p, BID).orElseThrow();
    report(slow);
    report(fast);
    checked(t, fast, 2); // a verdict within the delay answers the report by itself
    clock.advance(Duration.ofMillis(699));
    core.tick();
    assertThat(effects.of(AckReportComputedTask.class)).as("not yet").isEmpty();
    clock.advance(Duration.ofMillis(1));
    core.tick();
    assertThat(effects.of(AckReportComputedTask.class))
        .extracting(ack -> java.util.HexFormat.of().formatHex(ack.subtaskId()))
        .containsExactly(java.util.HexFormat.of().formatHex(slow.subtaskId()));
  }

  @Test
  void withRedundancyTwoTheDigestTwoProvidersAgreeOnIsAcceptedAndTheOtherRejected() {
    Task t = task(1, 2);
    Address honest1 = provider();
    Address liar = provider();
    Address honest2 = provider();
    TaskToCompute a = offer(t, honest1, BID).orElseThrow();
    TaskToCompute b = offer(t, liar, BID).orElseThrow();
    assertThat(offer(t, honest2, BID)).as("two providers hold it already").isEmpty();
    report(a);
    report(b);
    checked(t, a, 1);
    checked(t, b, 9);
    assertThat(t.subtasks.get("s0").state)
        .as("no agreement yet")
        .isNotEqualTo(SubtaskState.ACCEPTED);
    TaskToCompute c = offer(t, honest2, BID).orElseThrow();
    report(c);
    checked(t, c, 1);
    assertThat(assignment(t, a).state).isEqualTo(AssignmentState.ACCEPTED);
    assertThat(assignment(t, c).state).isEqualTo(AssignmentState.ACCEPTED);
    assertThat(assignment(t, b).state).isEqualTo(AssignmentState.REJECTED);
    assertThat(effects.paid)
        .extracting(x -> x.provider)
        .containsExactlyInAnyOrder(honest1, honest2);
    assertThat(effects.of(SubtaskResultsRejected.class))
        .extracting(SubtaskResultsRejected::provider)
        .containsExactly(liar);
    assertThat(reputation.counters(Reputation.Role.PROVIDER, liar).wrong()).isPositive();
    assertThat(t.subtasks.get("s0").state).isEqualTo(SubtaskState.ACCEPTED);
  }

  @Test
  void anAssignmentNotReportedByItsDeadlineTimesOutOnTheTickAfterItAndTheSubtaskIsOpenAgain() {
    Task t = task(1, 1);
    Address slow = provider();
    TaskToCompute ttc = offer(t, slow, BID).orElseThrow();
    Assignment a = assignment(t, ttc);
    clock.set(a.deadline);
    core.tick();
    assertThat(a.state).as("at the deadline itself").isEqualTo(AssignmentState.ASSIGNED);
    clock.advance(Duration.ofMillis(1));
    core.tick();
    assertThat(a.state).isEqualTo(AssignmentState.TIMED_OUT);
    assertThat(t.subtasks.get("s0").state).isEqualTo(SubtaskState.PENDING);
    assertThat(offer(t, provider(), BID)).as("another provider takes it").isPresent();
  }

  @Test
  void aTaskPastItsDeadlineTimesOutAndItsOpenAssignmentsAreCancelled() {
    Task t = task(1, 1);
    TaskToCompute ttc = offer(t, provider(), BID).orElseThrow();
    clock.set(t.header.deadline() + 1);
    core.tick();
    assertThat(t.state).isEqualTo(TaskState.TIMED_OUT);
    assertThat(effects.log).contains("withdraw");
    // the assignment's own deadline (a minute and the transfer slack) passed first: timed out, not
    // cancelled
    assertThat(assignment(t, ttc).state.open()).isFalse();
  }

  @Test
  void aReportRepeatedAfterItsAcceptanceIsAnsweredWithTheSameAcceptance() {
    Task t = task(1, 1);
    TaskToCompute ttc = offer(t, provider(), BID).orElseThrow();
    ReportComputedTask r = report(ttc);
    checked(t, ttc, 1);
    clock.advance(Duration.ofSeconds(5));
    core.onReport(new FakePeer(ttc.provider()), envelope(ttc.provider(), r));
    assertThat(effects.of(SubtaskResultsAccepted.class))
        .hasSize(2)
        .extracting(SubtaskResultsAccepted::paymentTs)
        .containsOnly(assignment(t, ttc).acceptedAt / 1000);
    assertThat(effects.paid).as("the payment is handed on once").hasSize(1);
  }
}

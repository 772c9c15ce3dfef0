package org.jgolem.concent.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.concent.ConcentFixtures.CONCENT;
import static org.jgolem.concent.ConcentFixtures.PRICE;
import static org.jgolem.concent.ConcentFixtures.T0;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.api.ConcentApi.SendResult;
import org.jgolem.concent.time.CaseWindows;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.concent.ConcentDelivery;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.testkit.FakeClock;

/**
 * One Concent on a fake clock, an in-memory store and fake chain ports, with the nodes' side of the
 * conversation: send a signed request, read the reply, collect the deliveries.
 */
class Harness {
  final ConcentFixtures fx = new ConcentFixtures();
  final FakeClock clock = new FakeClock(T0);
  final InMemoryConcentStore store = new InMemoryConcentStore();
  final FakeDeposits deposits = new FakeDeposits();
  final FakePayments payments = new FakePayments();
  final Windows windows = Windows.golem();
  final CaseWindows w = new CaseWindows(windows);
  final ConcentService service =
      new ConcentService(
          fx.codec(), CONCENT, fx.notes(), windows, clock, store, deposits, payments);

  /** {@code payload} signed by {@code key} now, sent by {@code key}'s node. */
  SendResult send(NodeKey key, Payload payload) {
    return service.send(key.address(), fx.frame(payload, key, clock.millis()));
  }

  SendResult sendFrame(NodeKey key, byte[] frame) {
    return service.send(key.address(), frame);
  }

  /** The reply, opened and checked to be Concent's. */
  Payload reply(SendResult r) {
    Envelope e = fx.open(r.reply().orElseThrow(() -> new AssertionError("no reply: queued")));
    assertThat(e.sender()).isEqualTo(CONCENT.address());
    return e.payload();
  }

  ServiceRefused refusal(SendResult r) {
    Payload p = reply(r);
    assertThat(p).isInstanceOf(ServiceRefused.class);
    return (ServiceRefused) p;
  }

  /** Receives for {@code key} and acknowledges everything: the frames delivered, in order. */
  List<byte[]> drainFrames(NodeKey key) {
    Optional<byte[]> got = service.receive(key.address(), List.of());
    if (got.isEmpty()) {
      return List.of();
    }
    Envelope e = fx.open(got.get());
    assertThat(e.sender()).isEqualTo(CONCENT.address());
    ConcentDelivery d = e.payload(ConcentDelivery.class);
    assertThat(d.recipient()).isEqualTo(key.address());
    service.receive(key.address(), d.deliveryIds());
    return d.messages();
  }

  /** Receives for {@code key}, acknowledging everything: the messages delivered, opened. */
  List<Envelope> drain(NodeKey key) {
    List<Envelope> out = new ArrayList<>();
    for (byte[] f : drainFrames(key)) {
      out.add(fx.open(f));
    }
    return out;
  }

  static final class FakeDeposits implements DepositBook {
    private final Map<Address, DepositStatus> byOwner = new HashMap<>();
    DepositStatus fallback = new DepositStatus(PRICE.multiply(BigInteger.valueOf(100)), 0);
    int reads;

    void set(NodeKey owner, BigInteger balance, long timelock) {
      byOwner.put(owner.address(), new DepositStatus(balance, timelock));
    }

    @Override
    public DepositStatus status(Address owner) {
      reads++;
      DepositStatus s = byOwner.getOrDefault(owner, fallback);
      if (s == null) {
        throw new IllegalStateException("the chain does not answer");
      }
      return s;
    }
  }

  static final class FakePayments implements PaymentHistory {
    BigInteger paid = BigInteger.ZERO;
    long lastSince = -1;
    int reads;

    @Override
    public BigInteger batchPaidSince(Address requestor, Address provider, long sinceSeconds) {
      reads++;
      lastSince = sinceSeconds;
      return paid;
    }
  }
}

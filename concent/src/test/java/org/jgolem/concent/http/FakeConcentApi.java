package org.jgolem.concent.http;

import java.math.BigInteger;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import org.jgolem.concent.api.ConcentApi;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ConcentDelivery;
import org.jgolem.protocol.messages.concent.ServiceRefused;

/**
 * A ConcentApi for transport tests: it records what it is given, answers as told, keeps a queue of
 * frames per client for receive, and expects the uploads and downloads it is told of.
 */
final class FakeConcentApi implements ConcentApi {
  record Sent(Address client, byte[] frame) {}

  final NodeKey concentKey;
  final MessageCodec codec;
  final Clock clock;
  final List<Sent> sent = new CopyOnWriteArrayList<>();
  final List<List<byte[]>> acksSeen = new CopyOnWriteArrayList<>();
  final Set<String> expectedUploads = ConcurrentHashMap.newKeySet();
  final Set<String> allowedDownloads = ConcurrentHashMap.newKeySet();
  final List<String> uploaded = new CopyOnWriteArrayList<>();
  private final Map<Address, LinkedHashMap<String, byte[]>> pending = new ConcurrentHashMap<>();
  volatile BiFunction<Address, byte[], SendResult> onSend;

  FakeConcentApi(NodeKey concentKey, MessageCodec codec, Clock clock) {
    this.concentKey = concentKey;
    this.codec = codec;
    this.clock = clock;
    this.onSend = (client, frame) -> SendResult.reply(refusal("the fake refuses everything"));
  }

  /** A ServiceRefused signed by Concent. */
  byte[] refusal(String detail) {
    return sealed(
        new ServiceRefused(
            new byte[32], new byte[16], ServiceRefused.Reason.INVALID_REQUEST, detail));
  }

  byte[] sealed(Payload p) {
    return codec.encode(codec.seal(p, concentKey, clock));
  }

  /** Queues {@code frame} for {@code client}; returns its delivery id. */
  synchronized byte[] queue(Address client, byte[] frame) {
    byte[] id = new byte[16];
    new java.security.SecureRandom().nextBytes(id);
    pending.computeIfAbsent(client, c -> new LinkedHashMap<>()).put(hex(id), frame);
    return id;
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  @Override
  public SendResult send(Address client, byte[] frame) {
    sent.add(new Sent(client, frame));
    return onSend.apply(client, frame);
  }

  @Override
  public synchronized Optional<byte[]> receive(Address client, List<byte[]> ackIds) {
    acksSeen.add(ackIds);
    LinkedHashMap<String, byte[]> mine = pending.getOrDefault(client, new LinkedHashMap<>());
    for (byte[] id : ackIds) {
      mine.remove(hex(id));
    }
    if (mine.isEmpty()) {
      return Optional.empty();
    }
    List<byte[]> ids = new ArrayList<>();
    List<byte[]> frames = new ArrayList<>();
    mine.forEach((id, f) -> {
      ids.add(HexFormat.of().parseHex(id));
      frames.add(f);
    });
    return Optional.of(sealed(new ConcentDelivery(client, ids, frames)));
  }

  @Override
  public Optional<String> uploadRefusal(Address client, String cid) {
    return expectedUploads.contains(client + "/" + cid)
        ? Optional.empty()
        : Optional.of("no case of " + client + " waits for an upload of " + cid);
  }

  @Override
  public void resultUploaded(Address client, String cid) {
    uploaded.add(client + "/" + cid);
  }

  @Override
  public Optional<String> downloadRefusal(Address client, String cid) {
    return allowedDownloads.contains(client + "/" + cid)
        ? Optional.empty()
        : Optional.of(client + " is not the requestor of a case with result " + cid);
  }

  @Override
  public ProtocolConstants constants() {
    return new ProtocolConstants(
        240_000, 960_000, 43_200_000, 5_000, 135_000, 60_000, 49_152, 1_680_000);
  }

  @Override
  public DepositReport deposit(Address owner) {
    return new DepositReport(
        owner, new BigInteger("123456789012345678901234567890"), 1_700_000_000L, BigInteger.TEN);
  }
}

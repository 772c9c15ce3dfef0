package org.jgolem.node.concentlink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jgolem.concent.api.ConcentApi.ProtocolConstants;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.concent.client.Received;
import org.jgolem.concent.time.Windows;
import org.jgolem.node.concent.ConcentException;
import org.jgolem.node.concent.ConcentMessage;
import org.jgolem.node.concent.ConcentPort;
import org.jgolem.node.resources.IpfsExchange;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.codec.MessageCodec;

/**
 * The node's {@link ConcentPort} over Concent's HTTP client: requests are sealed with the node key
 * (the client adds the per-request {@code ConcentAuth}), every message handed back has been opened
 * and signature-checked by the client, results go up and come down as CARs of the node's resource
 * store, checked block by block against the CID.
 */
public final class ClientConcentPort implements ConcentPort, AutoCloseable {
  private final ConcentClient client;
  private final NodeKey key;
  private final Clock clock;
  private final IpfsExchange resources;
  private final Path downloads;

  public ClientConcentPort(
      ConcentClient client, NodeKey key, Clock clock, IpfsExchange resources, Path downloads) {
    this.client = client;
    this.key = key;
    this.clock = clock;
    this.resources = resources;
    this.downloads = downloads;
  }

  @Override
  public Optional<ConcentMessage> send(Payload request) throws ConcentException {
    MessageCodec codec = client.codec();
    Envelope sealed = codec.seal(request, key, clock);
    try {
      return client.send(sealed).map(e -> new ConcentMessage(e, codec.encode(e)));
    } catch (IOException | RuntimeException e) {
      throw new ConcentException("sending " + request.type() + " to Concent: " + e.getMessage(), e);
    }
  }

  @Override
  public List<Delivery> receive() throws ConcentException {
    try {
      Received r = client.receive(List.of());
      List<Delivery> out = new ArrayList<>();
      for (Received.Delivered d : r.messages()) {
        out.add(
            new Delivery(
                d.deliveryId(),
                new ConcentMessage(d.message(), client.codec().encode(d.message()))));
      }
      if (!r.undecodable().isEmpty()) {
        // Nothing can be done with a message that does not open: acknowledged, so it is not
        // delivered forever (the client logged why).
        client.ack(r.undecodable().stream().map(Received.Undecodable::deliveryId).toList());
      }
      return out;
    } catch (IOException | RuntimeException e) {
      throw new ConcentException("receiving from Concent: " + e.getMessage(), e);
    }
  }

  @Override
  public void ack(List<byte[]> deliveryIds) throws ConcentException {
    try {
      client.ack(deliveryIds);
    } catch (IOException | RuntimeException e) {
      throw new ConcentException("acknowledging to Concent: " + e.getMessage(), e);
    }
  }

  @Override
  public Windows times() throws ConcentException {
    try {
      ProtocolConstants c = client.protocolConstants();
      return new Windows(
          Duration.ofMillis(c.concentMessagingTimeMs()),
          Duration.ofMillis(c.forceAcceptanceTimeMs()),
          Duration.ofMillis(c.paymentDueTimeMs()),
          Duration.ofMillis(c.maximumMessageTransportTimeMs()),
          Duration.ofMillis(c.maximumActionTimeMs()),
          Duration.ofMillis(c.downloadLeadInMs()),
          c.uploadBytesPerSecond());
    } catch (IOException | RuntimeException e) {
      throw new ConcentException("reading Concent's protocol constants: " + e.getMessage(), e);
    }
  }

  @Override
  public void uploadResult(String subtaskId, String cid) throws ConcentException {
    try {
      client.uploadResult(cid, resources.exportCar(cid));
    } catch (IOException | RuntimeException e) {
      throw new ConcentException(
          "uploading result " + cid + " of subtask " + subtaskId + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Path downloadResult(String subtaskId, String cid) throws ConcentException {
    try {
      byte[] car = client.downloadResult(cid);
      Path target = downloads.resolve(subtaskId);
      Files.createDirectories(downloads);
      IpfsExchange.importCar(cid, car, target);
      return target;
    } catch (IOException | RuntimeException e) {
      throw new ConcentException(
          "downloading result " + cid + " of subtask " + subtaskId + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}

package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.Objects;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.Rules;

/**
 * Authorizes one HTTP request to Concent: signed by the node key (the envelope's sender), it binds
 * the request to Concent's address {@code concent}, the HTTP {@code method} and {@code path} (with
 * its query), and the keccak256 {@code bodyHash} of the body. The envelope's timestamp and random
 * message id make it fresh and single-use, so a captured request can be neither replayed nor
 * redirected to another Concent, another route or another body.
 */
@JsonPropertyOrder({"concent", "method", "path", "bodyHash"})
public record ConcentAuth(Address concent, String method, String path, byte[] bodyHash)
    implements Payload {
  @Override
  public MessageType type() {
    return MessageType.CONCENT_AUTH;
  }

  @Override
  public void validate() {
    Rules.address("concent", concent);
    Rules.string("method", method, 3, 7);
    Rules.string("path", path, 1, 1024);
    Rules.bytes32("bodyHash", bodyHash);
  }

  @Override
  public byte[] bodyHash() {
    return Frames.copy(bodyHash);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConcentAuth a
        && Objects.equals(concent, a.concent)
        && Objects.equals(method, a.method)
        && Objects.equals(path, a.path)
        && Arrays.equals(bodyHash, a.bodyHash);
  }

  @Override
  public int hashCode() {
    return Objects.hash(concent, method, path) * 31 + Arrays.hashCode(bodyHash);
  }

  @Override
  public String toString() {
    return "ConcentAuth[" + method + " " + path + " to " + concent + "]";
  }
}

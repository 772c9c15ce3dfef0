package org.jgolem.protocol.messages.p2p;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.InvalidMessageException;

/** A node and the endpoint others should dial. */
@JsonPropertyOrder({"nodeId", "host", "port"})
public record NodeRecord(Address nodeId, String host, int port) {
  public static final int MAX_HOST_LENGTH = 253;

  public void validate(String field) {
    if (nodeId == null) {
      throw InvalidMessageException.invalid(field + ".nodeId", "is missing");
    }
    if (host == null || host.isEmpty() || host.length() > MAX_HOST_LENGTH) {
      throw InvalidMessageException.invalid(
          field + ".host", "must have 1.." + MAX_HOST_LENGTH + " characters");
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (!(Character.isLetterOrDigit(c)
          || c == '.'
          || c == '-'
          || c == ':'
          || c == '['
          || c == ']')) {
        throw InvalidMessageException.invalid(
            field + ".host", "contains '" + c + "': only a host name or IP literal is allowed");
      }
    }
    if (port < 1 || port > 65535) {
      throw InvalidMessageException.invalid(field + ".port", "must be in 1..65535, got " + port);
    }
  }
}

package org.jgolem.node.payments.batch;

import java.math.BigInteger;
import java.util.Objects;
import org.jgolem.eth.Address;

/** An amount owed to a payee, in token base units. */
public record Payment(Address payee, BigInteger amount) {
  public Payment {
    Objects.requireNonNull(amount, "amount");
  }
}

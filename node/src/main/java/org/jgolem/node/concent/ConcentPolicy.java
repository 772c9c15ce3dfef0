package org.jgolem.node.concent;

import java.util.Objects;
import java.util.Optional;

/**
 * What a node's agents know of Concent: its {@link ConcentMode} (which the operator may change
 * while the node runs) and the deposits on chain (absent on a node without a chain, which can only
 * be {@code off}).
 */
public final class ConcentPolicy {
  private final Deposits deposits;
  private volatile ConcentMode mode;

  public ConcentPolicy(ConcentMode mode, Deposits deposits) {
    this.deposits = deposits;
    mode(mode);
  }

  /** Concent off, with no chain: the node behaves as one without Concent. */
  public static ConcentPolicy off() {
    return new ConcentPolicy(ConcentMode.OFF, null);
  }

  public ConcentMode mode() {
    return mode;
  }

  /**
   * Changes the mode; from now on tasks are announced and offers made by it.
   *
   * @throws IllegalArgumentException when the mode needs deposits and the node reads no chain
   */
  public void mode(ConcentMode m) {
    Objects.requireNonNull(m, "mode");
    if (m != ConcentMode.OFF && deposits == null) {
      throw new IllegalArgumentException(
          "concent "
              + m.text()
              + " needs the chain, where Concent deposits are: set chain.deployment in the node's"
              + " configuration");
    }
    this.mode = m;
  }

  public Optional<Deposits> deposits() {
    return Optional.ofNullable(deposits);
  }
}

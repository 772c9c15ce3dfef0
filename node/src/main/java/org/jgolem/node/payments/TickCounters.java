package org.jgolem.node.payments;

import org.jgolem.node.payments.PaymentProcessor.TickReport;

/**
 * What one {@link PaymentProcessor#tick()} did so far: its parts count here, the tick reports it.
 */
final class TickCounters {
  int batchesSent;
  int confirmed;
  int reverted;
  int dropped;
  int vanished;
  int broadcasts;
  int feeBumps;
  int heldBack;
  int fillers;

  TickReport report() {
    return new TickReport(
        batchesSent,
        confirmed,
        reverted,
        dropped,
        vanished,
        broadcasts,
        feeBumps,
        heldBack,
        fillers);
  }
}

package org.jgolem.concent.evidence;

import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * The checked evidence of a ForcePayment (use case 4): pairs of a TaskToCompute and the
 * SubtaskResultsAccepted of the same subtask, all between one requestor and one provider, each
 * subtask once.
 */
public record PaymentEvidence(Address requestor, Address provider, List<Item> items) {
  public PaymentEvidence {
    Objects.requireNonNull(requestor, "requestor");
    Objects.requireNonNull(provider, "provider");
    items = List.copyOf(items);
  }

  /** One accepted subtask: its assignment and the requestor's acceptance. */
  public record Item(Signed<TaskToCompute> task, Signed<SubtaskResultsAccepted> accepted) {
    public TaskToCompute ttc() {
      return task.payload();
    }

    public SubtaskResultsAccepted sra() {
      return accepted.payload();
    }
  }

  /** What the accepted subtasks are owed in all: the sum of their prices. */
  public BigInteger owed() {
    BigInteger sum = BigInteger.ZERO;
    for (Item i : items) {
      sum = sum.add(i.sra().price());
    }
    return sum;
  }

  /** The earliest payment time (seconds) among the acceptances. */
  public long earliestPaymentTs() {
    return items.stream().mapToLong(i -> i.sra().paymentTs()).min().orElseThrow();
  }
}

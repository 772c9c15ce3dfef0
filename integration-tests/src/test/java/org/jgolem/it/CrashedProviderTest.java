package org.jgolem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.it.harness.Conditions.allPaid;
import static org.jgolem.it.harness.Conditions.assignment;
import static org.jgolem.it.harness.Conditions.assignments;
import static org.jgolem.it.harness.Conditions.logged;
import static org.jgolem.it.harness.Conditions.paidExactlyOnce;
import static org.jgolem.it.harness.Conditions.paysExactlyTheAcceptedAssignments;
import static org.jgolem.it.harness.Conditions.ranking;
import static org.jgolem.it.harness.Conditions.reassignmentOf;
import static org.jgolem.it.harness.Conditions.receivedItsIncomes;
import static org.jgolem.it.harness.Conditions.task;
import static org.jgolem.it.harness.Conditions.verifiedExactlyAs;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jgolem.eth.Address;
import org.jgolem.it.harness.Network;
import org.jgolem.it.harness.NodeProcess;
import org.jgolem.it.harness.ProviderCrash;
import org.jgolem.it.harness.Views.Assignment;
import org.jgolem.it.harness.Views.AssignmentState;
import org.jgolem.it.harness.Views.Ledger;
import org.junit.jupiter.api.Test;

/**
 * A provider is killed with {@code kill -9} while its sandbox renders a band.
 *
 * <ul>
 *   <li>Left dead: the requestor hears nothing more from it; once the assignment's deadline
 *       (subtask timeout + transfer slack, both short here) passes, the band goes to the other
 *       provider and the task completes with the right image. The dead provider is not paid and is
 *       counted a timeout.
 *   <li>Started again on the same data folder: it finds the subtask in its database, knows the work
 *       was lost with the process, and tells the requestor so at once: the band is computed again
 *       long before the assignment's deadline (six minutes away here), the task completes, and
 *       every accepted band is paid exactly once.
 * </ul>
 */
class CrashedProviderTest {
  static final Duration SLACK = Duration.ofSeconds(3);
  static final Duration SUBTASK_TIMEOUT = Duration.ofSeconds(12);

  @Test
  void aProviderKilledMidSubtaskLosesItToAnotherAfterTheDeadlineAndTheTaskCompletes()
      throws Exception {
    try (Network.Small small =
        Network.startSmall("crashed-provider", SLACK, "victim", "survivor")) {
      Network net = small.net();
      NodeProcess requestor = small.requestor();
      NodeProcess victim = small.providers().get(0);
      NodeProcess survivor = small.providers().get(1);
      ProviderCrash crash =
          ProviderCrash.killWhileComputing(
              net, requestor, victim, List.of(victim, survivor), "crash-provider", "0:00:12");
      String id = crash.taskId();

      requestor.verify(task(id).finished().within(Duration.ofMinutes(2)));

      // the killed provider's assignment timed out; its band was then computed by the survivor and
      // accepted. An
      // assignment's deadline is when it was made + subtask timeout + slack: the band was given
      // again only once
      // the lost assignment's deadline had passed
      Assignment lost =
          requestor.verify(
              assignment(
                  id,
                  crash.assignment(),
                  "the victim's, TIMED_OUT",
                  a -> a.provider().equals(victim.id()) && a.state() == AssignmentState.TIMED_OUT));
      long window =
          SUBTASK_TIMEOUT
              .plus(SLACK)
              .toMillis(); // an assignment made at t has its deadline at t + window
      requestor.verify(
          reassignmentOf(
              lost,
              "to the survivor, accepted, made after the lost one's deadline",
              a ->
                  a.provider().equals(survivor.id())
                      && a.state() == AssignmentState.ACCEPTED
                      && a.deadline() - window >= lost.deadline()));
      requestor.verify(
          assignments(
              id,
              "accepted from the survivor only",
              all ->
                  all.stream()
                      .filter(a -> a.state() == AssignmentState.ACCEPTED)
                      .map(Assignment::provider)
                      .distinct()
                      .toList()
                      .equals(List.of(survivor.id()))));
      requestor.verify(ranking(victim.id(), "counting one timeout", r -> r.timeouts() == 1));

      requestor.verify(
          task(id)
              .everySubtask(
                  verifiedExactlyAs(
                      "passed the wasm task type's check only (no redundancy, no recompute)")));
      crash.assertImageRight();

      Ledger ledger = requestor.verify(allPaid(id).within(Duration.ofSeconds(60)));
      requestor.verify(paysExactlyTheAcceptedAssignments(ledger));
      Map<Address, BigInteger> paid = net.chain().verify(paidExactlyOnce(ledger, crash.before()));
      assertThat(paid).containsOnlyKeys(survivor.id());
      assertThat(net.chain().gnt(victim.id())).isZero();
    }
  }

  @Test
  void aProviderKilledMidSubtaskAndRestartedTellsTheRequestorAtOnceAndTheTaskCompletes()
      throws Exception {
    try (Network.Small small =
        Network.startSmall("restarted-provider", Duration.ofSeconds(60), "victim", "survivor")) {
      Network net = small.net();
      NodeProcess requestor = small.requestor();
      NodeProcess victim = small.providers().get(0);
      NodeProcess survivor = small.providers().get(1);
      ProviderCrash crash =
          ProviderCrash.killWhileComputing(
              net, requestor, victim, List.of(victim, survivor), "restart-provider", "0:05:00");
      String id = crash.taskId();
      long restarted = System.currentTimeMillis();
      victim.start(Network.START_TIMEOUT);
      victim.verify(
          logged("telling the requestor it is not computed").within(Duration.ofSeconds(30)));

      // the lost assignment's deadline is 5 min + 60 s away: only the restarted provider's word
      // ends it in time
      requestor.verify(task(id).finished().within(Duration.ofSeconds(90)));
      requestor.verify(
          assignment(
              id,
              crash.assignment(),
              "the victim's, FAILED as the provider restarted, its deadline still far away",
              a ->
                  a.provider().equals(victim.id())
                      && a.state() == AssignmentState.FAILED
                      && a.detail().contains("the provider restarted while the subtask was")
                      && a.deadline() > restarted + 60_000));
      crash.assertImageRight();

      Ledger ledger = requestor.verify(allPaid(id).within(Duration.ofSeconds(60)));
      requestor.verify(paysExactlyTheAcceptedAssignments(ledger));
      net.chain().verify(paidExactlyOnce(ledger, crash.before()));
      for (NodeProcess p : List.of(victim, survivor))
        p.verify(receivedItsIncomes(ledger).within(Duration.ofSeconds(60)));
    }
  }
}

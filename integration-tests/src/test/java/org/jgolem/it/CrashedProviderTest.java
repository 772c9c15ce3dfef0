package org.jgolem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jgolem.eth.Address;
import org.jgolem.testkit.Await;
import org.jgolem.it.harness.Network;
import org.jgolem.it.harness.NodeDb;
import org.jgolem.it.harness.NodeProcess;
import org.jgolem.it.harness.PaymentCheck;
import org.jgolem.it.harness.ProviderCrash;
import org.jgolem.it.harness.Tasks;
import org.junit.jupiter.api.Test;

/**
 * A provider is killed with {@code kill -9} while its sandbox renders a band.
 *
 * <ul>
 *   <li>Left dead: the requestor hears nothing more from it; once the assignment's deadline (subtask timeout +
 *       transfer slack, both short here) passes, the band goes to the other provider and the task completes with
 *       the right image. The dead provider is not paid and is counted a timeout.
 *   <li>Started again on the same data folder: it finds the subtask in its database, knows the work was lost with
 *       the process, and tells the requestor so at once: the band is computed again long before the assignment's
 *       deadline (six minutes away here), the task completes, and every accepted band is paid exactly once.
 * </ul>
 */
class CrashedProviderTest {
  static final Duration SLACK = Duration.ofSeconds(3);
  static final Duration SUBTASK_TIMEOUT = Duration.ofSeconds(12);

  @Test
  void aProviderKilledMidSubtaskLosesItToAnotherAfterTheDeadlineAndTheTaskCompletes() throws Exception {
    try (Network.Small small = Network.startSmall("crashed-provider", SLACK, "victim", "survivor")) {
      Network net = small.net();
      NodeProcess requestor = small.requestor();
      NodeProcess victim = small.providers().get(0);
      NodeProcess survivor = small.providers().get(1);
      ProviderCrash crash = ProviderCrash.killWhileComputing(net, requestor, victim, List.of(victim, survivor),
          "crash-provider", "0:00:12");
      String id = crash.taskId();
      String assignment = crash.assignment();

      JsonNode task = Tasks.awaitEnd(requestor, id, Duration.ofMinutes(2));
      assertThat(task.get("state").asText()).as(task.toString()).isEqualTo("FINISHED");

      NodeDb db = new NodeDb(requestor);
      List<NodeDb.Assignment> all = db.assignments(id);
      NodeDb.Assignment lost = all.stream().filter(a -> a.id().equals(assignment)).findFirst().orElseThrow();
      assertThat(lost.provider()).isEqualTo(victim.id());
      assertThat(lost.state()).as("the killed provider's assignment").isEqualTo("TIMED_OUT");
      NodeDb.Assignment redone = all.stream().filter(a -> a.subtask().equals(lost.subtask()) && !a.id().equals(lost.id())).findFirst()
          .orElseThrow(() -> new AssertionError("band " + lost.subtask() + " was never reassigned: " + all));
      assertThat(redone.provider()).as("its band was then computed by the survivor").isEqualTo(survivor.id());
      assertThat(redone.state()).isEqualTo("ACCEPTED");
      // an assignment's deadline is when it was made + subtask timeout + slack: the band was given again only
      // once the lost assignment's deadline had passed
      assertThat(redone.deadline() - SUBTASK_TIMEOUT.plus(SLACK).toMillis()).as("reassigned at")
          .isGreaterThanOrEqualTo(lost.deadline());
      assertThat(all.stream().filter(a -> a.state().equals("ACCEPTED")).map(NodeDb.Assignment::provider).distinct())
          .containsExactly(survivor.id());
      assertThat(db.providerReputation(victim.id()).orElseThrow().timeouts()).isEqualTo(1);

      for (JsonNode s : requestor.api().subtasks(id)) {
        assertThat(s.get("verification").asText()).as(s.toString())
            .isEqualTo("passed the wasm task type's check only (no redundancy, no recompute)");
      }
      crash.assertImageRight();

      List<PaymentCheck.Payment> ledger = PaymentCheck.awaitAllPaid(requestor, id, Duration.ofSeconds(60));
      Map<Address, BigInteger> paid = PaymentCheck.assertPaidExactlyOnce(net.chain(), requestor, id, ledger, crash.before());
      assertThat(paid).containsOnlyKeys(survivor.id());
      assertThat(net.chain().gnt(victim.id())).isZero();
  
    }
  }

  @Test
  void aProviderKilledMidSubtaskAndRestartedTellsTheRequestorAtOnceAndTheTaskCompletes() throws Exception {
    try (Network.Small small = Network.startSmall("restarted-provider", Duration.ofSeconds(60), "victim", "survivor")) {
      Network net = small.net();
      NodeProcess requestor = small.requestor();
      NodeProcess victim = small.providers().get(0);
      NodeProcess survivor = small.providers().get(1);
      ProviderCrash crash = ProviderCrash.killWhileComputing(net, requestor, victim, List.of(victim, survivor),
          "restart-provider", "0:05:00");
      String id = crash.taskId();
      long restarted = System.currentTimeMillis();
      victim.start(Network.START_TIMEOUT);
      Await.condition("the restarted victim telling the requestor", Duration.ofSeconds(30),
          () -> victim.log().contains("telling the requestor it is not computed"), () -> victim.logTail(20));

      // the lost assignment's deadline is 5 min + 60 s away: only the restarted provider's word ends it in time
      JsonNode task = Tasks.awaitEnd(requestor, id, Duration.ofSeconds(90));
      assertThat(task.get("state").asText()).as(task.toString()).isEqualTo("FINISHED");
      NodeDb.Assignment lost = new NodeDb(requestor).assignments(id).stream().filter(a -> a.id().equals(crash.assignment()))
          .findFirst().orElseThrow();
      assertThat(lost.provider()).isEqualTo(victim.id());
      assertThat(lost.state()).as("the killed provider's assignment").isEqualTo("FAILED");
      assertThat(lost.detail()).contains("the provider restarted while the subtask was");
      assertThat(lost.deadline()).as("its deadline was still far away").isGreaterThan(restarted + 60_000);
      crash.assertImageRight();

      List<PaymentCheck.Payment> ledger = PaymentCheck.awaitAllPaid(requestor, id, Duration.ofSeconds(60));
      PaymentCheck.assertPaidExactlyOnce(net.chain(), requestor, id, ledger, crash.before());
      for (NodeProcess p : List.of(victim, survivor)) PaymentCheck.assertIncomesReceived(p, ledger, Duration.ofSeconds(60));
  
    }
  }
}

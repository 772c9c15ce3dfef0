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
import org.jgolem.it.harness.NodeProcess;
import org.jgolem.it.harness.PaymentCheck;
import org.jgolem.it.harness.RenderRun;
import org.jgolem.it.harness.RenderTask;
import org.jgolem.it.harness.Tasks;
import org.junit.jupiter.api.Test;

/**
 * The requestor is killed with {@code kill -9} in the middle of a task, after part of its work was accepted
 * and paid on chain and while providers are computing the rest, then started again on the same data folder.
 * It resumes the task from its database, the providers' pending reports reach it, and the task completes with
 * the right image. The chain and the ledger agree: every accepted subtask paid exactly once, nothing twice.
 */
class CrashedRequestorTest {
  static final int WIDTH = 1600;
  static final int HEIGHT = 1200;
  static final int BANDS = 10;

  @Test
  void aRequestorKilledMidTaskAndRestartedFinishesItAndPaysEveryAcceptedSubtaskOnce() throws Exception {
    try (Network.Small small = Network.startSmall("crashed-requestor", Duration.ofSeconds(60), "provider-1",
        "provider-2")) {
      Network net = small.net();
      NodeProcess requestor = small.requestor();
      List<NodeProcess> providers = small.providers();
      RenderRun run = RenderRun.create(net, requestor, providers,
          RenderTask.Spec.of("crash-requestor", RenderTask.scene(WIDTH, HEIGHT, 63, 8), BANDS).verification(1, 0));
      RenderTask render = run.render();
      Map<Address, BigInteger> before = run.before();
      String id = run.taskId();

      // kill once a payment batch for accepted work is on chain and bands are still being computed
      int[] acceptedAtKill = new int[1];
      Await.condition("a paid subtask while others are still computing", Duration.ofSeconds(90), () -> {
        JsonNode t = requestor.api().task(id);
        if (!t.get("state").asText().equals("COMPUTING")) {
          throw new AssertionError("the task ended before the requestor could be killed mid-task: " + t);
        }
        boolean paid = PaymentCheck.ledger(requestor, id).stream().anyMatch(p -> p.status().equals("PAID"));
        acceptedAtKill[0] = t.get("subtasksAccepted").asInt();
        return paid && acceptedAtKill[0] <= BANDS - 2;
      }, () -> requestor.api().task(id) + " " + PaymentCheck.ledger(requestor, id));
      List<PaymentCheck.Payment> paidBeforeCrash = PaymentCheck.ledger(requestor, id).stream()
          .filter(p -> p.status().equals("PAID")).toList();
      requestor.kill();
      assertThat(acceptedAtKill[0]).isBetween(1, BANDS - 2);

      requestor.start(Network.START_TIMEOUT);
      assertThat(requestor.log()).contains("resumed in state COMPUTING");
      JsonNode task = Tasks.awaitEnd(requestor, id, Duration.ofMinutes(2));
      assertThat(task.get("state").asText()).as(task.toString()).isEqualTo("FINISHED");
      assertThat(task.get("subtasksAccepted").asInt()).isEqualTo(BANDS);

      for (int i = 0; i < BANDS; i++) {
        assertThat(render.deliveredBand(i)).as("band " + i).isEqualTo(render.renderLocally(i, BANDS));
      }
      byte[] whole = RenderTask.pixels(render.renderLocally(0, 1), WIDTH, HEIGHT);
      assertThat(render.deliveredImage(WIDTH, HEIGHT)).isEqualTo(whole);

      List<PaymentCheck.Payment> ledger = PaymentCheck.awaitAllPaid(requestor, id, Duration.ofSeconds(60));
      PaymentCheck.assertPaidExactlyOnce(net.chain(), requestor, id, ledger, before);
      assertThat(ledger).as("what was paid before the crash stays paid by the same transaction")
          .containsAll(paidBeforeCrash);
      assertThat(ledger.stream().map(PaymentCheck.Payment::txHash).distinct().count())
          .as("payments went out in more than one batch: before and after the crash").isGreaterThan(1);
      for (NodeProcess p : providers) PaymentCheck.assertIncomesReceived(p, ledger, Duration.ofSeconds(60));
    }
  }
}

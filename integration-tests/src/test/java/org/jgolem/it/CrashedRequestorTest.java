package org.jgolem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.it.harness.Conditions.allPaid;
import static org.jgolem.it.harness.Conditions.paidExactlyOnce;
import static org.jgolem.it.harness.Conditions.paysExactlyTheAcceptedAssignments;
import static org.jgolem.it.harness.Conditions.receivedItsIncomes;
import static org.jgolem.it.harness.Conditions.someWorkPaid;
import static org.jgolem.it.harness.Conditions.task;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jgolem.eth.Address;
import org.jgolem.it.harness.Network;
import org.jgolem.it.harness.NodeProcess;
import org.jgolem.it.harness.RenderRun;
import org.jgolem.it.harness.RenderTask;
import org.jgolem.it.harness.Views.Ledger;
import org.jgolem.it.harness.Views.Payment;
import org.jgolem.it.harness.Views.TaskView;
import org.junit.jupiter.api.Test;

/**
 * The requestor is killed with {@code kill -9} in the middle of a task, after part of its work was
 * accepted and paid on chain and while providers are computing the rest, then started again on the
 * same data folder. It resumes the task from its database, the providers' pending reports reach it,
 * and the task completes with the right image. The chain and the ledger agree: every accepted
 * subtask paid exactly once, nothing twice.
 */
class CrashedRequestorTest {
  static final int WIDTH = 1600;

  /**
   * Tall enough that a band takes a couple of seconds even on a quiet host: the first payment batch
   * (a 2 s window, then a block) must be on chain while two bands or more are still to come, or the
   * requestor cannot be killed mid-task (a quiet CI host finished 1,200 rows before that).
   */
  static final int HEIGHT = 2400;

  static final int BANDS = 10;

  @Test
  void aRequestorKilledMidTaskAndRestartedFinishesItAndPaysEveryAcceptedSubtaskOnce()
      throws Exception {
    try (Network.Small small =
        Network.startSmall(
            "crashed-requestor", Duration.ofSeconds(60), "provider-1", "provider-2")) {
      Network net = small.net();
      NodeProcess requestor = small.requestor();
      List<NodeProcess> providers = small.providers();
      RenderRun run =
          RenderRun.create(
              net,
              requestor,
              providers,
              RenderTask.Spec.of("crash-requestor", RenderTask.scene(WIDTH, HEIGHT, 63, 8), BANDS)
                  .verification(1, 0));
      RenderTask render = run.render();
      Map<Address, BigInteger> before = run.before();
      String id = run.taskId();

      // kill once a payment batch for accepted work is on chain and bands are still being computed
      TaskView atKill =
          requestor.verify(
              task(id)
                  .computing("with 2 bands or more to go", t -> t.subtasksAccepted() <= BANDS - 2)
                  .and(someWorkPaid(id))
                  .within(Duration.ofSeconds(90)));
      List<Payment> paidBeforeCrash = Ledger.of(requestor, id).paid();
      requestor.kill();
      assertThat(atKill.subtasksAccepted()).isBetween(1, BANDS - 2);

      requestor.start(Network.START_TIMEOUT);
      assertThat(requestor.log()).contains("resumed in state COMPUTING");
      TaskView task = requestor.verify(task(id).finished().within(Duration.ofMinutes(2)));
      assertThat(task.subtasksAccepted()).isEqualTo(BANDS);

      for (int i = 0; i < BANDS; i++) {
        assertThat(render.deliveredBand(i))
            .as("band " + i)
            .isEqualTo(render.renderLocally(i, BANDS));
      }
      byte[] whole = RenderTask.pixels(render.renderLocally(0, 1), WIDTH, HEIGHT);
      assertThat(render.deliveredImage(WIDTH, HEIGHT)).isEqualTo(whole);

      Ledger ledger = requestor.verify(allPaid(id).within(Duration.ofSeconds(60)));
      requestor.verify(paysExactlyTheAcceptedAssignments(ledger));
      net.chain().verify(paidExactlyOnce(ledger, before));
      assertThat(ledger.payments())
          .as("what was paid before the crash stays paid by the same transaction")
          .containsAll(paidBeforeCrash);
      assertThat(ledger.transactions())
          .as("payments went out in more than one batch: before and after the crash")
          .hasSizeGreaterThan(1);
      for (NodeProcess p : providers)
        p.verify(receivedItsIncomes(ledger).within(Duration.ofSeconds(60)));
    }
  }
}

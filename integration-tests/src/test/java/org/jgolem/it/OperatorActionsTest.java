package org.jgolem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.it.harness.Conditions.allPaid;
import static org.jgolem.it.harness.Conditions.assignments;
import static org.jgolem.it.harness.Conditions.holdsNoJob;
import static org.jgolem.it.harness.Conditions.ledgerPaid;
import static org.jgolem.it.harness.Conditions.paidExactlyOnce;
import static org.jgolem.it.harness.Conditions.paysExactlyTheAcceptedAssignments;
import static org.jgolem.it.harness.Conditions.task;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jgolem.eth.Address;
import org.jgolem.it.harness.Api;
import org.jgolem.it.harness.Network;
import org.jgolem.it.harness.NodeProcess;
import org.jgolem.it.harness.RenderRun;
import org.jgolem.it.harness.RenderTask;
import org.jgolem.it.harness.Views.AssignmentState;
import org.jgolem.it.harness.Views.Ledger;
import org.jgolem.it.harness.Views.SubtaskState;
import org.jgolem.it.harness.Views.TaskState;
import org.jgolem.it.harness.Views.TaskView;
import org.jgolem.testkit.Await;
import org.junit.jupiter.api.Test;

/**
 * What an operator does to a running task, through the API and the CLI: abort it mid-way (running
 * subtasks are cancelled on the providers, accepted work is still paid), restart it (it finishes
 * with the right image), stop and start the requestor (the finished task stays as it was, nothing
 * is paid again), and restart one subtask (computed and paid once more; what was paid stays paid).
 */
class OperatorActionsTest {
  static final int WIDTH = 1600;
  static final int HEIGHT = 1200;
  static final int BANDS = 8;

  @Test
  void abortRestartNodeRestartAndSubtaskRestart() throws Exception {
    try (Network.Small small =
        Network.startSmall(
            "operator-actions", Duration.ofSeconds(10), "provider-1", "provider-2")) {
      Network net = small.net();
      NodeProcess requestor = small.requestor();
      List<NodeProcess> providers = small.providers();
      RenderRun run =
          RenderRun.create(
              net,
              requestor,
              providers,
              RenderTask.Spec.of("operator", RenderTask.scene(WIDTH, HEIGHT, 63, 8), BANDS)
                  .verification(1, 0));
      RenderTask render = run.render();
      Map<Address, BigInteger> before = run.before();
      String id = run.taskId();

      // abort once some work is accepted and some is being computed
      requestor.verify(
          task(id)
              .is("with an accepted band", t -> t.subtasksAccepted() >= 1)
              .and(
                  task(id)
                      .subtasks(
                          "with a band being computed",
                          ss -> ss.stream().anyMatch(st -> st.state() == SubtaskState.COMPUTING)))
              .within(Duration.ofSeconds(60)));
      Api.Response aborted = requestor.api().abort(id);
      assertThat(aborted.status()).as(aborted.body().toString()).isEqualTo(200);
      assertThat(aborted.task().state()).isEqualTo(TaskState.ABORTED);
      int acceptedAtAbort = aborted.task().subtasksAccepted();
      assertThat(acceptedAtAbort).isLessThan(BANDS);
      Set<AssignmentState> over =
          Set.of(AssignmentState.ACCEPTED, AssignmentState.CANCELLED, AssignmentState.REJECTED);
      requestor.verify(
          assignments(
              id,
              "after the abort: none left running, the running ones CANCELLED",
              as ->
                  as.stream().allMatch(a -> over.contains(a.state()))
                      && as.stream().anyMatch(a -> a.state() == AssignmentState.CANCELLED)));
      for (NodeProcess p : providers) {
        // it stopped and cleared its cancelled subtask
        p.verify(holdsNoJob().within(Duration.ofSeconds(20)));
      }
      assertThat(requestor.api().abort(id).status()).as("nothing to abort").isEqualTo(409);
      Ledger paidForAborted = requestor.verify(allPaid(id).within(Duration.ofSeconds(30)));
      assertThat(paidForAborted.payments())
          .as("the work accepted before the abort is paid")
          .hasSize(acceptedAtAbort);

      // restart: the rest is computed, the accepted bands are kept
      Api.Response restarted = requestor.api().restart(id);
      assertThat(restarted.status()).as(restarted.body().toString()).isEqualTo(200);
      assertThat(restarted.task().state()).isEqualTo(TaskState.COMPUTING);
      TaskView task = requestor.verify(task(id).finished().within(Duration.ofMinutes(2)));
      for (int i = 0; i < BANDS; i++) {
        assertThat(render.deliveredBand(i))
            .as("band " + i)
            .isEqualTo(render.renderLocally(i, BANDS));
      }
      Ledger ledger = requestor.verify(allPaid(id).within(Duration.ofSeconds(30)));
      requestor.verify(paysExactlyTheAcceptedAssignments(ledger));
      net.chain().verify(paidExactlyOnce(ledger, before));
      assertThat(ledger.payments()).containsAll(paidForAborted.payments());

      // a stopped and started requestor keeps the finished task as it was, and pays nothing again
      requestor.stop();
      requestor.start(Network.START_TIMEOUT);
      assertThat(requestor.api().task(id)).isEqualTo(task);
      Await.sleep(
          3_000); // more than a payment window: a payment recorded again would be sent by now
      assertThat(Ledger.of(requestor, id).payments())
          .containsExactlyInAnyOrderElementsOf(ledger.payments());

      // restart one subtask from the CLI: band 3 is computed once more, and paid once more
      Network.CliRun cli =
          net.cli(requestor, "tasks", "restart-subtask", id, RenderTask.bandName(3));
      assertThat(cli.exitCode()).as(cli.stderr()).isZero();
      assertThat(cli.stdout()).contains("restarted");
      requestor.verify(task(id).finished().within(Duration.ofMinutes(1)));
      assertThat(render.deliveredBand(3)).isEqualTo(render.renderLocally(3, BANDS));
      Ledger after =
          requestor.verify(ledgerPaid(id, ledger.size() + 1).within(Duration.ofSeconds(30)));
      assertThat(after.payments()).containsAll(ledger.payments());
      net.chain().verify(paidExactlyOnce(after, before));
    }
  }
}

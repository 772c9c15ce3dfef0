package org.jgolem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jgolem.eth.Address;
import org.jgolem.it.harness.Api;
import org.jgolem.testkit.Await;
import org.jgolem.it.harness.Network;
import org.jgolem.it.harness.NodeDb;
import org.jgolem.it.harness.NodeProcess;
import org.jgolem.it.harness.PaymentCheck;
import org.jgolem.it.harness.RenderRun;
import org.jgolem.it.harness.RenderTask;
import org.jgolem.it.harness.Tasks;
import org.junit.jupiter.api.Test;

/**
 * What an operator does to a running task, through the API and the CLI: abort it mid-way (running subtasks are
 * cancelled on the providers, accepted work is still paid), restart it (it finishes with the right image), stop
 * and start the requestor (the finished task stays as it was, nothing is paid again), and restart one subtask
 * (computed and paid once more; what was paid stays paid).
 */
class OperatorActionsTest {
  static final int WIDTH = 1600;
  static final int HEIGHT = 1200;
  static final int BANDS = 8;

  @Test
  void abortRestartNodeRestartAndSubtaskRestart() throws Exception {
    try (Network.Small small = Network.startSmall("operator-actions", Duration.ofSeconds(10), "provider-1",
        "provider-2")) {
      Network net = small.net();
      NodeProcess requestor = small.requestor();
      List<NodeProcess> providers = small.providers();
      RenderRun run = RenderRun.create(net, requestor, providers,
          RenderTask.Spec.of("operator", RenderTask.scene(WIDTH, HEIGHT, 63, 8), BANDS).verification(1, 0));
      RenderTask render = run.render();
      Map<Address, BigInteger> before = run.before();
      String id = run.taskId();
      NodeDb db = new NodeDb(requestor);

      // abort once some work is accepted and some is being computed
      Await.condition("an accepted band and bands being computed", Duration.ofSeconds(60), () -> {
        JsonNode t = requestor.api().task(id);
        long open = db.assignments(id).stream().filter(a -> a.state().equals("ASSIGNED")).count();
        return t.get("subtasksAccepted").asInt() >= 1 && open >= 1;
      }, () -> requestor.api().subtasks(id).toString());
      Api.Response aborted = requestor.api().post("/v1/tasks/" + id + "/abort", null);
      assertThat(aborted.status()).as(aborted.body().toString()).isEqualTo(200);
      assertThat(aborted.body().get("state").asText()).isEqualTo("ABORTED");
      int acceptedAtAbort = aborted.body().get("subtasksAccepted").asInt();
      assertThat(acceptedAtAbort).isLessThan(BANDS);
      assertThat(db.assignments(id)).as("after the abort, nothing is left running")
          .allMatch(a -> a.state().equals("ACCEPTED") || a.state().equals("CANCELLED") || a.state().equals("REJECTED"))
          .anyMatch(a -> a.state().equals("CANCELLED"));
      for (NodeProcess p : providers) {
        Await.condition(p.name() + " stopped and cleared its cancelled subtask", Duration.ofSeconds(20),
            () -> jobFolders(p).isEmpty() && new NodeDb(p).providerJobs().isEmpty(),
            () -> "folders " + jobFolders(p) + ", jobs " + new NodeDb(p).providerJobs());
      }
      assertThat(requestor.api().post("/v1/tasks/" + id + "/abort", null).status()).as("nothing to abort").isEqualTo(409);
      List<PaymentCheck.Payment> paidForAborted = PaymentCheck.awaitAllPaid(requestor, id, Duration.ofSeconds(30));
      assertThat(paidForAborted).as("the work accepted before the abort is paid").hasSize(acceptedAtAbort);

      // restart: the rest is computed, the accepted bands are kept
      Api.Response restarted = requestor.api().post("/v1/tasks/" + id + "/restart", null);
      assertThat(restarted.status()).as(restarted.body().toString()).isEqualTo(200);
      assertThat(restarted.body().get("state").asText()).isEqualTo("COMPUTING");
      JsonNode task = Tasks.awaitEnd(requestor, id, Duration.ofMinutes(2));
      assertThat(task.get("state").asText()).as(task.toString()).isEqualTo("FINISHED");
      for (int i = 0; i < BANDS; i++) {
        assertThat(render.deliveredBand(i)).as("band " + i).isEqualTo(render.renderLocally(i, BANDS));
      }
      List<PaymentCheck.Payment> ledger = PaymentCheck.awaitAllPaid(requestor, id, Duration.ofSeconds(30));
      PaymentCheck.assertPaidExactlyOnce(net.chain(), requestor, id, ledger, before);
      assertThat(ledger).containsAll(paidForAborted);

      // a stopped and started requestor keeps the finished task as it was, and pays nothing again
      requestor.stop();
      requestor.start(Network.START_TIMEOUT);
      assertThat(requestor.api().task(id)).isEqualTo(task);
      Await.sleep(3_000); // more than a payment window: a payment recorded again would be sent by now
      assertThat(PaymentCheck.ledger(requestor, id)).containsExactlyInAnyOrderElementsOf(ledger);

      // restart one subtask from the CLI: band 3 is computed once more, and paid once more
      Network.CliRun cli = net.cli(requestor, "tasks", "restart-subtask", id, RenderTask.bandName(3));
      assertThat(cli.exitCode()).as(cli.stderr()).isZero();
      assertThat(cli.stdout()).contains("restarted");
      JsonNode again = Tasks.awaitEnd(requestor, id, Duration.ofMinutes(1));
      assertThat(again.get("state").asText()).as(again.toString()).isEqualTo("FINISHED");
      assertThat(render.deliveredBand(3)).isEqualTo(render.renderLocally(3, BANDS));
      Await.condition("the recomputed band paid", Duration.ofSeconds(30),
          () -> PaymentCheck.ledger(requestor, id).size() == ledger.size() + 1
              && PaymentCheck.ledger(requestor, id).stream().allMatch(p -> p.status().equals("PAID")),
          () -> PaymentCheck.ledger(requestor, id).toString());
      List<PaymentCheck.Payment> after = PaymentCheck.ledger(requestor, id);
      assertThat(after).containsAll(ledger);
      PaymentCheck.assertLedgerMatchesChain(net.chain(), requestor, after, before);
    }
  }

  /** The provider's job folders (one per subtask it holds). */
  static List<Path> jobFolders(NodeProcess provider) {
    Path jobs = provider.dataDir().resolve("provider").resolve("jobs");
    if (!Files.isDirectory(jobs)) return List.of();
    try (Stream<Path> s = Files.list(jobs)) {
      return s.toList();
    } catch (IOException e) {
      return List.of(jobs);
    }
  }
}

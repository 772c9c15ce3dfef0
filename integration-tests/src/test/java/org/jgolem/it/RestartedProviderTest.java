package org.jgolem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.eth.Address;
import org.jgolem.it.harness.Api;
import org.jgolem.it.harness.Await;
import org.jgolem.it.harness.Network;
import org.jgolem.it.harness.NodeDb;
import org.jgolem.it.harness.NodeProcess;
import org.jgolem.it.harness.PaymentCheck;
import org.jgolem.it.harness.RenderTask;
import org.jgolem.it.harness.Tasks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A provider is killed with {@code kill -9} while its sandbox renders a band, and started again on the same data
 * folder. It finds the subtask in its database, knows the work was lost with the process, and tells the requestor
 * so at once: the band is computed again long before the assignment's deadline (five minutes here), the task
 * completes with the right image, and every accepted band is paid exactly once.
 */
class RestartedProviderTest {
  static final int WIDTH = 1200;
  static final int HEIGHT = 900;

  static Network net;
  static NodeProcess requestor;
  static NodeProcess victim;
  static NodeProcess survivor;

  @BeforeAll
  static void up() {
    net = Network.create("restarted-provider");
    requestor = net.requestor("requestor", Duration.ofSeconds(60));
    victim = net.provider("victim", requestor);
    survivor = net.provider("survivor", requestor);
    net.start(requestor, victim, survivor);
    net.fund(requestor, 1_000, 10);
    Tasks.awaitPeers(requestor, 2);
  }

  @AfterAll
  static void down() {
    if (net != null) net.close();
  }

  @Test
  void aProviderKilledMidSubtaskAndRestartedTellsTheRequestorAtOnceAndTheTaskCompletes() throws Exception {
    RenderTask render = RenderTask.write(net.root().resolve("task"),
        RenderTask.Spec.of("restart-provider", RenderTask.scene(WIDTH, HEIGHT, 63, 8), 2).subtaskTimeout("0:05:00")
            .verification(1, 0));
    Map<Address, BigInteger> before = new LinkedHashMap<>();
    for (NodeProcess p : List.of(victim, survivor)) before.put(p.id(), net.chain().gnt(p.id()));

    Api.Response created = requestor.api().createTask(render.taskFile());
    assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
    String id = created.body().get("id").asText();

    Path jobs = victim.dataDir().resolve("provider").resolve("jobs");
    Path computing = Await.until("the victim computing a band", Duration.ofSeconds(60),
        () -> CrashedProviderTest.computingJob(jobs), () -> "jobs folder " + jobs + "; " + requestor.api().subtasks(id));
    victim.kill();
    String assignment = computing.getFileName().toString();
    long restarted = System.currentTimeMillis();
    victim.start(Network.START_TIMEOUT);
    Await.condition("the restarted victim telling the requestor", Duration.ofSeconds(30),
        () -> victim.log().contains("telling the requestor it is not computed"), () -> victim.logTail(20));

    // the lost assignment's deadline is 5 min + 60 s away: only the restarted provider's word ends it in time
    JsonNode task = Tasks.awaitEnd(requestor, id, Duration.ofSeconds(90));
    assertThat(task.get("state").asText()).as(task.toString()).isEqualTo("FINISHED");
    NodeDb.Assignment lost = new NodeDb(requestor).assignments(id).stream().filter(a -> a.id().equals(assignment))
        .findFirst().orElseThrow();
    assertThat(lost.provider()).isEqualTo(victim.id());
    assertThat(lost.state()).as("the killed provider's assignment").isEqualTo("FAILED");
    assertThat(lost.detail()).contains("the provider restarted while the subtask was");
    assertThat(lost.deadline()).as("its deadline was still far away").isGreaterThan(restarted + 60_000);

    for (int i = 0; i < render.bands(); i++) {
      assertThat(render.deliveredBand(i)).as("band " + i).isEqualTo(render.renderLocally(i, render.bands()));
    }
    List<PaymentCheck.Payment> ledger = PaymentCheck.awaitAllPaid(requestor, id, Duration.ofSeconds(60));
    PaymentCheck.assertPaidExactlyOnce(net.chain(), requestor, id, ledger, before);
    for (NodeProcess p : List.of(victim, survivor)) PaymentCheck.assertIncomesReceived(p, ledger, Duration.ofSeconds(60));
  }
}

package org.jgolem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
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
 * A provider is killed with {@code kill -9} while its sandbox renders a band. The requestor hears nothing
 * more from it; once the assignment's deadline (subtask timeout + transfer slack, both short here) passes, the
 * band goes to the other provider and the task completes with the right image. The dead provider is not paid
 * and is counted a timeout.
 */
class CrashedProviderTest {
  static final int WIDTH = 1200;
  static final int HEIGHT = 900;
  static final Duration SLACK = Duration.ofSeconds(3);
  static final Duration SUBTASK_TIMEOUT = Duration.ofSeconds(12);

  static Network net;
  static NodeProcess requestor;
  static NodeProcess victim;
  static NodeProcess survivor;

  @BeforeAll
  static void up() {
    net = Network.create("crashed-provider");
    requestor = net.requestor("requestor", SLACK);
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
  void aProviderKilledMidSubtaskLosesItToAnotherAfterTheDeadlineAndTheTaskCompletes() throws Exception {
    // two heavy bands (every pixel lit by 8 lights over 63 spheres): a few seconds each in the sandbox
    RenderTask render = RenderTask.write(net.root().resolve("task"),
        RenderTask.Spec.of("crash-provider", RenderTask.scene(WIDTH, HEIGHT, 63, 8), 2).subtaskTimeout("0:00:12")
            .verification(1, 0));
    Map<Address, BigInteger> before = new LinkedHashMap<>();
    for (NodeProcess p : List.of(victim, survivor)) before.put(p.id(), net.chain().gnt(p.id()));

    Api.Response created = requestor.api().createTask(render.taskFile());
    assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
    String id = created.body().get("id").asText();

    // the provider creates its subtask's output folder just before the sandbox starts: kill it then
    Path jobs = victim.dataDir().resolve("provider").resolve("jobs");
    Path computing = Await.until("the victim computing a band", Duration.ofSeconds(60), () -> computingJob(jobs),
        () -> "jobs folder " + jobs + "; requestor's subtasks " + requestor.api().subtasks(id));
    victim.kill();
    String assignment = computing.getFileName().toString();

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
    for (int i = 0; i < render.bands(); i++) {
      assertThat(render.deliveredBand(i)).as("band " + i).isEqualTo(render.renderLocally(i, render.bands()));
    }

    List<PaymentCheck.Payment> ledger = PaymentCheck.awaitAllPaid(requestor, id, Duration.ofSeconds(60));
    Map<Address, BigInteger> paid = PaymentCheck.assertPaidExactlyOnce(net.chain(), requestor, id, ledger, before);
    assertThat(paid).containsOnlyKeys(survivor.id());
    assertThat(net.chain().gnt(victim.id())).isZero();
  }

  /** The folder of a job whose sandbox has started (its output folder exists), or null. */
  static Path computingJob(Path jobs) {
    if (!Files.isDirectory(jobs)) return null;
    try (Stream<Path> s = Files.list(jobs)) {
      return s.filter(j -> Files.isDirectory(j.resolve("output"))).findFirst().orElse(null);
    } catch (IOException e) {
      return null;
    }
  }
}

package org.jgolem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jgolem.eth.Address;
import org.jgolem.it.harness.Api;
import org.jgolem.it.harness.Network;
import org.jgolem.it.harness.NodeDb;
import org.jgolem.it.harness.NodeProcess;
import org.jgolem.it.harness.PaymentCheck;
import org.jgolem.it.harness.RenderTask;
import org.jgolem.it.harness.Tasks;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.reputation.Reputation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A provider whose sandbox garbles every result (the test-only {@code DishonestNodeMain}) works beside two
 * honest ones for a requestor that recomputes every subtask itself (verification {@code redundancy 1,
 * recompute_fraction 1}). Its results are rejected and never paid, the subtasks it had go to honest providers,
 * the task's output is still the right image, and the requestor ranks it down so far that it gets no work on
 * the next task.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DishonestProviderTest {
  static final int WIDTH = 240;
  static final int HEIGHT = 180;

  static Network net;
  static NodeProcess requestor;
  static NodeProcess liar;
  static List<NodeProcess> honest;
  static Map<Address, BigInteger> before = new LinkedHashMap<>();

  @BeforeAll
  static void up() {
    net = Network.create("dishonest-provider");
    requestor = net.requestor("requestor", Duration.ofSeconds(30));
    liar = net.dishonestProvider("liar", requestor);
    honest = List.of(net.provider("honest-1", requestor), net.provider("honest-2", requestor));
    net.start(requestor, liar, honest.get(0), honest.get(1));
    net.fund(requestor, 1_000, 10);
    for (NodeProcess p : List.of(liar, honest.get(0), honest.get(1))) before.put(p.id(), net.chain().gnt(p.id()));
    Tasks.awaitPeers(requestor, 3);
  }

  @AfterAll
  static void down() {
    if (net != null) net.close();
  }

  static String create(String dir, int bands) {
    RenderTask render = RenderTask.write(net.root().resolve(dir),
        RenderTask.Spec.of(dir, RenderTask.scene(WIDTH, HEIGHT, 24, 4), bands).verification(1, 1.0));
    Api.Response created = requestor.api().createTask(render.taskFile());
    assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
    tasks.put(created.body().get("id").asText(), render);
    return created.body().get("id").asText();
  }

  static final Map<String, RenderTask> tasks = new LinkedHashMap<>();

  @Test
  @Order(1)
  void wrongResultsAreRejectedUnpaidAndTheirSubtasksRecomputedByHonestProviders() throws Exception {
    String id = create("task-1", 6);
    JsonNode task = Tasks.awaitEnd(requestor, id, Duration.ofMinutes(2));
    assertThat(task.get("state").asText()).as(task.toString()).isEqualTo("FINISHED");

    NodeDb db = new NodeDb(requestor);
    List<NodeDb.Assignment> all = db.assignments(id);
    List<NodeDb.Assignment> lies = all.stream().filter(a -> a.provider().equals(liar.id())).toList();
    assertThat(lies).as("the dishonest provider got work (all three providers offered at once)").isNotEmpty();
    assertThat(lies).as("every result of the dishonest provider was rejected").allMatch(a -> a.state().equals("REJECTED"));
    Set<String> honestIds = honest.stream().map(p -> p.id().hex()).collect(Collectors.toSet());
    for (NodeDb.Assignment lie : lies) {
      assertThat(all).as("subtask " + lie.subtask() + " reassigned to and accepted from an honest provider")
          .anyMatch(a -> a.subtask().equals(lie.subtask()) && a.state().equals("ACCEPTED")
              && honestIds.contains(a.provider().hex()));
    }
    for (JsonNode s : requestor.api().subtasks(id)) {
      assertThat(s.get("state").asText()).isEqualTo("ACCEPTED");
      assertThat(s.get("verification").asText()).as(s.toString()).startsWith("matches the requestor's own result");
    }
    assertThat(liar.log()).as("the liar really computed and garbled").contains("DISHONEST: garbled the outputs");

    // the output holds none of the garbled bands: it is the native render
    RenderTask render = tasks.get(id);
    for (int i = 0; i < render.bands(); i++) {
      assertThat(render.deliveredBand(i)).as("band " + i).isEqualTo(render.renderLocally(i, render.bands()));
    }

    // ranked down: every wrong result counted, below the requestor's threshold and below the honest ones
    NodeDb.Reputation rep = db.providerReputation(liar.id()).orElseThrow();
    assertThat(rep.wrong()).isEqualTo(lies.size());
    assertThat(rep.accepted()).isZero();
    assertThat(score(rep)).isLessThan(MarketConfig.defaults(1, liar.id()).minReputation());
    for (NodeProcess p : honest) {
      NodeDb.Reputation r = db.providerReputation(p.id()).orElseThrow();
      assertThat(r.wrong()).isZero();
      assertThat(score(r)).isGreaterThan(0.5);
    }

    // not paid: the ledger and the chain pay the honest providers only
    List<PaymentCheck.Payment> ledger = PaymentCheck.awaitAllPaid(requestor, id, Duration.ofSeconds(60));
    Map<Address, BigInteger> paid = PaymentCheck.assertPaidExactlyOnce(net.chain(), requestor, id, ledger, before);
    assertThat(paid).doesNotContainKey(liar.id());
    assertThat(net.chain().gnt(liar.id())).isZero();
    assertThat(liar.api().incomes()).as("the liar expects no income").isEmpty();
  }

  @Test
  @Order(2)
  void theRankedDownProviderGetsNoWorkOnTheNextTask() throws Exception {
    String id = create("task-2", 2);
    JsonNode task = Tasks.awaitEnd(requestor, id, Duration.ofMinutes(2));
    assertThat(task.get("state").asText()).as(task.toString()).isEqualTo("FINISHED");
    List<NodeDb.Assignment> all = new NodeDb(requestor).assignments(id);
    assertThat(all).isNotEmpty().noneMatch(a -> a.provider().equals(liar.id()));
  }

  /** The requestor's score of a provider, by the node's own formula. */
  static double score(NodeDb.Reputation r) {
    return new Reputation.Counters(r.accepted(), r.wrong(), r.timeouts(), r.failures(), 0, 0, 0).score();
  }
}

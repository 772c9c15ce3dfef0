package org.jgolem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.it.harness.Conditions.accepted;
import static org.jgolem.it.harness.Conditions.allPaid;
import static org.jgolem.it.harness.Conditions.assignments;
import static org.jgolem.it.harness.Conditions.connectedTo;
import static org.jgolem.it.harness.Conditions.paidExactlyOnce;
import static org.jgolem.it.harness.Conditions.paysExactlyTheAcceptedAssignments;
import static org.jgolem.it.harness.Conditions.ranking;
import static org.jgolem.it.harness.Conditions.task;
import static org.jgolem.it.harness.Conditions.verifiedAs;

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
import org.jgolem.it.harness.NodeProcess;
import org.jgolem.it.harness.RenderTask;
import org.jgolem.it.harness.Views.Assignment;
import org.jgolem.it.harness.Views.AssignmentState;
import org.jgolem.it.harness.Views.Ledger;
import org.jgolem.node.market.MarketConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A provider whose sandbox garbles every result (the test-only {@code DishonestNodeMain}) works
 * beside two honest ones for a requestor that recomputes every subtask itself (verification {@code
 * redundancy 1, recompute_fraction 1}). Its results are rejected and never paid, the subtasks it
 * had go to honest providers, the task's output is still the right image, and the requestor ranks
 * it down so far that it gets no work on the next task.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DishonestProviderTest {
  static final int WIDTH = 240;
  static final int HEIGHT = 180;

  static Network net;
  static NodeProcess requestor;
  static NodeProcess liar;
  static List<NodeProcess> honest;
  static Map<Address, BigInteger> before;

  @BeforeAll
  static void up() {
    net = Network.create("dishonest-provider");
    requestor = net.requestor("requestor", Duration.ofSeconds(30));
    liar = net.dishonestProvider("liar", requestor);
    honest = List.of(net.provider("honest-1", requestor), net.provider("honest-2", requestor));
    net.start(requestor, liar, honest.get(0), honest.get(1));
    net.fund(requestor, 1_000, 10);
    before = net.chain().gnt(List.of(liar, honest.get(0), honest.get(1)));
    requestor.verify(connectedTo(3).within(Duration.ofSeconds(60)));
  }

  @AfterAll
  static void down() {
    if (net != null) net.close();
  }

  static String create(String dir, int bands) {
    RenderTask render =
        RenderTask.write(
            net.root().resolve(dir),
            RenderTask.Spec.of(dir, RenderTask.scene(WIDTH, HEIGHT, 24, 4), bands)
                .verification(1, 1.0));
    Api.Response created = requestor.api().createTask(render.taskFile());
    assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
    String id = created.task().id();
    tasks.put(id, render);
    return id;
  }

  static final Map<String, RenderTask> tasks = new LinkedHashMap<>();

  @Test
  @Order(1)
  void wrongResultsAreRejectedUnpaidAndTheirSubtasksRecomputedByHonestProviders() throws Exception {
    String id = create("task-1", 6);
    requestor.verify(task(id).finished().within(Duration.ofMinutes(2)));

    // the dishonest provider got work (all three providers offered at once); every result of it was
    // rejected, and
    // each of its subtasks was given to an honest provider and accepted from it
    Set<Address> honestIds = honest.stream().map(NodeProcess::id).collect(Collectors.toSet());
    List<Assignment> all =
        requestor.verify(
            assignments(
                id,
                "giving the liar work, rejecting all of it, and "
                    + "accepting each of its subtasks from an honest provider",
                as -> {
                  List<Assignment> lies =
                      as.stream().filter(a -> a.provider().equals(liar.id())).toList();
                  return !lies.isEmpty()
                      && lies.stream().allMatch(a -> a.state() == AssignmentState.REJECTED)
                      && lies.stream()
                          .allMatch(lie ->
                              as.stream()
                                  .anyMatch(a ->
                                      a.subtask().equals(lie.subtask())
                                          && a.state() == AssignmentState.ACCEPTED
                                          && honestIds.contains(a.provider())));
                }));
    long lies = all.stream().filter(a -> a.provider().equals(liar.id())).count();
    requestor.verify(
        task(id).everySubtask(accepted(), verifiedAs("matches the requestor's own result")));
    assertThat(liar.log())
        .as("the liar really computed and garbled")
        .contains("DISHONEST: garbled the outputs");

    // the output holds none of the garbled bands: it is the native render
    RenderTask render = tasks.get(id);
    for (int i = 0; i < render.bands(); i++) {
      assertThat(render.deliveredBand(i))
          .as("band " + i)
          .isEqualTo(render.renderLocally(i, render.bands()));
    }

    // ranked down: every wrong result counted, below the requestor's threshold and below the honest
    // ones
    double threshold = MarketConfig.defaults(1, liar.id()).minReputation();
    requestor.verify(
        ranking(
            liar.id(),
            "counting " + lies + " wrong results, none accepted, a score below " + threshold,
            r -> r.wrong() == lies && r.accepted() == 0 && r.score() < threshold));
    for (NodeProcess p : honest) {
      requestor.verify(
          ranking(
              p.id(),
              "counting no wrong result, a score above 0.5",
              r -> r.wrong() == 0 && r.score() > 0.5));
    }

    // not paid: the ledger and the chain pay the honest providers only
    Ledger ledger = requestor.verify(allPaid(id).within(Duration.ofSeconds(60)));
    requestor.verify(paysExactlyTheAcceptedAssignments(ledger));
    Map<Address, BigInteger> paid = net.chain().verify(paidExactlyOnce(ledger, before));
    assertThat(paid).doesNotContainKey(liar.id());
    assertThat(net.chain().gnt(liar.id())).isZero();
    assertThat(liar.api().incomes()).as("the liar expects no income").isEmpty();
  }

  @Test
  @Order(2)
  void theRankedDownProviderGetsNoWorkOnTheNextTask() throws Exception {
    String id = create("task-2", 2);
    requestor.verify(task(id).finished().within(Duration.ofMinutes(2)));
    requestor.verify(
        task(id)
            .subtasks(
                "assigned, none of them to the liar",
                all ->
                    !all.isEmpty()
                        && all.stream()
                            .allMatch(
                                s -> s.attempts() > 0 && !s.providers().contains(liar.id()))));
  }
}

package org.jgolem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.it.harness.Conditions.accepted;
import static org.jgolem.it.harness.Conditions.allPaid;
import static org.jgolem.it.harness.Conditions.assignedTimes;
import static org.jgolem.it.harness.Conditions.connectedTo;
import static org.jgolem.it.harness.Conditions.givenTo;
import static org.jgolem.it.harness.Conditions.paidExactlyOnce;
import static org.jgolem.it.harness.Conditions.paysExactlyTheAcceptedAssignments;
import static org.jgolem.it.harness.Conditions.receivedItsIncomes;
import static org.jgolem.it.harness.Conditions.task;
import static org.jgolem.it.harness.Conditions.verifiedAs;
import static org.jgolem.it.harness.Conditions.withResult;

import java.math.BigInteger;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.jgolem.eth.Address;
import org.jgolem.it.harness.Network;
import org.jgolem.it.harness.NodeProcess;
import org.jgolem.it.harness.RenderTask;
import org.jgolem.it.harness.Views.Ledger;
import org.jgolem.it.harness.Views.SubtaskView;
import org.jgolem.it.harness.Views.TaskState;
import org.jgolem.it.harness.Views.TaskView;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One requestor and three providers, each a JVM of its own, render an image with the C band
 * renderer compiled to WebAssembly: one band per subtask, each computed by two providers (gWASM's
 * default redundancy), through the signed market protocol, ipfs-bridge resource exchange and
 * Chicory. The merged output must equal the native build's render byte for byte, and the chain must
 * show each provider paid exactly what the requestor's ledger says, once per accepted result.
 */
class HappyPathTest {
  static final int WIDTH = 320;
  static final int HEIGHT = 240;
  static final int BANDS = 4;

  static Network net;
  static NodeProcess requestor;
  static List<NodeProcess> providers;

  @BeforeAll
  static void up() {
    net = Network.create("happy-path");
    requestor = net.requestor("requestor", Duration.ofSeconds(30));
    providers =
        List.of(
            net.provider("provider-1", requestor),
            net.provider("provider-2", requestor),
            net.provider("provider-3", requestor));
    net.start(requestor, providers.get(0), providers.get(1), providers.get(2));
    net.fund(requestor, 1_000, 10);
    requestor.verify(connectedTo(providers.size()).within(Duration.ofSeconds(60)));
  }

  @AfterAll
  static void down() {
    if (net != null) net.close();
  }

  @Test
  void threeProvidersRenderTheImageTheNativeBuildRendersAndEachIsPaidWhatTheLedgerSays()
      throws Exception {
    RenderTask render =
        RenderTask.write(
            net.root().resolve("task"),
            RenderTask.Spec.of("happy-render", RenderTask.scene(WIDTH, HEIGHT, 24, 4), BANDS));
    Map<Address, BigInteger> before = net.chain().gnt(providers);

    // as an operator would: the CLI creates the task and follows it to its end (--json: the final
    // task on stdout)
    Network.CliRun run =
        net.cli(
            requestor,
            Duration.ofMinutes(3),
            "--json",
            "tasks",
            "create",
            render.taskFile().toString(),
            "--wait",
            "--interval",
            "1");
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    TaskView task = run.task();
    String id = task.id();
    assertThat(task.state()).as(task.toString()).isEqualTo(TaskState.FINISHED);
    assertThat(task.subtasks()).isEqualTo(BANDS);
    assertThat(run.stderr()).as("progress lines").contains("FINISHED");
    assertThat(requestor.api().task(id))
        .as("the task the API shows = the one the CLI printed")
        .isEqualTo(task);
    assertThat(task.subtasksAccepted()).isEqualTo(BANDS);
    assertThat(task.outputPath()).isEqualTo(render.outputDir().toString());

    // every band agreed on by two providers: each given to exactly two, and both results accepted;
    // all three
    // providers did work that was accepted
    List<SubtaskView> bands =
        requestor.verify(
            task(id)
                .everySubtask(
                    accepted(),
                    verifiedAs("2 results agree"),
                    assignedTimes(2),
                    givenTo(2),
                    withResult()));
    assertThat(bands.stream().flatMap(s -> s.providers().stream()).distinct())
        .as("providers with accepted work")
        .containsExactlyInAnyOrderElementsOf(providers.stream().map(NodeProcess::id).toList());

    // the merged output is the native renderer's image, byte for byte, band by band and as a whole
    for (int i = 0; i < BANDS; i++) {
      assertThat(render.deliveredBand(i)).as("band " + i).isEqualTo(render.renderLocally(i, BANDS));
    }
    byte[] whole = RenderTask.pixels(render.renderLocally(0, 1), WIDTH, HEIGHT);
    assertThat(render.deliveredImage(WIDTH, HEIGHT))
        .as("the merged bands = the native full image")
        .isEqualTo(whole);
    assertThat(
            new HashSet<>(
                List.of(whole[0], whole[WIDTH * HEIGHT / 2 + WIDTH / 2], whole[whole.length - 1])))
        .as("a picture, not a blank")
        .hasSizeGreaterThan(1);

    // payments: ledger = accepted work = chain, and each provider saw its income arrive
    Ledger ledger = requestor.verify(allPaid(id).within(Duration.ofSeconds(60)));
    requestor.verify(paysExactlyTheAcceptedAssignments(ledger));
    Map<Address, BigInteger> paid = net.chain().verify(paidExactlyOnce(ledger, before));
    assertThat(paid.keySet()).hasSize(3);
    BigInteger total = paid.values().stream().reduce(BigInteger.ZERO, BigInteger::add);
    assertThat(requestor.api().task(id).spent()).isEqualTo(total);
    for (NodeProcess p : providers)
      p.verify(receivedItsIncomes(ledger).within(Duration.ofSeconds(60)));

    Network.CliRun shown = net.cli(requestor, "tasks", "show");
    assertThat(shown.exitCode()).as(shown.stderr()).isZero();
    assertThat(shown.stdout()).contains(id).contains("happy-render").contains("FINISHED");
  }
}

package org.jgolem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jgolem.eth.Address;
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
 * One requestor and three providers, each a JVM of its own, render an image with the C band renderer compiled
 * to WebAssembly: one band per subtask, each computed by two providers (gWASM's default redundancy), through
 * the signed market protocol, ipfs-bridge resource exchange and Chicory. The merged output must equal the
 * native build's render byte for byte, and the chain must show each provider paid exactly what the requestor's
 * ledger says, once per accepted result.
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
    providers = List.of(net.provider("provider-1", requestor), net.provider("provider-2", requestor),
        net.provider("provider-3", requestor));
    net.start(requestor, providers.get(0), providers.get(1), providers.get(2));
    net.fund(requestor, 1_000, 10);
    Tasks.awaitPeers(requestor, providers.size());
  }

  @AfterAll
  static void down() {
    if (net != null) net.close();
  }

  @Test
  void threeProvidersRenderTheImageTheNativeBuildRendersAndEachIsPaidWhatTheLedgerSays() throws Exception {
    RenderTask render = RenderTask.write(net.root().resolve("task"),
        RenderTask.Spec.of("happy-render", RenderTask.scene(WIDTH, HEIGHT, 24, 4), BANDS));
    Map<Address, BigInteger> before = new LinkedHashMap<>();
    for (NodeProcess p : providers) before.put(p.id(), net.chain().gnt(p.id()));

    // as an operator would: the CLI creates the task and follows it to its end (--json: the final task on stdout)
    Network.CliRun run = net.cli(requestor, Duration.ofMinutes(3), "--json", "tasks", "create",
        render.taskFile().toString(), "--wait", "--interval", "1");
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    JsonNode task = new ObjectMapper().readTree(run.stdout());
    String id = task.get("id").asText();
    assertThat(task.get("state").asText()).as(task.toString()).isEqualTo("FINISHED");
    assertThat(task.get("subtasks").asInt()).isEqualTo(BANDS);
    assertThat(run.stderr()).as("progress lines").contains("FINISHED");
    assertThat(requestor.api().task(id)).isEqualTo(task);
    assertThat(task.get("subtasksAccepted").asInt()).isEqualTo(BANDS);
    assertThat(task.get("outputPath").asText()).isEqualTo(render.outputDir().toString());

    // every band agreed on by two providers; all three providers did work that was accepted
    Set<String> workers = new HashSet<>();
    for (JsonNode s : requestor.api().subtasks(id)) {
      assertThat(s.get("state").asText()).as(s.toString()).isEqualTo("ACCEPTED");
      assertThat(s.get("verification").asText()).as(s.toString()).startsWith("2 results agree");
      assertThat(s.get("resultCid").asText()).isNotEmpty();
    }
    List<NodeDb.Assignment> assignments = new NodeDb(requestor).assignments(id);
    for (NodeDb.Assignment a : assignments) if (a.state().equals("ACCEPTED")) workers.add(a.provider().hex());
    assertThat(assignments).as("each band went to exactly two providers, and both were accepted")
        .hasSize(2 * BANDS).allMatch(a -> a.state().equals("ACCEPTED"));
    assertThat(workers).as("providers with accepted work")
        .containsExactlyInAnyOrderElementsOf(providers.stream().map(p -> p.id().hex()).toList());

    // the merged output is the native renderer's image, byte for byte, band by band and as a whole
    for (int i = 0; i < BANDS; i++) {
      assertThat(render.deliveredBand(i)).as("band " + i).isEqualTo(render.renderLocally(i, BANDS));
    }
    byte[] whole = RenderTask.pixels(render.renderLocally(0, 1), WIDTH, HEIGHT);
    assertThat(render.deliveredImage(WIDTH, HEIGHT)).as("the merged bands = the native full image").isEqualTo(whole);
    assertThat(new HashSet<>(List.of(whole[0], whole[WIDTH * HEIGHT / 2 + WIDTH / 2], whole[whole.length - 1])))
        .as("a picture, not a blank").hasSizeGreaterThan(1);

    // payments: ledger = accepted work = chain, and each provider saw its income arrive
    List<PaymentCheck.Payment> ledger = PaymentCheck.awaitAllPaid(requestor, id, Duration.ofSeconds(60));
    Map<Address, BigInteger> paid = PaymentCheck.assertPaidExactlyOnce(net.chain(), requestor, id, ledger, before);
    assertThat(paid.keySet()).hasSize(3);
    BigInteger total = paid.values().stream().reduce(BigInteger.ZERO, BigInteger::add);
    assertThat(requestor.api().task(id).get("spent").asText()).isEqualTo(total.toString());
    for (NodeProcess p : providers) PaymentCheck.assertIncomesReceived(p, ledger, Duration.ofSeconds(60));

    Network.CliRun shown = net.cli(requestor, "tasks", "show");
    assertThat(shown.exitCode()).as(shown.stderr()).isZero();
    assertThat(shown.stdout()).contains(id).contains("happy-render").contains("FINISHED");
  }
}

package org.jgolem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.it.harness.Conditions.accepted;
import static org.jgolem.it.harness.Conditions.allPaid;
import static org.jgolem.it.harness.Conditions.assignedTimes;
import static org.jgolem.it.harness.Conditions.connectedTo;
import static org.jgolem.it.harness.Conditions.givenTo;
import static org.jgolem.it.harness.Conditions.logged;
import static org.jgolem.it.harness.Conditions.paidExactlyOnce;
import static org.jgolem.it.harness.Conditions.paysExactlyTheAcceptedAssignments;
import static org.jgolem.it.harness.Conditions.receivedItsIncomes;
import static org.jgolem.it.harness.Conditions.task;
import static org.jgolem.it.harness.Conditions.verifiedExactlyAs;
import static org.jgolem.it.harness.Conditions.withResult;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jgolem.eth.Address;
import org.jgolem.it.harness.Api;
import org.jgolem.it.harness.BlenderTask;
import org.jgolem.it.harness.Network;
import org.jgolem.it.harness.NodeProcess;
import org.jgolem.it.harness.Views.Ledger;
import org.jgolem.it.harness.Views.SubtaskView;
import org.jgolem.it.harness.Views.TaskState;
import org.jgolem.it.harness.Views.TaskView;
import org.jgolem.tasks.blender.BlenderOptions;
import org.jgolem.tasks.blender.Picture;
import org.jgolem.tasks.blender.Pictures;
import org.jgolem.tasks.blender.Split;
import org.jgolem.tasks.blender.Ssim;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #7, end to end: one requestor and three providers, each a JVM of its own, render a 2-frame
 * animation of jgolem's Blender test scene with Cycles in their Docker sandboxes ({@code
 * jgolem/blender}); frame 1 is cut into two tiles, frame 2 is rendered whole. The requestor
 * spot-checks every result by re-rendering crops in its own sandbox, merges the tiles, and pays on
 * chain. The merged frames must match a direct single-process render of the same scene at the same
 * settings (SSIM ≥ 0.99), and every accepted subtask must be paid exactly once.
 *
 * <p>Skipped, saying why, when no Docker engine answers or the image is missing, unless
 * JGOLEM_REQUIRE_DOCKER=1 (scripts/test), which makes that a failure.
 */
class BlenderNetworkTest {
  static final int WIDTH = 80;
  static final int HEIGHT = 60;
  static final int SAMPLES = 16;
  static final List<Integer> FRAMES = List.of(1, 2);

  /** 3 subtasks for 2 frames: frame 1 in 2 tiles, frame 2 whole (Split). */
  static final int SUBTASKS = 3;

  static final double MIN_SSIM = 0.99;

  /** What the requestor logs for each result it checked (BlenderPlan.check). */
  static final Pattern CHECKED =
      Pattern.compile("Blender check of (\\S+): (\\d+) crops, lowest SSIM ([0-9.]+): accepted");

  static String imageId;
  static Path scene;
  static Network net;
  static NodeProcess requestor;
  static List<NodeProcess> providers;

  @BeforeAll
  static void up() {
    imageId = BlenderTask.image().orElse(null);
    if (imageId == null)
      return; // nothing to start: each test is skipped (or fails) in @BeforeEach, saying why
    net = Network.create("blender-network");
    List<String> images = List.of(imageId);
    // the requestor and two providers keep a warm Blender sandbox (provider.warmBlender);
    // provider-3 starts its
    // sandboxes when a tile comes
    requestor = net.requestor("requestor", Duration.ofSeconds(30), images, imageId);
    providers =
        List.of(
            net.dockerProvider("provider-1", requestor, images, imageId),
            net.dockerProvider("provider-2", requestor, images, imageId),
            net.dockerProvider("provider-3", requestor, images));
    net.start(requestor, providers.get(0), providers.get(1), providers.get(2));
    net.fund(requestor, 1_000, 10);
    scene = BlenderTask.scene(imageId, net.root().resolve("scene"));
    requestor.verify(connectedTo(providers.size()).within(Duration.ofSeconds(60)));
    for (NodeProcess n : List.of(requestor, providers.get(0), providers.get(1))) {
      n.verify(
          logged(WARM_READY).within(Duration.ofSeconds(90))); // its warm Blender sandbox is ready
    }
  }

  /**
   * What a node logs when its warm sandbox is ready (DockerEnvironment), and when a subtask runs in
   * it (DockerRun).
   */
  static final String WARM_READY = "a warm sandbox of ";

  static final String IN_WARM = ": in a warm sandbox (readied while the node was idle)";

  /** Per test, so that surefire counts the skip (no Docker engine or no image) and says why. */
  @BeforeEach
  void blender() {
    BlenderTask.requireImage();
  }

  @AfterAll
  static void down() {
    if (net != null) net.close();
  }

  @Test
  void threeProvidersRenderTwoFramesWithTilesThatMatchADirectRenderAndEachAcceptedTileIsPaidOnce()
      throws Exception {
    BlenderTask blender =
        BlenderTask.write(
            net.root().resolve("task"),
            new BlenderTask.Spec(
                "blender-network",
                imageId,
                scene,
                "1-2",
                WIDTH,
                HEIGHT,
                SAMPLES,
                SUBTASKS,
                "0:02:00"));
    List<Split.Job> planned = blender.split(SUBTASKS);
    assertThat(planned)
        .extracting(Split.Job::name)
        .containsExactly("frame0001-tile1", "frame0001-tile2", "frame0002");
    assertThat(planned)
        .filteredOn(Split.Job::tile)
        .hasSize(2)
        .allMatch(j -> j.frames().equals(List.of(1)));
    Map<Address, BigInteger> before = net.chain().gnt(providers);

    long started = System.nanoTime();
    Api.Response created = requestor.api().createTask(blender.taskFile());
    assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
    String id = created.task().id();
    TaskView task = requestor.verify(task(id).ended().within(Duration.ofMinutes(3)));
    System.out.printf(
        Locale.ROOT,
        "[it] blender task %s ended %s in %.1f s%n",
        id,
        task.state(),
        (System.nanoTime() - started) / 1e9);
    assertThat(task.state())
        .as(task + "\n" + requestor.api().subtasks(id))
        .isEqualTo(TaskState.FINISHED);
    assertThat(task.type()).isEqualTo("blender");
    assertThat(task.subtasks()).isEqualTo(SUBTASKS);
    assertThat(task.subtasksAccepted()).isEqualTo(SUBTASKS);
    assertThat(Path.of(task.outputPath())).isEqualTo(blender.outputDir());
    assertThat(task.verificationMs()).as("the spot checks' cost, recorded per task").isPositive();

    // verification: each result passed the requestor's spot check (crops re-rendered, compared by
    // SSIM), once;
    // one provider per subtask, accepted at the first attempt
    List<SubtaskView> subtasks =
        requestor.verify(
            task(id)
                .everySubtask(
                    accepted(),
                    verifiedExactlyAs(
                        "passed the task type's check (Blender: re-rendered crops compared by SSIM)"),
                    assignedTimes(1),
                    givenTo(1),
                    withResult()));
    List<String> names = subtasks.stream().map(SubtaskView::name).toList();
    assertThat(names).containsExactlyInAnyOrder("frame0001-tile1", "frame0001-tile2", "frame0002");
    Map<String, Double> lowest = new LinkedHashMap<>();
    Matcher m = CHECKED.matcher(requestor.log());
    while (m.find()) {
      assertThat(lowest.put(m.group(1), Double.parseDouble(m.group(3))))
          .as("checked once: " + m.group(1))
          .isNull();
      assertThat(Integer.parseInt(m.group(2)))
          .as("crops of " + m.group(1))
          .isEqualTo(BlenderOptions.SpotCheck.DEFAULTS.crops());
    }
    assertThat(lowest.keySet())
        .as("results the requestor's log says it checked and accepted")
        .containsExactlyInAnyOrderElementsOf(names);
    assertThat(lowest.values())
        .as("lowest crop SSIM of each check")
        .allMatch(v -> v >= BlenderOptions.SpotCheck.DEFAULTS.ssimThreshold());
    assertThat(requestor.log()).doesNotContain("verification negative");

    // one assignment per subtask (above), each accepted; the work was spread (normally one subtask
    // each, but a
    // provider that finishes first on a loaded machine may take a second one, so at least two of
    // the three)
    Set<Address> workers = new HashSet<>();
    subtasks.forEach(s -> workers.addAll(s.providers()));
    assertThat(workers)
        .as("providers with accepted work")
        .isSubsetOf(providers.stream().map(NodeProcess::id).toList())
        .hasSizeGreaterThanOrEqualTo(2);
    // warm sandboxes: a warm provider's first tile and the requestor's first spot check ran in one;
    // provider-3,
    // which keeps none, never logs it
    for (NodeProcess p : providers.subList(0, 2)) {
      if (workers.contains(p.id())) assertThat(p.log()).as(p + "'s first tile").contains(IN_WARM);
    }
    assertThat(providers.get(2).log()).doesNotContain(IN_WARM, WARM_READY);
    assertThat(requestor.log()).as("the requestor's first spot check").contains(IN_WARM);

    // the merged frames against a direct render of whole frames, outside the network, same scene
    // and settings
    long t0 = System.nanoTime();
    Path direct = blender.renderDirect(imageId);
    System.out.printf(
        Locale.ROOT,
        "[it] direct render of %d frames: %.1f s%n",
        FRAMES.size(),
        (System.nanoTime() - t0) / 1e9);
    Map<Integer, Picture> merged = new LinkedHashMap<>();
    Map<Integer, Picture> whole = new LinkedHashMap<>();
    for (int f : FRAMES) {
      Picture mine = blender.merged(f);
      Picture reference =
          Pictures.read(direct.resolve(blender.frameFile(f)), BlenderOptions.Format.PNG);
      assertThat(mine.width()).as("width of merged frame " + f).isEqualTo(WIDTH);
      assertThat(mine.height()).as("height of merged frame " + f).isEqualTo(HEIGHT);
      assertThat(reference.width()).isEqualTo(WIDTH);
      assertThat(reference.height()).isEqualTo(HEIGHT);
      double ssim = Ssim.compare(mine, reference);
      System.out.printf(Locale.ROOT, "[it] merged frame %d vs direct render: SSIM %.5f%n", f, ssim);
      assertThat(ssim)
          .as("SSIM of merged frame %d with the direct render", f)
          .isGreaterThanOrEqualTo(MIN_SSIM);
      assertThat(distinctValues(mine))
          .as("frame %d is a picture, not a blank", f)
          .isGreaterThan(50);
      merged.put(f, mine);
      whole.put(f, reference);
    }
    // the comparison tells frames apart: the camera moves, so frame 1 is not frame 2
    double across = Ssim.compare(merged.get(1), whole.get(2));
    System.out.printf(Locale.ROOT, "[it] merged frame 1 vs direct frame 2: SSIM %.5f%n", across);
    assertThat(across).as("SSIM of frame 1 with frame 2").isLessThan(MIN_SSIM);

    // payments: ledger = accepted work = chain, and each provider saw its income arrive
    Ledger ledger = requestor.verify(allPaid(id).within(Duration.ofSeconds(60)));
    requestor.verify(paysExactlyTheAcceptedAssignments(ledger));
    Map<Address, BigInteger> paid = net.chain().verify(paidExactlyOnce(ledger, before));
    assertThat(ledger.payments()).hasSize(SUBTASKS);
    assertThat(paid.keySet()).as("providers paid: those that did the work").isEqualTo(workers);
    BigInteger total = paid.values().stream().reduce(BigInteger.ZERO, BigInteger::add);
    assertThat(requestor.api().task(id).spent()).isEqualTo(total);
    for (NodeProcess p : providers)
      p.verify(receivedItsIncomes(ledger).within(Duration.ofSeconds(60)));
  }

  private static int distinctValues(Picture p) {
    Set<Float> values = new HashSet<>();
    for (float v : p.samples()) values.add(v);
    return values.size();
  }
}

package org.jgolem.tasks.blender;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionResult.OutputFile;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.Program;
import org.jgolem.compute.Programs;
import org.jgolem.compute.TaskComputer;
import org.jgolem.compute.docker.DockerConfig;
import org.jgolem.compute.docker.DockerEnvironment;
import org.jgolem.tasks.PlannedSubtask;
import org.jgolem.tasks.TaskContext;
import org.jgolem.tasks.TaskTemplates;
import org.jgolem.tasks.Verdict;
import org.jgolem.tasks.definition.TaskFileParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blender tasks for real: the test scene rendered by real Blender (jgolem/blender) in the Docker
 * sandbox, every subtask run as a provider runs it (the wire definition through {@link
 * Programs#spec}), checked by the plan (crops re-rendered through the requestor's task computer)
 * and merged; the merged frames are compared with a direct render of the whole frames. Dishonest
 * tiles (too few samples, a shifted region, a tile of another frame) must be rejected by the check.
 */
class BlenderRenderTest {
  static final String NODE = "jgolem-test-blender-render";
  static String imageId;
  static DockerEnvironment env;
  static TaskComputer requestorComputer;
  static Path scene;

  @TempDir Path tmp;

  /**
   * Per test, so that a skip (no engine or no image) is counted and explained for every test; set
   * up once.
   */
  @BeforeEach
  void blender() throws Exception {
    imageId = BlenderTestSupport.requireBlenderImage();
    if (env == null) {
      env = new DockerEnvironment(DockerConfig.of(NODE, Set.of(imageId)));
      requestorComputer =
          new TaskComputer(
              List.of(
                  new DockerEnvironment(DockerConfig.of(NODE + "-requestor", Set.of(imageId)))));
    }
    scene = BlenderTestSupport.scene(env, imageId);
  }

  @AfterAll
  static void close() {
    if (requestorComputer != null) requestorComputer.close();
    if (env != null) env.close();
  }

  BlenderPlan plan(String format, int subtasks, String frames) throws Exception {
    return plan(
        format,
        subtasks,
        frames,
        "",
        new TaskContext(tmp.resolve("verification"), Optional.of(requestorComputer)));
  }

  BlenderPlan plan(
      String format, int subtasks, String frames, String moreOptions, TaskContext context)
      throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("task"));
    Files.copy(scene, dir.resolve("scene.blend"));
    Path task =
        Files.writeString(
            dir.resolve("task.json"),
            """
            {"type": "blender", "name": "test render", "bid": "1", "timeout": "0:30:00", "subtask_timeout": "0:05:00",
             "subtasks_count": %d, "resources": ["scene.blend"],
             "options": {"image_id": "%s", "frames": "%s", "resolution": [64, 48], "format": "%s", "samples": 16,
                         "output_path": "out"%s}}
            """
                .formatted(subtasks, imageId, frames, format, moreOptions));
    var parser = new TaskFileParser(TaskTemplates.load().types());
    return (BlenderPlan)
        new BlenderTemplate().plan(parser.parse(task), tmp.resolve("staging"), context);
  }

  /**
   * Runs a planned subtask as a provider would: its wire definition, through Programs.spec, in the
   * sandbox.
   */
  Path provide(PlannedSubtask s) throws Exception {
    provide(s, null, "provider");
    return tmp.resolve("provider").resolve(s.name()).resolve("output");
  }

  /**
   * Runs a planned subtask as a provider would, in sandbox session {@code session} (null: none).
   */
  ExecutionResult provide(PlannedSubtask s, String session, String where) throws Exception {
    return provide(env, s, session, where, res -> {});
  }

  /**
   * The same, in {@code sandboxes}, with {@code alter} applied to the provider's copy of the
   * resources first; a {@code where} starting with "refused" returns the result unchecked.
   */
  ExecutionResult provide(
      DockerEnvironment sandboxes,
      PlannedSubtask s,
      String session,
      String where,
      java.util.function.Consumer<Path> alter)
      throws Exception {
    BlenderTestSupport.Dirs d = BlenderTestSupport.Dirs.under(tmp.resolve(where).resolve(s.name()));
    Path res = tmp.resolve(where).resolve(s.name()).resolve("resources");
    for (Path f : Files.list(s.resources()).toList())
      Files.copy(f, res.resolve(f.getFileName().toString()));
    alter.accept(res);
    for (Path f : Files.list(res).toList()) RenderJob.readable(f);
    ExecutionSpec spec =
        Programs.spec(
                "provide-" + where + "-" + s.name(),
                s.definition("bafytest"),
                d.resources(),
                d.work(),
                d.output())
            .withSession(session);
    ExecutionResult r = BlenderTestSupport.await(sandboxes.start(spec));
    if (where.startsWith("refused")) return r;
    assertThat(r.succeeded()).as("%s\n%s%s", r, r.stdout().text(), r.stderr().text()).isTrue();
    assertThat(r.outputs()).extracting(OutputFile::path).containsExactlyElementsOf(s.outputPaths());
    System.out.printf(
        Locale.ROOT,
        "[blender] provider rendered %s in %d ms%s%n",
        s.name(),
        r.wallTime().toMillis(),
        session == null ? "" : " (session)");
    return r;
  }

  /**
   * A provider's subtasks of one task share a sandbox session: the first starts Blender as a render
   * server, the next ones (another tile, another frame) hand it their jobs. Each result has exactly
   * the pixels of the same subtask rendered alone, and no later subtask loads the scene again.
   */
  @Test
  void subtasksOfOneTaskInOneSessionRenderThePixelsOfSubtasksRenderedAlone() throws Exception {
    BlenderPlan plan = plan("PNG", 3, "1-2");
    // the whole frame first: a session is made for its first subtask's output size, and the tiles'
    // are smaller
    List<PlannedSubtask> order =
        List.of(plan.subtasks().get(2), plan.subtasks().get(0), plan.subtasks().get(1));
    int before = env.idleSessions();
    List<ExecutionResult> inSession = new java.util.ArrayList<>();
    for (PlannedSubtask s : order) inSession.add(provide(s, "task-blender-session", "session"));
    assertThat(env.idleSessions())
        .as("the session is kept for the task's next subtask")
        .isEqualTo(before + 1);
    assertThat(inSession.get(0).stdout().text())
        .as("the first subtask starts the server")
        .contains("Read blend:");
    for (ExecutionResult r : inSession)
      assertThat(r.stderr().text())
          .as("the launcher's own messages")
          .doesNotContain("jgolem_blender.sh", "No such file");
    for (int i = 1; i < inSession.size(); i++) {
      assertThat(inSession.get(i).stdout().text())
          .as("subtask %d reuses the server", i + 1)
          .doesNotContain("Read blend:")
          .contains("jgolem: rendered frame");
    }
    for (PlannedSubtask s : order) {
      provide(s, null, "alone");
      Path alone = tmp.resolve("alone").resolve(s.name()).resolve("output");
      Path shared = tmp.resolve("session").resolve(s.name()).resolve("output");
      for (String f : s.outputPaths()) {
        Picture a = Pictures.read(alone.resolve(f), BlenderOptions.Format.PNG);
        Picture b = Pictures.read(shared.resolve(f), BlenderOptions.Format.PNG);
        assertThat(b.width()).isEqualTo(a.width());
        assertThat(b.samples())
            .as("%s of %s rendered in the session against alone", f, s.name())
            .isEqualTo(a.samples());
      }
    }
  }

  /**
   * A provider's warm Blender sandbox (readied while idle, before any task is known: a render
   * server started without a scene, which has paid Blender's start and a first render) serves the
   * first subtask of a task: the server loads the scene its job names, and the pixels are exactly
   * those of the subtask rendered alone. The next task gets another warm sandbox; a subtask whose
   * render script differs from the warm server's has the server replaced by one of its own script.
   */
  @Test
  void aWarmSandboxLoadsTheTasksSceneAndRendersThePixelsOfTheSubtaskRenderedAlone()
      throws Exception {
    BlenderPlan plan = plan("PNG", 2, "1");
    var limits = plan.subtasks().get(0).definition("bafytest").limits();
    Map<String, Set<String>> steps = new ConcurrentHashMap<>();
    try (DockerEnvironment warm =
        new DockerEnvironment(DockerConfig.of(NODE + "-warm", Set.of(imageId)))) {
      warm.onStepTimes(t -> steps.put(t.subtaskId(), t.nanos().keySet()));
      var warmWatch = new org.jgolem.compute.docker.WarmWatch(warm);
      warm.keepWarm(RenderJob.warmUp(imageId, limits.cpuCores(), limits.memoryMib()));
      assertThat(warmWatch.awaitReady(Duration.ofMinutes(3))).isTrue();
      assertThat(warm.warmUpCpuTime()).isPositive();

      PlannedSubtask first = plan.subtasks().get(0);
      ExecutionResult a = provide(warm, first, "task-warm-1", "warm", res -> {});
      assertThat(steps.get("provide-warm-" + first.name()))
          .as("the subtask ran in the warm sandbox")
          .contains("warm")
          .doesNotContain("create");
      assertThat(a.stdout().text())
          .as("the warm server loads the job's scene")
          .contains("Read blend:", "scene.blend")
          .contains("jgolem: rendered frame");

      assertThat(warmWatch.awaitReady(Duration.ofMinutes(3)))
          .as("another sandbox is readied while the node is idle")
          .isTrue();
      PlannedSubtask second = plan.subtasks().get(1);
      ExecutionResult b =
          provide(
              warm,
              second,
              "task-warm-2",
              "warm",
              res -> {
                Path script = res.resolve(RenderJob.SCRIPT);
                try {
                  Files.writeString(
                      script,
                      Files.readString(script)
                          .replace(
                              "\"jgolem: rendered frame\"",
                              "\"jgolem: rendered (changed script) frame\""));
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      assertThat(steps.get("provide-warm-" + second.name())).contains("warm");
      assertThat(b.stdout().text())
          .as("a server of the subtask's own script")
          .contains("jgolem: rendered (changed script) frame");

      // a job that names no scene (a launcher of another version) is refused by a warm server,
      // never rendered from
      // the factory scene
      assertThat(warmWatch.awaitReady(Duration.ofMinutes(3))).isTrue();
      ExecutionResult refused =
          provide(
              warm,
              first,
              "task-warm-3",
              "refused",
              res -> {
                try {
                  var json = new com.fasterxml.jackson.databind.ObjectMapper();
                  var job =
                      (com.fasterxml.jackson.databind.node.ObjectNode)
                          json.readTree(res.resolve(RenderJob.JOB).toFile());
                  job.remove("scene");
                  Files.writeString(res.resolve(RenderJob.JOB), job.toString());
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      assertThat(steps.get("provide-refused-" + first.name())).contains("warm");
      assertThat(refused.succeeded()).isFalse();
      assertThat(refused.stdout().text() + refused.stderr().text())
          .contains("the job names no scene and this render server has none loaded");

      for (PlannedSubtask s : plan.subtasks()) {
        provide(s, null, "alone");
        for (String f : s.outputPaths()) {
          Picture alone =
              Pictures.read(
                  tmp.resolve("alone").resolve(s.name()).resolve("output").resolve(f),
                  BlenderOptions.Format.PNG);
          Picture warmed =
              Pictures.read(
                  tmp.resolve("warm").resolve(s.name()).resolve("output").resolve(f),
                  BlenderOptions.Format.PNG);
          assertThat(warmed.width()).isEqualTo(alone.width());
          assertThat(warmed.samples())
              .as("%s of %s rendered in a warm sandbox against alone", f, s.name())
              .isEqualTo(alone.samples());
        }
      }
    }
  }

  /**
   * Renders {@code job} (any frames, regions, samples) in the sandbox with the task's command line.
   */
  Path render(BlenderPlan plan, RenderJob job, String id) throws Exception {
    BlenderTestSupport.Dirs d = BlenderTestSupport.Dirs.under(tmp.resolve("direct").resolve(id));
    BlenderTemplate.stageResources(plan.options().resources(), d.resources());
    job.writeInto(d.resources());
    var spec =
        new ExecutionSpec(
            id,
            new Program.DockerImage(BlenderTestSupport.IMAGE, imageId),
            BlenderPlan.ENTRY_POINT,
            RenderJob.args(plan.options()),
            Map.of(),
            d.resources(),
            d.work(),
            d.output(),
            BlenderTestSupport.limits());
    ExecutionResult r = BlenderTestSupport.await(env.start(spec));
    assertThat(r.succeeded()).as("%s\n%s%s", r, r.stdout().text(), r.stderr().text()).isTrue();
    return d.output();
  }

  @Test
  void tilesAndFramesRenderedByProvidersAreCheckedAndMergeIntoTheDirectRender() throws Exception {
    BlenderPlan plan = plan("PNG", 3, "1-2");
    assertThat(plan.subtasks())
        .extracting(PlannedSubtask::name)
        .containsExactly("frame0001-tile1", "frame0001-tile2", "frame0002");
    assertThat(plan.job("frame0001-tile1").region()).isEqualTo(new Region(0, 0, 32, 48));
    assertThat(plan.job("frame0001-tile2").region()).isEqualTo(new Region(32, 0, 64, 48));
    Map<String, Path> accepted = new LinkedHashMap<>();
    long started = System.nanoTime();
    for (PlannedSubtask s : plan.subtasks()) {
      Path result = provide(s);
      Verdict v = plan.check(s, result);
      assertThat(v.accepted()).as("check of %s: %s", s.name(), v.reason()).isTrue();
      accepted.put(s.name(), result);
    }
    long total = System.nanoTime() - started;
    Path out = plan.merge(accepted);
    assertThat(out).isEqualTo(tmp.resolve("task").resolve("out"));
    try (var files = Files.list(out)) {
      assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
          .containsExactly("frame_0001.png", "frame_0002.png");
    }
    Path direct =
        render(
            plan,
            new RenderJob(
                plan.options(),
                16,
                List.of(
                    new RenderJob.Render(1, Region.whole(64, 48), "frame_0001.png"),
                    new RenderJob.Render(2, Region.whole(64, 48), "frame_0002.png"))),
            "direct-frames");
    for (String f : List.of("frame_0001.png", "frame_0002.png")) {
      Picture merged = Pictures.read(out.resolve(f), BlenderOptions.Format.PNG);
      Picture whole = Pictures.read(direct.resolve(f), BlenderOptions.Format.PNG);
      assertThat(merged.width()).isEqualTo(64);
      assertThat(merged.height()).isEqualTo(48);
      double ssim = Ssim.compare(merged, whole);
      System.out.printf(
          Locale.ROOT,
          "[blender] merged %s vs direct render: SSIM %.5f, max difference %d/255%n",
          f,
          ssim,
          maxDifference(merged, whole));
      assertThat(ssim)
          .as("SSIM of merged %s with the direct render", f)
          .isGreaterThanOrEqualTo(0.99);
    }
    BlenderPlan.VerificationCost cost = plan.verificationCost();
    System.out.printf(
        Locale.ROOT,
        "[blender] %d subtasks rendered and checked in %d ms; verification: %d checks, %d crops, "
            + "%d pixels re-rendered in %d ms%n",
        plan.subtasks().size(),
        total / 1_000_000,
        cost.checks(),
        cost.crops(),
        cost.pixels(),
        cost.renderTime().toMillis());
    assertThat(cost.checks()).isEqualTo(3);
    assertThat(cost.crops()).isEqualTo(9);
    assertThat(cost.blenderRuns())
        .as("every subtask's crops rendered in the first check's Blender process")
        .isEqualTo(1);
    assertThat(plan.verificationTime()).isEqualTo(cost.renderTime()).isPositive();
  }

  @Test
  void exrTilesMergeIntoTheDirectRenderFloatForFloat() throws Exception {
    BlenderPlan plan = plan("EXR", 2, "3");
    assertThat(plan.subtasks())
        .extracting(PlannedSubtask::name)
        .containsExactly("frame0003-tile1", "frame0003-tile2");
    Map<String, Path> accepted = new LinkedHashMap<>();
    for (PlannedSubtask s : plan.subtasks()) {
      Path result = provide(s);
      assertThat(Exr.isExr(result.resolve("frame_0003.exr"))).isTrue();
      Verdict v = plan.check(s, result);
      assertThat(v.accepted()).as("check of %s: %s", s.name(), v.reason()).isTrue();
      accepted.put(s.name(), result);
    }
    Path out = plan.merge(accepted);
    Path direct =
        render(
            plan,
            new RenderJob(
                plan.options(),
                16,
                List.of(new RenderJob.Render(3, Region.whole(64, 48), "frame_0003.exr"))),
            "direct-exr");
    Picture merged = Exr.read(out.resolve("frame_0003.exr"));
    Picture whole = Exr.read(direct.resolve("frame_0003.exr"));
    assertThat(merged.width()).isEqualTo(64);
    assertThat(merged.height()).isEqualTo(48);
    double ssim = Ssim.compare(merged, whole);
    float max = 0;
    for (int i = 0; i < merged.samples().length; i++)
      max = Math.max(max, Math.abs(merged.samples()[i] - whole.samples()[i]));
    System.out.printf(
        Locale.ROOT,
        "[blender] merged EXR frame vs direct render: SSIM %.5f, max difference %.5f%n",
        ssim,
        max);
    assertThat(ssim).isGreaterThanOrEqualTo(0.99);
    // each tile sits where it was rendered: its own pixels equal the merged frame's, float for
    // float
    Region right = plan.job("frame0003-tile2").region();
    Picture tile = Exr.read(accepted.get("frame0003-tile2").resolve("frame_0003.exr"));
    assertThat(merged.crop(right).samples()).containsExactly(tile.samples());
  }

  @Test
  void dishonestTilesAreRejectedByTheSpotCheck() throws Exception {
    BlenderPlan plan = plan("PNG", 4, "1-2");
    PlannedSubtask tile = plan.subtasks().get(0);
    assertThat(tile.name()).isEqualTo("frame0001-tile1");
    Region region = plan.job(tile.name()).region();
    assertThat(region).isEqualTo(new Region(0, 0, 32, 48));
    Map<String, RenderJob> liars = new LinkedHashMap<>();
    liars.put(
        "one-sample",
        new RenderJob(
            plan.options(), 1, List.of(new RenderJob.Render(1, region, "frame_0001.png"))));
    liars.put(
        "shifted",
        new RenderJob(
            plan.options(),
            16,
            List.of(new RenderJob.Render(1, region.shifted(5, 0), "frame_0001.png"))));
    liars.put(
        "other-frame",
        new RenderJob(
            plan.options(), 16, List.of(new RenderJob.Render(2, region, "frame_0001.png"))));
    for (var e : liars.entrySet()) {
      Path result = render(plan, e.getValue(), "liar-" + e.getKey());
      Verdict v = plan.check(tile, result);
      System.out.printf(
          Locale.ROOT,
          "[blender] %s tile: %s%n",
          e.getKey(),
          v.accepted() ? "ACCEPTED" : v.reason());
      assertThat(v.accepted()).as("the %s tile must be rejected", e.getKey()).isFalse();
      assertThat(v.reason()).startsWith("verification negative: frame 1, crop ").contains("SSIM");
    }
    Path honest = render(plan, RenderJob.of(plan.options(), plan.job(tile.name())), "honest");
    Verdict ok = plan.check(tile, honest);
    assertThat(ok.accepted()).as(ok.reason()).isTrue();
  }

  /**
   * The operator of a trusted setup turns host-direct execution on: the requestor re-renders crops
   * with the host's own Blender (Debian's package), while providers render in the sandbox as usual.
   */
  @Test
  void oneBlenderProcessRendersTheCropsOfEverySubtaskAndEachConcurrentCheckGetsItsOwnVerdict()
      throws Exception {
    BlenderPlan plan = plan("PNG", 4, "1-2");
    List<PlannedSubtask> tiles = plan.subtasks();
    assertThat(tiles).hasSize(4);
    Map<PlannedSubtask, Path> results = new LinkedHashMap<>();
    for (PlannedSubtask t : tiles) results.put(t, provide(t));
    // the third result is a lie: its tile rendered with one sample; its crops must come back to it,
    // not to another
    PlannedSubtask liar = tiles.get(2);
    Region region = plan.job(liar.name()).region();
    int frame = plan.job(liar.name()).frames().get(0);
    results.put(
        liar,
        render(
            plan,
            new RenderJob(
                plan.options(),
                1,
                List.of(
                    new RenderJob.Render(
                        frame, region, Split.Job.outputName(frame, BlenderOptions.Format.PNG)))),
            "liar-batched"));

    var start = new java.util.concurrent.CountDownLatch(1);
    Map<String, java.util.concurrent.Future<Verdict>> verdicts = new LinkedHashMap<>();
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(tiles.size())) {
      for (var e : results.entrySet()) {
        verdicts.put(
            e.getKey().name(),
            pool.submit(() -> {
              start.await();
              return plan.check(e.getKey(), e.getValue());
            }));
      }
      start.countDown();
      for (var e : verdicts.entrySet()) {
        Verdict v = e.getValue().get(5, java.util.concurrent.TimeUnit.MINUTES);
        if (e.getKey().equals(liar.name())) {
          assertThat(v.accepted()).as("the one-sample tile %s", e.getKey()).isFalse();
          assertThat(v.reason()).startsWith("verification negative: frame " + frame + ", crop ");
        } else {
          assertThat(v.accepted()).as("honest %s: %s", e.getKey(), v.reason()).isTrue();
        }
      }
    }
    BlenderPlan.VerificationCost cost = plan.verificationCost();
    System.out.printf(
        Locale.ROOT,
        "[blender] 4 concurrent checks: %d Blender processes, %d crops, %d ms%n",
        cost.blenderRuns(),
        cost.crops(),
        cost.renderTime().toMillis());
    assertThat(cost.checks()).isEqualTo(4);
    assertThat(cost.crops()).isEqualTo(12);
    // the first check renders the crops of all four subtasks; the others wait for that process,
    // then only compare
    assertThat(cost.blenderRuns()).isEqualTo(1);
  }

  @Test
  void theSpotCheckCanRenderOnTheHostWhenTheOperatorTurnsHostDirectOn() throws Exception {
    Path blender = Path.of("/usr/bin/blender");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isExecutable(blender),
        "no Blender on the host (apt-get install --no-install-recommends blender): host-direct spot checks not tested");
    try (TaskComputer host =
        new TaskComputer(
            List.of(
                org.jgolem.compute.host.HostDirectEnvironment.enabledForTrustedCode(
                    2, 2L << 30)))) {
      BlenderPlan plan =
          plan(
              "PNG",
              2,
              "4",
              ", \"spot_check\": {\"environment\": \"host\", \"blender\": \"/usr/bin/blender\"}",
              new TaskContext(tmp.resolve("verification"), Optional.of(host)));
      PlannedSubtask tile = plan.subtasks().get(1);
      Verdict v = plan.check(tile, provide(tile));
      System.out.printf(
          Locale.ROOT,
          "[blender] host-direct check of a sandbox-rendered tile: %s, %d ms%n",
          v.accepted() ? "accepted" : v.reason(),
          plan.verificationTime().toMillis());
      assertThat(v.accepted()).as(v.reason()).isTrue();
      Region region = plan.job(tile.name()).region();
      Path cheap =
          render(
              plan,
              new RenderJob(
                  plan.options(), 1, List.of(new RenderJob.Render(4, region, "frame_0004.png"))),
              "liar-host");
      Verdict no = plan.check(tile, cheap);
      assertThat(no.accepted()).isFalse();
      assertThat(no.reason()).startsWith("verification negative: frame 4, crop ");
    }
  }

  private static int maxDifference(Picture a, Picture b) {
    int max = 0;
    for (int i = 0; i < a.samples().length; i++) {
      max = Math.max(max, Math.round(Math.abs(a.samples()[i] - b.samples()[i]) * 255));
    }
    return max;
  }
}

package org.jgolem.concent.verify.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.Programs;
import org.jgolem.compute.TaskComputer;
import org.jgolem.compute.docker.DockerConfig;
import org.jgolem.compute.docker.DockerEnvironment;
import org.jgolem.concent.verify.Dispute;
import org.jgolem.concent.verify.Judgement;
import org.jgolem.ipfs.FileTrees;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Method;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.NeutralReason;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Outcome;
import org.jgolem.protocol.messages.concent.VerificationCheck;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.tasks.PlannedSubtask;
import org.jgolem.tasks.TaskContext;
import org.jgolem.tasks.TaskTemplates;
import org.jgolem.tasks.blender.BlenderOptions;
import org.jgolem.tasks.blender.BlenderPlan;
import org.jgolem.tasks.blender.BlenderTemplate;
import org.jgolem.tasks.blender.ConcentBlenderSupport;
import org.jgolem.tasks.blender.Picture;
import org.jgolem.tasks.blender.Pictures;
import org.jgolem.tasks.blender.RenderJob;
import org.jgolem.tasks.definition.TaskFileParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blender disputes re-computed in Concent's real Docker sandbox with the jgolem/blender image
 * (scripts/images blender) and compute's test scene; skipped, saying why, without the engine or the
 * image (failed instead with JGOLEM_REQUIRE_DOCKER=1).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SandboxRecomputerBlenderTest {
  static final String NODE = "jgolem-test-concent-recompute";
  static String imageId;
  static DockerEnvironment env;
  static TaskComputer computer;
  static Path scene;
  @TempDir Path tmp;

  @BeforeEach
  void blender() throws Exception {
    imageId = ConcentBlenderSupport.requireBlenderImage();
    if (env == null) {
      env = new DockerEnvironment(DockerConfig.of(NODE, Set.of(imageId)));
      computer = new TaskComputer(List.of(env));
    }
    scene = ConcentBlenderSupport.scene(env, imageId);
  }

  @AfterAll
  static void close() {
    if (computer != null) computer.close();
  }

  /** A Blender task planned by the template itself, as a requestor plans it. */
  BlenderPlan plan(int width, int height, int subtasks) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("task"));
    Files.copy(scene, dir.resolve("scene.blend"));
    Path task =
        Files.writeString(
            dir.resolve("task.json"),
            """
            {"type": "blender", "name": "disputed render", "bid": "1", "timeout": "0:30:00",
             "subtask_timeout": "0:05:00", "subtasks_count": %d, "resources": ["scene.blend"],
             "options": {"image_id": "%s", "frames": "1", "resolution": [%d, %d], "format": "PNG",
                         "samples": 16, "output_path": "out"}}
            """
                .formatted(subtasks, imageId, width, height));
    var parser = new TaskFileParser(TaskTemplates.load().types());
    return (BlenderPlan)
        new BlenderTemplate()
            .plan(
                parser.parse(task),
                tmp.resolve("staging"),
                new TaskContext(tmp.resolve("verification"), Optional.of(computer)));
  }

  /** The provider's run of {@code ttc}, as SubtaskRunner makes it: its output folder. */
  Path provide(TaskToCompute ttc, PlannedSubtask s) throws Exception {
    Path base = Files.createDirectories(tmp.resolve("provider-" + s.name()));
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path res = Files.createDirectories(base.resolve("resources"));
    Files.setPosixFilePermissions(res, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (Path f : Files.list(s.resources()).toList()) {
      Path t = res.resolve(f.getFileName().toString());
      Files.copy(f, t);
      Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
    }
    Path out = Files.createDirectories(base.resolve("output"));
    long t0 = System.nanoTime();
    ExecutionResult r =
        Programs.execute(
                computer,
                Programs.runId(ttc.subtaskId()),
                ttc.definition(),
                res,
                Files.createDirectories(base.resolve("work")),
                out,
                null)
            .result()
            .get(180, TimeUnit.SECONDS);
    assertThat(r.succeeded()).as("%s\n%s%s", r, r.stdout().text(), r.stderr().text()).isTrue();
    System.out.printf(
        Locale.ROOT,
        "[concent] provider rendered %s in %d ms%n",
        s.name(),
        (System.nanoTime() - t0) / 1_000_000);
    return out;
  }

  /** The dishonest-provider harness's garbling: every byte of the second half inverted. */
  static void garble(Path file) throws Exception {
    byte[] b = Files.readAllBytes(file);
    for (int i = b.length / 2; i < b.length; i++) b[i] = (byte) ~b[i];
    Files.write(file, b);
  }

  Dispute dispute(TaskToCompute ttc, PlannedSubtask s, Path result, long seed) throws Exception {
    return Disputes.of(ttc, s.resources(), result, tmp, Duration.ofMinutes(3), seed);
  }

  @Test
  void aRightTileIsJudgedRightAndAGarbledOneWrongWithCropsFromTheSeed() throws Exception {
    BlenderPlan plan = plan(64, 48, 2);
    PlannedSubtask s = plan.subtasks().get(1);
    TaskToCompute ttc = Disputes.ttc(0x51, s.definition("bafkreitile"));
    Path result = provide(ttc, s);
    SandboxRecomputer concent = new SandboxRecomputer(computer);

    Judgement right = concent.judge(dispute(ttc, s, result, 1234));

    assertThat(right.method()).isEqualTo(Method.BLENDER_SSIM);
    assertThat(right.outcome()).as(right.detail()).isEqualTo(Outcome.PROVIDER_RIGHT);
    assertThat(right.checks()).hasSize(3);
    String file = s.outputPaths().get(0);
    var tile = plan.job(s.name()).region();
    for (VerificationCheck c : right.checks()) {
      c.validate("check");
      assertThat(c.kind()).isEqualTo(VerificationCheck.Kind.SSIM);
      assertThat(c.path()).isEqualTo(file);
      assertThat(c.threshold()).isEqualTo(940_000);
      assertThat(c.score()).isGreaterThanOrEqualTo(940_000);
      assertThat(c.crop().x() + c.crop().width()).isLessThanOrEqualTo(tile.width());
      assertThat(c.crop().y() + c.crop().height()).isLessThanOrEqualTo(tile.height());
    }
    // the rectangles are those the seed draws, again, for an auditor
    var job = BlenderRecheck.readJob(s.resources().resolve(RenderJob.JOB), ttc.definition());
    List<VerificationCheck.Crop> drawn =
        BlenderRecheck.chooseCrops(job, 1234).stream()
            .map(c -> tile.relative(c.region()))
            .map(r -> new VerificationCheck.Crop(r.x0(), r.y0(), r.width(), r.height()))
            .toList();
    assertThat(right.checks()).extracting(VerificationCheck::crop).containsExactlyElementsOf(drawn);
    assertThat(BlenderRecheck.chooseCrops(job, 1235))
        .isNotEqualTo(BlenderRecheck.chooseCrops(job, 1234));

    // a tile that decodes, with its lower half's pixels inverted: measured SSIM below the threshold
    Path pixels = Files.createDirectories(tmp.resolve("inverted"));
    Files.copy(result.resolve(file), pixels.resolve(file));
    Picture p =
        Pictures.read(pixels.resolve(file), BlenderOptions.Format.PNG, tile.width(), tile.height());
    float[] v = p.samples();
    for (int i = v.length / 2; i < v.length; i++) v[i] = 1 - v[i];
    Pictures.write(
        pixels.resolve(file),
        new Picture(p.width(), p.height(), p.channels(), p.hdr(), v),
        BlenderOptions.Format.PNG);
    Judgement inverted = concent.judge(dispute(ttc, s, pixels, 1234));
    System.out.println("[concent] inverted pixels: " + inverted.checks());
    assertThat(inverted.outcome()).as(inverted.detail()).isEqualTo(Outcome.PROVIDER_WRONG);

    garble(result.resolve(file));
    Judgement wrong = concent.judge(dispute(ttc, s, result, 1234));

    assertThat(wrong.outcome()).as(wrong.detail()).isEqualTo(Outcome.PROVIDER_WRONG);
    assertThat(wrong.detail()).contains(file);
    assertThat(wrong.checks())
        .anySatisfy(c -> {
          assertThat(c.passed()).isFalse();
          assertThat(c.score()).isLessThan(c.threshold());
        });
    assertThat(wrong.checks()).extracting(VerificationCheck::crop).containsExactlyElementsOf(drawn);
  }

  /**
   * The cost of judging a tile of a 640x480 frame against a plain render of the same crops plus one
   * Blender start, in the same sandbox, in the same run (the bench line).
   */
  @Test
  void judgingATileCostsAboutAPlainRenderOfItsCrops() throws Exception {
    BlenderPlan plan = plan(640, 480, 4);
    PlannedSubtask s = plan.subtasks().get(0);
    TaskToCompute ttc = Disputes.ttc(0x52, s.definition("bafkreitile"));
    Path result = provide(ttc, s);
    SandboxRecomputer concent = new SandboxRecomputer(computer);
    long seed = 99;

    // plain: Concent's crops rendered by one Blender process, nothing else
    var job = BlenderRecheck.readJob(s.resources().resolve(RenderJob.JOB), ttc.definition());
    List<RenderJob.Render> renders =
        BlenderRecheck.chooseCrops(job, seed).stream()
            .map(c -> new RenderJob.Render(c.tile().frame(), c.region(), c.file()))
            .toList();
    double plain = 0;
    double judged = 0;
    for (int round = 0; round < 2; round++) {
      Path base = Files.createDirectories(tmp.resolve("plain-" + round));
      Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path res = Files.createDirectories(base.resolve("resources"));
      Files.copy(s.resources().resolve("scene.blend"), res.resolve("scene.blend"));
      Files.setPosixFilePermissions(
          res.resolve("scene.blend"), PosixFilePermissions.fromString("rw-r--r--"));
      new RenderJob(job.options(), job.options().samples(), renders).writeInto(res);
      long t0 = System.nanoTime();
      ExecutionResult r =
          Programs.execute(
                  computer,
                  "plain-" + round,
                  ttc.definition(),
                  res,
                  Files.createDirectories(base.resolve("work")),
                  Files.createDirectories(base.resolve("output")),
                  null)
              .result()
              .get(180, TimeUnit.SECONDS);
      plain = (System.nanoTime() - t0) / 1e9;
      assertThat(r.succeeded()).as("%s", r).isTrue();

      long t1 = System.nanoTime();
      Judgement j = concent.judge(dispute(ttc, s, result, seed));
      judged = (System.nanoTime() - t1) / 1e9;
      assertThat(j.outcome()).as(j.detail()).isEqualTo(Outcome.PROVIDER_RIGHT);
      FileTrees.delete(base);
    }
    System.out.printf(
        Locale.ROOT,
        "concent additional-verification-blender-s=%.2f plain-s=%.2f ratio=%.2f%n",
        judged,
        plain,
        judged / plain);
    assertThat(judged).isLessThan(plain * 3 + 2);
  }

  /**
   * Concent reads each tile back from the render job the template wrote (its border, a quarter
   * pixel in).
   */
  @Test
  void theTileIsReadBackFromTheRenderJob() throws Exception {
    BlenderPlan plan = plan(64, 48, 4);
    for (PlannedSubtask s : plan.subtasks()) {
      var job =
          BlenderRecheck.readJob(s.resources().resolve(RenderJob.JOB), s.definition("bafkreitile"));
      assertThat(job.tiles())
          .singleElement()
          .satisfies(t -> {
            assertThat(t.region()).isEqualTo(plan.job(s.name()).region());
            assertThat(t.file()).isEqualTo(s.outputPaths().get(0));
          });
    }
  }

  /**
   * Concent's Docker engine down (a socket nobody answers on) or Concent's time running out during
   * the render: neutral judgements, nobody's fault.
   */
  @Test
  void anEngineDownOrConcentsTimeRunningOutIsNeutral() throws Exception {
    BlenderPlan plan = plan(64, 48, 2);
    PlannedSubtask s = plan.subtasks().get(0);
    TaskToCompute ttc = Disputes.ttc(0x53, s.definition("bafkreitile"));
    Path result = Files.createDirectories(tmp.resolve("claimed"));
    Files.writeString(result.resolve(s.outputPaths().get(0)), "not rendered");
    try (TaskComputer down =
        new TaskComputer(
            List.of(
                new DockerEnvironment(
                    DockerConfig.of(NODE + "-down", Set.of(imageId))
                        .withDockerHost("unix://" + tmp.resolve("nobody.sock")))))) {
      Judgement j = new SandboxRecomputer(down).judge(dispute(ttc, s, result, 5));
      assertThat(j.outcome()).isEqualTo(Outcome.NEUTRAL);
      assertThat(j.neutralReason()).as(j.detail()).isEqualTo(NeutralReason.ENGINE_UNAVAILABLE);
      assertThat(j.method()).isEqualTo(Method.BLENDER_SSIM);
    }
    Judgement late =
        new SandboxRecomputer(computer)
            .judge(Disputes.of(ttc, s.resources(), result, tmp, Duration.ofMillis(300), 5));
    assertThat(late.outcome()).isEqualTo(Outcome.NEUTRAL);
    assertThat(late.neutralReason()).as(late.detail()).isEqualTo(NeutralReason.TIMEOUT);
  }
}

package org.jgolem.tasks.blender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Optional;
import org.jgolem.compute.Capabilities;
import org.jgolem.compute.ComputeException;
import org.jgolem.compute.Environment;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.TaskComputer;
import org.jgolem.tasks.PlannedSubtask;
import org.jgolem.tasks.TaskContext;
import org.jgolem.tasks.TaskPlan;
import org.jgolem.tasks.TaskTemplates;
import org.jgolem.tasks.definition.Problems;
import org.jgolem.tasks.definition.TaskFileException;
import org.jgolem.tasks.definition.TaskFileParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blender task files: what is planned from a good one, and every kind of mistake named by its JSON
 * path.
 */
class BlenderTaskFileTest {
  static final String ID = "sha256:" + "ab".repeat(32);
  @TempDir Path dir;
  final TaskFileParser parser = new TaskFileParser(TaskTemplates.load().types());
  final BlenderTemplate template = new BlenderTemplate();
  TaskComputer computer;

  /**
   * A Docker environment as the requestor's would say it is: up, with jgolem/blender allowed and
   * present. Runs nothing.
   */
  record FakeDocker(List<String> images) implements Environment {
    @Override
    public String name() {
      return "docker";
    }

    @Override
    public Capabilities capabilities() {
      return new Capabilities("docker", true, "", images, 2, 1L << 30);
    }

    @Override
    public Execution start(ExecutionSpec spec) {
      return Execution.finished(
          ExecutionResult.failed(
              spec,
              "docker",
              new ComputeException(FailureReason.ENGINE_UNAVAILABLE, "fake"),
              java.time.Duration.ZERO));
    }

    @Override
    public void close() {}
  }

  @BeforeEach
  void scene() throws Exception {
    // not a real scene: planning only looks at the header (the render tests use a real one)
    Files.write(
        dir.resolve("scene.blend"), "BLENDER-v304RENDH".getBytes(StandardCharsets.US_ASCII));
    Files.writeString(dir.resolve("notes.txt"), "hello");
    computer = new TaskComputer(List.of(new FakeDocker(List.of("jgolem/blender@" + ID))));
  }

  @AfterEach
  void close() {
    computer.close();
  }

  TaskContext context() {
    return new TaskContext(dir.resolve("verification"), Optional.of(computer));
  }

  Path task(String resources, String options, String extra) throws Exception {
    return Files.writeString(
        dir.resolve("task.json"),
        """
        {"type": "blender", "name": "frames", "bid": "1", "timeout": "1:00:00", "subtask_timeout": "0:10:00",
         %s "resources": %s, "options": %s}
        """
            .formatted(extra, resources, options));
  }

  static String options(String frames, String resolution) {
    return """
    {"image_id": "%s", "frames": %s, "resolution": %s, "format": "PNG", "samples": 32, "output_path": "out"}
    """
        .formatted(ID, frames, resolution);
  }

  TaskPlan plan(Path task) throws Exception {
    return template.plan(parser.parse(task), dir.resolve("staging"), context());
  }

  /** The problems of a task file that must be refused, after checking that nothing was staged. */
  List<Problems.Problem> refused(Path task) {
    var thrown =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            TaskFileException.class, () -> plan(task));
    assertThat(thrown).as("the task file must be refused").isNotNull();
    assertThat(dir.resolve("staging")).as("nothing is staged for a refused task").doesNotExist();
    System.out.println("[blender] refused as expected: " + thrown.getMessage());
    return thrown.problems();
  }

  @Test
  void aGoodFilePlansTilesWithTheSceneScriptAndJobStaged() throws Exception {
    TaskPlan plan =
        plan(task("[\"scene.blend\"]", options("\"1-2\"", "[64, 48]"), "\"subtasks_count\": 3,"));
    assertThat(plan.defaultVerification().redundancy()).isEqualTo(1);
    assertThat(plan.defaultVerification().recomputeFraction()).isZero();
    assertThat(plan.subtasks())
        .extracting(PlannedSubtask::name)
        .containsExactly("frame0001-tile1", "frame0001-tile2", "frame0002");
    PlannedSubtask s = plan.subtasks().get(1);
    assertThat(s.environment()).isEqualTo("docker");
    assertThat(s.image()).isEqualTo(ID);
    assertThat(s.entryPoint()).isEqualTo("/bin/sh");
    assertThat(s.args())
        .containsExactly(
            "/golem/resources/jgolem_blender.sh",
            "-b",
            "--factory-startup",
            "-noaudio",
            "/golem/resources/scene.blend",
            "-E",
            "CYCLES",
            "-t",
            "1",
            "--python-exit-code",
            "3",
            "--python",
            "/golem/resources/jgolem_render.py");
    assertThat(s.outputPaths()).containsExactly("frame_0001.png");
    assertThat(s.limits().timeoutSeconds()).isEqualTo(600);
    assertThat(s.limits().memoryMib()).isEqualTo(1024);
    try (var files = Files.list(s.resources())) {
      assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
          .containsExactly(
              "jgolem_blender.sh", "jgolem_job.json", "jgolem_render.py", "scene.blend");
    }
    for (String f :
        List.of("jgolem_blender.sh", "jgolem_job.json", "jgolem_render.py", "scene.blend")) {
      assertThat(Files.getPosixFilePermissions(s.resources().resolve(f)))
          .as(f)
          .contains(PosixFilePermission.OTHERS_READ);
    }
    var job = new ObjectMapper().readTree(s.resources().resolve("jgolem_job.json").toFile());
    assertThat(job.get("samples").asInt()).isEqualTo(32);
    assertThat(job.get("width").asInt()).isEqualTo(64);
    assertThat(job.get("renders")).hasSize(1);
    assertThat(job.get("renders").get(0).get("frame").asInt()).isEqualTo(1);
    assertThat(job.get("renders").get(0).get("file").asText()).isEqualTo("frame_0001.png");
    // the right half: x 32..64, all rows: border x from (32.25/64) to 1, y from 0.25/48 to 1
    var border = job.get("renders").get(0).get("border");
    assertThat(border.get(0).asDouble()).isEqualTo(32.25 / 64);
    assertThat(border.get(1).asDouble()).isEqualTo(1.0);
    assertThat(border.get(2).asDouble()).isEqualTo(0.25 / 48);
    assertThat(border.get(3).asDouble()).isEqualTo(1.0);
    var whole =
        new ObjectMapper()
            .readTree(plan.subtasks().get(2).resources().resolve("jgolem_job.json").toFile());
    assertThat(whole.get("renders").get(0).get("border").isNull()).isTrue();
  }

  @Test
  void moreFramesThanSubtasksAreGroupedAndExrIsAFormat() throws Exception {
    TaskPlan plan =
        plan(
            task(
                "[\"scene.blend\", \"notes.txt\"]",
                """
                {"image_id": "%s", "frames": [1, 2, 3, 4, 5, 9, 7], "resolution": [320, 240], "format": "exr", "output_path": "out",
                 "spot_check": {"crops": 2, "ssim_threshold": 0.9}}
                """
                    .formatted(ID),
                "\"subtasks_count\": 3,"));
    assertThat(plan.subtasks())
        .extracting(PlannedSubtask::name)
        .containsExactly("frames0001-0003", "frames0004-0005", "frames0007-0009");
    assertThat(plan.subtasks().get(1).outputPaths())
        .containsExactly("frame_0004.exr", "frame_0005.exr");
    assertThat(plan.subtasks().get(2).outputPaths())
        .containsExactly("frame_0007.exr", "frame_0009.exr");
    assertThat(((BlenderPlan) plan).options().spotCheck().crops()).isEqualTo(2);
    try (var files = Files.list(plan.subtasks().get(0).resources())) {
      assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
          .containsExactly(
              "jgolem_blender.sh",
              "jgolem_job.json",
              "jgolem_render.py",
              "notes.txt",
              "scene.blend");
    }
  }

  @Test
  void aMissingSceneFileIsNamedByThePathOfItsResource() throws Exception {
    Path t = task("[\"missing.blend\"]", options("\"1\"", "[64, 48]"), "");
    assertThatThrownBy(() -> parser.parse(t))
        .isInstanceOf(TaskFileException.class)
        .hasMessageContaining("$.resources[0]: does not exist");
    assertThat(refusedParse(t))
        .extracting(Problems.Problem::path)
        .containsExactly("$.resources[0]");
    Path none = task("[\"notes.txt\"]", options("\"1\"", "[64, 48]"), "");
    assertThat(refused(none))
        .extracting(Problems.Problem::toString)
        .containsExactly("$.resources: holds no .blend scene file");
  }

  private List<Problems.Problem> refusedParse(Path t) {
    var thrown =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            TaskFileException.class, () -> parser.parse(t));
    return thrown.problems();
  }

  @Test
  void framesOutOfRangeAreRefused() throws Exception {
    assertThat(refused(task("[\"scene.blend\"]", options("\"0-2\"", "[64, 48]"), "")))
        .extracting(Problems.Problem::toString)
        .containsExactly("$.options.frames: frame 0 is out of range 1..1048574");
    assertThat(refused(task("[\"scene.blend\"]", options("[1, 2000000]", "[64, 48]"), "")))
        .extracting(Problems.Problem::toString)
        .containsExactly("$.options.frames[1]: frame 2000000 is out of range 1..1048574");
    assertThat(refused(task("[\"scene.blend\"]", options("\"3-1\"", "[64, 48]"), "")))
        .extracting(Problems.Problem::toString)
        .containsExactly("$.options.frames: range 3-1 ends before it starts");
    assertThat(refused(task("[\"scene.blend\"]", options("\"1;1\"", "[64, 48]"), "")))
        .extracting(Problems.Problem::toString)
        .containsExactly("$.options.frames: frame 1 is listed twice");
  }

  @Test
  void aResolutionOfZeroOrLessIsRefused() throws Exception {
    assertThat(refused(task("[\"scene.blend\"]", options("\"1\"", "[0, 48]"), "")))
        .extracting(Problems.Problem::path)
        .containsExactly("$.options.resolution[0]");
    List<Problems.Problem> p = refused(task("[\"scene.blend\"]", options("\"1\"", "[64, -3]"), ""));
    assertThat(p).extracting(Problems.Problem::path).containsExactly("$.options.resolution[1]");
    assertThat(p.get(0).reason()).contains("1..16384").contains("height");
    assertThat(refused(task("[\"scene.blend\"]", options("\"1\"", "[64]"), "")))
        .extracting(Problems.Problem::toString)
        .containsExactly("$.options.resolution: must be [width, height] in pixels");
  }

  @Test
  void aFileThatIsNotABlenderSceneIsRefused() throws Exception {
    Files.writeString(dir.resolve("scene.blend"), "this is text, not a scene");
    List<Problems.Problem> p = refused(task("[\"scene.blend\"]", options("\"1\"", "[64, 48]"), ""));
    assertThat(p).extracting(Problems.Problem::path).containsExactly("$.resources[0]");
    assertThat(p.get(0).reason())
        .startsWith("is not a Blender scene (it does not start with the BLENDER header)");
  }

  @Test
  void redundancyImpossibleTilingsAndAMissingVerifierAreRefused() throws Exception {
    assertThat(
            refused(
                task(
                    "[\"scene.blend\"]",
                    options("\"1\"", "[64, 48]"),
                    "\"verification\": {\"redundancy\": 2},")))
        .extracting(Problems.Problem::path)
        .containsExactly("$.verification");
    // 67 tiles (a prime) of a 64x48 frame: no grid fits
    assertThat(
            refused(
                task("[\"scene.blend\"]", options("\"1\"", "[64, 48]"), "\"subtasks_count\": 67,")))
        .extracting(Problems.Problem::path)
        .containsExactly("$.subtasks_count");
    // 200 frames in 2 subtasks: 100 frames each, more than a result may list
    assertThat(
            refused(
                task(
                    "[\"scene.blend\"]",
                    options("\"1-200\"", "[64, 48]"),
                    "\"subtasks_count\": 2,")))
        .extracting(Problems.Problem::toString)
        .containsExactly(
            "$.subtasks_count: 2 subtasks would render 100 frames each, but a subtask renders at most 64: use at least 4");
    Path ok = task("[\"scene.blend\"]", options("\"1\"", "[64, 48]"), "");
    var thrown =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            TaskFileException.class, () -> template.plan(parser.parse(ok), dir.resolve("staging")));
    assertThat(thrown.problems())
        .extracting(Problems.Problem::path)
        .containsExactly("$.options.spot_check.environment");
    assertThat(thrown.problems().get(0).reason())
        .contains("re-rendering crops")
        .contains("no task computer");
    computer.close();
    computer =
        new TaskComputer(
            List.of(new FakeDocker(List.of("jgolem/runtime@sha256:" + "cd".repeat(32)))));
    List<Problems.Problem> p = refused(ok);
    assertThat(p).extracting(Problems.Problem::path).containsExactly("$.options.image_id");
    assertThat(p.get(0).reason()).contains("must allow and hold " + ID);
  }

  @Test
  void hostSpotChecksNeedHostDirectTurnedOnAndABlenderBinary() throws Exception {
    String spot =
        options("\"1\"", "[64, 48]")
            .replace(
                "\"output_path\": \"out\"",
                "\"output_path\": \"out\", \"spot_check\": {\"environment\": \"host\", \"blender\": \"/nonexistent/blender\"}");
    Path t = task("[\"scene.blend\"]", spot, "");
    computer.close();
    computer = new TaskComputer(List.of(org.jgolem.compute.host.HostDirectEnvironment.disabled()));
    List<Problems.Problem> p = refused(t);
    assertThat(p)
        .extracting(Problems.Problem::path)
        .containsExactly("$.options.spot_check.environment");
    assertThat(p.get(0).reason()).contains("host-direct execution is turned off");
    computer.close();
    computer =
        new TaskComputer(
            List.of(
                org.jgolem.compute.host.HostDirectEnvironment.enabledForTrustedCode(1, 1L << 30)));
    p = refused(t);
    assertThat(p)
        .extracting(Problems.Problem::toString)
        .containsExactly(
            "$.options.spot_check.blender: the requestor "
                + "verifies every Blender result by re-rendering crops of it on the host, but /nonexistent/blender is not an executable file");
  }

  /**
   * Results that are malformed are rejected from their files alone: the fake environment would fail
   * any render.
   */
  @Test
  void malformedResultsAreRejectedBeforeAnythingIsReRendered() throws Exception {
    TaskPlan plan =
        plan(task("[\"scene.blend\"]", options("\"1\"", "[64, 48]"), "\"subtasks_count\": 2,"));
    PlannedSubtask tile = plan.subtasks().get(0);
    Path result = Files.createDirectories(dir.resolve("result"));
    assertThat(plan.check(tile, result).reason())
        .isEqualTo("verification negative: missing output file frame_0001.png");
    Files.writeString(result.resolve("frame_0001.png"), "not a picture");
    assertThat(plan.check(tile, result).reason())
        .startsWith("verification negative: frame_0001.png: not a PNG image");
    Pictures.write(
        result.resolve("frame_0001.png"),
        Picture.blank(64, 48, 3, false),
        BlenderOptions.Format.PNG);
    assertThat(plan.check(tile, result).reason())
        .isEqualTo("verification negative: frame_0001.png is 64x48 pixels, expected 32x48");
    Files.writeString(result.resolve("extra.txt"), "x");
    assertThat(plan.check(tile, result).reason())
        .isEqualTo("verification negative: unexpected output file extra.txt");
    Files.delete(result.resolve("extra.txt"));
    Pictures.write(
        result.resolve("frame_0001.png"),
        Picture.blank(32, 48, 3, false),
        BlenderOptions.Format.PNG);
    // well-formed: now the crops must be re-rendered, and the fake environment cannot: an error,
    // not a verdict
    assertThatThrownBy(() -> plan.check(tile, result))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining(
            "the requestor's re-render of crops of frame0001-tile1 (and 1 more subtask) failed");
    assertThat(((BlenderPlan) plan).verificationCost().checks()).isZero();
    assertThat(dir.resolve("verification")).isEmptyDirectory();
  }

  @Test
  void everyProblemIsReportedAtOnce() throws Exception {
    Files.writeString(dir.resolve("scene.blend"), "nope");
    List<Problems.Problem> p =
        refused(
            task(
                "[\"scene.blend\"]",
                """
                {"image_id": "sha256:xyz", "frames": "a-b", "resolution": [0, 0], "format": "JPEG", "samples": 0,
                 "output_path": "out", "colour": "blue"}
                """,
                ""));
    assertThat(p)
        .extracting(Problems.Problem::path)
        .containsExactlyInAnyOrder(
            "$.options.colour",
            "$.resources[0]",
            "$.options.image_id",
            "$.options.frames",
            "$.options.resolution[0]",
            "$.options.resolution[1]",
            "$.options.format",
            "$.options.samples");
  }
}

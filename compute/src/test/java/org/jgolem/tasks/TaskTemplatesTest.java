package org.jgolem.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jgolem.tasks.definition.TaskFileException;
import org.jgolem.tasks.definition.TaskFileParser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskTemplatesTest {
  @TempDir Path dir;
  final TaskTemplates templates = TaskTemplates.load();
  final TaskFileParser parser = new TaskFileParser(templates.types());
  static final byte[] WASM = {0, 'a', 's', 'm', 1, 0, 0, 0};

  @BeforeEach
  void inputs() throws Exception {
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.write(in.resolve("prog.wasm"), WASM);
    Files.writeString(Files.createDirectories(in.resolve("s1")).resolve("scene.txt"), "scene one");
    Files.writeString(Files.createDirectories(in.resolve("s2")).resolve("scene.txt"), "scene two");
    Files.writeString(in.resolve("shared.txt"), "shared");
  }

  Path task(String json) throws Exception {
    return Files.writeString(dir.resolve("task.json"), json);
  }

  static final String GWASM =
      """
      {"type": "wasm", "name": "bands", "bid": "0.5", "timeout": "0:10:00", "subtask_timeout": "0:02:00",
       "options": {"js_name": "prog.js", "wasm_name": "prog.wasm", "input_dir": "in", "output_dir": "out",
         "subtasks": {"s1": {"exec_args": ["/golem/resources/scene.txt", "1"], "output_file_paths": ["band.pgm"]},
                      "s2": {"exec_args": ["/golem/resources/scene.txt", "2"], "output_file_paths": ["band.pgm"]}}}}
      """;

  @Test
  void theBuiltInTemplatesAreFoundThroughTheSpi() {
    assertThat(templates.types()).containsExactly("blender", "docker", "wasm");
  }

  @Test
  void gwasmPlansOneSubtaskPerEntryWithTheBinaryAndItsInputsLinkedIn() throws Exception {
    var plan =
        templates.get("wasm").orElseThrow().plan(parser.parse(task(GWASM)), dir.resolve("staging"));
    assertThat(plan.subtasks()).extracting(PlannedSubtask::name).containsExactly("s1", "s2");
    PlannedSubtask s1 = plan.subtasks().get(0);
    assertThat(s1.environment()).isEqualTo("wasm");
    assertThat(s1.image())
        .isEqualTo(
            "sha256:"
                + HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(WASM)));
    assertThat(s1.entryPoint()).isEqualTo("prog.wasm");
    assertThat(s1.args()).containsExactly("/golem/resources/scene.txt", "1");
    assertThat(s1.limits().timeoutSeconds()).isEqualTo(120);
    assertThat(s1.resources()).as("staged when needed, not at planning").doesNotExist();
    plan.prepare(s1);
    plan.prepare(s1); // again: nothing more to do
    assertThat(FileResults.list(s1.resources())).containsExactly("prog.wasm", "scene.txt");
    assertThat(plan.subtasks().get(1).resources()).doesNotExist();
    assertThat(Files.readString(s1.resources().resolve("scene.txt"))).isEqualTo("scene one");
    Object inode =
        Files.readAttributes(dir.resolve("in/prog.wasm"), BasicFileAttributes.class).fileKey();
    assertThat(
            Files.readAttributes(s1.resources().resolve("prog.wasm"), BasicFileAttributes.class)
                .fileKey())
        .as("hard-linked, not copied")
        .isEqualTo(inode);
    assertThat(plan.defaultVerification().redundancy()).isEqualTo(2);
    assertThat(s1.definition("bafkexample").resourcesCid()).isEqualTo("bafkexample");
  }

  @Test
  void aSymlinkAmongASubtasksInputsIsRefusedAtPlanningThoughNothingIsStagedThen() throws Exception {
    Files.createSymbolicLink(dir.resolve("in/s2/secret"), Path.of("/etc/passwd"));
    assertThatThrownBy(() ->
            templates
                .get("wasm")
                .orElseThrow()
                .plan(parser.parse(task(GWASM)), dir.resolve("staging")))
        .isInstanceOf(org.jgolem.tasks.definition.TaskFileException.class)
        .hasMessageContaining(
            "$.options.subtasks.s2: inputs cannot be staged: input is not a regular file, refused");
    assertThat(dir.resolve("staging")).doesNotExist();
  }

  @Test
  void resultsAreCheckedForExactlyTheExpectedFilesAndMergedPerSubtask() throws Exception {
    var plan =
        templates.get("wasm").orElseThrow().plan(parser.parse(task(GWASM)), dir.resolve("staging"));
    PlannedSubtask s1 = plan.subtasks().get(0);
    Path r1 = Files.createDirectories(dir.resolve("r1"));
    assertThat(plan.check(s1, r1).reason()).isEqualTo("missing output file band.pgm");
    Files.writeString(r1.resolve("band.pgm"), "P2 1");
    assertThat(plan.check(s1, r1)).isEqualTo(Verdict.OK);
    Files.writeString(r1.resolve("extra.bin"), "x");
    assertThat(plan.check(s1, r1).reason()).isEqualTo("unexpected output file extra.bin");
    Files.delete(r1.resolve("extra.bin"));

    Path r2 = Files.createDirectories(dir.resolve("r2"));
    Files.writeString(r2.resolve("band.pgm"), "P2 2");
    Map<String, Path> accepted = new LinkedHashMap<>();
    accepted.put("s1", r1);
    accepted.put("s2", r2);
    Path out = plan.merge(accepted);
    assertThat(out).isEqualTo(dir.resolve("out"));
    assertThat(Files.readString(out.resolve("s1/band.pgm"))).isEqualTo("P2 1");
    assertThat(Files.readString(out.resolve("s2/band.pgm"))).isEqualTo("P2 2");

    // a merge again (a requestor that restarted mid-merge) replaces what the first left; nested
    // files keep their place
    Path r3 = Files.createDirectories(dir.resolve("r3/deep"));
    Files.writeString(r3.resolve("band.pgm"), "P2 3");
    Files.writeString(dir.resolve("r3/top.txt"), "top");
    accepted.put("s2", dir.resolve("r3"));
    plan.merge(accepted);
    assertThat(Files.readString(out.resolve("s1/band.pgm"))).isEqualTo("P2 1");
    assertThat(Files.readString(out.resolve("s2/band.pgm")))
        .as("left by the first merge")
        .isEqualTo("P2 2");
    assertThat(Files.readString(out.resolve("s2/deep/band.pgm"))).isEqualTo("P2 3");
    assertThat(Files.readString(out.resolve("s2/top.txt"))).isEqualTo("top");
  }

  @Test
  void gwasmGroupsSubtasksIntoAssignmentsCheckedAndMergedPerSubtask() throws Exception {
    Files.writeString(
        Files.createDirectories(dir.resolve("in/s3")).resolve("scene.txt"), "scene three");
    String three =
        GWASM
            .replace(
                "\"output_dir\": \"out\",",
                "\"output_dir\": \"out\", \"subtasks_per_assignment\": 2,")
            .replace(
                "\"output_file_paths\": [\"band.pgm\"]}}}}",
                "\"output_file_paths\": [\"band.pgm\"]},"
                    + " \"s3\": {\"exec_args\": [\"3\"], \"output_file_paths\": [\"band.pgm\", \"log.txt\"]}}}}");
    var plan =
        templates.get("wasm").orElseThrow().plan(parser.parse(task(three)), dir.resolve("staging"));
    assertThat(plan.subtasks())
        .extracting(PlannedSubtask::name)
        .as("named after their first")
        .containsExactly("s1", "s3");
    PlannedSubtask pair = plan.subtasks().get(0);
    PlannedSubtask last = plan.subtasks().get(1);
    assertThat(pair.runs())
        .extracting(org.jgolem.protocol.messages.market.SubtaskRun::name)
        .containsExactly("s1", "s2");
    assertThat(pair.runs().get(1).args()).containsExactly("/golem/resources/scene.txt", "2");
    assertThat(pair.args()).isEmpty();
    assertThat(pair.outputPaths()).isEmpty();
    assertThat(pair.limits().timeoutSeconds()).as("two subtasks' time").isEqualTo(240);
    assertThat(last.runs()).hasSize(1);
    assertThat(last.limits().timeoutSeconds()).isEqualTo(120);
    pair.definition("bafkexample").validate("definition");

    plan.prepare(pair);
    assertThat(FileResults.list(pair.resources()))
        .containsExactly("prog.wasm", "s1/scene.txt", "s2/scene.txt");
    assertThat(Files.readString(pair.resources().resolve("s2/scene.txt"))).isEqualTo("scene two");

    Path r = Files.createDirectories(dir.resolve("r/s1"));
    Files.writeString(r.resolve("band.pgm"), "P2 1");
    assertThat(plan.check(pair, dir.resolve("r")).reason())
        .isEqualTo("missing output file s2/band.pgm");
    Files.writeString(Files.createDirectories(dir.resolve("r/s2")).resolve("band.pgm"), "P2 2");
    assertThat(plan.check(pair, dir.resolve("r"))).isEqualTo(Verdict.OK);
    Files.writeString(dir.resolve("r/band.pgm"), "P2 ?");
    assertThat(plan.check(pair, dir.resolve("r")).reason())
        .isEqualTo("unexpected output file band.pgm");
    Files.delete(dir.resolve("r/band.pgm"));

    Path r3 = Files.createDirectories(dir.resolve("r3/s3"));
    Files.writeString(r3.resolve("band.pgm"), "P2 3");
    Files.writeString(r3.resolve("log.txt"), "ok");
    assertThat(plan.check(last, dir.resolve("r3"))).isEqualTo(Verdict.OK);
    Map<String, Path> accepted = new LinkedHashMap<>();
    accepted.put("s1", dir.resolve("r"));
    accepted.put("s3", dir.resolve("r3"));
    Path out = plan.merge(accepted);
    assertThat(FileResults.list(out))
        .as("the same layout as subtasks assigned alone")
        .containsExactly("s1/band.pgm", "s2/band.pgm", "s3/band.pgm", "s3/log.txt");
    assertThat(Files.readString(out.resolve("s2/band.pgm"))).isEqualTo("P2 2");
  }

  @Test
  void digestsAreEqualExactlyForEqualResults() throws Exception {
    Path a = Files.createDirectories(dir.resolve("a/sub"));
    Path b = Files.createDirectories(dir.resolve("b/sub"));
    Files.writeString(a.resolve("f"), "same");
    Files.writeString(b.resolve("f"), "same");
    assertThat(FileResults.digest(dir.resolve("a")))
        .isEqualTo(FileResults.digest(dir.resolve("b")));
    Files.writeString(b.resolve("f"), "diff");
    assertThat(FileResults.digest(dir.resolve("a")))
        .isNotEqualTo(FileResults.digest(dir.resolve("b")));
    Files.writeString(b.resolve("f"), "same");
    Files.move(b.resolve("f"), b.resolve("g"));
    assertThat(FileResults.digest(dir.resolve("a")))
        .as("names count")
        .isNotEqualTo(FileResults.digest(dir.resolve("b")));
  }

  @Test
  void dockerTasksPinTheImageIdAndShareInputs() throws Exception {
    String id = "sha256:" + "ab".repeat(32);
    String json =
        """
        {"type": "docker", "name": "d", "bid": 1, "timeout": "0:10:00", "subtask_timeout": "0:01:00",
         "options": {"image": "jgolem/runtime", "image_id": "%s", "input_dir": "in", "output_dir": "out", "memory_mib": 128,
           "subtasks": {"s1": {"command": ["/bin/sh", "-c", "wc -c /golem/resources/* > /golem/output/n"],
                               "output_file_paths": ["n"]}}}}
        """
            .formatted(id);
    var plan =
        templates
            .get("docker")
            .orElseThrow()
            .plan(parser.parse(task(json)), dir.resolve("staging"));
    PlannedSubtask s1 = plan.subtasks().get(0);
    assertThat(s1.image()).isEqualTo(id);
    assertThat(s1.entryPoint()).isEqualTo("/bin/sh");
    assertThat(s1.args()).hasSize(2);
    assertThat(s1.limits().memoryMib()).isEqualTo(128);
    assertThat(FileResults.list(s1.resources()))
        .as("s2 is no subtask here, so its folder is a shared input")
        .containsExactly("prog.wasm", "s2/scene.txt", "scene.txt", "shared.txt");
    assertThat(Files.readString(s1.resources().resolve("scene.txt"))).isEqualTo("scene one");
  }

  @Test
  void dockerOptionErrorsNameTheirPath() throws Exception {
    String json =
        """
        {"type": "docker", "name": "d", "bid": 1, "timeout": "0:10:00", "subtask_timeout": "0:01:00",
         "options": {"image": "x", "image_id": "latest", "output_dir": "out",
           "subtasks": {"s1": {"command": ["sh"], "output_file_paths": ["/etc/passwd"]}}}}
        """;
    Path f = task(json);
    assertThatThrownBy(() ->
            templates.get("docker").orElseThrow().plan(parser.parse(f), dir.resolve("staging")))
        .isInstanceOfSatisfying(
            TaskFileException.class,
            e ->
                assertThat(e.problems())
                    .extracting(Object::toString)
                    .anySatisfy(s ->
                        assertThat(s).startsWith("$.options.image_id: must be a Docker image id"))
                    .anySatisfy(s ->
                        assertThat(s)
                            .startsWith(
                                "$.options.subtasks.s1.command[0]: must be an absolute path"))
                    .anySatisfy(s ->
                        assertThat(s)
                            .startsWith(
                                "$.options.subtasks.s1.output_file_paths[0]: must be a relative")));
  }
}

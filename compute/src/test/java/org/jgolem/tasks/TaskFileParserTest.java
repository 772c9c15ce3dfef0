package org.jgolem.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Stream;
import org.jgolem.tasks.definition.Problems;
import org.jgolem.tasks.definition.TaskFile;
import org.jgolem.tasks.definition.TaskFileException;
import org.jgolem.tasks.definition.TaskFileParser;
import org.jgolem.tasks.wasm.GwasmOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TaskFileParserTest {
  @TempDir Path dir;
  final TaskFileParser parser = new TaskFileParser(Set.of("wasm", "docker"));

  /** The gWASM example from Golem's ETHBerlin 2019 talk, with folders that exist here. */
  static final String GWASM =
      """
      {
        "type": "wasm",
        "name": "test",
        "bid": 1,
        "subtask_timeout": "00:10:00",
        "timeout": "00:10:00",
        "options": {
          "js_name": "test.js",
          "wasm_name": "test.wasm",
          "input_dir": "test_in",
          "output_dir": "test_out",
          "subtasks": {
            "subtask1": { "exec_args": ["arg1", "arg2"], "output_file_paths": ["out.txt"] },
            "subtask2": { "exec_args": ["arg3", "arg4"], "output_file_paths": ["out.txt"] }
          }
        }
      }
      """;

  @BeforeEach
  void inputFolder() throws Exception {
    Path in = Files.createDirectories(dir.resolve("test_in"));
    Files.write(in.resolve("test.wasm"), new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    Files.writeString(in.resolve("test.js"), "// unused: jgolem runs wasm through WASI");
    Files.createDirectories(in.resolve("subtask1"));
    Files.createDirectories(in.resolve("subtask2"));
  }

  Path write(String json) throws Exception {
    return Files.writeString(dir.resolve("task.json"), json);
  }

  @Test
  void readsGolemsGwasmExample() throws Exception {
    TaskFile t = parser.parse(write(GWASM));
    assertThat(t.type()).isEqualTo("wasm");
    assertThat(t.name()).isEqualTo("test");
    assertThat(t.timeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(t.subtaskTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(t.bidPerHour()).isEqualTo(new BigInteger("1000000000000000000"));
    assertThat(t.verification()).isEmpty();

    GwasmOptions o = GwasmOptions.parse(t);
    assertThat(o.wasm()).isEqualTo(dir.resolve("test_in/test.wasm"));
    assertThat(o.outputDir()).isEqualTo(dir.resolve("test_out"));
    assertThat(o.subtasks().keySet()).containsExactly("subtask1", "subtask2");
    assertThat(o.subtasks().get("subtask2").execArgs()).containsExactly("arg3", "arg4");
    assertThat(o.subtasks().get("subtask1").outputFilePaths()).containsExactly("out.txt");
    assertThat(o.subtasks().get("subtask1").inputDir()).isEqualTo(dir.resolve("test_in/subtask1"));
  }

  @Test
  void bidsAreExactInBaseUnits() throws Exception {
    TaskFile t =
        parser.parse(write(GWASM.replace("\"bid\": 1,", "\"bid\": \"0.000000000000000001\",")));
    assertThat(t.bidPerHour()).isEqualTo(BigInteger.ONE);
    t = parser.parse(write(GWASM.replace("\"bid\": 1,", "\"bid\": 0.1,")));
    assertThat(t.bidPerHour()).isEqualTo(new BigInteger("100000000000000000"));
    t =
        parser.parse(
            write(GWASM.replace("\"timeout\": \"00:10:00\"", "\"timeout\": \"36:00:05\"")));
    assertThat(t.timeout()).isEqualTo(Duration.ofHours(36).plusSeconds(5));
  }

  static Stream<Arguments> invalidCommonFields() {
    return Stream.of(
        Arguments.of(
            "\"type\": \"wasm\",",
            "\"type\": \"quantum\",",
            "$.type",
            "unknown task type 'quantum'"),
        Arguments.of("\"type\": \"wasm\",", "", "$.type", "is missing"),
        Arguments.of("\"name\": \"test\",", "\"name\": 7,", "$.name", "must be a string"),
        Arguments.of("\"bid\": 1,", "\"bid\": -1,", "$.bid", "must not be negative"),
        Arguments.of("\"bid\": 1,", "\"bid\": \"lots\",", "$.bid", "must be a number of GNT"),
        Arguments.of(
            "\"bid\": 1,", "\"bid\": 0.0000000000000000001,", "$.bid", "more than 18 decimals"),
        Arguments.of("\"bid\": 1,", "", "$.bid", "is missing"),
        Arguments.of(
            "\"timeout\": \"00:10:00\"", "\"timeout\": \"10 minutes\"", "$.timeout", "h:mm:ss"),
        Arguments.of(
            "\"timeout\": \"00:10:00\"",
            "\"timeout\": \"0:00:00\"",
            "$.timeout",
            "longer than 0:00:00"),
        Arguments.of(
            "\"subtask_timeout\": \"00:10:00\"",
            "\"subtask_timeout\": \"00:20:00\"",
            "$.subtask_timeout",
            "must not be longer than timeout"),
        Arguments.of(
            "\"bid\": 1,", "\"bid\": 1, \"subtask_count\": 2,", "$.subtask_count", "unknown field"),
        Arguments.of(
            "\"bid\": 1,", "\"bid\": 1, \"subtasks_count\": 0,", "$.subtasks_count", "1..100000"),
        Arguments.of(
            "\"bid\": 1,",
            "\"bid\": 1, \"resources\": [\"missing.blend\"],",
            "$.resources[0]",
            "does not exist"),
        Arguments.of("\"bid\": 1,", "\"bid\": 1, \"compute_on\": \"gpu\",", "$.compute_on", "GPU"),
        Arguments.of(
            "\"bid\": 1,",
            "\"bid\": 1, \"verification\": {\"redundancy\": 0},",
            "$.verification.redundancy",
            "1..8"),
        Arguments.of(
            "\"bid\": 1,",
            "\"bid\": 1, \"verification\": {\"recompute_fraction\": 2},",
            "$.verification.recompute_fraction",
            "0..1"));
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("invalidCommonFields")
  void commonFieldErrorsNameTheJsonPath(String from, String to, String path, String reason)
      throws Exception {
    Path f = write(GWASM.replace(from, to));
    assertThatThrownBy(() -> parser.parse(f))
        .isInstanceOfSatisfying(
            TaskFileException.class,
            e -> {
              assertThat(e.problems())
                  .anySatisfy(pr -> {
                    assertThat(pr.path()).isEqualTo(path);
                    assertThat(pr.reason()).contains(reason);
                  });
              assertThat(e.getMessage()).contains(path).contains(f.toString());
            });
  }

  static Stream<Arguments> invalidGwasmOptions() {
    return Stream.of(
        Arguments.of(
            "\"wasm_name\": \"test.wasm\"",
            "\"wasm_name\": \"nope.wasm\"",
            "$.options.wasm_name",
            "no such file"),
        Arguments.of(
            "\"wasm_name\": \"test.wasm\"",
            "\"wasm_name\": \"test.js\"",
            "$.options.wasm_name",
            "not a WebAssembly binary"),
        Arguments.of(
            "\"wasm_name\": \"test.wasm\"",
            "\"wasm_name\": \"../test.wasm\"",
            "$.options.wasm_name",
            "inside input_dir"),
        Arguments.of(
            "\"input_dir\": \"test_in\"",
            "\"input_dir\": \"nowhere\"",
            "$.options.input_dir",
            "not a folder"),
        Arguments.of("\"js_name\": \"test.js\",", "", "$.options.js_name", "is missing"),
        Arguments.of(
            "\"output_dir\": \"test_out\"",
            "\"output_dir\": \"test_in/out\"",
            "$.options.output_dir",
            "inside input_dir"),
        Arguments.of(
            "[\"arg1\", \"arg2\"]",
            "[\"arg1\", 2]",
            "$.options.subtasks.subtask1.exec_args[1]",
            "must be a string"),
        Arguments.of(
            "\"output_file_paths\": [\"out.txt\"] },\n",
            "\"output_file_paths\": [\"../../x\"] },\n",
            "$.options.subtasks.subtask1.output_file_paths[0]",
            "relative path inside the output folder"),
        Arguments.of(
            "\"output_file_paths\": [\"out.txt\"] },\n",
            "\"output_file_paths\": [] },\n",
            "$.options.subtasks.subtask1.output_file_paths",
            "must not be empty"),
        Arguments.of(
            "\"subtask2\": {",
            "\"subtask3\": {",
            "$.options.subtasks.subtask3",
            "has no input folder"),
        Arguments.of(
            "\"subtask2\": {", "\"../up\": {", "$.options.subtasks", "subtask name \"../up\""),
        Arguments.of(
            "\"bid\": 1,", "\"bid\": 1, \"subtasks_count\": 3,", "$.subtasks_count", "lists 2"),
        Arguments.of(
            "\"output_dir\": \"test_out\",",
            "\"output_dir\": \"test_out\", \"subtasks_per_assignment\": 0,",
            "$.options.subtasks_per_assignment",
            "1..64"),
        Arguments.of(
            "\"output_dir\": \"test_out\",",
            "\"output_dir\": \"test_out\", \"subtasks_per_assignment\": 65,",
            "$.options.subtasks_per_assignment",
            "1..64"),
        Arguments.of(
            "\"output_dir\": \"test_out\",",
            "\"output_dir\": \"test_out\", \"subtasks_per_assignment\": \"2\",",
            "$.options.subtasks_per_assignment",
            "must be an integer"));
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("invalidGwasmOptions")
  void gwasmOptionErrorsNameTheJsonPath(String from, String to, String path, String reason)
      throws Exception {
    Path f = write(GWASM.replace(from, to));
    assertThat(Files.readString(f)).as("replacement applied").isNotEqualTo(GWASM);
    assertThatThrownBy(() -> GwasmOptions.parse(parser.parse(f)))
        .isInstanceOfSatisfying(
            TaskFileException.class,
            e ->
                assertThat(e.problems())
                    .anySatisfy(pr -> {
                      assertThat(pr.path()).isEqualTo(path);
                      assertThat(pr.reason()).contains(reason);
                    }));
  }

  @Test
  void everyProblemIsReportedAtOnce() throws Exception {
    Path f = write("{\"type\": \"wasm\", \"timeout\": \"x\", \"bid\": -2, \"extra\": 1}");
    assertThatThrownBy(() -> parser.parse(f))
        .isInstanceOfSatisfying(
            TaskFileException.class,
            e ->
                assertThat(e.problems())
                    .extracting(Problems.Problem::path)
                    .containsExactlyInAnyOrder(
                        "$.extra", "$.name", "$.timeout", "$.subtask_timeout", "$.bid"));
  }

  @Test
  void malformedJsonAndDuplicateKeysAreRefused() throws Exception {
    Path broken = write("{\"type\": \"wasm\",, }");
    assertThatThrownBy(() -> parser.parse(broken)).hasMessageContaining("not valid JSON at line 1");
    Path dup = write("{\"type\": \"wasm\", \"type\": \"docker\"}");
    assertThatThrownBy(() -> parser.parse(dup)).hasMessageContaining("Duplicate field 'type'");
    Path notObject = write("[1, 2]");
    assertThatThrownBy(() -> parser.parse(notObject))
        .hasMessageContaining("$: must be a JSON object");
    assertThatThrownBy(() -> parser.parse(dir.resolve("absent.json")))
        .hasMessageContaining("does not exist");
  }
}

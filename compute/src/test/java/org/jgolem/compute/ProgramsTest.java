package org.jgolem.compute;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jgolem.compute.wasm.WasmEnvironment;
import org.jgolem.protocol.messages.market.ResourceLimits;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.protocol.messages.market.SubtaskRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Definitions that group several runs, executed in the real WASM sandbox with the C band renderer.
 */
class ProgramsTest {
  static final String SCENE =
      "size 32 16\ncamera 0 1 -4\nlight 2 4 -3\nsphere 0 1 2 1 200\nplane 0 80\n";

  @TempDir Path dir;
  TaskComputer computer;
  byte[] binary;
  String image;

  /** The runs the sandbox was asked for, by spec id, in order. */
  final List<String> started = java.util.Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void sandbox() throws Exception {
    String prop = System.getProperty("jgolem.wasm.programs");
    Path programs = prop != null ? Path.of(prop) : Path.of("target", "wasm-programs");
    binary = Files.readAllBytes(programs.resolve("render.wasm"));
    image =
        "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(binary));
    WasmEnvironment wasm = new WasmEnvironment();
    Environment counting =
        new Environment() {
          @Override
          public String name() {
            return wasm.name();
          }

          @Override
          public org.jgolem.compute.Capabilities capabilities() {
            return wasm.capabilities();
          }

          @Override
          public Execution start(ExecutionSpec spec) {
            started.add(spec.subtaskId());
            return wasm.start(spec);
          }

          @Override
          public void close() {
            wasm.close();
          }
        };
    computer = new TaskComputer(List.of(counting));
  }

  @AfterEach
  void close() {
    computer.close();
  }

  /** A resources folder with the binary and a scene per run; empty work and output folders. */
  Path resources(List<String> runs) throws Exception {
    Path res = Files.createDirectories(dir.resolve("resources"));
    Files.write(res.resolve("render.wasm"), binary);
    for (String r : runs)
      Files.writeString(Files.createDirectories(res.resolve(r)).resolve("scene.txt"), SCENE);
    Files.createDirectories(dir.resolve("work"));
    Files.createDirectories(dir.resolve("output"));
    return res;
  }

  static SubtaskRun band(String name, int band, int of) {
    return new SubtaskRun(
        name,
        List.of(ExecutionSpec.RESOURCES + "/scene.txt", ExecutionSpec.OUTPUT, "" + band, "" + of),
        List.of("band-" + band + "-of-" + of + ".pgm"));
  }

  SubtaskDefinition grouped(long timeoutSeconds, long maxOutput, SubtaskRun... runs) {
    return new SubtaskDefinition(
        "wasm",
        image,
        "bafkexample",
        "render.wasm",
        List.of(),
        List.of(),
        new ResourceLimits(1, 128, timeoutSeconds, maxOutput),
        List.of(runs));
  }

  ExecutionResult execute(SubtaskDefinition d, Path res) throws Exception {
    return Programs.execute(
            computer, "st-test", d, res, dir.resolve("work"), dir.resolve("output"), null)
        .result()
        .get(60, TimeUnit.SECONDS);
  }

  @Test
  void eachRunRendersItsBandAsItWouldAloneIntoItsOwnFolder() throws Exception {
    Path res = resources(List.of("a", "b", "c"));
    ExecutionResult r =
        execute(grouped(60, 1 << 20, band("a", 0, 3), band("b", 1, 3), band("c", 2, 3)), res);
    assertThat(r.succeeded()).as(r.toString()).isTrue();
    assertThat(r.outputs())
        .extracting(ExecutionResult.OutputFile::path)
        .containsExactly("a/band-0-of-3.pgm", "b/band-1-of-3.pgm", "c/band-2-of-3.pgm");
    assertThat(started).containsExactly("st-test-0", "st-test-1", "st-test-2");
    assertThat(r.usage().cpuNanos()).isPositive();

    // the same band run alone, as a definition of one run
    Path alone = Files.createDirectories(dir.resolve("alone"));
    Path aloneRes = Files.createDirectories(alone.resolve("resources"));
    Files.write(aloneRes.resolve("render.wasm"), binary);
    Files.writeString(aloneRes.resolve("scene.txt"), SCENE);
    SubtaskRun b = band("b", 1, 3);
    SubtaskDefinition one =
        new SubtaskDefinition(
            "wasm",
            image,
            "bafkexample",
            "render.wasm",
            b.args(),
            b.outputPaths(),
            new ResourceLimits(1, 128, 60, 1 << 20));
    ExecutionResult single =
        Programs.execute(
                computer,
                "st-alone",
                one,
                aloneRes,
                Files.createDirectories(alone.resolve("work")),
                Files.createDirectories(alone.resolve("output")),
                null)
            .result()
            .get(60, TimeUnit.SECONDS);
    assertThat(single.succeeded()).as(single.toString()).isTrue();
    assertThat(Files.readAllBytes(dir.resolve("output/b/band-1-of-3.pgm")))
        .isEqualTo(Files.readAllBytes(alone.resolve("output/band-1-of-3.pgm")));
  }

  @Test
  void aFailingRunEndsTheWholeNamingItAndTheRunsAfterItNeverStart() throws Exception {
    Path res = resources(List.of("a", "b", "c"));
    SubtaskRun broken =
        new SubtaskRun(
            "b",
            List.of(ExecutionSpec.RESOURCES + "/no-such-scene.txt", ExecutionSpec.OUTPUT, "1", "3"),
            List.of("band-1-of-3.pgm"));
    ExecutionResult r =
        execute(grouped(60, 1 << 20, band("a", 0, 3), broken, band("c", 2, 3)), res);
    assertThat(r.succeeded()).isFalse();
    assertThat(r.reason()).isEqualTo(FailureReason.NON_ZERO_EXIT);
    assertThat(r.failure().orElseThrow().message()).startsWith("run b (2 of 3): ");
    assertThat(started).containsExactly("st-test-0", "st-test-1");
    assertThat(dir.resolve("output/c")).doesNotExist();
  }

  @Test
  void theOutputLimitIsForAllTheRunsTogether() throws Exception {
    Path res = resources(List.of("a", "b", "c"));
    ExecutionResult alone = execute(grouped(60, 1 << 20, band("a", 0, 3)), res);
    long band = alone.outputs().get(0).size();
    org.jgolem.ipfs.FileTrees.delete(dir.resolve("output"));
    Files.createDirectories(dir.resolve("output"));
    started.clear();
    // room for two bands, not three: each band alone is within the limit
    ExecutionResult r =
        execute(
            grouped(60, 2 * band + band / 2, band("a", 0, 3), band("b", 1, 3), band("c", 2, 3)),
            res);
    assertThat(r.reason()).as(r.toString()).isEqualTo(FailureReason.OUTPUT_TOO_LARGE);
    assertThat(r.failure().orElseThrow().message()).contains("run c");
  }

  @Test
  void aRunWithoutItsInputFolderIsRefusedAndCancellingStopsTheRest() throws Exception {
    Path res = resources(List.of("a"));
    ExecutionResult r = execute(grouped(60, 1 << 20, band("a", 0, 2), band("missing", 1, 2)), res);
    assertThat(r.reason()).as(r.toString()).isEqualTo(FailureReason.INVALID_SPEC);
    assertThat(r.failure().orElseThrow().message())
        .contains("run missing")
        .contains("resources folder does not exist");

    // a large picture: its first run is still drawing when cancelled
    for (String big : List.of("big1", "big2")) {
      Files.writeString(
          Files.createDirectories(res.resolve(big)).resolve("scene.txt"),
          SCENE.replace("size 32 16", "size 2000 2000"));
    }
    started.clear();
    Execution x =
        Programs.execute(
            computer,
            "st-cancel",
            grouped(60, 64 << 20, band("big1", 0, 1), band("big2", 0, 1)),
            res,
            dir.resolve("work"),
            dir.resolve("output"),
            null);
    Thread.sleep(200);
    x.cancel();
    ExecutionResult c = x.result().get(60, TimeUnit.SECONDS);
    assertThat(c.reason()).as(c.toString()).isEqualTo(FailureReason.CANCELLED);
    assertThat(started).as("the second run never starts").containsExactly("st-cancel-0");
  }
}

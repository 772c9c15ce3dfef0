package org.jgolem.compute.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.compute.wasm.WasmFixture.Folders;
import static org.jgolem.compute.wasm.WasmFixture.SCENE;
import static org.jgolem.compute.wasm.WasmFixture.run;
import static org.jgolem.compute.wasm.WasmFixture.spec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionResult.OutputFile;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.Limits;
import org.jgolem.compute.Program;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a WASM subtask computes and sees: real Chicory, real wasm32-wasi binaries built from C. */
class WasmEnvironmentTest {
  private static WasmEnvironment env;

  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    env = new WasmEnvironment(WasmEnvironment.Settings.defaults().withSlots(2));
  }

  @AfterAll
  static void stop() {
    env.close();
  }

  @Test
  void kernelChecksumEqualsTheNativeBuild() throws Exception {
    String expected = WasmFixture.runNative("kernel", "300");
    ExecutionResult r =
        run(env, spec("kernel-300", "kernel", Folders.under(tmp, "k"), List.of("300")));

    assertThat(r.succeeded()).as(r.toString()).isTrue();
    assertThat(r.exitCode()).contains(0);
    assertThat(r.stdout().text()).isEqualTo(expected).startsWith("checksum=").contains("size=300");
    assertThat(r.usage().cpuNanos()).isPositive();
    assertThat(r.usage().peakMemoryBytes()).isPositive();
  }

  @Test
  void bandRendererDrawsTheSameImageAsTheNativeBuildBandByBand() throws Exception {
    Path nativeOut = Files.createDirectories(tmp.resolve("native"));
    Path scene = Files.writeString(tmp.resolve("scene.txt"), SCENE);
    WasmFixture.runNative("render", scene.toString(), nativeOut.toString(), "0", "1");
    byte[] whole = Files.readAllBytes(nativeOut.resolve("band-0-of-1.pgm"));
    byte[] wholePixels = pixels(whole, 96, 64);

    int count = 4;
    ByteArrayOutputStream assembled = new ByteArrayOutputStream();
    for (int band = 0; band < count; band++) {
      Folders f = Folders.under(tmp, "band" + band);
      Files.writeString(f.resources().resolve("scene.txt"), SCENE);
      ExecutionResult r =
          run(
              env,
              spec(
                  "render-" + band,
                  "render",
                  f,
                  List.of(
                      ExecutionSpec.RESOURCES + "/scene.txt",
                      ExecutionSpec.OUTPUT,
                      "" + band,
                      "" + count)));

      assertThat(r.succeeded()).as(r + " " + r.stderr().text()).isTrue();
      String name = "band-" + band + "-of-" + count + ".pgm";
      assertThat(r.outputs()).extracting(OutputFile::path).containsExactly(name);
      byte[] pgm = Files.readAllBytes(f.output().resolve(name));
      assertThat(r.outputs().get(0).size()).isEqualTo(pgm.length);
      assembled.write(pixels(pgm, 96, 16));
      try (var listing = Files.list(f.resources())) {
        assertThat(listing).as("resources unchanged").hasSize(1);
      }
    }
    assertThat(assembled.toByteArray())
        .as("4 WASM bands = the native full image")
        .isEqualTo(wholePixels);
    // a real picture, not a blank: the sky (top-left) is darker than the lit sphere in the middle
    assertThat(wholePixels[0] & 0xff).isLessThan(wholePixels[32 * 96 + 48] & 0xff);
  }

  @Test
  void aRenderedBandIsByteIdenticalAcrossRunsOfTheSameSubtask() throws Exception {
    byte[][] outputs = new byte[2][];
    for (int i = 0; i < 2; i++) {
      Folders f = Folders.under(tmp, "again" + i);
      Files.writeString(f.resources().resolve("scene.txt"), SCENE);
      ExecutionResult r =
          run(
              env,
              spec(
                  "render-same",
                  "render",
                  f,
                  List.of(ExecutionSpec.RESOURCES + "/scene.txt", ExecutionSpec.OUTPUT, "1", "3")));
      assertThat(r.succeeded()).as(r.toString()).isTrue();
      outputs[i] = Files.readAllBytes(f.output().resolve("band-1-of-3.pgm"));
    }
    assertThat(outputs[0]).isEqualTo(outputs[1]);
  }

  @Test
  void resourcesCanBeListedStatedAndReadAndWorkIsAScratchFolder() throws Exception {
    Folders f = Folders.under(tmp, "files");
    Files.writeString(f.resources().resolve("b.txt"), "bravo contents");
    Files.writeString(f.resources().resolve("a.txt"), "alpha");
    Files.createDirectories(f.resources().resolve("sub/deeper"));
    Files.writeString(f.resources().resolve("sub/deeper/z.bin"), "zzz");
    ExecutionResult r = run(env, spec("files-1", "files", f, List.of()));

    assertThat(r.succeeded()).as(r + " " + r.stdout().text()).isTrue();
    long mtime = GuestClock.forSubtask("files-1").start().getEpochSecond();
    String expected =
        String.format(
            """
            file /golem/resources/a.txt 5 %1$d [alpha]
            file /golem/resources/b.txt 14 %1$d [bravo contents]
            dir  /golem/resources/sub 0 %1$d
            dir  /golem/resources/sub/deeper 0 %1$d
            file /golem/resources/sub/deeper/z.bin 3 %1$d [zzz]
            """,
            mtime);
    assertThat(r.stdout().text())
        .as("sorted, with sizes and the subtask's fixed time")
        .isEqualTo(expected);
    assertThat(Files.readString(f.output().resolve("listing.txt"))).isEqualTo(expected);
    try (var work = Files.list(f.work())) {
      assertThat(work).as("/golem/work is not the host's work folder").isEmpty();
    }
  }

  @Test
  void foldersInMemoryServeTheProgramAsTheDiskDoes() throws Exception {
    // a provider keeps a small WASM subtask's folders, the binary among its resources, in a
    // MemoryFolder
    Folders disk = Folders.under(tmp, "on-disk");
    Files.writeString(disk.resources().resolve("scene.txt"), SCENE);
    List<String> args =
        List.of(ExecutionSpec.RESOURCES + "/scene.txt", ExecutionSpec.OUTPUT, "2", "4");
    ExecutionResult onDisk = run(env, spec("render-where", "render", disk, args));
    assertThat(onDisk.succeeded()).as(onDisk.toString()).isTrue();

    try (var memory = org.jgolem.compute.MemoryFolder.create(8 * Limits.MIB).orElseThrow()) {
      Folders f = Folders.under(memory.root(), "in-memory");
      assertThat(f.resources().getFileSystem()).isNotEqualTo(tmp.getFileSystem());
      Files.writeString(f.resources().resolve("scene.txt"), SCENE);
      Program.WasmBinary binary = WasmFixture.binary("render");
      Path inMemory = Files.copy(binary.path(), f.resources().resolve("render.wasm"));
      ExecutionResult r =
          run(
              env,
              new ExecutionSpec(
                  "render-where",
                  new Program.WasmBinary(inMemory, binary.sha256()),
                  "render",
                  args,
                  Map.of(),
                  f.resources(),
                  f.work(),
                  f.output(),
                  WasmFixture.limits()));

      assertThat(r.succeeded()).as(r + " " + r.stderr().text()).isTrue();
      assertThat(r.outputs()).extracting(OutputFile::path).containsExactly("band-2-of-4.pgm");
      assertThat(Files.readAllBytes(f.output().resolve("band-2-of-4.pgm")))
          .isEqualTo(Files.readAllBytes(disk.output().resolve("band-2-of-4.pgm")));
    }
  }

  @Test
  void argumentsAndEnvironmentReachTheProgram() throws Exception {
    Folders f = Folders.under(tmp, "probe");
    var spec =
        new ExecutionSpec(
            "probe-args",
            WasmFixture.binary("probe"),
            "probe.wasm",
            List.of("one", "two words", ""),
            Map.of("ZETA", "last", "ALPHA", "first", "GOLEM_TASK", "t-1"),
            f.resources(),
            f.work(),
            f.output(),
            WasmFixture.limits());
    ExecutionResult r = run(env, spec);

    assertThat(r.succeeded()).as(r.toString()).isTrue();
    String out = r.stdout().text();
    assertThat(out)
        .contains(
            "argc=4\n",
            "argv[0]=probe.wasm\n",
            "argv[1]=one\n",
            "argv[2]=two words\n",
            "argv[3]=\n");
    // sorted, so that the environment block is the same on every provider
    assertThat(out).contains("env ALPHA=first\nenv GOLEM_TASK=t-1\nenv ZETA=last\n");
    assertThat(r.outputs()).extracting(OutputFile::path).containsExactly("probe.txt");
    assertThat(Files.readString(f.output().resolve("probe.txt"))).isEqualTo(out);
  }

  @Test
  void timeAndRandomnessAreFixedBySubtaskSoTwoRunsPrintTheSame() throws Exception {
    ExecutionResult a = run(env, spec("probe-same", "probe", Folders.under(tmp, "a"), List.of()));
    ExecutionResult b = run(env, spec("probe-same", "probe", Folders.under(tmp, "b"), List.of()));
    ExecutionResult other =
        run(env, spec("probe-other", "probe", Folders.under(tmp, "c"), List.of()));

    assertThat(a.succeeded() && b.succeeded() && other.succeeded()).isTrue();
    assertThat(a.stdout().text()).isEqualTo(b.stdout().text());
    assertThat(Files.readAllBytes(tmp.resolve("a/output/probe.txt")))
        .isEqualTo(Files.readAllBytes(tmp.resolve("b/output/probe.txt")));
    assertThat(field(a, "random")).hasSize(32).isNotEqualTo(field(other, "random"));
    assertThat(field(a, "realtime")).isNotEqualTo(field(other, "realtime"));
    // the virtual clock still behaves like a clock: it moves forward, and a 1 ms sleep advances it
    // 1 ms
    Matcher m =
        Pattern.compile("realtime=(\\d+)\\.(\\d+) then (\\d+)\\.(\\d+)").matcher(a.stdout().text());
    assertThat(m.find()).isTrue();
    long first = Long.parseLong(m.group(1)) * 1_000_000_000L + Long.parseLong(m.group(2));
    long second = Long.parseLong(m.group(3)) * 1_000_000_000L + Long.parseLong(m.group(4));
    assertThat(second - first).isGreaterThanOrEqualTo(1_000_000);
    assertThat(first / 1_000_000_000L).as("in 2020").isBetween(1577836800L, 1609459200L + 86400);
    assertThat(a.stdout().text()).contains("sleep(1ms) advanced the monotonic clock by >= 1 ms");
  }

  @Test
  void aNonZeroExitIsReportedWithItsStatusAndBothLogs() throws Exception {
    ExecutionResult r = run(env, spec("exit-3", "exitcode", Folders.under(tmp, "x"), List.of("3")));

    assertThat(r.reason()).isEqualTo(FailureReason.NON_ZERO_EXIT);
    assertThat(r.exitCode()).contains(3);
    assertThat(r.failure().orElseThrow().message()).contains("status 3");
    assertThat(r.stdout().text()).isEqualTo("exiting with 3\n");
    assertThat(r.stderr().text()).isEqualTo("a line on stderr\n");
    assertThat(r.outputs()).isEmpty();
  }

  @Test
  void trapsAreReportedAsTrappedWithTheirCause() throws Exception {
    ExecutionResult abort =
        run(env, spec("trap-abort", "exitcode", Folders.under(tmp, "abort"), List.of("abort")));
    ExecutionResult oob =
        run(env, spec("trap-oob", "exitcode", Folders.under(tmp, "oob"), List.of("oob")));

    assertThat(abort.reason()).isEqualTo(FailureReason.TRAPPED);
    assertThat(abort.failure().orElseThrow().message())
        .isEqualTo("wasm trap: Trapped on unreachable instruction");
    assertThat(abort.exitCode()).isEmpty();
    assertThat(abort.stdout().text())
        .as("what it printed before")
        .isEqualTo("exiting with abort\n");
    assertThat(oob.reason()).isEqualTo(FailureReason.TRAPPED);
    assertThat(oob.failure().orElseThrow().message()).containsIgnoringCase("out of bounds");
  }

  @Test
  void logsAreCappedAtTheLogLimitAndCounted() throws Exception {
    Limits small = WasmFixture.limits();
    small =
        new Limits(
            small.cpus(),
            small.memoryBytes(),
            small.timeout(),
            small.maxOutputBytes(),
            5,
            small.maxProcesses(),
            small.workBytes());
    ExecutionResult r =
        run(
            env,
            spec("exit-0", "exitcode", Folders.under(tmp, "logs"), List.of("0"), Map.of(), small));

    assertThat(r.succeeded()).isTrue();
    assertThat(r.stdout().text()).isEqualTo("exiti");
    assertThat(r.stdout().totalBytes()).isEqualTo("exiting with 0\n".length());
    assertThat(r.stdout().truncated()).isTrue();
  }

  @Test
  void aBinaryWhoseHashIsNotTheAnnouncedOneIsRefused() throws Exception {
    Folders f = Folders.under(tmp, "hash");
    byte[] wrong = new byte[32];
    Arrays.fill(wrong, (byte) 7);
    var spec =
        new ExecutionSpec(
            "bad-hash",
            new Program.WasmBinary(WasmFixture.wasm("probe"), wrong),
            "probe",
            List.of(),
            Map.of(),
            f.resources(),
            f.work(),
            f.output(),
            WasmFixture.limits());
    ExecutionResult r = run(env, spec);

    assertThat(r.reason()).isEqualTo(FailureReason.INVALID_SPEC);
    assertThat(r.failure().orElseThrow().message())
        .contains("refusing to run probe.wasm", "SHA-256", "0707070707");
    assertThat(r.stdout().totalBytes()).isZero();
  }

  @Test
  void aMissingBinaryIsImageMissing() throws Exception {
    Folders f = Folders.under(tmp, "missing");
    var spec =
        new ExecutionSpec(
            "missing",
            new Program.WasmBinary(tmp.resolve("nope.wasm"), new byte[32]),
            "nope",
            List.of(),
            Map.of(),
            f.resources(),
            f.work(),
            f.output(),
            WasmFixture.limits());

    ExecutionResult r = run(env, spec);
    assertThat(r.reason()).isEqualTo(FailureReason.IMAGE_MISSING);
    assertThat(r.failure().orElseThrow().message()).contains("nope.wasm");
  }

  @Test
  void bytesThatAreNoModuleAreTrapped() throws Exception {
    Folders f = Folders.under(tmp, "garbage");
    byte[] junk = "this is not wasm".getBytes(StandardCharsets.US_ASCII);
    Path file = Files.write(tmp.resolve("junk.wasm"), junk);
    var spec =
        new ExecutionSpec(
            "junk",
            new Program.WasmBinary(
                file, java.security.MessageDigest.getInstance("SHA-256").digest(junk)),
            "junk",
            List.of(),
            Map.of(),
            f.resources(),
            f.work(),
            f.output(),
            WasmFixture.limits());

    ExecutionResult r = run(env, spec);
    assertThat(r.reason()).isEqualTo(FailureReason.TRAPPED);
    assertThat(r.failure().orElseThrow().message()).startsWith("not a valid WebAssembly module");
  }

  @Test
  void otherKindsOfProgramAndOversizedRequestsAreInvalid() throws Exception {
    Folders f = Folders.under(tmp, "docker");
    var docker =
        new ExecutionSpec(
            "docker-in-wasm",
            new Program.DockerImage("golem/blender", "sha256:" + "a".repeat(64)),
            "/usr/bin/blender",
            List.of(),
            Map.of(),
            f.resources(),
            f.work(),
            f.output(),
            WasmFixture.limits());
    assertThat(run(env, docker).failure().orElseThrow().message())
        .contains("runs WASM binaries, not docker");

    var huge =
        spec(
            "too-much-memory",
            "probe",
            f,
            List.of(),
            Map.of(),
            WasmFixture.limits().withMemoryBytes(1L << 40));
    ExecutionResult r = run(env, huge);
    assertThat(r.reason()).isEqualTo(FailureReason.INVALID_SPEC);
    assertThat(r.failure().orElseThrow().message())
        .contains("asks for 1099511627776 bytes of memory");
  }

  @Test
  void capabilitiesTellSlotsAndMemory() {
    var c = env.capabilities();
    assertThat(c.environment()).isEqualTo("wasm");
    assertThat(c.available()).isTrue();
    assertThat(c.cpus()).isEqualTo(2);
    assertThat(c.memoryBytes()).isGreaterThanOrEqualTo(64L << 20);
    assertThat(env.name()).isEqualTo("wasm");
  }

  private static byte[] pixels(byte[] pgm, int width, int height) {
    String header = "P5\n" + width + " " + height + "\n255\n";
    assertThat(new String(pgm, 0, header.length(), StandardCharsets.US_ASCII)).isEqualTo(header);
    assertThat(pgm.length).isEqualTo(header.length() + width * height);
    return Arrays.copyOfRange(pgm, header.length(), pgm.length);
  }

  private static String field(ExecutionResult r, String name) {
    Matcher m =
        Pattern.compile("^" + name + "=(.*)$", Pattern.MULTILINE).matcher(r.stdout().text());
    assertThat(m.find()).as("%s in %s", name, r.stdout().text()).isTrue();
    return m.group(1);
  }
}

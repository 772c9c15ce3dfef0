package org.jgolem.node.market;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.node.fixtures.StandInWasm;
import org.jgolem.node.market.requestor.RequestorAgent;
import org.jgolem.node.market.requestor.RequestorModel;
import org.jgolem.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a provider puts a WASM subtask's folders: in memory when its inputs are small (nothing of
 * the job on disk), on disk when they are large, or when they only unpack large (many copies of one
 * file: a small DAG). Real nodes on loopback (Netty), real resource stores and gateways; the
 * sandbox is a stand-in that says where it found its folders and writes how many input files and
 * bytes it found.
 */
class ProviderJobFoldersTest {
  static final Duration WAIT = LoopbackMarket.WAIT;
  @TempDir Path dir;
  final List<String> seen = new CopyOnWriteArrayList<>();
  LoopbackMarket market;
  RequestorAgent requestor;
  Path providerJobs;

  /**
   * A "wasm" sandbox that notes where its folders are and writes how many input files and bytes it
   * found.
   */
  final class Lister implements StandInWasm {
    @Override
    public Execution start(ExecutionSpec spec) {
      try {
        boolean onDisk = spec.resources().getFileSystem().equals(FileSystems.getDefault());
        boolean jobOnDisk;
        try (Stream<Path> s =
            Files.exists(providerJobs) ? Files.list(providerJobs) : Stream.empty()) {
          jobOnDisk = s.findAny().isPresent();
        }
        seen.add(
            (onDisk ? "disk" : "memory")
                + (jobOnDisk ? " with a job folder" : " with no job folder"));
        long bytes = 0;
        int files = 0;
        try (Stream<Path> s = Files.walk(spec.resources())) {
          for (Path p : s.filter(Files::isRegularFile).toList()) {
            files++;
            bytes += Files.size(p);
          }
        }
        return StandInWasm.wrote(spec, files + " files, " + bytes + " bytes");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    providerJobs = dir.resolve("provider-work/jobs");
    market = new LoopbackMarket(dir, new Lister());
    requestor = market.requestor;
  }

  @AfterEach
  void tearDown() throws Exception {
    market.close();
  }

  /**
   * A one-subtask gWASM task whose input folder gets what {@code inputs} writes; returns its
   * listing when done.
   */
  String run(LoopbackMarket.IoConsumer<Path> inputs) throws Exception {
    var task = requestor.create(LoopbackMarket.wasmTask(dir, inputs));
    Await.until(
        WAIT,
        () -> requestor.state(task.id()).orElseThrow() != RequestorModel.TaskState.COMPUTING,
        () ->
            "task ended; the sandbox saw "
                + seen
                + "; "
                + requestor.task(task.id()).orElseThrow().detail());
    var ended = requestor.task(task.id()).orElseThrow();
    assertThat(ended.state()).as(ended.detail()).isEqualTo(RequestorModel.TaskState.FINISHED);
    return Files.readString(dir.resolve("task/out/s0/band.pgm"));
  }

  @Test
  void smallInputsAreComputedFromMemoryWithNoJobFolderOnDisk() throws Exception {
    String listing = run(in -> Files.writeString(in.resolve("scene.txt"), "a small scene"));

    assertThat(seen).containsExactly("memory with no job folder");
    // the program, the scene: what the provider fetched is all there
    assertThat(listing).isEqualTo("2 files, 21 bytes");
  }

  @Test
  void inputsLargerThanTheMemoryLimitGoToDisk() throws Exception {
    byte[] big = new byte[(int) (65L << 20)];
    new Random(1).nextBytes(big);
    String listing = run(in -> Files.write(in.resolve("big.bin"), big));

    assertThat(seen).containsExactly("disk with a job folder");
    assertThat(listing).isEqualTo("2 files, " + (big.length + 8) + " bytes");
  }

  @Test
  void inputsThatUnpackLargerThanTheirBlocksFallBackToDisk() throws Exception {
    // 80 copies of one random MiB: 1 MiB of blocks (the store keeps each block once), 80 MiB once
    // written out, more
    // than the room a small job gets in memory
    byte[] mib = new byte[1 << 20];
    new Random(2).nextBytes(mib);
    String listing =
        run(in -> {
          for (int i = 0; i < 80; i++) Files.write(in.resolve("copy-" + i + ".bin"), mib);
        });

    assertThat(seen).containsExactly("disk with a job folder");
    assertThat(listing).isEqualTo("81 files, " + (80L * mib.length + 8) + " bytes");
  }
}

package org.jgolem.concent.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jgolem.ipfs.car.CarReader;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.store.BlockStore;
import org.jgolem.ipfs.unixfs.DagBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** CARs of result DAGs: written from files or from a block store, verified, kept. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CarExportTest {
  @TempDir Path dir;

  private Path result() throws Exception {
    Path r = dir.resolve("result");
    Files.createDirectories(r.resolve("frames"));
    byte[] big = new byte[700 * 1024];
    new Random(3).nextBytes(big);
    Files.write(r.resolve("frames").resolve("0001.exr"), big);
    Files.write(r.resolve("frames").resolve("0002.exr"), big); // the same blocks again
    Files.writeString(r.resolve("stdout.txt"), "done\n");
    Files.write(r.resolve("empty"), new byte[0]);
    return r;
  }

  private static Set<Cid> blocks(byte[] car) throws Exception {
    CarReader r = new CarReader(new ByteArrayInputStream(car), 4 << 20);
    Set<Cid> out = new HashSet<>();
    CarReader.Block b;
    while ((b = r.next()) != null) {
      assertThat(out.add(b.cid())).as("block %s once", b.cid()).isTrue();
    }
    return out;
  }

  @Test
  void fromPathAndFromABlockStoreGiveTheRootOfResourceStoreAddAndTheSameBlocks() throws Exception {
    Path result = result();
    ByteArrayOutputStream fromFiles = new ByteArrayOutputStream();
    Cid root = CarExport.fromPath(result, fromFiles);

    try (BlockStore store = BlockStore.open(dir.resolve("blocks"), 1L << 30)) {
      Cid added = DagBuilder.rawLeaves(store).add(result).cid(); // what ResourceStore.add does
      assertThat(added).isEqualTo(root);
      ByteArrayOutputStream fromStore = new ByteArrayOutputStream();
      CarExport.fromBlocks(store, root, fromStore);
      assertThat(blocks(fromStore.toByteArray())).isEqualTo(blocks(fromFiles.toByteArray()));
      CarVerifier.Verified v =
          CarVerifier.verify(new ByteArrayInputStream(fromStore.toByteArray()), root);
      assertThat(v.blocks()).isEqualTo(blocks(fromFiles.toByteArray()).size());
    }
    CarVerifier.Verified v =
        CarVerifier.verify(new ByteArrayInputStream(fromFiles.toByteArray()), root);
    assertThat(v.root()).isEqualTo(root);
    assertThat(v.blockBytes()).isGreaterThan(700 * 1024);
  }

  @Test
  void aBlockTwiceIsRefused() throws Exception {
    Path file = dir.resolve("one.txt");
    Files.writeString(file, "one");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Cid root = CarExport.fromPath(file, out);
    byte[] car = out.toByteArray();
    ByteArrayOutputStream twice = new ByteArrayOutputStream();
    twice.write(car);
    org.jgolem.ipfs.car.CarWriter.writeBlock(twice, root, "one".getBytes(), 0, 3);
    assertThatThrownBy(
            () -> CarVerifier.verify(new ByteArrayInputStream(twice.toByteArray()), root))
        .isInstanceOf(CarRejectedException.class)
        .hasMessageContaining("appears twice");
  }

  @Test
  void storageKeepsOnlyVerifiedCarsAndClearsLeftoversAtOpen() throws Exception {
    Path result = result();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Cid root = CarExport.fromPath(result, out);
    ResultStorage storage = ResultStorage.open(dir.resolve("storage"));
    Path leftover = storage.newUpload();
    Files.writeString(leftover, "a crash left this");

    Path upload = storage.newUpload();
    Files.write(upload, out.toByteArray());
    storage.keep(upload, root);
    assertThat(upload).doesNotExist();
    assertThat(storage.find(root)).isPresent();
    assertThat(Files.readAllBytes(storage.find(root).orElseThrow())).isEqualTo(out.toByteArray());

    Path bad = storage.newUpload();
    Files.write(bad, new byte[] {1, 2, 3});
    Cid other = Cid.raw("x".getBytes());
    assertThatThrownBy(() -> storage.keep(bad, other)).isInstanceOf(CarRejectedException.class);
    assertThat(bad).doesNotExist();
    assertThat(storage.has(other)).isFalse();

    ResultStorage.open(dir.resolve("storage"));
    assertThat(leftover).doesNotExist();
    assertThat(storage.find(root)).isPresent();
  }
}

package org.jgolem.ipfs.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.jgolem.ipfs.BlockNotFoundException;
import org.jgolem.ipfs.CorruptBlockException;
import org.jgolem.ipfs.GcResult;
import org.jgolem.ipfs.LimitExceededException;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.testutil.TestFiles;
import org.jgolem.ipfs.unixfs.DagBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockStoreTest {
  @TempDir Path tmp;

  @Test
  void storesVerifiedBlocksShardedAndAtomically() throws IOException {
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 1 << 20)) {
      byte[] data = TestFiles.bytes(1, 1000);
      Cid cid = Cid.raw(data);
      assertThat(s.has(cid)).isFalse();
      assertThat(s.getOrNull(cid)).isNull();
      assertThatThrownBy(() -> s.get(cid))
          .isInstanceOf(BlockNotFoundException.class)
          .hasMessageContaining(cid.toString());
      assertThat(s.put(cid, data, 0, data.length)).isTrue();
      assertThat(s.put(cid, data, 0, data.length)).isFalse();
      assertThat(s.get(cid)).isEqualTo(data);
      assertThat(s.usedBytes()).isEqualTo(1000);
      assertThat(s.blockCount()).isEqualTo(1);
      try (Stream<Path> packs = Files.list(tmp.resolve("s/packs"))) {
        assertThat(packs.map(p -> p.getFileName().toString())).containsExactly("00000000.pack");
      }
      // wrong bytes for a CID are refused and nothing is written
      byte[] other = TestFiles.bytes(2, 1000);
      Cid otherCid = Cid.raw(other);
      assertThatThrownBy(() -> s.put(otherCid, data, 0, data.length))
          .isInstanceOf(CorruptBlockException.class)
          .hasMessageContaining(otherCid.toString());
      assertThat(s.has(otherCid)).isFalse();
      assertThat(s.usedBytes()).isEqualTo(1000);
    }
    // reopened: the size is counted again from disk
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 1 << 20)) {
      assertThat(s.usedBytes()).isEqualTo(1000);
      assertThat(s.list()).hasSize(1);
    }
  }

  /**
   * The file under {@code dir} that holds {@code data}, and where in it: what a crash or a bad disk
   * would damage.
   */
  private static Map.Entry<Path, Long> onDisk(Path dir, byte[] data) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        byte[] content = Files.readAllBytes(f);
        for (int i = 0; i + data.length <= content.length; i++) {
          if (Arrays.equals(content, i, i + data.length, data, 0, data.length))
            return Map.entry(f, (long) i);
        }
      }
    }
    throw new AssertionError("no file under " + dir + " holds the block");
  }

  @Test
  void aPartialRecordLeftByACrashIsCutOff() throws IOException {
    byte[] a = TestFiles.bytes(3, 5000), b = TestFiles.bytes(4, 7000);
    Path pack;
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 1 << 20)) {
      s.put(Cid.raw(a), a, 0, a.length);
      s.put(Cid.raw(b), b, 0, b.length);
      pack = onDisk(tmp.resolve("s"), b).getKey();
    }
    // as if the machine stopped in the middle of the second append
    try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 3000);
    }
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 1 << 20)) {
      assertThat(s.get(Cid.raw(a))).isEqualTo(a);
      assertThat(s.has(Cid.raw(b))).isFalse();
      assertThat(s.usedBytes()).isEqualTo(5000);
      assertThat(s.put(Cid.raw(b), b, 0, b.length)).isTrue();
    }
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 1 << 20)) {
      assertThat(s.get(Cid.raw(b))).isEqualTo(b);
    }
  }

  @Test
  void aDamagedBlockIsDetectedOnFirstReadAndStaysDropped() throws IOException {
    byte[] data = TestFiles.bytes(3, 5000);
    Cid cid = Cid.raw(data);
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 1 << 20)) {
      s.put(cid, data, 0, data.length);
      Map.Entry<Path, Long> at = onDisk(tmp.resolve("s"), data);
      // bytes that did not reach the disk intact before a crash
      try (FileChannel ch = FileChannel.open(at.getKey(), StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(new byte[] {(byte) ~data[10]}), at.getValue() + 10);
      }
    }
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 1 << 20)) {
      assertThat(s.has(cid)).isTrue(); // indexed, not yet read
      assertThat(s.copyTo(cid, Channels.newChannel(new ByteArrayOutputStream()))).isEqualTo(-1);
      assertThat(s.has(cid)).isFalse();
      assertThat(s.usedBytes()).isZero();
    }
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 1 << 20)) {
      assertThat(s.has(cid)).isFalse(); // still dropped after a restart
      assertThat(s.put(cid, data, 0, data.length)).isTrue();
      assertThat(s.get(cid)).isEqualTo(data);
    }
  }

  @Test
  void filePacksHoldAFileAsItIsAndSurviveARestart() throws IOException {
    byte[] one = TestFiles.bytes(10, 1000), two = TestFiles.bytes(11, 500);
    Path packFile;
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 1 << 20)) {
      BlockStore.FilePack fp = s.createFilePack(1500);
      assertThat(s.putAt(fp, Cid.raw(two), 1000, two)).isTrue();
      assertThat(s.putAt(fp, Cid.raw(one), 0, one)).isTrue();
      assertThatThrownBy(() -> s.putAt(fp, Cid.raw(one), 500, two))
          .isInstanceOf(CorruptBlockException.class);
      assertThat(fp.hasAt(0, Cid.raw(one))).isTrue();
      assertThat(fp.hasAt(500, Cid.raw(one))).isFalse();
      s.force(fp);
      s.release(fp);
      packFile = fp.path();
      byte[] whole = Files.readAllBytes(packFile);
      assertThat(java.util.Arrays.copyOfRange(whole, 0, 1000)).isEqualTo(one);
      assertThat(java.util.Arrays.copyOfRange(whole, 1000, 1500)).isEqualTo(two);
      assertThat(s.usedBytes()).isEqualTo(1500);
    }
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 1 << 20)) {
      assertThat(s.get(Cid.raw(one))).isEqualTo(one);
      assertThat(s.get(Cid.raw(two))).isEqualTo(two);
      assertThat(s.region(Cid.raw(one))).as("never sent without a check").isNull();
      // the file is the caller's too (a hard link): a change there is caught on the next read
      try (FileChannel ch = FileChannel.open(packFile, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(new byte[] {(byte) ~one[0]}), 0);
      }
      assertThat(s.getOrNull(Cid.raw(one))).isNull();
      assertThat(s.has(Cid.raw(one))).isFalse();
      assertThat(s.get(Cid.raw(two))).isEqualTo(two);
    }
  }

  @Test
  void theNodeLimitHoldsWithAClearError() throws IOException {
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 10_000)) {
      byte[] a = TestFiles.bytes(4, 6000), b = TestFiles.bytes(5, 6000);
      s.put(Cid.raw(a), a, 0, a.length);
      assertThatThrownBy(() -> s.put(Cid.raw(b), b, 0, b.length))
          .isInstanceOf(LimitExceededException.class)
          .hasMessageContaining("is full")
          .hasMessageContaining("limit of 9.8 KiB (10000 bytes)");
      assertThat(s.has(Cid.raw(b))).isFalse();
      assertThat(s.usedBytes()).isEqualTo(6000);
    }
  }

  @Test
  void pinsPersistAndGcKeepsOnlyPinnedDags() throws IOException {
    Path f1 = TestFiles.write(tmp.resolve("in/one"), TestFiles.bytes(6, 700_000));
    Path f2 = TestFiles.write(tmp.resolve("in/two"), TestFiles.bytes(7, 300_000));
    Cid c1, c2;
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 10 << 20)) {
      Pins pins = Pins.load(tmp.resolve("s/pins"));
      c1 = DagBuilder.rawLeaves(s).add(f1).cid();
      c2 = DagBuilder.rawLeaves(s).add(f2).cid();
      pins.add(c1, Pins.NODE, Dags.size(s, c1));
      pins.add(c2, Pins.taskOwner("t1"), Dags.size(s, c2));
      assertThat(s.blockCount()).isEqualTo(4 + 3); // 3 leaves + root, 2 leaves + root
      assertThat(pins.usage("task:t1")).isEqualTo(Dags.size(s, c2)).isGreaterThan(300_000);
    }
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 10 << 20)) {
      Pins pins = Pins.load(tmp.resolve("s/pins"));
      assertThat(pins.roots()).containsExactly(c1, c2);
      GcResult none = Dags.collect(s, pins.roots());
      assertThat(none.blocksRemoved()).isZero();
      assertThat(pins.removeOwner("task:t1")).isEqualTo(1);
      GcResult r = Dags.collect(s, Set.copyOf(pins.roots()));
      assertThat(r.blocksRemoved()).isEqualTo(3);
      assertThat(r.bytesFreed()).isEqualTo(Files.size(f2) + (r.bytesFreed() - Files.size(f2)));
      assertThat(s.has(c2)).isFalse();
      assertThat(Dags.size(s, c1)).isGreaterThan(700_000);
    }
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 10 << 20)) {
      assertThat(s.has(c2)).isFalse(); // deletions survive a restart
      assertThat(s.blockCount()).isEqualTo(4);
      assertThat(s.usedBytes()).isEqualTo(Dags.size(s, c1));
    }
    assertThatThrownBy(() -> Pins.taskOwner("bad id with spaces"))
        .hasMessageContaining("invalid task id");
  }
}

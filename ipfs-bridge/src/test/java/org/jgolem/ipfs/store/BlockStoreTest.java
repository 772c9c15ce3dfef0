package org.jgolem.ipfs.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
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
      assertThatThrownBy(() -> s.get(cid)).isInstanceOf(BlockNotFoundException.class).hasMessageContaining(cid.toString());
      assertThat(s.put(cid, data, 0, data.length)).isTrue();
      assertThat(s.put(cid, data, 0, data.length)).isFalse();
      assertThat(s.get(cid)).isEqualTo(data);
      assertThat(s.usedBytes()).isEqualTo(1000);
      assertThat(s.blockCount()).isEqualTo(1);
      String name = cid.toString();
      assertThat(s.path(cid)).isEqualTo(tmp.resolve("s/blocks").resolve(name.substring(name.length() - 3, name.length() - 1)).resolve(name));
      try (Stream<Path> t = Files.list(tmp.resolve("s/tmp"))) {
        assertThat(t).isEmpty();
      }
      // wrong bytes for a CID are refused and nothing is written
      byte[] other = TestFiles.bytes(2, 1000);
      Cid otherCid = Cid.raw(other);
      assertThatThrownBy(() -> s.put(otherCid, data, 0, data.length)).isInstanceOf(CorruptBlockException.class)
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

  @Test
  void aDamagedBlockFileIsDetectedDeletedAndReportedMissing() throws IOException {
    byte[] data = TestFiles.bytes(3, 5000);
    Cid cid = Cid.raw(data);
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 1 << 20)) {
      s.put(cid, data, 0, data.length);
      // a crash after the rename but before the data reached the disk can leave a short file
      Files.write(s.path(cid), java.util.Arrays.copyOf(data, 100));
    }
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 1 << 20)) {
      assertThat(s.getOrNull(cid)).isNull();
      assertThat(s.has(cid)).isFalse();
      assertThat(s.usedBytes()).isZero();
      s.put(cid, data, 0, data.length);
      // flipped in place while the store is open: the changed file is hashed again and refused
      byte[] bad = data.clone();
      bad[10] ^= 1;
      Files.write(s.path(cid), bad);
      assertThat(s.copyTo(cid, Channels.newChannel(new ByteArrayOutputStream()))).isEqualTo(-1);
      assertThat(s.has(cid)).isFalse();
    }
  }

  @Test
  void theNodeLimitHoldsWithAClearError() throws IOException {
    try (BlockStore s = BlockStore.open(tmp.resolve("s"), 10_000)) {
      byte[] a = TestFiles.bytes(4, 6000), b = TestFiles.bytes(5, 6000);
      s.put(Cid.raw(a), a, 0, a.length);
      assertThatThrownBy(() -> s.put(Cid.raw(b), b, 0, b.length)).isInstanceOf(LimitExceededException.class)
          .hasMessageContaining("is full").hasMessageContaining("limit of 9.8 KiB (10000 bytes)");
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
    assertThatThrownBy(() -> Pins.taskOwner("bad id with spaces")).hasMessageContaining("invalid task id");
  }
}

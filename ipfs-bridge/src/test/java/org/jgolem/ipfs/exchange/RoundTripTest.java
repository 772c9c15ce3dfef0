package org.jgolem.ipfs.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.testutil.TestFiles;
import org.jgolem.ipfs.testutil.TestNode;
import org.jgolem.ipfs.unixfs.BlockSink;
import org.jgolem.ipfs.unixfs.DagBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Files and folders added on one node and fetched by another over loopback come back byte-identical
 * with the same CID. The random trees use the seed in -Dipfs.seed (else a fixed one); every
 * assertion message names it.
 */
class RoundTripTest {
  static final int CHUNK = DagBuilder.CHUNK_SIZE;
  static final long SEED = Long.getLong("ipfs.seed", 20261121L);
  @TempDir static Path tmp;
  static TestNode source, fetcher;
  static int counter;

  @BeforeAll
  static void start() throws Exception {
    source = TestNode.start(tmp, "source", Providers.none());
    fetcher = TestNode.start(tmp, "fetcher", Providers.of(List.of(source.peer)));
  }

  @AfterAll
  static void stop() throws IOException {
    source.close();
    fetcher.close();
  }

  static Path target() {
    return tmp.resolve("out").resolve("t" + (counter++));
  }

  static Cid roundTrip(Path in) throws IOException {
    Cid cid = source.store.add(in);
    assertThat(cid)
        .as("seed %d: the CID ipfs add would give for %s", SEED, in)
        .isEqualTo(DagBuilder.rawLeaves(BlockSink.hashOnly()).add(in).cid());
    Path out = target();
    Files.createDirectories(out.getParent());
    fetcher.store.get(cid, out);
    if (Files.isDirectory(in)) TestFiles.assertSameTree(in, out);
    else
      assertThat(Files.mismatch(in, out))
          .as("seed %d: %s comes back byte-identical", SEED, in)
          .isEqualTo(-1);
    return cid;
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(
      ints = {
        0,
        1,
        2,
        CHUNK - 1,
        CHUNK,
        CHUNK + 1,
        2 * CHUNK - 1,
        2 * CHUNK,
        2 * CHUNK + 1,
        174 * CHUNK,
        174 * CHUNK + 1
      })
  void chunkBoundaries(int size) throws IOException {
    Path f = TestFiles.write(tmp.resolve("in/size-" + size), TestFiles.bytes(size, size));
    roundTrip(f);
  }

  @Test
  void aFileOf100MiB() throws IOException {
    Path f = tmp.resolve("in/100MiB");
    Files.createDirectories(f.getParent());
    Random r = new Random(SEED);
    byte[] buf = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(f)) {
      for (int i = 0; i < 100; i++) {
        r.nextBytes(buf);
        out.write(buf);
      }
    }
    long t0 = System.nanoTime();
    roundTrip(f);
    System.err.printf("100 MiB add + fetch + write: %.2f s%n", (System.nanoTime() - t0) / 1e9);
    assertThat(fetcher.lastFetch().blocksFetched())
        .isEqualTo(400 + 3 + 1); // 400 leaves, 3 inner nodes, the root
    assertThat(fetcher.lastFetch().redundantBlocks()).isZero();
  }

  @Test
  void aFileOfRepeatedChunksIsFetchedOnce() throws IOException {
    Path f = TestFiles.write(tmp.resolve("in/zeros"), new byte[10 * CHUNK + 5]);
    roundTrip(f);
    assertThat(fetcher.lastFetch().blocksFetched())
        .isEqualTo(3); // the zero chunk, the 5-byte tail, the root
  }

  /**
   * A scratch copy (not synced to disk) is the same verified copy: a folder with a small and a
   * large (file-pack) file.
   */
  @Test
  void aScratchCopyIsTheSameVerifiedCopy() throws IOException {
    Path root = Files.createDirectories(tmp.resolve("in/scratch"));
    TestFiles.write(root.resolve("small"), TestFiles.bytes(21, 1000));
    TestFiles.write(root.resolve("large"), TestFiles.bytes(22, 3 * CHUNK + 7));
    Cid cid = source.store.add(root);
    Path out = target();
    Files.createDirectories(out.getParent());
    fetcher.store.getScratch(cid, out);
    TestFiles.assertSameTree(root, out);
    Path again = target();
    fetcher.store.getScratch(cid, again); // now from the local store
    TestFiles.assertSameTree(root, again);
  }

  /**
   * 1,000+ random files in 25 random nested trees, with empty files and folders and chunk-boundary
   * sizes.
   */
  @Test
  void randomNestedFolders() throws IOException {
    Random r = new Random(SEED);
    int files = 0;
    for (int t = 0; t < 25; t++) {
      Path root = tmp.resolve("in/tree-" + t);
      Files.createDirectories(root);
      files += fill(root, r, 0, 40 + r.nextInt(10));
      roundTrip(root);
    }
    assertThat(files).as("seed %d", SEED).isGreaterThanOrEqualTo(1000);
  }

  private static int fill(Path dir, Random r, int depth, int budget) throws IOException {
    int made = 0;
    while (made < budget) {
      int kind = r.nextInt(100);
      String name = randomName(r);
      if (Files.exists(dir.resolve(name))) continue;
      if (kind < 8 && depth < 4) {
        Path sub = Files.createDirectory(dir.resolve(name));
        int n =
            r.nextInt(5) == 0
                ? 0
                : Math.min(budget - made, 1 + r.nextInt(15)); // some folders stay empty
        made += fill(sub, r, depth + 1, n);
        if (n == 0) continue;
      } else {
        int size;
        if (kind < 20) size = 0;
        else if (kind < 35) size = 1;
        else if (kind < 70) size = r.nextInt(4096);
        else if (kind < 85) size = r.nextInt(64 * 1024);
        else if (kind < 95) size = CHUNK + r.nextInt(3) - 1;
        else size = r.nextInt(3 * CHUNK);
        byte[] b = new byte[size];
        r.nextBytes(b);
        Files.write(dir.resolve(name), b);
        made++;
      }
    }
    return made;
  }

  private static String randomName(Random r) {
    String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._- ~éü€";
    StringBuilder sb = new StringBuilder();
    int len = 1 + r.nextInt(12);
    for (int i = 0; i < len; i++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
    String s = sb.toString();
    return s.equals(".") || s.equals("..") ? s + "x" : s;
  }
}

package org.jgolem.ipfs.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.jgolem.ipfs.LimitExceededException;
import org.jgolem.ipfs.ResourceTimeoutException;
import org.jgolem.ipfs.UnsafePathException;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.testutil.FaultyProxy;
import org.jgolem.ipfs.testutil.TestFiles;
import org.jgolem.ipfs.testutil.TestNode;
import org.jgolem.ipfs.unixfs.DagBuilder;
import org.jgolem.ipfs.unixfs.DagNode;
import org.jgolem.ipfs.unixfs.PbLink;
import org.jgolem.ipfs.unixfs.PbNode;
import org.jgolem.ipfs.unixfs.UnixFsData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corrupted blocks, dropped connections, several peers, missing CIDs, limits and unsafe folders,
 * over real sockets.
 */
class FaultTest {
  static final int CHUNK = DagBuilder.CHUNK_SIZE;
  @TempDir Path tmp;

  /** Records what the exchange reports about peers. */
  static final class Reports implements PeerReports {
    final List<String> corrupt = new CopyOnWriteArrayList<>();
    final List<String> failed = new CopyOnWriteArrayList<>();

    @Override
    public void corruptBlock(Peer peer, Cid cid, String detail) {
      corrupt.add(peer.id() + " " + cid);
    }

    @Override
    public void failed(Peer peer, String detail) {
      failed.add(peer.id() + " " + detail);
    }
  }

  private Path file(String name, long seed, int size) throws IOException {
    return TestFiles.write(tmp.resolve("in").resolve(name), TestFiles.bytes(seed, size));
  }

  private static List<String> listing(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.map(Path::toString).sorted().toList();
    }
  }

  @Test
  void aCorruptedBlockIsRejectedReportedAndFetchedElsewhere() throws Exception {
    Path f = file("f", 1, 40 * CHUNK + 123);
    Reports reports = new Reports();
    try (TestNode honest = TestNode.start(tmp, "honest", Providers.none());
        TestNode liar = TestNode.start(tmp, "liar", Providers.none())) {
      Cid cid = honest.store.add(f);
      liar.store.add(f);
      // the liar's answers pass through a proxy that flips a byte 100 kB into each response (inside
      // a chunk)
      try (FaultyProxy proxy =
          new FaultyProxy(liar.gateway.uri(), (conn, off) -> off == 100_000 ? 1 : -1)) {
        Peer liarPeer = new Peer("liar", proxy.uri());
        try (TestNode fetcher =
            TestNode.start(
                tmp, "fetcher", Providers.of(List.of(liarPeer, honest.peer)), reports, c -> c)) {
          Path out = tmp.resolve("out");
          fetcher.store.get(cid, out);
          assertThat(Files.mismatch(f, out)).isEqualTo(-1);
          BlockExchange.Stats s = fetcher.lastFetch();
          assertThat(reports.corrupt).isNotEmpty().allMatch(x -> x.startsWith("liar "));
          assertThat(s.corruptBlocks()).isGreaterThanOrEqualTo(1);
          // the corrupted block never entered the store: every block there verifies
          for (Cid c : fetcher.store.blockStore().list())
            assertThat(fetcher.store.blockStore().getOrNull(c)).isNotNull();
          assertThat(s.blocksPerPeer().get("honest")).isPositive();
        }
      }
    }
  }

  @Test
  void aDroppedConnectionResumesWithoutFetchingVerifiedBlocksAgain() throws Exception {
    int size = 32 * CHUNK;
    Path f = file("f", 2, size);
    try (TestNode source = TestNode.start(tmp, "source", Providers.none())) {
      Cid cid = source.store.add(f);
      // the first two connections are cut after 3 MB of response each
      try (FaultyProxy proxy =
          new FaultyProxy(
              source.gateway.uri(), (conn, off) -> conn < 2 && off == 3_000_000 ? 0 : -1)) {
        Peer p = new Peer("source", proxy.uri());
        try (TestNode fetcher =
            TestNode.start(
                tmp,
                "fetcher",
                Providers.of(List.of(p)),
                PeerReports.none(),
                c -> c.withParallelism(2))) {
          fetcher.store.get(cid, tmp.resolve("out"));
          assertThat(Files.mismatch(f, tmp.resolve("out"))).isEqualTo(-1);
          BlockExchange.Stats s = fetcher.lastFetch();
          assertThat(proxy.cuts()).isGreaterThanOrEqualTo(1);
          assertThat(s.failedRequests()).isGreaterThanOrEqualTo(1);
          assertThat(s.redundantBlocks()).isZero();
          assertThat(s.blocksFetched()).isEqualTo(32 + 1);
          // what crossed the wire: the file once, plus at most the chunk in flight at each cut,
          // plus small overhead
          assertThat(proxy.bytes()).isLessThan(size + proxy.cuts() * (long) CHUNK + 200_000);
        }
      }
    }
  }

  @Test
  void aFailedTransferResumesLaterFromWhatItVerified() throws Exception {
    int size = 48 * CHUNK;
    Path f = file("f", 3, size);
    try (TestNode source = TestNode.start(tmp, "source", Providers.none())) {
      Cid cid = source.store.add(f);
      AtomicReference<List<Peer>> peers = new AtomicReference<>();
      try (FaultyProxy proxy =
              new FaultyProxy(source.gateway.uri(), (conn, off) -> off == 5_000_000 ? 0 : -1);
          TestNode fetcher =
              TestNode.start(
                  tmp,
                  "fetcher",
                  root -> peers.get(),
                  PeerReports.none(),
                  c -> c.withParallelism(1).withTimeout(Duration.ofMillis(1500)))) {
        peers.set(List.of(new Peer("source", proxy.uri())));
        // the peer goes away for good after the first cut: the transfer fails, nothing appears at
        // the target
        Thread.ofVirtual()
            .start(() -> {
              while (proxy.cuts() == 0) Thread.onSpinWait();
              proxy.refuseAll();
            });
        assertThatThrownBy(() -> fetcher.store.get(cid, tmp.resolve("out")))
            .isInstanceOf(ResourceTimeoutException.class)
            .hasMessageContaining(cid.toString());
        assertThat(tmp.resolve("out")).doesNotExist();
        long kept = fetcher.store.blockStore().blockCount();
        assertThat(kept).isGreaterThan(5).isLessThan(48);
        // later the peer is back (another address): only what is missing is fetched
        long servedBefore = source.gateway.bytesServed();
        peers.set(List.of(source.peer));
        fetcher.store.get(cid, tmp.resolve("out"));
        assertThat(Files.mismatch(f, tmp.resolve("out"))).isEqualTo(-1);
        BlockExchange.Stats s = fetcher.lastFetch();
        assertThat(s.blocksAlreadyPresent()).isEqualTo(kept);
        assertThat(s.blocksFetched()).isEqualTo(48 + 1 - kept);
        assertThat(s.redundantBlocks()).isZero();
        long served = source.gateway.bytesServed() - servedBefore;
        assertThat(served).isLessThanOrEqualTo((48 + 1 - kept) * (long) CHUNK + 100_000);
      }
    }
  }

  @Test
  void aLargeResourceComesFromThreePeersAtOnce() throws Exception {
    Path f = file("f", 4, 64 * CHUNK + 7);
    try (TestNode a = TestNode.start(tmp, "a", Providers.none());
        TestNode b = TestNode.start(tmp, "b", Providers.none());
        TestNode c = TestNode.start(tmp, "c", Providers.none())) {
      Cid cid = a.store.add(f);
      assertThat(b.store.add(f)).isEqualTo(cid);
      assertThat(c.store.add(f)).isEqualTo(cid);
      try (TestNode fetcher =
          TestNode.start(
              tmp,
              "fetcher",
              Providers.of(List.of(a.peer, b.peer, c.peer)),
              PeerReports.none(),
              x -> x.withParallelism(6))) {
        fetcher.store.get(cid, tmp.resolve("out"));
        assertThat(Files.mismatch(f, tmp.resolve("out"))).isEqualTo(-1);
        Map<String, Long> per = fetcher.lastFetch().blocksPerPeer();
        assertThat(per.keySet()).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(per.values()).allMatch(n -> n >= 4);
        assertThat(per.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(64 + 1 + 1);
        assertThat(
                List.of(
                    a.gateway.blocksServed(), b.gateway.blocksServed(), c.gateway.blocksServed()))
            .allMatch(n -> n > 0);
      }
    }
  }

  @Test
  void aMissingCidTimesOutWithAClearError() throws Exception {
    Cid nowhere = Cid.raw("nobody has this".getBytes());
    try (TestNode peer = TestNode.start(tmp, "peer", Providers.none());
        TestNode fetcher =
            TestNode.start(
                tmp,
                "fetcher",
                Providers.of(List.of(peer.peer)),
                PeerReports.none(),
                c -> c.withTimeout(Duration.ofMillis(800)));
        TestNode alone =
            TestNode.start(
                tmp,
                "alone",
                Providers.none(),
                PeerReports.none(),
                c -> c.withTimeout(Duration.ofMillis(500)))) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> fetcher.store.get(nowhere, tmp.resolve("x")))
          .isInstanceOf(ResourceTimeoutException.class)
          .hasMessageContaining(nowhere.toString())
          .hasMessageContaining("800 ms")
          .hasMessageContaining("peer (HTTP 404");
      assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
      assertThatThrownBy(() -> alone.store.get(nowhere, tmp.resolve("y")))
          .isInstanceOf(ResourceTimeoutException.class)
          .hasMessageContaining("no peer announced it");
      assertThat(tmp.resolve("x")).doesNotExist();
    }
  }

  @Test
  void sizeLimitsHoldPerNodeAndPerTask() throws Exception {
    Path big = file("big", 5, 3 * CHUNK);
    Path small = file("small", 6, CHUNK);
    try (TestNode node =
        TestNode.start(
            tmp,
            "limited",
            Providers.none(),
            PeerReports.none(),
            c -> c.withLimits(2 * CHUNK, 3 * CHUNK / 2))) {
      assertThatThrownBy(() -> node.store.add(big))
          .isInstanceOf(LimitExceededException.class)
          .hasMessageContaining("is full");
      assertThatThrownBy(() -> node.store.add(big, "t1"))
          .isInstanceOf(LimitExceededException.class)
          .hasMessageContaining("task t1 may use 384.0 KiB");
      Cid s = node.store.add(small, "t1");
      assertThat(node.store.taskUsage("t1")).isEqualTo(CHUNK);
      Path small2 = file("small2", 7, CHUNK);
      assertThatThrownBy(() -> node.store.add(small2, "t1"))
          .isInstanceOf(LimitExceededException.class)
          .hasMessageContaining("it uses 256.0 KiB");
      node.store.releaseTask("t1");
      assertThat(node.store.taskUsage("t1")).isZero();
      assertThat(node.store.gc().blocksRemoved()).isEqualTo(1);
      assertThat(node.store.blockStore().has(s)).isFalse();
    }
    // fetching: the declared size is checked before the leaves are fetched
    try (TestNode source = TestNode.start(tmp, "src", Providers.none());
        TestNode node =
            TestNode.start(
                tmp,
                "limited2",
                Providers.of(List.of()),
                PeerReports.none(),
                c -> c.withLimits(100L << 20, 2 * CHUNK))) {
      Cid cid = source.store.add(big);
      try (TestNode fetcher =
          TestNode.start(
              tmp,
              "f2",
              Providers.of(List.of(source.peer)),
              PeerReports.none(),
              c -> c.withLimits(100L << 20, 2 * CHUNK))) {
        assertThatThrownBy(() -> fetcher.store.get(cid, tmp.resolve("o"), "t9"))
            .isInstanceOf(LimitExceededException.class)
            .hasMessageContaining(cid.toString())
            .hasMessageContaining("768.0 KiB")
            .hasMessageContaining("task t9");
        assertThat(fetcher.store.blockStore().blockCount())
            .isEqualTo(1); // only the root was fetched
        assertThat(tmp.resolve("o")).doesNotExist();
      }
      assertThat(node.store.taskUsage("t9")).isZero();
    }
  }

  @Test
  void gcRemovesOnlyWhatNoPinHolds() throws Exception {
    try (TestNode node = TestNode.start(tmp, "n", Providers.none())) {
      Cid a = node.store.add(file("a", 8, 2 * CHUNK));
      Cid b = node.store.add(file("b", 9, 2 * CHUNK), "task-1");
      assertThat(node.store.gc().blocksRemoved()).isZero();
      node.store.releaseTask("task-1");
      assertThat(node.store.gc().blocksRemoved()).isEqualTo(3);
      node.store.get(a, tmp.resolve("a-out"));
      assertThat(Files.mismatch(tmp.resolve("in/a"), tmp.resolve("a-out"))).isEqualTo(-1);
      assertThat(node.store.blockStore().has(b)).isFalse();
      assertThat(node.store.unpin(a)).isTrue();
      assertThat(node.store.gc().blocksRemoved()).isEqualTo(3);
      assertThat(node.store.blockStore().blockCount()).isZero();
      assertThatThrownBy(() -> node.store.pin(a)).hasMessageContaining("cannot pin " + a);
    }
  }

  // ---- unsafe folders ----

  /** A folder block with the given entry names, all pointing at one small file, stored on node. */
  private static Cid folderWith(TestNode node, String... names) throws IOException {
    byte[] content = "payload".getBytes();
    Cid file = Cid.raw(content);
    node.store.blockStore().put(file, content, 0, content.length);
    List<PbLink> links =
        Stream.of(names).map(n -> new PbLink(file, n, (long) content.length)).toList();
    byte[] block = new PbNode(links, UnixFsData.directory().encode()).encode();
    return node.store.blockStore().put(1, Cid.DAG_PB, block, block.length);
  }

  @Test
  void unsafeFolderEntriesAreRefusedBeforeAnythingIsWritten() throws Exception {
    try (TestNode evil = TestNode.start(tmp, "evil", Providers.none());
        TestNode victim =
            TestNode.start(tmp, "victim", Providers.of(List.of()), PeerReports.none(), c -> c)) {
      Path outDir = Files.createDirectories(tmp.resolve("downloads"));
      List<String[]> cases =
          List.of(
              new String[] {"ok", ".."},
              new String[] {"."},
              new String[] {""},
              new String[] {"a/b"},
              new String[] {"/etc/passwd"},
              new String[] {"x\0y"},
              new String[] {"..\\..\\x"},
              new String[] {"same", "same"});
      try (TestNode fetcher = TestNode.start(tmp, "fetcher", Providers.of(List.of(evil.peer)))) {
        for (String[] names : cases) {
          Cid bad = folderWith(evil, names);
          List<String> before = listing(tmp);
          assertThatThrownBy(() -> fetcher.store.get(bad, outDir.resolve("res")))
              .as("entries %s", String.join(",", names))
              .isInstanceOf(UnsafePathException.class)
              .hasMessageContaining("unsafe folder entry");
          assertThat(listing(outDir)).containsExactly(outDir.toString());
          assertThat(
                  listing(tmp).stream()
                      .filter(p -> !p.contains("/fetcher/") && !p.contains("/evil/"))
                      .toList())
              .isEqualTo(
                  before.stream()
                      .filter(p -> !p.contains("/fetcher/") && !p.contains("/evil/"))
                      .toList());
        }
        // nested: a good folder holding a bad one; and a UnixFS symlink node
        Cid inner = folderWith(evil, "..");
        byte[] outer =
            new PbNode(
                    List.of(
                        new PbLink(folderWith(evil, "fine"), "a", 10L),
                        new PbLink(inner, "b", 10L)),
                    UnixFsData.directory().encode())
                .encode();
        Cid outerCid = evil.store.blockStore().put(1, Cid.DAG_PB, outer, outer.length);
        assertThatThrownBy(() -> fetcher.store.get(outerCid, outDir.resolve("res")))
            .isInstanceOf(UnsafePathException.class)
            .hasMessageContaining("folder b");
        byte[] link =
            new PbNode(
                    List.of(),
                    new UnixFsData(
                            UnixFsData.Type.SYMLINK,
                            "/etc/passwd".getBytes(),
                            null,
                            List.of(),
                            null,
                            null)
                        .encode())
                .encode();
        Cid linkCid = evil.store.blockStore().put(1, Cid.DAG_PB, link, link.length);
        byte[] withLink =
            new PbNode(List.of(new PbLink(linkCid, "passwd", 10L)), UnixFsData.directory().encode())
                .encode();
        Cid withLinkCid = evil.store.blockStore().put(1, Cid.DAG_PB, withLink, withLink.length);
        assertThatThrownBy(() -> fetcher.store.get(withLinkCid, outDir.resolve("res")))
            .isInstanceOf(UnsafePathException.class)
            .hasMessageContaining("symlink refused");
        assertThat(listing(outDir)).containsExactly(outDir.toString());
      }
      // adding: symlinks anywhere in a folder are refused before anything is stored
      Path dir = Files.createDirectories(tmp.resolve("with-link/sub"));
      Files.writeString(dir.resolve("real"), "x");
      Files.createSymbolicLink(dir.resolve("link"), Path.of("/etc/passwd"));
      long blocks = victim.store.blockStore().blockCount();
      assertThatThrownBy(() -> victim.store.add(tmp.resolve("with-link")))
          .isInstanceOf(UnsafePathException.class)
          .hasMessageContaining("symlink refused")
          .hasMessageContaining("link");
      assertThatThrownBy(() -> victim.store.add(dir.resolve("link")))
          .isInstanceOf(UnsafePathException.class);
      Path linkedDir = Files.createSymbolicLink(tmp.resolve("dir-link"), dir);
      assertThatThrownBy(() -> victim.store.add(linkedDir)).isInstanceOf(UnsafePathException.class);
      assertThat(victim.store.blockStore().blockCount()).isEqualTo(blocks);
    }
  }

  @Test
  void aLargeFileIsHandedOutByAHardLinkAndAChangeToItIsNeverServed() throws Exception {
    Path f = file("f", 12, 24 * CHUNK);
    try (TestNode a = TestNode.start(tmp, "a", Providers.none())) {
      Cid cid = a.store.add(f);
      try (TestNode b = TestNode.start(tmp, "b", Providers.of(List.of(a.peer)))) {
        Path got = tmp.resolve("got");
        b.store.get(cid, got);
        assertThat(Files.mismatch(f, got)).isEqualTo(-1);
        assertThat(Files.getAttribute(got, "unix:nlink"))
            .as("written once: the store's file pack is the target")
            .isEqualTo(2);
        // the owner changes the file in place: b must not pass the changed chunk on as the original
        try (var ch =
            java.nio.channels.FileChannel.open(got, java.nio.file.StandardOpenOption.WRITE)) {
          ch.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), 5 * CHUNK + 10);
        }
        Reports reports = new Reports();
        try (TestNode c =
            TestNode.start(tmp, "c", Providers.of(List.of(b.peer, a.peer)), reports, x -> x)) {
          c.store.get(cid, tmp.resolve("c-got"));
          assertThat(Files.mismatch(f, tmp.resolve("c-got"))).isEqualTo(-1);
          assertThat(reports.corrupt)
              .as("b checked before sending: nothing corrupt reached c")
              .isEmpty();
          assertThat(c.lastFetch().blocksPerPeer().get("a")).isPositive();
        }
        // asked directly, b refuses the changed chunk (its hash check fails) and drops it
        Cid leaf5 = DagNode.decode(cid, a.store.blockStore().get(cid)).links().get(5);
        var http = java.net.http.HttpClient.newHttpClient();
        var resp =
            http.send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(b.gateway.uri() + "/ipfs/" + leaf5 + "?format=raw"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(404);
        assertThat(b.store.blockStore().has(leaf5)).isFalse();
      }
    }
  }

  @Test
  void theTargetMustNotExist() throws Exception {
    try (TestNode node = TestNode.start(tmp, "n", Providers.none())) {
      Cid c = node.store.add(file("x", 10, 10));
      Files.writeString(tmp.resolve("exists"), "keep me");
      assertThatThrownBy(() -> node.store.get(c, tmp.resolve("exists")))
          .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
      assertThat(Files.readString(tmp.resolve("exists"))).isEqualTo("keep me");
      assertThatThrownBy(() -> node.store.get(c, tmp.resolve("no/such/dir/x")))
          .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }
  }
}

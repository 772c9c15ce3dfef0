package org.jgolem.ipfs.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.jgolem.ipfs.FileTrees;
import org.jgolem.ipfs.ResourceStoreConfig;
import org.jgolem.ipfs.embedded.EmbeddedResourceStore;
import org.jgolem.ipfs.exchange.BlockExchange;
import org.jgolem.ipfs.exchange.GatewayServer;
import org.jgolem.ipfs.exchange.Peer;
import org.jgolem.ipfs.exchange.PeerReports;
import org.jgolem.ipfs.exchange.Providers;
import org.jgolem.ipfs.multiformats.Cid;

/**
 * {@code scripts/bench transfer}: moves a resource (1 GiB by default; the first argument is the
 * size in MiB) between two embedded nodes on loopback, verified and written to disk (synced, as
 * {@code get} does), and compares it with a plain TCP copy of the same bytes over loopback written
 * to disk and synced, in the same run. Then the median time for a node to fetch a 1 KiB object from
 * its peer (second argument: samples, default 200). The copies alternate for a number of rounds
 * (third argument, default 5) and the medians are compared. Prints the two result lines on stdout;
 * details go to stderr. Everything is made in, and removed with, a temporary folder.
 */
public final class TransferBench {
  private TransferBench() {}

  public static void main(String[] args) throws Exception {
    int mib = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
    int samples = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    Path dir = Files.createTempDirectory("jgolem-transfer-bench");
    try {
      run(dir, mib, samples, rounds);
    } finally {
      FileTrees.deleteQuietly(dir);
    }
  }

  private static void log(String fmt, Object... a) {
    System.err.printf(fmt + "%n", a);
  }

  private static EmbeddedResourceStore open(Path dir, long size, Peer peer) throws IOException {
    return EmbeddedResourceStore.open(
        ResourceStoreConfig.embedded(dir).withLimits(size * 3 + (1L << 30), size * 2 + (1L << 30)),
        Providers.of(List.of(peer)),
        PeerReports.none());
  }

  private static void run(Path dir, int mib, int samples, int rounds) throws Exception {
    long size = (long) mib << 20;
    log("SHA-256 (JDK %s): %.0f MiB/s on one core", Runtime.version(), sha256MiBps());
    Path input = dir.resolve("input.bin");
    writeRandom(input, size);
    try (EmbeddedResourceStore a =
        EmbeddedResourceStore.open(
            ResourceStoreConfig.embedded(dir.resolve("a"))
                .withLimits(size * 3 + (1L << 30), size * 2 + (1L << 30)),
            Providers.none(),
            PeerReports.none())) {
      GatewayServer gw = a.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      Peer peerA = new Peer("a", gw.uri());
      long t0 = System.nanoTime();
      Cid cid = a.add(input);
      log("add on node a: %s in %.2f s (%.0f MiB/s)", cid, secs(t0), mib / secs(t0));
      // warm-up of both paths (JIT, connections): 64 MiB each, not measured
      Path warm = dir.resolve("warm.bin");
      writeRandom(warm, Math.min(size, 64L << 20));
      Cid warmCid = a.add(warm);
      try (EmbeddedResourceStore w = open(dir.resolve("b-warm"), size, peerA)) {
        w.get(warmCid, dir.resolve("warm-out"));
      }
      FileTrees.deleteQuietly(dir.resolve("b-warm"));
      rawTcpCopy(warm, dir.resolve("warm-raw"));
      force(input);
      a.blockStore().sync();
      // rounds alternate the two copies, each from a synced state, so that other load on the
      // machine (disk
      // write-back, other processes) weighs on both alike; the medians are reported
      double[] raw = new double[rounds], ours = new double[rounds];
      for (int i = 0; i < rounds; i++) {
        Path rawOut = dir.resolve("raw-out.bin"),
            out = dir.resolve("out.bin"),
            bDir = dir.resolve("b");
        t0 = System.nanoTime();
        rawTcpCopy(input, rawOut);
        raw[i] = secs(t0);
        Files.delete(rawOut);
        try (EmbeddedResourceStore b = open(bDir, size, peerA)) {
          AtomicReference<BlockExchange.Stats> stats = new AtomicReference<>();
          b.onFetch(stats::set);
          t0 = System.nanoTime();
          b.get(cid, out); // fetched from a, every block verified, stored, written out and synced
          ours[i] = secs(t0);
          if (Files.mismatch(input, out) != -1)
            throw new IllegalStateException("the transferred copy differs from the input");
          log(
              "round %d: raw TCP copy %.2f s, verified transfer %.2f s; %s",
              i + 1, raw[i], ours[i], stats.get());
        }
        Files.delete(out);
        FileTrees.deleteQuietly(bDir);
      }
      Arrays.sort(raw);
      Arrays.sort(ours);
      double rawRate = mib / raw[rounds / 2], ourRate = mib / ours[rounds / 2];
      System.out.printf(
          "transfer size-mib=%d mib-per-s=%.1f raw-tcp-mib-per-s=%.1f ratio=%.2f%n",
          mib, ourRate, rawRate, ourRate / rawRate);
      System.out.flush();

      try (EmbeddedResourceStore b = open(dir.resolve("b"), size, peerA)) {
        // small objects: 1 KiB each, a fresh object per sample
        SplittableRandom r = new SplittableRandom(7);
        List<Cid> small = new ArrayList<>();
        Path smallDir = Files.createDirectories(dir.resolve("small"));
        for (int i = 0; i < samples + 20; i++) {
          byte[] kb = new byte[1024];
          r.nextBytes(kb);
          Path f = Files.write(smallDir.resolve("s" + i), kb);
          small.add(a.add(f));
        }
        double[] ms = new double[samples], full = new double[samples];
        for (int i = 0; i < samples + 20; i++) {
          long s0 = System.nanoTime();
          b.fetch(small.get(i)); // request, response, hash check, stored
          long s1 = System.nanoTime();
          b.get(small.get(i), smallDir.resolve("got" + i)); // pinned, written to a synced file
          long s2 = System.nanoTime();
          if (i >= 20) { // the first 20 warm up
            ms[i - 20] = (s1 - s0) / 1e6;
            full[i - 20] = (s2 - s0) / 1e6;
          }
        }
        Arrays.sort(ms);
        Arrays.sort(full);
        log(
            "1 KiB fetch from a peer into the verified store: min %.2f ms, median %.2f ms, p90 %.2f ms, max %.2f ms",
            ms[0], ms[samples / 2], ms[samples * 9 / 10], ms[samples - 1]);
        log(
            "1 KiB get (fetch + pin + write-out, synced): median %.2f ms, p90 %.2f ms",
            full[samples / 2], full[samples * 9 / 10]);
        System.out.printf("transfer small-object-rtt-ms=%.2f%n", ms[samples / 2]);
      }
    }
  }

  private static void force(Path f) throws IOException {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  private static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static double sha256MiBps() throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] b = new byte[256 * 1024];
    new SplittableRandom(1).nextBytes(b);
    for (int i = 0; i < 1000; i++) md.digest(b);
    long t0 = System.nanoTime();
    for (int i = 0; i < 2000; i++) md.digest(b);
    return 2000 * 0.25 / secs(t0);
  }

  private static void writeRandom(Path f, long size) throws IOException {
    SplittableRandom r = new SplittableRandom(size);
    byte[] buf = new byte[1 << 20];
    try (FileChannel ch =
        FileChannel.open(
            f,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      for (long done = 0; done < size; done += buf.length) {
        r.nextBytes(buf);
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, (int) Math.min(buf.length, size - done));
        while (bb.hasRemaining()) ch.write(bb);
      }
    }
  }

  /**
   * The baseline: the file's bytes over one loopback TCP connection (sendfile), written to disk and
   * synced.
   */
  private static void rawTcpCopy(Path in, Path out) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread sender =
          Thread.ofPlatform()
              .start(() -> {
                try (Socket s = server.accept();
                    FileChannel ch = FileChannel.open(in, StandardOpenOption.READ)) {
                  SocketChannel sc = s.getChannel();
                  long pos = 0, len = ch.size();
                  if (sc != null) {
                    while (pos < len) pos += ch.transferTo(pos, len - pos, sc);
                  } else {
                    var os = s.getOutputStream();
                    ByteBuffer buf = ByteBuffer.allocate(1 << 20);
                    while (ch.read(buf) > 0) {
                      os.write(buf.array(), 0, buf.position());
                      buf.clear();
                    }
                  }
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      try (SocketChannel c =
              SocketChannel.open(
                  new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
          FileChannel ch =
              FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        while (c.read(buf) >= 0) {
          buf.flip();
          while (buf.hasRemaining()) ch.write(buf);
          buf.clear();
        }
        ch.force(true);
      }
      sender.join();
    }
  }
}

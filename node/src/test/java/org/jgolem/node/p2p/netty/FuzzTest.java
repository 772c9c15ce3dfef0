package org.jgolem.node.p2p.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.p2p.SessionRules;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.p2p.FindNode;
import org.jgolem.protocol.messages.p2p.Neighbours;
import org.jgolem.protocol.messages.p2p.Ping;
import org.junit.jupiter.api.Test;

/**
 * Throws random and mutated frames at a live node over loopback, one connection after another:
 * plaintext junk at the key exchange, encrypted junk after a real key exchange, and mutated copies
 * of valid envelopes (and of their ciphertexts) after a full authentication. Each connection sends
 * its frames, half-closes, and reads until the node closes. Afterwards the node must still serve a
 * well-formed peer, its event loops must be alive, and the PARANOID leak detector must have
 * reported nothing. Seeded: rerun a failure with {@code -Dfuzz.seed=...}.
 */
class FuzzTest {
  private static final int TARGET_FRAMES = 100_000;
  private static final Duration BUDGET = Duration.ofSeconds(90);
  private static final Clock CLOCK = Clock.systemUTC();

  private final P2PConfig config =
      P2PConfig.loopback()
          .withMaxFrameBytes(16 * 1024)
          .withBanDuration(
              Duration.ofMillis(1)); // bans happen, and expire before the key comes round again
  private final MessageCodec codec =
      new MessageCodec(config.chainId(), SessionRules.maxPayloadBytes(config));
  private Random rnd;
  private final List<NodeKey> keys = new ArrayList<>();
  private long framesSent; // random or mutated frames only
  private long validSent; // well-formed frames sent along (key frames, Hellos, envelopes)
  private final List<List<byte[]>> bases = new ArrayList<>();
  private long connections;
  private final long[] byKind = new long[4];
  private final long[] nanosByKind = new long[4];

  @Test
  void randomAndMutatedFramesNeitherBreakNorLeak() throws Exception {
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    System.out.println("FuzzTest seed: " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
    rnd = new Random(seed);
    for (int i = 0; i < 16; i++) {
      NodeKey k = NodeKey.fromPrivateKey(BigInteger.valueOf(7_000 + i));
      keys.add(k);
      List<byte[]> own = new ArrayList<>();
      for (int j = 0; j < 4; j++) {
        own.add(
            codec.encode(
                codec.seal(
                    j % 2 == 0 ? new Ping(rnd.nextLong()) : new FindNode(k.address()), k, CLOCK)));
      }
      bases.add(own); // signed once: the bases of mutations, sent unmutated only as replays
    }
    try (LeakWatch leaks = LeakWatch.install();
        EventLoops loops = EventLoops.create(2, "fuzz-p2p")) {
      NettyP2PNetwork victim =
          new NettyP2PNetwork(NettyP2PNetworkTest.key(1), config, CLOCK, loops);
      victim.start();
      int port = victim.self().port();
      long start = System.nanoTime();
      long deadline = start + BUDGET.toNanos();
      while (framesSent < TARGET_FRAMES && System.nanoTime() < deadline) {
        int kind = pickKind();
        byKind[kind]++;
        connections++;
        long t0 = System.nanoTime();
        try (RawPeer r = RawPeer.connect(port, Duration.ofSeconds(10))) {
          try {
            switch (kind) {
              case 0 -> plaintextJunk(r);
              case 1 -> encryptedJunk(r);
              case 2 -> mutatedAfterAuthentication(r);
              default -> mutatedHandshake(r);
            }
            r.socket.shutdownOutput();
          } catch (IOException e) {
            // the node closed on us mid-write: expected for junk
          }
          drainUntilClosed(r);
          r.abort();
        }
        nanosByKind[kind] += System.nanoTime() - t0;
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      NettyP2PNetwork.Stats stats = victim.stats();
      System.out.printf(
          "FuzzTest: %d random/mutated frames (and %d valid ones) sent over %d connections in %d ms "
              + "(plaintext junk %d, encrypted junk %d, mutated after authentication %d, mutated handshake %d connections); "
              + "node decoded %d frames, %d handshakes completed, %d failed, %d messages refused, %d unexpected errors%n",
          framesSent,
          validSent,
          connections,
          took.toMillis(),
          byKind[0],
          byKind[1],
          byKind[2],
          byKind[3],
          stats.framesReceived(),
          stats.handshakesCompleted(),
          stats.handshakesFailed(),
          stats.messagesRefused(),
          stats.unexpectedErrors());
      for (int k = 0; k < 4; k++) {
        System.out.printf(
            "  kind %d: %.2f ms per connection%n",
            k, nanosByKind[k] / 1e6 / Math.max(1, byKind[k]));
      }
      assertThat(framesSent).as("frames within " + BUDGET).isGreaterThanOrEqualTo(TARGET_FRAMES);
      assertThat(stats.handshakesCompleted()).isPositive();
      assertThat(stats.messagesRefused()).isPositive();
      assertThat(stats.unexpectedErrors())
          .as("failures other than the refusals the code expects")
          .isZero();

      NettyP2PNetworkTest.await(
          "fuzz connections gone",
          () -> victim.peers().isEmpty() && victim.pendingHandshakes() == 0);
      assertStillServes(victim, loops);
      assertEventLoopsAlive(loops);
      victim.close();
      assertThat(leaks.leaks()).as("ByteBuf leaks reported by the PARANOID detector").isEmpty();
    }
  }

  private int pickKind() {
    int p = rnd.nextInt(100);
    return p < 40 ? 0 : p < 60 ? 1 : p < 82 ? 2 : 3;
  }

  private void send(RawPeer r, byte[] body) throws IOException {
    framesSent++;
    r.sendFrame(body);
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }

  private int randomLength() {
    return switch (rnd.nextInt(6)) {
      case 0 -> 0;
      case 1 -> 1 + rnd.nextInt(63);
      case 2 -> HandshakeCrypto.FRAME_BYTES;
      case 3 -> 65 + rnd.nextInt(400);
      case 4 -> rnd.nextInt(config.maxFrameBytes() + 1);
      default -> 16 + rnd.nextInt(200);
    };
  }

  /** Frames of random sizes and bytes, sometimes an oversized length or a frame cut short. */
  private void plaintextJunk(RawPeer r) throws IOException {
    int n = 1 + rnd.nextInt(8);
    for (int i = 0; i < n; i++) {
      int roll = rnd.nextInt(20);
      if (roll == 0) {
        framesSent++;
        r.sendRaw(
            ByteBuffer.allocate(4)
                .putInt(config.maxFrameBytes() + 1 + rnd.nextInt(1 << 20))
                .array());
        return;
      }
      if (roll == 1) {
        framesSent++;
        byte[] body = randomBytes(10 + rnd.nextInt(100));
        r.sendRaw(
            ByteBuffer.allocate(4 + body.length / 2)
                .putInt(body.length)
                .put(body, 0, body.length / 2)
                .array());
        return;
      }
      send(r, randomBytes(randomLength()));
    }
  }

  /** A real key exchange, then junk: random bytes sealed with the right key, or raw junk. */
  private void encryptedJunk(RawPeer r) throws IOException, GeneralSecurityException {
    r.keyExchange();
    validSent++;
    int n = 1 + rnd.nextInt(8);
    for (int i = 0; i < n; i++) {
      byte[] plain = randomBytes(randomLength());
      if (rnd.nextBoolean()) {
        framesSent++;
        r.sendEncrypted(plain);
      } else {
        send(r, rnd.nextBoolean() ? plain : mutate(r.sealer.apply(plain)));
      }
    }
  }

  /**
   * A full handshake, then mutated envelopes, mutated ciphertexts, replays and a few valid
   * envelopes.
   */
  private void mutatedAfterAuthentication(RawPeer r) throws IOException, GeneralSecurityException {
    int k = rnd.nextInt(keys.size());
    NodeKey key = keys.get(k);
    r.keyExchange();
    r.send(codec, codec.seal(RawPeer.hello(key, r.keys.transcript()), key, CLOCK));
    validSent += 2;
    if (r.readEncrypted() == null) {
      return; // refused (banned key, or the node is busy): nothing more to say
    }
    List<byte[]> base = bases.get(k);
    int n = 1 + rnd.nextInt(8);
    for (int i = 0; i < n; i++) {
      byte[] someBase = base.get(rnd.nextInt(base.size()));
      int roll = rnd.nextInt(10);
      if (roll == 0) {
        validSent++;
        r.sendEncrypted(codec.encode(codec.seal(new Ping(rnd.nextLong()), key, CLOCK)));
      } else if (roll < 7) {
        framesSent++;
        r.sendEncrypted(mutate(someBase));
      } else if (roll < 8) {
        framesSent++;
        r.sendEncrypted(someBase); // valid the first time, a replay after
      } else {
        send(r, mutate(r.sealer.apply(someBase)));
      }
    }
  }

  /** A mutated key frame, or a real key exchange followed by a mutated Hello. */
  private void mutatedHandshake(RawPeer r) throws IOException, GeneralSecurityException {
    if (rnd.nextBoolean()) {
      HandshakeCrypto.Ephemeral eph = HandshakeCrypto.newEphemeral();
      send(r, mutate(eph.frame()));
      send(r, randomBytes(randomLength()));
      return;
    }
    NodeKey key = keys.get(rnd.nextInt(keys.size()));
    r.keyExchange();
    validSent++;
    byte[] hello = codec.encode(codec.seal(RawPeer.hello(key, r.keys.transcript()), key, CLOCK));
    framesSent++;
    r.sendEncrypted(mutate(hello));
  }

  /** One to three random edits, some aimed at the envelope's fields. */
  private byte[] mutate(byte[] in) {
    byte[] b = in.clone();
    int edits = 1 + rnd.nextInt(3);
    for (int e = 0; e < edits; e++) {
      if (b.length == 0) {
        b = randomBytes(1 + rnd.nextInt(8));
        continue;
      }
      switch (rnd.nextInt(9)) {
        case 0 -> b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
        case 1 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        case 2 -> b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
        case 3 -> {
          byte[] longer = java.util.Arrays.copyOf(b, b.length + 1 + rnd.nextInt(64));
          for (int i = b.length; i < longer.length; i++) {
            longer[i] = (byte) rnd.nextInt(256);
          }
          b = longer;
        }
        case 4 -> {
          int at = rnd.nextInt(b.length);
          int len = 1 + rnd.nextInt(Math.min(16, b.length - at));
          byte[] shorter = new byte[b.length - len];
          System.arraycopy(b, 0, shorter, 0, at);
          System.arraycopy(b, at + len, shorter, at, b.length - at - len);
          b = shorter;
        }
        case 5 -> {
          // a field of the envelope: version, type, sender, timestamp, id, length, or the signature
          int[] starts = {
            0, 1, 3, 23, 31, 47, Math.max(0, b.length - 65), Math.max(0, b.length - 1)
          };
          int at = Math.min(b.length - 1, starts[rnd.nextInt(starts.length)]);
          b[at] = (byte) rnd.nextInt(256);
        }
        case 6 -> {
          int i = rnd.nextInt(b.length);
          int j = rnd.nextInt(b.length);
          byte t = b[i];
          b[i] = b[j];
          b[j] = t;
        }
        case 7 -> {
          if (b.length > 51) {
            // payload length field set to a random value
            ByteBuffer.wrap(b)
                .putInt(47, rnd.nextBoolean() ? rnd.nextInt() : rnd.nextInt(b.length));
          }
        }
        default -> {
          for (int i = 0; i < 1 + rnd.nextInt(4); i++) {
            b[rnd.nextInt(b.length)] ^= (byte) rnd.nextInt(256);
          }
        }
      }
    }
    return b;
  }

  private static void drainUntilClosed(RawPeer r) throws IOException {
    InputStream in = r.socket.getInputStream();
    byte[] buf = new byte[4096];
    try {
      while (in.read(buf) >= 0) {
        // discard whatever the node says until it closes
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the node kept a junk connection open", e);
    } catch (IOException e) {
      // reset by the node: closed too
    }
  }

  private static void assertStillServes(NettyP2PNetwork victim, EventLoops loops) throws Exception {
    try (EventLoops other = EventLoops.create(1, "fuzz-good")) {
      NettyP2PNetwork good =
          new NettyP2PNetwork(NettyP2PNetworkTest.key(2), P2PConfig.loopback(), CLOCK, other);
      good.start();
      try {
        BlockingQueue<Envelope> answers = new LinkedBlockingQueue<>();
        good.subscribe(MessageType.NEIGHBOURS, (from, m) -> answers.add(m));
        victim.subscribe(
            MessageType.FIND_NODE,
            (from, m) ->
                from.send(
                    new Neighbours(m.payload(FindNode.class).target(), List.of(victim.self()))));
        Peer p = NettyP2PNetworkTest.connect(good, victim);
        p.send(new FindNode(NettyP2PNetworkTest.key(3).address()));
        Envelope answer = answers.poll(5, TimeUnit.SECONDS);
        assertThat(answer).as("a well-formed peer is still served").isNotNull();
        assertThat(answer.sender()).isEqualTo(victim.self().nodeId());
      } finally {
        good.close();
      }
    }
  }

  private static void assertEventLoopsAlive(EventLoops loops) throws Exception {
    int n = 0;
    for (EventExecutor e : loops.group()) {
      assertThat(e.isShuttingDown()).isFalse();
      Thread t = e.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
      assertThat(t.isAlive()).isTrue();
      assertThat(t.getName()).startsWith("fuzz-p2p");
      n++;
    }
    assertThat(n).isEqualTo(2);
  }
}

package org.jgolem.protocol.identity;

import java.time.Clock;
import java.util.Random;
import java.util.function.IntConsumer;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.p2p.Ping;
import org.web3j.crypto.ECKeyPair;

/**
 * Measures signatures per second on this machine, single-threaded: sign and recover for each
 * backend that loads (calling it directly, so a recovery is not answered from {@link
 * Secp256k1#recover}'s memory), then whole messages (seal = sign, encode, decode = parse + validate
 * + recover) with the backend in use. The backend is chosen once, when the JVM loads {@link
 * Secp256k1}: for web3j's messages on a machine where libsecp256k1 loads, run it again with {@code
 * -Djgolem.secp256k1=java}. Not a test (surefire does not run it); run it with:
 *
 * <pre>
 * mvn -o -q test-compile dependency:build-classpath -pl testkit,protocol -Dmdep.outputFile=target/cp.txt
 * java --enable-native-access=ALL-UNNAMED \
 *   -cp protocol/target/test-classes:protocol/target/classes:$(cat protocol/target/cp.txt) \
 *   org.jgolem.protocol.identity.SignatureBenchmark [seconds per measurement, default 3]
 * </pre>
 */
public final class SignatureBenchmark {
  private SignatureBenchmark() {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    Random rnd = new Random(42);
    ECKeyPair key = ECKeyPair.create(Secp256k1BackendTest.randomPrivateKey(rnd));
    NodeKey node = NodeKey.of(key);
    byte[][] digests = new byte[1024][32];
    for (byte[] d : digests) {
      rnd.nextBytes(d);
    }
    Signature[] sigs = new Signature[digests.length];
    for (int i = 0; i < digests.length; i++) {
      sigs[i] = Secp256k1.signWeb3j(digests[i], key);
    }
    MessageCodec codec = new MessageCodec(31337, 1 << 20);
    Payload ping = new Ping(7);
    Payload ttc = org.jgolem.protocol.messages.Fixtures.taskToCompute();
    Clock clock = Clock.systemUTC();

    System.out.printf(
        "cores %d, java %s, native available: %s%n",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        Secp256k1.nativeAvailable());
    if (Secp256k1.nativeAvailable()) {
      run("NATIVE sign", seconds, i -> Secp256k1.signNative(digests[i & 1023], key));
      run(
          "NATIVE recover",
          seconds,
          i -> Secp256k1.recoverNative(digests[i & 1023], sigs[i & 1023]));
    }
    run("WEB3J sign", seconds, i -> Secp256k1.signWeb3j(digests[i & 1023], key));
    run("WEB3J recover", seconds, i -> Secp256k1.recoverWeb3j(digests[i & 1023], sigs[i & 1023]));
    Secp256k1.Backend b = Secp256k1.backend();
    run(
        b + " Ping seal+encode+decode",
        seconds,
        i -> codec.decode(codec.encode(codec.seal(ping, node, clock))));
    run(
        b + " TaskToCompute seal+encode+decode",
        seconds,
        i ->
            codec.decode(
                codec.encode(
                    codec.seal(ttc, org.jgolem.protocol.messages.Fixtures.REQUESTOR, clock))));
    pipeline(b + " Ping, 1 sealing + 1 decoding thread", seconds, codec, ping, node, clock);
  }

  /** One thread seals and encodes, another decodes and verifies: the two ends of a connection. */
  private static void pipeline(
      String name, double seconds, MessageCodec codec, Payload payload, NodeKey key, Clock clock)
      throws InterruptedException {
    java.util.concurrent.BlockingQueue<byte[][]> queue =
        new java.util.concurrent.ArrayBlockingQueue<>(64);
    long end = System.nanoTime() + (long) (seconds * 1e9);
    Thread producer =
        new Thread(() -> {
          try {
            while (System.nanoTime() < end) {
              byte[][] batch = new byte[64][];
              for (int i = 0; i < batch.length; i++) {
                batch[i] = codec.encode(codec.seal(payload, key, clock));
              }
              queue.put(batch);
            }
            queue.put(new byte[0][]);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    long start = System.nanoTime();
    producer.start();
    long n = 0;
    while (true) {
      byte[][] batch = queue.take();
      if (batch.length == 0) {
        break;
      }
      for (byte[] frame : batch) {
        codec.decode(frame);
        n++;
      }
    }
    producer.join();
    double rate = n / ((System.nanoTime() - start) / 1e9);
    System.out.printf("%-40s %,10.0f msgs/s%n", name, rate);
  }

  private static void run(String name, double seconds, IntConsumer op) {
    long warmEnd = System.nanoTime() + (long) (seconds * 0.3e9);
    int i = 0;
    while (System.nanoTime() < warmEnd) {
      op.accept(i++);
    }
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    int n = 0;
    while (System.nanoTime() < end) {
      op.accept(n++);
    }
    double rate = n / ((System.nanoTime() - start) / 1e9);
    System.out.printf("%-40s %,10.0f ops/s  (%.1f µs/op)%n", name, rate, 1e6 / rate);
  }
}

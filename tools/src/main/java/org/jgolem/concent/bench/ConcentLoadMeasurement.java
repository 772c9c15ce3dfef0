package org.jgolem.concent.bench;

import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.jgolem.chain.Chain;
import org.jgolem.chain.contracts.ConcentDepositsGateway;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.cli.ConcentAssembly;
import org.jgolem.concent.cli.ConcentParts;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.concent.client.ConcentClientException;
import org.jgolem.concent.storage.ResultStorage;
import org.jgolem.concent.time.CaseWindows;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.testkit.Await;
import org.jgolem.testkit.FakeClock;
import org.web3j.crypto.Credentials;

/**
 * ForceSubtaskResults cases judged per second through Concent's HTTP API, and their settlement.
 *
 * <p>A real Concent ({@link ConcentParts}: its store at {@code dbUrl}, its HTTP server on loopback,
 * its chain adapters and settler against the given chain) on a {@link FakeClock} set inside the
 * ForceSubtaskResults window of every case. The fixtures' requestor deposits enough for every case;
 * the fixtures' provider sends one ForceSubtaskResults per subtask (its TaskToCompute, report and
 * the requestor's ack, all signed, built before the clock starts: signing evidence is the nodes'
 * cost, not Concent's) through real {@link ConcentClient}s, which sign each request's ConcentAuth
 * at send time. The load is closed loop: {@code threads} clients, each sending its next request as
 * soon as the last is answered. Each answer must be 202 (queued); any other is an error, counted
 * and named. A warm-up of the same kind runs first and is not timed.
 *
 * <p>Then the clock moves past FAT: Concent accepts in the silent requestor's place, the settler
 * pays in batches, and the provider's GNT balance must grow by exactly cases × price (and the
 * requestor's deposit shrink by as much). The settlement is timed separately.
 */
public final class ConcentLoadMeasurement {
  /** The price of each subtask: 0.001 GNT. */
  public static final BigInteger PRICE = BigInteger.TEN.pow(15);

  private static final BigInteger ETH = BigInteger.TEN.pow(18);

  /** What to run. */
  /**
   * @param run distinguishes the subtasks of several runs on one chain (the contract remembers
   *     every settled subtask)
   */
  public record Options(
      int run, int warmup, int cases, int threads, Duration settleEvery, Duration settleTimeout) {}

  /** What was measured. {@code latenciesNanos} of the timed requests, sorted. */
  public record Result(
      int cases,
      int accepted,
      Map<String, Integer> errors,
      double seconds,
      long[] latenciesNanos,
      double cpuMillisPerCase,
      int settled,
      BigInteger providerGain,
      BigInteger depositSpent,
      double settleSeconds) {
    public double casesPerSecond() {
      return accepted / seconds;
    }

    public double percentileMillis(double p) {
      if (latenciesNanos.length == 0) {
        return 0;
      }
      int i = (int) Math.ceil(p / 100.0 * latenciesNanos.length) - 1;
      return latenciesNanos[Math.max(0, Math.min(latenciesNanos.length - 1, i))] / 1e6;
    }

    public int errorCount() {
      return errors.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  private ConcentLoadMeasurement() {}

  /**
   * Runs the measurement against {@code deployment} on {@code chain} (at {@code rpcUrl}), whose
   * {@code concent} role is {@code concent}; {@code funder} holds GNT and ether.
   */
  public static Result measure(
      Chain chain,
      String rpcUrl,
      Deployment deployment,
      Credentials funder,
      Credentials concent,
      String dbUrl,
      Path dir,
      Options o)
      throws Exception {
    int total = o.warmup() + o.cases();
    FakeClock clock = new FakeClock(System.currentTimeMillis());
    ConcentFixtures f = new ConcentFixtures(deployment.chainId(), deployment.deposit());
    Address requestor = ConcentFixtures.REQUESTOR.address();
    Address provider = ConcentFixtures.PROVIDER.address();
    BigInteger deposit = PRICE.multiply(BigInteger.valueOf(total));
    fund(chain, deployment, funder, deposit);
    GntTokenGateway token = new GntTokenGateway(chain, deployment.token(), funder);
    ConcentDepositsGateway deposits =
        new ConcentDepositsGateway(chain, deployment.deposit(), funder);

    // Every subtask assigned now and due in 10 minutes: one window for all.
    Windows windows = Windows.golem();
    long assigned = clock.millis();
    long deadline = assigned + Duration.ofMinutes(10).toMillis();
    long opensAfter =
        new CaseWindows(windows)
            .forceAcceptanceOpensAfter(assigned, deadline, ConcentFixtures.SIZE);
    long sendAt = opensAfter + 1;
    MessageCodec codec = f.codec();
    List<Envelope> requests =
        IntStream.range(0, total)
            .parallel()
            .mapToObj(i -> {
              byte[] sid = subtaskId(o.run(), i);
              ConcentFixtures.Subtask s = f.subtask(sid, PRICE, assigned, deadline);
              byte[] frame =
                  f.frame(
                      new ForceSubtaskResults(
                          s.ttcFrame(), s.rctFrame(), f.ack(s, assigned + 120_000)),
                      ConcentFixtures.PROVIDER,
                      sendAt);
              return codec.decode(frame);
            })
            .toList();

    NodeKey concentKey = NodeKey.of(concent.getEcKeyPair());
    ConcentAssembly.Context context =
        new ConcentAssembly.Context(
            concentKey,
            deployment,
            rpcUrl,
            dbUrl,
            dir,
            windows,
            clock,
            new MessageCodec(deployment.chainId(), ConcentClient.MAX_PAYLOAD_BYTES),
            ResultStorage.open(dir.resolve("storage")));
    clock.set(sendAt);
    BigInteger providerBefore = token.balanceOf(provider);
    BigInteger depositBefore = deposits.balanceOf(requestor);
    try (ConcentAssembly.Running running =
        new ConcentParts(o.settleEvery())
            .into(new ConcentAssembly())
            .start(context, new InetSocketAddress("127.0.0.1", 0))) {
      List<ConcentClient> clients = new ArrayList<>();
      try {
        for (int t = 0; t < o.threads(); t++) {
          clients.add(
              new ConcentClient(
                  ConcentClient.Config.of(
                      running.server().uri(), concentKey.address(), deployment.chainId()),
                  ConcentFixtures.PROVIDER,
                  clock));
        }
        Map<String, Integer> errors = new ConcurrentHashMap<>();
        run(clients, requests.subList(0, o.warmup()), new long[o.warmup()], errors, WARMUP);
        long[] latencies = new long[o.cases()];
        var os =
            (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long start = System.nanoTime();
        int accepted = run(clients, requests.subList(o.warmup(), total), latencies, errors, "");
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuPerCase = (os.getProcessCpuTime() - cpu0) / 1e6 / Math.max(1, o.cases());
        int acceptedAll = accepted + (o.warmup() - warmupErrors(errors));

        // Past FAT: Concent accepts for the silent requestor; the settler pays.
        long settleStart = System.nanoTime();
        clock.set(
            new CaseWindows(windows)
                    .forceAcceptanceClosesAt(assigned, deadline, ConcentFixtures.SIZE)
                + 1);
        BigInteger expected = PRICE.multiply(BigInteger.valueOf(acceptedAll));
        BigInteger[] gain = {BigInteger.ZERO};
        try {
          Await.until(
              Duration.ofNanos(o.settleTimeout().toNanos()),
              () -> {
                gain[0] = token.balanceOf(provider).subtract(providerBefore);
                return gain[0].compareTo(expected) >= 0;
              },
              () -> "the provider got " + gain[0] + " of " + expected);
        } catch (AssertionError | RuntimeException e) {
          errors.merge("settlement: " + e.getMessage(), 1, Integer::sum);
        }
        double settleSeconds = (System.nanoTime() - settleStart) / 1e9;
        gain[0] = token.balanceOf(provider).subtract(providerBefore);
        BigInteger spent = depositBefore.subtract(deposits.balanceOf(requestor));
        long[] timed = Arrays.stream(latencies).filter(l -> l > 0).sorted().toArray();
        return new Result(
            o.cases(),
            accepted,
            new TreeMap<>(errors),
            seconds,
            timed,
            cpuPerCase,
            gain[0].divide(PRICE).intValueExact(),
            gain[0],
            spent,
            settleSeconds);
      } finally {
        clients.forEach(ConcentClient::close);
      }
    }
  }

  private static final String WARMUP = "warm-up: ";

  private static int warmupErrors(Map<String, Integer> errors) {
    return errors.entrySet().stream()
        .filter(e -> e.getKey().startsWith(WARMUP))
        .mapToInt(Map.Entry::getValue)
        .sum();
  }

  /**
   * Sends {@code requests} from one thread per client, closed loop; records each latency (0 for a
   * refused one) and counts the refusals by reason. Returns how many were queued (202).
   */
  private static int run(
      List<ConcentClient> clients,
      List<Envelope> requests,
      long[] latencies,
      Map<String, Integer> errors,
      String prefix)
      throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger accepted = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (ConcentClient client : clients) {
      threads.add(
          Thread.ofPlatform()
              .name("bench-client")
              .start(() -> {
                for (int i = next.getAndIncrement();
                    i < requests.size();
                    i = next.getAndIncrement()) {
                  long t0 = System.nanoTime();
                  String error;
                  try {
                    Optional<Envelope> reply = client.send(requests.get(i));
                    error =
                        reply
                            .map(r ->
                                r.payload() instanceof ServiceRefused s
                                    ? "refused " + s.reason()
                                    : "answered " + r.type())
                            .orElse(null);
                  } catch (ConcentClientException e) {
                    error = "HTTP " + e.getMessage();
                  } catch (Exception e) {
                    error = e.toString();
                  }
                  long t = System.nanoTime() - t0;
                  if (error == null) {
                    latencies[i] = t;
                    accepted.incrementAndGet();
                  } else {
                    errors.merge(prefix + truncate(error), 1, Integer::sum);
                  }
                }
              }));
    }
    for (Thread t : threads) {
      t.join();
    }
    return accepted.get();
  }

  private static String truncate(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }

  /** Subtask {@code i}'s id in run {@code run}: distinct for every pair. */
  static byte[] subtaskId(int run, int i) {
    return ByteBuffer.allocate(32).putLong(0x62656e6368L).putInt(16, run).putLong(24, i).array();
  }

  /** Gives the fixtures' requestor GNT and ether, and deposits {@code deposit} as it. */
  private static void fund(
      Chain chain, Deployment deployment, Credentials funder, BigInteger deposit) {
    Address requestor = ConcentFixtures.REQUESTOR.address();
    new GntTokenGateway(chain, deployment.token(), funder).transfer(requestor, deposit);
    chain.signer(funder).execute(requestor.hex(), "", ETH, List.of());
    Credentials r = Credentials.create(ConcentFixtures.REQUESTOR.keyPair());
    new GntTokenGateway(chain, deployment.token(), r).approve(deployment.deposit(), deposit);
    new ConcentDepositsGateway(chain, deployment.deposit(), r).deposit(deposit);
  }
}

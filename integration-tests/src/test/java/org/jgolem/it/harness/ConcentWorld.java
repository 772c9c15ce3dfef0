package org.jgolem.it.harness;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.chain.contracts.ConcentDeposits;
import org.jgolem.chain.contracts.ConcentDepositsGateway;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.chain.testing.AnvilDeployment;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.cli.ConcentAssembly;
import org.jgolem.concent.cli.ConcentParts;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.concent.client.Received;
import org.jgolem.concent.storage.ResultStorage;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.testkit.Await;
import org.jgolem.testkit.FakeClock;
import org.web3j.crypto.Credentials;

/**
 * Concent's stories' world: a fresh anvil with the contracts, Concent itself (its real store on a
 * SQLite file, or on PostgreSQL, its real HTTP server, its chain adapters and settler) on a {@link
 * FakeClock} that the story drives forward through Golem's own windows, and the two parties of a
 * subtask (the fixtures' requestor and provider, funded on chain) speaking to it through real
 * {@link ConcentClient}s. The misbehaving party is simply the one the story keeps silent.
 */
public final class ConcentWorld implements AutoCloseable {
  public static final BigInteger GNT = TestChain.GNT;

  private final TestChain chain;
  private final FakeClock clock;
  private final ConcentFixtures fixtures;
  private final ConcentAssembly.Running concent;
  private final NodeKey concentKey;
  private final List<Party> parties = new ArrayList<>();

  private ConcentWorld(
      TestChain chain,
      FakeClock clock,
      ConcentFixtures fixtures,
      ConcentAssembly.Running concent,
      NodeKey concentKey) {
    this.chain = chain;
    this.clock = clock;
    this.fixtures = fixtures;
    this.concent = concent;
    this.concentKey = concentKey;
  }

  /** Starts the chain and Concent in {@code dir}; the requestor deposits {@code deposit}. */
  public static ConcentWorld start(Path dir, BigInteger deposit) throws Exception {
    return start(dir, deposit, "jdbc:sqlite:" + dir.resolve("concent.db"));
  }

  /** The same, with Concent's store on {@code db} (a SQLite or PostgreSQL JDBC URL). */
  public static ConcentWorld start(Path dir, BigInteger deposit, String db) throws Exception {
    TestChain chain = TestChain.start(dir.resolve("deployment.json"));
    try {
      FakeClock clock = new FakeClock(System.currentTimeMillis());
      long chainId = chain.deployment().chainId();
      ConcentFixtures fixtures = new ConcentFixtures(chainId, chain.deployment().deposit());
      for (NodeKey k : List.of(ConcentFixtures.REQUESTOR, ConcentFixtures.PROVIDER)) {
        chain.fund(k.address(), GNT.multiply(BigInteger.valueOf(1000)), TestChain.ETH);
      }
      if (deposit.signum() > 0) {
        deposit(chain, ConcentFixtures.REQUESTOR, deposit);
      }
      NodeKey concentKey = NodeKey.of(AnvilDeployment.CONCENT.getEcKeyPair());
      MessageCodec codec = new MessageCodec(chainId, ConcentClient.MAX_PAYLOAD_BYTES);
      ConcentAssembly.Context context =
          new ConcentAssembly.Context(
              concentKey,
              chain.deployment(),
              chain.deployment().rpcUrl(),
              db,
              dir,
              Windows.golem(),
              clock,
              codec,
              ResultStorage.open(dir.resolve("storage")));
      ConcentAssembly.Running running =
          new ConcentParts(Duration.ofMillis(200))
              .into(new ConcentAssembly())
              .start(context, new InetSocketAddress("127.0.0.1", 0));
      return new ConcentWorld(chain, clock, fixtures, running, concentKey);
    } catch (Exception | Error e) {
      chain.close();
      throw e;
    }
  }

  /** {@code owner} approves and deposits {@code amount} into GNTDeposit. */
  public static void deposit(TestChain chain, NodeKey owner, BigInteger amount) {
    Credentials c = Credentials.create(owner.keyPair());
    new GntTokenGateway(chain.chain(), chain.deployment().token(), c)
        .approve(chain.deployment().deposit(), amount);
    deposits(chain, owner).deposit(amount);
  }

  public static ConcentDeposits deposits(TestChain chain, NodeKey as) {
    return new ConcentDepositsGateway(
        chain.chain(), chain.deployment().deposit(), Credentials.create(as.keyPair()));
  }

  public TestChain chain() {
    return chain;
  }

  public FakeClock clock() {
    return clock;
  }

  public ConcentFixtures fixtures() {
    return fixtures;
  }

  public Windows windows() {
    return Windows.golem();
  }

  /** Concent's HTTP base URI, for requests a test crafts byte by byte. */
  public java.net.URI uri() {
    return concent.server().uri();
  }

  public Address concentAddress() {
    return concentKey.address();
  }

  /** The requestor's deposit as the contract holds it. */
  public BigInteger depositOf(NodeKey owner) {
    return deposits(chain, owner).balanceOf(owner.address());
  }

  public Party requestor() {
    return party(ConcentFixtures.REQUESTOR);
  }

  public Party provider() {
    return party(ConcentFixtures.PROVIDER);
  }

  /** A party (or a stranger) speaking to Concent with {@code key}. */
  public Party party(NodeKey key) {
    ConcentClient client =
        new ConcentClient(
            ConcentClient.Config.of(
                concent.server().uri(), concentKey.address(), chain.deployment().chainId()),
            key,
            clock);
    Party p = new Party(key, client);
    parties.add(p);
    return p;
  }

  /** One node's side of the conversation with Concent. */
  public final class Party {
    private final NodeKey key;
    private final ConcentClient client;
    private final List<Envelope> inbox = new ArrayList<>();

    Party(NodeKey key, ConcentClient client) {
      this.key = key;
      this.client = client;
    }

    public NodeKey key() {
      return key;
    }

    public ConcentClient client() {
      return client;
    }

    /** Signs {@code payload} now (the world's clock) and sends it; Concent's reply if any. */
    public Envelope send(Payload payload) throws IOException {
      Envelope e = client.codec().seal(payload, key, clock);
      return client.send(e).orElse(null);
    }

    /** Sends an already signed frame (a party's answer, e.g. its Ack). */
    public Envelope sendFrame(byte[] frame) throws IOException {
      return client.send(client.codec().decode(frame)).orElse(null);
    }

    /** Collects and acknowledges what Concent has for this party. */
    public List<Envelope> receive() throws IOException {
      Received r = client.receive(List.of());
      if (!r.isEmpty()) {
        client.ack(r.allIds());
      }
      inbox.addAll(r.envelopes());
      return r.envelopes();
    }

    /** Waits (real time, while Concent's scheduler works) until a message of {@code type} came. */
    public <T extends Payload> T awaitMessage(MessageType type, Class<T> cls, Duration timeout) {
      return Await.until(
          type + " for " + key.address(),
          timeout,
          () -> {
            try {
              receive();
            } catch (IOException e) {
              throw new IllegalStateException(e);
            }
            return inbox.stream()
                .filter(e -> e.type() == type)
                .map(e -> e.payload(cls))
                .reduce((a, b) -> b)
                .orElse(null);
          },
          () -> "inbox " + inbox.stream().map(Envelope::type).toList());
    }

    /** Waits until {@code count} messages of {@code type} came; gives them, oldest first. */
    public <T extends Payload> List<T> awaitMessages(
        MessageType type, Class<T> cls, int count, Duration timeout) {
      return Await.until(
          count + " x " + type + " for " + key.address(),
          timeout,
          () -> {
            try {
              receive();
            } catch (IOException e) {
              throw new IllegalStateException(e);
            }
            List<T> got =
                inbox.stream().filter(e -> e.type() == type).map(e -> e.payload(cls)).toList();
            return got.size() >= count ? got : null;
          },
          () -> "inbox " + inbox.stream().map(Envelope::type).toList());
    }

    public List<Envelope> inbox() {
      return List.copyOf(inbox);
    }
  }

  @Override
  public void close() {
    for (Party p : parties) {
      p.client.close();
    }
    concent.close();
    chain.close();
  }
}

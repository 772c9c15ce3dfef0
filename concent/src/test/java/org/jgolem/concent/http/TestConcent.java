package org.jgolem.concent.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.concent.storage.ResultStorage;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.testkit.FakeClock;

/** A Concent HTTP server on a free loopback port, over a {@link FakeConcentApi}. */
final class TestConcent implements AutoCloseable {
  static final long CHAIN_ID = 31337;
  static final NodeKey CONCENT_KEY = NodeKey.generate();

  final FakeClock clock = new FakeClock(1_800_000_000_000L);
  final MessageCodec codec = new MessageCodec(CHAIN_ID, ConcentClient.MAX_PAYLOAD_BYTES);
  final FakeConcentApi api = new FakeConcentApi(CONCENT_KEY, codec, clock);
  final NonceLedger ledger;
  final ResultStorage storage;
  final ConcentServer server;

  TestConcent(Path dataDir) throws IOException {
    this(dataDir, new InMemoryNonceLedger(), 1L << 20);
  }

  TestConcent(Path dataDir, NonceLedger ledger, long maxUpload) throws IOException {
    this(
        dataDir,
        ledger,
        maxUpload,
        Integer.getInteger("concent.threads", ServerConfig.DEFAULT_THREADS));
  }

  TestConcent(Path dataDir, NonceLedger ledger, long maxUpload, int threads) throws IOException {
    this.ledger = ledger;
    this.storage = ResultStorage.open(dataDir.resolve("storage"));
    ServerConfig config =
        ServerConfig.defaults(new InetSocketAddress("127.0.0.1", 0))
            .withMaxUploadBytes(maxUpload)
            .withThreads(threads);
    RequestAuthenticator auth =
        new RequestAuthenticator(
            codec,
            CONCENT_KEY.address(),
            clock,
            ledger,
            config.maxAge(),
            config.maxSkew(),
            config.nonceCapacity());
    this.server = ConcentServer.start(api, auth, codec, storage, config);
  }

  Address address() {
    return CONCENT_KEY.address();
  }

  URI uri() {
    return server.uri();
  }

  ConcentClient client(NodeKey key) {
    return client(key, clock);
  }

  ConcentClient client(NodeKey key, Clock clientClock) {
    return new ConcentClient(
        new ConcentClient.Config(
            uri(),
            address(),
            CHAIN_ID,
            Duration.ofSeconds(5),
            Duration.ofSeconds(20),
            Duration.ofSeconds(60)),
        key,
        clientClock);
  }

  @Override
  public void close() {
    server.close();
  }
}

package org.jgolem.concent.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.concent.api.ConcentApi;
import org.jgolem.concent.http.ConcentServer;
import org.jgolem.concent.http.NonceLedger;
import org.jgolem.concent.http.RequestAuthenticator;
import org.jgolem.concent.http.ServerConfig;
import org.jgolem.concent.storage.ResultStorage;
import org.jgolem.concent.time.Windows;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.codec.MessageCodec;

/**
 * Builds a running Concent from its parts. The HTTP server, the request authenticator and the
 * result storage are built here; the service and the nonce ledger come from factories (the seams:
 * the service over its store and chain adapters, and the ledger over the store's {@code
 * rememberNonce}), which the caller provides. A part not provided makes {@link #start} fail with
 * {@link NotAssembledException} naming it, rather than start something that is not Concent.
 */
public final class ConcentAssembly {
  /** What the parts are built from, checked and loaded by {@link ConcentMain}. */
  public record Context(
      NodeKey key,
      Deployment deployment,
      String rpcUrl,
      String dbUrl,
      Path dataDir,
      Windows windows,
      Clock clock,
      MessageCodec codec,
      ResultStorage storage) {}

  /** Builds one part; what it opens and must close on stop it registers with {@code closer}. */
  @FunctionalInterface
  public interface Factory<T> {
    T create(Context context, List<AutoCloseable> closer) throws Exception;
  }

  /** A part that is still missing. */
  public static final class NotAssembledException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    NotAssembledException(String what) {
      super("Concent is not assembled yet: " + what + " is missing (see ConcentAssembly)");
    }
  }

  private Factory<ConcentApi> service;
  private Factory<NonceLedger> nonces;

  /** The service (org.jgolem.concent.service over the store, the chain and the settler). */
  public ConcentAssembly service(Factory<ConcentApi> factory) {
    this.service = factory;
    return this;
  }

  /** The durable nonce ledger (the store's rememberNonce/forgetNonces). */
  public ConcentAssembly nonces(Factory<NonceLedger> factory) {
    this.nonces = factory;
    return this;
  }

  /**
   * A running Concent: stop it with {@link #close}, which also closes what the factories opened.
   */
  public record Running(ConcentServer server, List<AutoCloseable> parts) implements AutoCloseable {
    @Override
    public void close() {
      if (server != null) {
        server.close();
      }
      for (int i = parts.size() - 1; i >= 0; i--) {
        try {
          parts.get(i).close();
        } catch (Exception e) {
          org.slf4j.LoggerFactory.getLogger(ConcentAssembly.class)
              .warn("could not close {}: {}", parts.get(i), e.toString());
        }
      }
    }
  }

  /** Builds the parts in order, then starts serving on {@code listen}. */
  public Running start(Context context, InetSocketAddress listen) throws Exception {
    if (service == null) {
      throw new NotAssembledException(
          "the service (a ConcentApi: ConcentService over its store and chain adapters)");
    }
    if (nonces == null) {
      throw new NotAssembledException("the durable nonce ledger (the store's rememberNonce)");
    }
    List<AutoCloseable> parts = new ArrayList<>();
    try {
      NonceLedger ledger = nonces.create(context, parts);
      ConcentApi api = service.create(context, parts);
      ServerConfig config = ServerConfig.defaults(listen);
      RequestAuthenticator auth =
          new RequestAuthenticator(
              context.codec(),
              context.key().address(),
              context.clock(),
              ledger,
              config.maxAge(),
              config.maxSkew(),
              config.nonceCapacity());
      ConcentServer server =
          ConcentServer.start(api, auth, context.codec(), context.storage(), config);
      return new Running(server, parts);
    } catch (Exception | Error e) {
      new Running(null, parts).close(); // what was built before the failure
      throw e;
    }
  }
}

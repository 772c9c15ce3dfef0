package org.jgolem.concent.cli;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.concent.storage.ResultStorage;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.Keystore;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.codec.MessageCodec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code golem-concent}: Concent's process. {@code start} loads Concent's key, refuses to run
 * unless its address is the deployment's {@code concent} role (the only account {@code GNTDeposit}
 * lets reimburse), opens its data folder and result storage, and serves the HTTP API with the parts
 * a {@link ConcentAssembly} builds. Exit codes: 0 stopped, 1 failed (message on stderr), 2 usage.
 */
@Command(
    name = "golem-concent",
    mixinStandardHelpOptions = true,
    version = "golem-concent (jgolem) protocol " + MessageCodec.PROTOCOL_VERSION,
    description = "Concent, the arbitration service of jgolem.",
    subcommands = {ConcentMain.Start.class, AuditCommand.class, CommandLine.HelpCommand.class})
public final class ConcentMain {
  public static final String PASSWORD_FILE_ENV = "CONCENT_PASSWORD_FILE";
  public static final String PASSWORD_ENV = "CONCENT_PASSWORD";
  public static final String DEFAULT_LISTEN = "127.0.0.1:8250";

  /** Written at start: the base URL of the API, for scripts and tests. */
  public static final String URL_FILE = "concent-url";

  final Map<String, String> env;
  final ConcentAssembly assembly;
  final Clock clock;

  /** Counted down when the process should stop (a shutdown hook, or a test). */
  final CountDownLatch stop;

  public ConcentMain(
      Map<String, String> env, ConcentAssembly assembly, Clock clock, CountDownLatch stop) {
    this.env = Map.copyOf(env);
    this.assembly = assembly;
    this.clock = clock;
    this.stop = stop;
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "concent-shutdown"));
    ConcentMain main =
        new ConcentMain(
            System.getenv(),
            new ConcentParts(Duration.ofMillis(500)).into(new ConcentAssembly()),
            Clock.systemUTC(),
            stop);
    System.exit(commandLine(main, out, err).execute(args));
  }

  public static CommandLine commandLine(ConcentMain main, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(main);
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      cmd.getErr().println("golem-concent: error: " + ex.getMessage());
      return 1;
    });
    return cl;
  }

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description = "Start Concent and serve its HTTP API until stopped.")
  static final class Start implements Callable<Integer> {
    @CommandLine.ParentCommand ConcentMain main;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--keystore",
        required = true,
        paramLabel = "FILE",
        description = "Concent's V3 keystore (its address must be the deployment's concent role).")
    Path keystore;

    @Option(
        names = "--password-file",
        paramLabel = "FILE",
        description =
            "The keystore's password (default: $"
                + PASSWORD_FILE_ENV
                + ", else $"
                + PASSWORD_ENV
                + "; never on the command line).")
    Path passwordFile;

    @Option(
        names = "--deployment",
        required = true,
        paramLabel = "FILE",
        description = "The contracts' deployment, e.g. deployments/local.json.")
    Path deployment;

    @Option(
        names = "--rpc",
        paramLabel = "URL",
        description = "The chain's JSON-RPC URL (default: the deployment's rpcUrl).")
    String rpc;

    @Option(
        names = "--data-dir",
        required = true,
        paramLabel = "DIR",
        description = "Concent's data folder (database, result storage).")
    Path dataDir;

    @Option(
        names = "--db",
        paramLabel = "JDBC-URL",
        description = "The database (default: jdbc:sqlite:<data-dir>/concent.db).")
    String db;

    @Option(
        names = "--listen",
        paramLabel = "HOST:PORT",
        defaultValue = DEFAULT_LISTEN,
        description = "Where the HTTP API listens (default: ${DEFAULT-VALUE}; port 0: any).")
    String listen;

    @Option(
        names = "--windows-scale",
        paramLabel = "N",
        defaultValue = "1",
        description =
            "Divide Golem's time windows by N (tests and demos; default ${DEFAULT-VALUE}: Golem's).")
    long windowsScale;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      InetSocketAddress bind = parseListen(listen);
      if (windowsScale < 1) {
        throw new IllegalArgumentException(
            "--windows-scale must be at least 1, got " + windowsScale);
      }
      Deployment d = Deployment.read(deployment);
      NodeKey key = Keystore.load(keystore, password());
      checkRole(key.address(), d, deployment);
      Files.createDirectories(dataDir);
      ConcentAssembly.Context context =
          new ConcentAssembly.Context(
              key,
              d,
              rpc != null ? rpc : d.rpcUrl(),
              db != null ? db : "jdbc:sqlite:" + dataDir.toAbsolutePath().resolve("concent.db"),
              dataDir,
              Windows.golem().scaledBy(windowsScale),
              main.clock,
              new MessageCodec(d.chainId(), ConcentClient.MAX_PAYLOAD_BYTES),
              ResultStorage.open(dataDir.resolve("storage")));
      try (ConcentAssembly.Running running = main.assembly.start(context, bind)) {
        // written whole or not at all: a reader waiting for it never sees it half written
        Path partial =
            Files.writeString(
                dataDir.resolve(URL_FILE + ".partial"), running.server().uri() + "\n");
        Files.move(
            partial,
            dataDir.resolve(URL_FILE),
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
        out.printf(
            "Concent %s (chain %d) listening on %s%n",
            key.address(), d.chainId(), running.server().uri());
        out.flush();
        main.stop.await();
        out.println("Concent stopping");
      }
      return 0;
    }

    private Keystore.Password password() {
      if (passwordFile != null) {
        return new Keystore.Password.FromFile(passwordFile);
      }
      String f = main.env.get(PASSWORD_FILE_ENV);
      if (f != null && !f.isBlank()) {
        return new Keystore.Password.FromFile(Path.of(f));
      }
      if (main.env.get(PASSWORD_ENV) != null && !main.env.get(PASSWORD_ENV).isEmpty()) {
        return new Keystore.Password.FromEnv(PASSWORD_ENV);
      }
      throw new IllegalArgumentException(
          "Concent's keystore needs a password: --password-file FILE, or set "
              + PASSWORD_FILE_ENV
              + " or "
              + PASSWORD_ENV);
    }
  }

  /** Refuses a key that is not the deployment's concent role, naming both addresses. */
  static void checkRole(Address key, Deployment d, Path file) {
    if (d.roles() == null || d.roles().concent() == null) {
      throw new IllegalArgumentException("the deployment " + file + " names no concent role");
    }
    Address role = Address.of(d.roles().concent());
    if (!role.equals(key)) {
      throw new IllegalArgumentException(
          "this keystore's address "
              + key
              + " is not the deployment's concent role "
              + role
              + " ("
              + file
              + "): GNTDeposit lets only that account reimburse; start Concent with its keystore");
    }
  }

  static InetSocketAddress parseListen(String s) {
    int colon = s.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("--listen must be HOST:PORT, got '" + s + "'");
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--listen must be HOST:PORT, got '" + s + "'");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--listen port out of range: " + port);
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(s.substring(0, colon)), port);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--listen host unknown: " + s.substring(0, colon));
    }
  }
}

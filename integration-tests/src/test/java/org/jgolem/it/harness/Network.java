package org.jgolem.it.harness;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jgolem.ipfs.FileTrees;

/**
 * One test class's world: a fresh chain with the contracts, and node processes laid out under
 * {@code target/it/<name>/} (each node's data folder, configuration and log stay there after the
 * run, for reading). {@link #close()} stops every node and the chain, whatever state they are in.
 */
public final class Network implements AutoCloseable {
  public static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Path root;
  private final TestChain chain;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private ConcentProcess concent;

  private final Thread reaper = new Thread(this::killAll, "it-reaper");

  private Network(Path root, TestChain chain) {
    this.root = root;
    this.chain = chain;
    // should the test JVM itself be stopped (Ctrl-C, a surefire timeout), its node JVMs must not
    // live on
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  private void killAll() {
    synchronized (nodes) {
      nodes.forEach(NodeProcess::kill);
    }
    if (concent != null) concent.close();
    chain.close();
  }

  /**
   * A fresh world under {@code target/it/<name>} (anything there from an earlier run is removed).
   */
  public static Network create(String name) {
    Path root =
        Path.of(System.getProperty("jgolem.it.dir", "target/it")).toAbsolutePath().resolve(name);
    deleteTree(root);
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Network(root, TestChain.start(root.resolve("deployment.json")));
  }

  public Path root() {
    return root;
  }

  public TestChain chain() {
    return chain;
  }

  /**
   * A requestor node: short payment window, 1 confirmation, providers get {@code transferSlack} to
   * report.
   */
  public NodeProcess requestor(String name, Duration transferSlack) {
    return requestor(name, transferSlack, List.of());
  }

  /**
   * The same, with the Docker environment on and {@code dockerImages} allowed: a requestor of
   * Blender tasks re-renders crops of every result in it to check them (docs/BLENDER.md), though it
   * provides nothing.
   */
  public NodeProcess requestor(String name, Duration transferSlack, List<String> dockerImages) {
    return requestor(name, transferSlack, dockerImages, null);
  }

  /**
   * The same, keeping a Blender sandbox of {@code warmBlender} (null: none) warm for its spot
   * checks.
   */
  public NodeProcess requestor(
      String name, Duration transferSlack, List<String> dockerImages, String warmBlender) {
    NodeProcess n = node(name, NodeProcess.Kind.REQUESTOR);
    n.configure(
        config(
            n,
            List.of(),
            c -> {
              ObjectNode req = c.putObject("requestor");
              req.put("enabled", true)
                  .put("paymentWindowSeconds", 2)
                  .put("transferSlackSeconds", transferSlack.toSeconds());
              warm(
                  docker(
                      c.putObject("provider").put("enabled", false).put("wasm", true),
                      dockerImages),
                  warmBlender);
            }));
    return n;
  }

  /** A started network of one requestor and gWASM providers: see {@link #startSmall}. */
  public record Small(Network net, NodeProcess requestor, List<NodeProcess> providers)
      implements AutoCloseable {
    @Override
    public void close() {
      net.close();
    }
  }

  /**
   * Creates and starts a network named {@code name}: one requestor (with {@code transferSlack}) and
   * a gWASM provider per name, all up, the requestor funded with 1,000 GNT and 10 ETH, and
   * connected to every provider.
   */
  public static Small startSmall(String name, Duration transferSlack, String... providerNames) {
    Network net = create(name);
    NodeProcess requestor = net.requestor("requestor", transferSlack);
    List<NodeProcess> providers =
        Stream.of(providerNames).map(p -> net.provider(p, requestor)).toList();
    net.start(Stream.concat(Stream.of(requestor), providers.stream()).toArray(NodeProcess[]::new));
    net.fund(requestor, 1_000, 10);
    requestor.verify(Conditions.connectedTo(providers.size()).within(Duration.ofSeconds(60)));
    return new Small(net, requestor, providers);
  }

  /** A provider computing gWASM subtasks one at a time, that knows {@code seed} (a requestor). */
  public NodeProcess provider(String name, NodeProcess seed) {
    return provider(name, seed, NodeProcess.Kind.PROVIDER, List.of(), null);
  }

  /**
   * A provider that also computes Docker subtasks (one at a time) in the images {@code
   * dockerImages}, e.g. Blender tiles in {@code jgolem/blender}; each node's containers are
   * labelled with its own address.
   */
  public NodeProcess dockerProvider(String name, NodeProcess seed, List<String> dockerImages) {
    return provider(name, seed, NodeProcess.Kind.PROVIDER, dockerImages, null);
  }

  /**
   * The same, keeping a Blender sandbox of {@code warmBlender} (one of the images) warm for a
   * task's first tile.
   */
  public NodeProcess dockerProvider(
      String name, NodeProcess seed, List<String> dockerImages, String warmBlender) {
    return provider(name, seed, NodeProcess.Kind.PROVIDER, dockerImages, warmBlender);
  }

  /** A provider whose WASM sandbox returns wrong results (see {@link DishonestNodeMain}). */
  public NodeProcess dishonestProvider(String name, NodeProcess seed) {
    return provider(name, seed, NodeProcess.Kind.DISHONEST_PROVIDER, List.of(), null);
  }

  private NodeProcess provider(
      String name,
      NodeProcess seed,
      NodeProcess.Kind kind,
      List<String> dockerImages,
      String warmBlender) {
    NodeProcess n = node(name, kind);
    n.configure(
        config(
            n,
            List.of(seed.endpoint()),
            c -> {
              c.putObject("requestor").put("enabled", false);
              warm(
                  docker(
                          c.putObject("provider")
                              .put("enabled", true)
                              .put("minPricePerHour", "0.1")
                              .put("slots", 1)
                              .put("wasm", true),
                          dockerImages)
                      .put("host", false),
                  warmBlender);
            }));
    return n;
  }

  /**
   * {@code "docker": false}, or {@code "docker": true} with {@code "dockerImages"} when there are
   * images.
   */
  private static ObjectNode docker(ObjectNode provider, List<String> images) {
    provider.put("docker", !images.isEmpty());
    if (!images.isEmpty()) {
      var a = provider.putArray("dockerImages");
      images.forEach(a::add);
    }
    return provider;
  }

  /**
   * {@code "warmBlender"} for {@code image} (1 core, 1024 MiB: a Blender task's defaults), unless
   * null.
   */
  private static ObjectNode warm(ObjectNode provider, String image) {
    if (image != null)
      provider.putObject("warmBlender").put("image", image).put("cpus", 1).put("memoryMib", 1024);
    return provider;
  }

  private NodeProcess node(String name, NodeProcess.Kind kind) {
    NodeProcess n =
        new NodeProcess(
            name,
            kind,
            root.resolve("nodes").resolve(name),
            root.resolve("config").resolve(name + ".json"),
            root.resolve("logs").resolve(name + ".log"),
            freePort());
    synchronized (nodes) {
      nodes.add(n);
    }
    return n;
  }

  private ObjectNode config(NodeProcess n, List<String> seeds, Consumer<ObjectNode> roles) {
    ObjectNode c = Api.JSON.createObjectNode();
    ObjectNode p2p = c.putObject("p2p").put("host", "127.0.0.1").put("port", n.p2pPort());
    var s = p2p.putArray("seeds");
    seeds.forEach(s::add);
    c.putObject("api").put("host", "127.0.0.1").put("port", 0);
    c.putObject("chain")
        .put("deployment", chain.deploymentFile().toString())
        .put("confirmations", 1);
    c.putObject("resources").put("gatewayPort", 0);
    roles.accept(c);
    return c;
  }

  /**
   * Starts Concent, a process of its own on this network's chain (its key is the deployment's
   * {@code concent} role), with Golem's windows divided by {@code scale}; stopped with the network.
   */
  public ConcentProcess startConcent(long scale) {
    if (concent != null) throw new IllegalStateException("Concent is running already");
    try {
      concent = new ConcentProcess(root, chain.deploymentFile(), scale);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    concent.start();
    return concent;
  }

  /**
   * Turns Concent on in {@code node}'s configuration (before it starts): {@code mode} ({@code
   * optional} or {@code required}), this network's Concent as its {@code url}, polled every {@code
   * poll}.
   */
  public void useConcent(NodeProcess node, String mode, Duration poll) {
    if (concent == null) throw new IllegalStateException("start Concent first");
    node.reconfigure(c ->
        c.putObject("concent")
            .put("mode", mode)
            .put("url", concent.uri().toString())
            .put("pollSeconds", Math.max(1, poll.toSeconds())));
  }

  /** Starts the nodes' JVMs at once and waits until each API answers. */
  public void start(NodeProcess... ns) {
    for (NodeProcess n : ns) n.launch();
    List<CompletableFuture<Void>> up =
        Stream.of(ns).map(n -> CompletableFuture.runAsync(() -> n.awaitUp(START_TIMEOUT))).toList();
    CompletableFuture.allOf(up.toArray(CompletableFuture[]::new)).join();
  }

  /** Gives a requestor GNT and ether for gas, from the dev treasury. */
  public void fund(NodeProcess requestor, long gnt, long eth) {
    chain.fund(
        requestor.id(),
        TestChain.GNT.multiply(BigInteger.valueOf(gnt)),
        TestChain.ETH.multiply(BigInteger.valueOf(eth)));
  }

  /**
   * Runs a {@code golem} CLI command against {@code node}, in a JVM of its own, and returns its
   * exit code and output.
   */
  public CliRun cli(NodeProcess node, String... args) {
    return cli(node, Duration.ofSeconds(60), args);
  }

  /** The same, allowing the command {@code timeout} (e.g. {@code tasks create --wait}). */
  public CliRun cli(NodeProcess node, Duration timeout, String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                NodeProcess.javaBinary(),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "org.jgolem.node.cli.GolemCli",
                "--data-dir",
                node.dataDir().toString()));
    cmd.addAll(List.of(args));
    try {
      Path out = Files.createTempFile(root, "cli", ".out");
      Path err = Files.createTempFile(root, "cli", ".err");
      ProcessBuilder pb =
          new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().remove("JGOLEM_DATA");
      pb.environment().remove("JGOLEM_API");
      Process p = pb.start();
      if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(
            "golem "
                + String.join(" ", args)
                + " did not end within "
                + timeout.toSeconds()
                + " s; stderr so far:\n"
                + Files.readString(err));
      }
      return new CliRun(p.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** What a CLI run did. */
  public record CliRun(int exitCode, String stdout, String stderr) {
    /** The task a {@code --json} run printed on stdout. */
    public Views.TaskView task() {
      try {
        return Views.TaskView.of(Api.JSON.readTree(stdout));
      } catch (IOException e) {
        throw new AssertionError("the CLI printed no JSON task: " + stdout, e);
      }
    }
  }

  /** Stops every node (SIGTERM, then kill -9) and the chain; never throws. */
  @Override
  public void close() {
    List<NodeProcess> all;
    synchronized (nodes) {
      all = List.copyOf(nodes);
    }
    all.parallelStream()
        .forEach(n -> {
          try {
            n.stop();
          } catch (RuntimeException e) {
            System.err.println("stopping " + n + " failed: " + e);
            n.kill();
          }
        });
    if (concent != null) concent.close();
    try {
      chain.close();
    } catch (RuntimeException e) {
      System.err.println("stopping the chain failed: " + e);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException e) {
      // the JVM is shutting down already
    }
    System.out.println("[it] " + root.getFileName() + ": node logs in " + root.resolve("logs"));
  }

  static int freePort() {
    return org.jgolem.node.daemon.LoopbackPorts.free();
  }

  static void deleteTree(Path p) {
    try {
      FileTrees.delete(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

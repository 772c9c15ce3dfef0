package org.jgolem.it.harness;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jgolem.eth.Address;
import org.jgolem.testkit.Await;

/**
 * One node daemon in a JVM of its own: its data folder, configuration file and log (stdout and
 * stderr, appended across restarts). Honest nodes run the real entry point, {@code golem node
 * start}; a dishonest one runs {@link DishonestNodeMain}. Killing is {@code kill -9} ({@link
 * Process#destroyForcibly()}): nothing of the node's shutdown runs.
 */
public final class NodeProcess {
  /** The password of every test node's keystore (a throwaway key on a throwaway chain). */
  static final String PASSWORD = "integration-test-password";

  public enum Kind {
    REQUESTOR,
    PROVIDER,
    DISHONEST_PROVIDER
  }

  private final String name;
  private final Kind kind;
  private final Path dataDir;
  private final Path configFile;
  private final Path logFile;
  private final int p2pPort;
  private Process process;
  private Api api;
  private Address id;
  private int starts;

  NodeProcess(String name, Kind kind, Path dataDir, Path configFile, Path logFile, int p2pPort) {
    this.name = name;
    this.kind = kind;
    this.dataDir = dataDir;
    this.configFile = configFile;
    this.logFile = logFile;
    this.p2pPort = p2pPort;
  }

  /** Writes the configuration file. */
  void configure(ObjectNode config) {
    try {
      Files.createDirectories(configFile.getParent());
      Files.writeString(
          configFile, Api.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Changes the configuration file written by {@link #configure} (before the node starts). */
  public void reconfigure(java.util.function.Consumer<ObjectNode> change) {
    try {
      ObjectNode config = (ObjectNode) Api.JSON.readTree(configFile.toFile());
      change.accept(config);
      configure(config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Launches the JVM; {@link #awaitUp} waits for its API. */
  public synchronized void launch() {
    if (process != null && process.isAlive()) throw new IllegalStateException(name + " is running");
    try {
      Files.createDirectories(dataDir);
      // a node killed with -9 leaves its old api-address behind: only a fresh one says the API is
      // up
      Files.deleteIfExists(dataDir.resolve("api-address"));
      Files.createDirectories(logFile.getParent());
      Files.writeString(
          logFile,
          "==== " + Instant.now() + " start #" + (++starts) + " of " + name + " (" + kind + ")\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  javaBinary(),
                  "--enable-native-access=ALL-UNNAMED",
                  "-Xmx3g",
                  "-XX:+UseSerialGC",
                  "-Dorg.slf4j.simpleLogger.showDateTime=true",
                  "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                  "-Dorg.slf4j.simpleLogger.log.org.jgolem.node.market=debug",
                  "-cp",
                  System.getProperty("java.class.path")));
      switch (kind) {
        case REQUESTOR, PROVIDER ->
            cmd.addAll(
                List.of(
                    "org.jgolem.node.cli.GolemCli",
                    "--data-dir",
                    dataDir.toString(),
                    "node",
                    "start",
                    "-c",
                    configFile.toString(),
                    kind == Kind.REQUESTOR ? "--requestor" : "--provider"));
        case DISHONEST_PROVIDER ->
            cmd.addAll(
                List.of(
                    DishonestNodeMain.class.getName(), configFile.toString(), dataDir.toString()));
      }
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      pb.environment().remove("JGOLEM_DATA");
      pb.environment().remove("JGOLEM_API");
      pb.environment().remove("JGOLEM_PASSWORD_FILE");
      pb.environment().put("JGOLEM_PASSWORD", PASSWORD);
      process = pb.start();
      api = null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  /**
   * Waits until the node's API answers {@code GET /v1/status}; fails at once if the process ends.
   */
  public void awaitUp(Duration timeout) {
    Api a =
        Await.until(
            name + "'s API",
            timeout,
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError(
                    name
                        + " exited with "
                        + process.exitValue()
                        + " while starting:\n"
                        + logTail(40));
              }
              if (!Files.exists(dataDir.resolve("api-address"))) return null;
              try {
                Api candidate = Api.of(dataDir);
                candidate.status();
                return candidate;
              } catch (IOException | RuntimeException e) {
                return null;
              }
            },
            () -> logTail(20));
    synchronized (this) {
      api = a;
      Address reported = a.status().nodeId();
      if (id != null && !id.equals(reported))
        throw new AssertionError(name + " came back as " + reported + ", not " + id);
      id = reported;
    }
  }

  public void start(Duration timeout) {
    launch();
    awaitUp(timeout);
  }

  /** kill -9: the node gets no chance to save, say goodbye or remove its files. */
  public synchronized void kill() {
    if (process == null) return;
    process.destroyForcibly();
    waitFor(10);
    api = null;
  }

  /**
   * SIGTERM, as an operator stops a node (its shutdown hook closes it); kill -9 if it takes over 15
   * s.
   */
  public synchronized void stop() {
    if (process == null || !process.isAlive()) return;
    process.destroy();
    if (!waitFor(15)) {
      process.destroyForcibly();
      waitFor(5);
    }
  }

  private boolean waitFor(int seconds) {
    try {
      return process.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Checks (or, {@link Condition#within}, waits for) {@code condition} on this node; gives its
   * value.
   */
  public <T> T verify(Condition<NodeProcess, T> condition) {
    return condition.verify(this);
  }

  public boolean alive() {
    return process != null && process.isAlive();
  }

  public synchronized Api api() {
    if (api == null) throw new IllegalStateException(name + " is not up");
    return api;
  }

  /** The node id (its Ethereum address), known once the node was up. */
  public synchronized Address id() {
    if (id == null) throw new IllegalStateException(name + " was never up");
    return id;
  }

  public String name() {
    return name;
  }

  public Kind kind() {
    return kind;
  }

  public Path dataDir() {
    return dataDir;
  }

  public int p2pPort() {
    return p2pPort;
  }

  public String endpoint() {
    return "127.0.0.1:" + p2pPort;
  }

  public Path logFile() {
    return logFile;
  }

  /** The last {@code lines} lines of the log, for failure messages. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** The whole log. */
  public String log() {
    try {
      return Files.readString(logFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  @Override
  public String toString() {
    return name + (id == null ? "" : " " + id);
  }
}

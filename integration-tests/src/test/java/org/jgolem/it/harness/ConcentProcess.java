package org.jgolem.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jgolem.chain.testing.AnvilDeployment;
import org.jgolem.concent.cli.ConcentMain;
import org.jgolem.concent.service.Settlement;
import org.jgolem.concent.store.JdbcConcentStore;
import org.jgolem.protocol.identity.Keystore;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.testkit.Await;

/**
 * Concent as a process of its own ({@code golem-concent start}, i.e. {@link ConcentMain}) on this
 * JVM's class path (the integration tests depend on the concent module), with a V3 keystore of the
 * dev Concent key, a data folder that survives {@link #kill()} and {@link #start()}, the real clock
 * and Golem's windows divided by {@code scale}. Its database is the data folder's SQLite file, or
 * the JDBC URL given ({@code --db}, e.g. PostgreSQL's); its chain is the deployment's RPC URL, or
 * the one given ({@code --rpc}, e.g. an {@link RpcGate}'s). Its output is appended to {@code
 * concent.log}.
 */
public final class ConcentProcess implements AutoCloseable {
  private final Path dataDir;
  private final Path deployment;
  private final Path keystore;
  private final Path password;
  private final Path log;
  private final long scale;
  private final String db;
  private final String rpc;
  private Process process;
  private URI uri;
  private int starts;

  public ConcentProcess(Path dir, Path deployment, long scale) throws IOException {
    this(dir, deployment, scale, null, null);
  }

  /**
   * @param db Concent's database ({@code --db}), or null for the data folder's SQLite file
   * @param rpc the chain's JSON-RPC URL ({@code --rpc}), or null for the deployment's
   */
  public ConcentProcess(Path dir, Path deployment, long scale, String db, String rpc)
      throws IOException {
    this.dataDir = dir.resolve("concent-data");
    this.deployment = deployment;
    this.scale = scale;
    this.db = db != null ? db : "jdbc:sqlite:" + dataDir.toAbsolutePath().resolve("concent.db");
    this.rpc = rpc;
    this.password = dir.resolve("concent-password");
    this.keystore = dir.resolve("concent-keystore.json");
    this.log = dir.resolve("concent.log");
    Files.writeString(password, "concent-test-password");
    Keystore.write(
        keystore,
        NodeKey.of(AnvilDeployment.CONCENT.getEcKeyPair()),
        new Keystore.Password.FromFile(password));
  }

  /** Starts the process and waits until it has written the URL it listens on. */
  public URI start() {
    try {
      Files.deleteIfExists(dataDir.resolve(ConcentMain.URL_FILE));
      Files.writeString(
          log,
          "==== " + Instant.now() + " start #" + (++starts) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx512m",
                  "-XX:+UseSerialGC",
                  // C1 only: a quicker start (1.4 s against 2.2 s a restart on a loaded host)
                  "-XX:TieredStopAtLevel=1",
                  "-cp",
                  System.getProperty("java.class.path"),
                  ConcentMain.class.getName(),
                  "start",
                  "--keystore",
                  keystore.toString(),
                  "--password-file",
                  password.toString(),
                  "--deployment",
                  deployment.toString(),
                  "--data-dir",
                  dataDir.toString(),
                  "--listen",
                  "127.0.0.1:0",
                  "--windows-scale",
                  Long.toString(scale),
                  "--db",
                  db));
      if (rpc != null) {
        cmd.addAll(List.of("--rpc", rpc));
      }
      process =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Concent", e);
    }
    Path urlFile = dataDir.resolve(ConcentMain.URL_FILE);
    uri =
        Await.until(
            "Concent listening",
            Duration.ofSeconds(60),
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException("Concent exited: " + logText());
              }
              try {
                // Written as the URL and a newline, not atomically: a file caught half written
                // (even empty) is read again.
                String text = Files.exists(urlFile) ? Files.readString(urlFile) : "";
                return text.endsWith("\n") ? URI.create(text.strip()) : null;
              } catch (IOException e) {
                return null;
              }
            },
            this::logText);
    return uri;
  }

  /**
   * kill -9: {@link Process#destroyForcibly()}, which on Linux sends SIGKILL (the exit value is 128
   * + 9, checked), so nothing of Concent's shutdown runs.
   */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("Concent did not die");
    }
    if (process.exitValue() != 137) {
      throw new IllegalStateException(
          "Concent ended with " + process.exitValue() + ", not by SIGKILL (137)");
    }
  }

  public URI uri() {
    return uri;
  }

  /** Concent's database (its JDBC URL). */
  public String db() {
    return db;
  }

  /**
   * The settlements in {@code status}, read from Concent's database while Concent is not running
   * (e.g. right after {@link #kill()}): what it had stored when it died.
   */
  public List<Settlement> settlements(Settlement.Status status) {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("Concent is running; read its database after kill()");
    }
    try (JdbcConcentStore store = JdbcConcentStore.open(db, Clock.systemUTC())) {
      return store.transaction(tx -> tx.settlements(status, 1000));
    }
  }

  public String logText() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

package org.jgolem.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A local anvil chain in a child process on 127.0.0.1: the pinned npm package
 * {@code @foundry-rs/anvil-linux-amd64}, installed with {@code npm ci} if missing. Accounts come
 * from {@link #MNEMONIC}, the same as contract-wrappers' {@code DevAccounts} derive (a test checks
 * it). The one anvil starter of the tests and the benchmarks ({@code scripts/devchain} starts the
 * demo's).
 */
public final class Anvil implements AutoCloseable {
  public static final long CHAIN_ID = 31337;

  /**
   * anvil's and Hardhat's default mnemonic: public knowledge, never for a network with real value.
   */
  public static final String MNEMONIC =
      "test test test test test test test test test test test junk";

  private final Process process;
  private final int port;

  private Anvil(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts anvil on a free loopback port with {@code accounts} funded accounts, chain id 31337. */
  public static Anvil start(int accounts) {
    return start(accounts, CHAIN_ID);
  }

  /**
   * The same with another chain id (for example 1, to check that test-only contracts refuse it).
   */
  public static Anvil start(int accounts, long chainId) {
    return start(new Options(accounts, chainId, 0, null, null));
  }

  /**
   * How to start anvil. {@code port} 0 picks a free one (a fixed port lets a client keep its URL
   * across a restart). {@code dumpState}: where anvil writes its state when stopped with {@link
   * #close()} (not with {@link #kill()}); {@code loadState}: a state file to start from.
   */
  public record Options(int accounts, long chainId, int port, Path dumpState, Path loadState) {
    public static Options of(int accounts) {
      return new Options(accounts, CHAIN_ID, 0, null, null);
    }

    public Options withPort(int p) {
      return new Options(accounts, chainId, p, dumpState, loadState);
    }

    public Options withDumpState(Path file) {
      return new Options(accounts, chainId, port, file, loadState);
    }

    public Options withLoadState(Path file) {
      return new Options(accounts, chainId, port, dumpState, file);
    }
  }

  public static Anvil start(Options options) {
    Path anvil = anvilBinary(repositoryRoot());
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = options.port() > 0 ? options.port() : freePort();
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  anvil.toString(),
                  "--host",
                  "127.0.0.1",
                  "--port",
                  String.valueOf(port),
                  "--chain-id",
                  String.valueOf(options.chainId()),
                  "--accounts",
                  String.valueOf(options.accounts()),
                  "--mnemonic",
                  MNEMONIC,
                  "--silent"));
      if (options.dumpState() != null) {
        cmd.addAll(List.of("--dump-state", options.dumpState().toAbsolutePath().toString()));
      }
      if (options.loadState() != null) {
        cmd.addAll(List.of("--load-state", options.loadState().toAbsolutePath().toString()));
      }
      try {
        Process p =
            new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        Anvil chain = new Anvil(p, port);
        if (chain.awaitReady(Duration.ofSeconds(20))) {
          return chain;
        }
        chain.close();
      } catch (IOException e) {
        last = e;
      }
      if (options.port() > 0) {
        sleepQuietly(
            200); // a fixed port may still be held by the previous anvil: wait, do not move
      }
    }
    throw new IllegalStateException("anvil did not start (" + anvil + ")", last);
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops anvil at once (SIGKILL), as a crash would: no state is dumped. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public String rpcUrl() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  private boolean awaitReady(Duration timeout) {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        return false;
      }
      try {
        HttpRequest req =
            HttpRequest.newBuilder(URI.create(rpcUrl()))
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}"))
                .timeout(Duration.ofSeconds(2))
                .build();
        if (http.send(req, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return true;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }

  /**
   * The repository root: system property {@code jgolem.root}, or the nearest parent with
   * package.json and pom.xml.
   */
  public static Path repositoryRoot() {
    String prop = System.getProperty("jgolem.root");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop).toAbsolutePath().normalize();
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.exists(p.resolve("package.json")) && Files.exists(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new IllegalStateException("cannot find the jgolem repository root: set -Djgolem.root");
  }

  /** The anvil binary from node_modules; runs {@code npm ci} first if it is missing. */
  public static synchronized Path anvilBinary(Path root) {
    Path bin = root.resolve("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    if (!Files.isExecutable(bin)) {
      try {
        Process npm =
            new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
                .directory(root.toFile())
                .inheritIO()
                .start();
        if (npm.waitFor() != 0 || !Files.isExecutable(bin)) {
          throw new IllegalStateException("npm ci failed to install anvil in " + root);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot run npm (is Node.js installed?)", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted installing anvil", e);
      }
    }
    return bin;
  }
}

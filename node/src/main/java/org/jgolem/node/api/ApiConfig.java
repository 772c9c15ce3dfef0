package org.jgolem.node.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Settings of the node's local REST API; {@link #validate()} names the setting at fault.
 *
 * @param dataDir the node's data folder: the token file ({@value ApiToken#FILE}) and the address
 *     file ({@value #ADDRESS_FILE}) live there
 * @param host address to bind; loopback only unless {@code allowRemote}
 * @param port port to bind, 0 for any free port
 * @param allowRemote lets {@code host} be a non-loopback address. The API has no TLS: the token and
 *     everything else would cross the network in clear text.
 * @param maxBodyBytes largest request body accepted; a larger one gets 413
 * @param threads requests handled at once
 */
public record ApiConfig(
    Path dataDir, String host, int port, boolean allowRemote, int maxBodyBytes, int threads) {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 61000;
  public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

  /**
   * Written by a running server: its base URI on one line, so that the CLI finds it from the data
   * folder.
   */
  public static final String ADDRESS_FILE = "api-address";

  /** Loopback, port {@value #DEFAULT_PORT}, 64 KiB bodies, 4 threads. */
  public static ApiConfig defaults(Path dataDir) {
    return new ApiConfig(dataDir, DEFAULT_HOST, DEFAULT_PORT, false, DEFAULT_MAX_BODY_BYTES, 4);
  }

  public ApiConfig withHost(String h) {
    return new ApiConfig(dataDir, h, port, allowRemote, maxBodyBytes, threads);
  }

  public ApiConfig withPort(int p) {
    return new ApiConfig(dataDir, host, p, allowRemote, maxBodyBytes, threads);
  }

  public ApiConfig withAllowRemote(boolean allow) {
    return new ApiConfig(dataDir, host, port, allow, maxBodyBytes, threads);
  }

  public ApiConfig withMaxBodyBytes(int n) {
    return new ApiConfig(dataDir, host, port, allowRemote, n, threads);
  }

  public ApiConfig validate() {
    require(dataDir != null, "api.dataDir", "must be set");
    require(host != null && !host.isBlank(), "api.host", "must be set");
    require(port >= 0 && port <= 65535, "api.port", "must be in 0..65535, got " + port);
    require(maxBodyBytes >= 1024, "api.maxBodyBytes", "must be at least 1024, got " + maxBodyBytes);
    require(threads >= 1 && threads <= 64, "api.threads", "must be in 1..64, got " + threads);
    return this;
  }

  /**
   * The socket address to bind: {@code host} resolved. Unless {@code allowRemote}, every address
   * the host resolves to must be a loopback address (so {@code 0.0.0.0} and a LAN address are
   * refused).
   */
  public InetSocketAddress bindAddress() {
    validate();
    InetAddress[] all;
    try {
      all = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "api.host '" + host + "' does not resolve to an address", e);
    }
    if (!allowRemote) {
      String outside =
          Arrays.stream(all)
              .filter(a -> !a.isLoopbackAddress())
              .map(InetAddress::getHostAddress)
              .collect(Collectors.joining(", "));
      if (!outside.isEmpty()) {
        throw new IllegalArgumentException(
            "api.host '"
                + host
                + "' is not a loopback address (it resolves to "
                + outside
                + "). The REST API controls the node and its funds, so it listens on loopback only"
                + " (127.0.0.1 or ::1); set api.allowRemote to true to bind elsewhere, knowing the API has no TLS.");
      }
    }
    return new InetSocketAddress(all[0], port);
  }

  private static void require(boolean ok, String key, String problem) {
    if (!ok) {
      throw new IllegalArgumentException(key + " " + problem);
    }
  }
}

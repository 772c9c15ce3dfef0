package org.jgolem.node.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for nodes that a launcher (the demo, the integration tests) starts in other
 * processes and must name in advance. They are taken below the kernel's ephemeral range: a port the
 * kernel hands out to any socket bound to port 0 or connecting out (another test, a browser, a
 * build) can be taken between the moment it is found free here and the moment the node binds it; a
 * port below that range can only be taken by a process that asks for it by number.
 */
public final class LoopbackPorts {
  private static final int LOWEST = 10_000;

  private LoopbackPorts() {}

  /** A port nothing listens on now, below the ephemeral range when there is room there. */
  public static int free() {
    int top = ephemeralStart() - 1;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int attempt = 0; top > LOWEST && attempt < 200; attempt++) {
      int port = random.nextInt(LOWEST, top + 1);
      if (bindable(port)) return port;
    }
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The first port of the kernel's ephemeral range (Linux; 32768 where it cannot be read). */
  static int ephemeralStart() {
    try {
      // read as a stream: /proc files report a size of 0, and a read sized by it may stop short
      try (var in = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
        String line = in.readLine();
        int first = Integer.parseInt(line.trim().split("\\s+")[0]);
        return first >= 1024 && first <= 65535 ? first : 32768;
      }
    } catch (IOException | RuntimeException e) {
      return 32768;
    }
  }
}

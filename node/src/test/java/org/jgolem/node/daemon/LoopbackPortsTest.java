package org.jgolem.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {
  @Test
  void portsAreFreeAndOutsideTheKernelsEphemeralRange() throws Exception {
    int ephemeral = LoopbackPorts.ephemeralStart();
    assertThat(ephemeral).isBetween(1024, 65535);
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      int port = LoopbackPorts.free();
      if (ephemeral > 10_001) assertThat(port).isBetween(10_000, ephemeral - 1);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        assertThat(s.getLocalPort()).isEqualTo(port);
      }
      seen.add(port);
    }
    assertThat(seen).as("random, not one port again and again").hasSizeGreaterThan(10);
  }

  @Test
  void aPortInUseIsNotHandedOut() throws Exception {
    try (ServerSocket taken =
        new ServerSocket(LoopbackPorts.free(), 1, InetAddress.getLoopbackAddress())) {
      for (int i = 0; i < 200; i++)
        assertThat(LoopbackPorts.free()).isNotEqualTo(taken.getLocalPort());
    }
  }
}

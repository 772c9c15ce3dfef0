package org.jgolem.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class PostgresTest {
  @Test
  void startsAClusterOnLoopbackMakesDatabasesAndStopsIt() throws IOException {
    Postgres pg = Postgres.start();
    int port = pg.port();
    try {
      assertThat(pg.jdbcUrl())
          .isEqualTo("jdbc:postgresql://127.0.0.1:" + port + "/jgolem?user=jgolem");
      String url = pg.createDatabase("Some-Test");
      assertThat(url)
          .matches(
              "jdbc:postgresql://127\\.0\\.0\\.1:" + port + "/some_test_\\d+_\\d+\\?user=jgolem");
      assertThat(pg.createDatabase("Some-Test")).isNotEqualTo(url);
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        assertThat(s.isConnected()).isTrue();
      }
    } finally {
      pg.close();
    }
    assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
        .isInstanceOf(IOException.class);
  }

  @Test
  void theSharedClusterIsOnePerJvm() {
    assertThat(Postgres.shared()).isSameAs(Postgres.shared());
  }
}

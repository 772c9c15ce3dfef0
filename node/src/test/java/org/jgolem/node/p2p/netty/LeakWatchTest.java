package org.jgolem.node.p2p.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The watch used by the fuzz test does see a leak (this test logs one LEAK error on purpose). */
class LeakWatchTest {
  @Test
  void aDeliberatelyLeakedBufferIsReported() throws Exception {
    try (LeakWatch watch = LeakWatch.install()) {
      leakOne();
      assertThat(watch.leaks())
          .anySatisfy(l -> assertThat(l).contains("ByteBuf").contains("leakOne"));
    }
  }

  private static void leakOne() {
    ByteBuf b = ByteBufAllocator.DEFAULT.buffer(32);
    b.writeLong(42); // never released
  }
}

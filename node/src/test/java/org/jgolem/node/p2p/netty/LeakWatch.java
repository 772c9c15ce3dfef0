package org.jgolem.node.p2p.netty;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Listens to the leak detector that every allocator-made ByteBuf is tracked by ({@code
 * AbstractByteBuf.leakDetector}, read by reflection since it is package-private), so that a test
 * can assert that nothing leaked instead of hoping someone reads the log. The detector only reports
 * a leak after the buffer was garbage-collected and on a later allocation: {@link #leaks()} forces
 * both.
 */
final class LeakWatch implements AutoCloseable {
  private final ResourceLeakDetector<?> detector;
  private final List<String> leaks = new CopyOnWriteArrayList<>();

  private LeakWatch(ResourceLeakDetector<?> detector) {
    this.detector = detector;
    detector.setLeakListener((type, records) -> leaks.add(type + ": " + records));
  }

  static LeakWatch install() {
    if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
      throw new IllegalStateException(
          "run with -Dio.netty.leakDetection.level=PARANOID (node/pom.xml does)");
    }
    try {
      Field f = AbstractByteBuf.class.getDeclaredField("leakDetector");
      f.setAccessible(true);
      return new LeakWatch((ResourceLeakDetector<?>) f.get(null));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot reach Netty's ByteBuf leak detector", e);
    }
  }

  /**
   * Collects garbage, makes the detector look, and returns every leak it reported since install.
   */
  List<String> leaks() throws InterruptedException {
    for (int round = 0; round < 5; round++) {
      System.gc();
      Thread.sleep(40);
      for (ByteBufAllocator alloc :
          List.of(
              ByteBufAllocator.DEFAULT,
              PooledByteBufAllocator.DEFAULT,
              UnpooledByteBufAllocator.DEFAULT)) {
        for (int i = 0; i < 8; i++) {
          ByteBuf probe = alloc.buffer(8); // each tracked allocation drains the detector's queue
          probe.release();
        }
      }
    }
    return List.copyOf(leaks);
  }

  @Override
  public void close() {
    detector.setLeakListener(null);
  }
}

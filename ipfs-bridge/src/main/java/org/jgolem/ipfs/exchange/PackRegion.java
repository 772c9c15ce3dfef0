package org.jgolem.ipfs.exchange;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import org.jgolem.ipfs.store.BlockStore;

/**
 * A block's bytes in a pack file, sent by the kernel; unlike DefaultFileRegion it leaves the shared
 * channel open.
 */
final class PackRegion extends AbstractReferenceCounted implements FileRegion {
  private final BlockStore.Region region;
  private long transferred;

  PackRegion(BlockStore.Region region) {
    this.region = region;
  }

  @Override
  public long position() {
    return region.offset();
  }

  @Override
  public long transferred() {
    return transferred;
  }

  @Override
  @Deprecated
  public long transfered() {
    return transferred;
  }

  @Override
  public long count() {
    return region.length();
  }

  @Override
  public long transferTo(WritableByteChannel target, long position) throws IOException {
    long left = region.length() - position;
    if (left <= 0) return 0;
    long n = region.channel().transferTo(region.offset() + position, left, target);
    if (n > 0) transferred += n;
    return n;
  }

  @Override
  public FileRegion retain() {
    super.retain();
    return this;
  }

  @Override
  public FileRegion retain(int increment) {
    super.retain(increment);
    return this;
  }

  @Override
  public FileRegion touch() {
    return this;
  }

  @Override
  public FileRegion touch(Object hint) {
    return this;
  }

  @Override
  protected void deallocate() {
    // the pack's channel belongs to the store
  }
}

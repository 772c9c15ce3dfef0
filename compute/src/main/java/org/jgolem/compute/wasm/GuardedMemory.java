package org.jgolem.compute.wasm;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.nio.charset.Charset;

/**
 * A subtask's linear memory: Chicory's {@link ByteArrayMemory} (pages allocated as the program
 * grows, never beyond the maximum), plus a record of refused {@code memory.grow} calls, so that a
 * program that dies after hitting the memory limit is reported as {@code OUT_OF_MEMORY} rather than
 * as an ordinary crash. Every other call is passed through unchanged.
 *
 * <p>Why over 400 lines: it implements Chicory's whole {@code Memory} interface (about 80 reads,
 * writes and atomics, each delegating); the guard itself is {@code grow}.
 */
final class GuardedMemory implements Memory {
  private final ByteArrayMemory delegate;
  private volatile int refusedGrows;
  private volatile int refusedTarget;

  GuardedMemory(MemoryLimits limits) {
    this.delegate = new ByteArrayMemory(limits);
  }

  /** How many memory.grow calls were refused because they went past the maximum. */
  int refusedGrows() {
    return refusedGrows;
  }

  /** The page count the last refused grow asked for. */
  int refusedTarget() {
    return refusedTarget;
  }

  @Override
  public int grow(int pages) {
    int before = delegate.pages();
    int result = delegate.grow(pages);
    if (result < 0) {
      refusedGrows++;
      refusedTarget =
          (int) Math.min(Integer.MAX_VALUE, (long) before + Integer.toUnsignedLong(pages));
    }
    return result;
  }

  @Override
  public int pages() {
    return delegate.pages();
  }

  @Override
  public int initialPages() {
    return delegate.initialPages();
  }

  @Override
  public int maximumPages() {
    return delegate.maximumPages();
  }

  @Override
  public boolean shared() {
    return delegate.shared();
  }

  @Override
  public Object lock(int addr) {
    return delegate.lock(addr);
  }

  @Override
  public int waitOn(int addr, int expected, long timeout) {
    return delegate.waitOn(addr, expected, timeout);
  }

  @Override
  public int waitOn(int addr, long expected, long timeout) {
    return delegate.waitOn(addr, expected, timeout);
  }

  @Override
  public int notify(int addr, int count) {
    return delegate.notify(addr, count);
  }

  @Override
  public void atomicFence() {
    delegate.atomicFence();
  }

  @Override
  public int atomicWait(int addr, int expected, long timeout) {
    return delegate.atomicWait(addr, expected, timeout);
  }

  @Override
  public int atomicWait(int addr, long expected, long timeout) {
    return delegate.atomicWait(addr, expected, timeout);
  }

  @Override
  public int atomicNotify(int addr, int count) {
    return delegate.atomicNotify(addr, count);
  }

  @Override
  public int atomicReadInt(int addr) {
    return delegate.atomicReadInt(addr);
  }

  @Override
  public long atomicReadLong(int addr) {
    return delegate.atomicReadLong(addr);
  }

  @Override
  public short atomicReadShort(int addr) {
    return delegate.atomicReadShort(addr);
  }

  @Override
  public byte atomicReadByte(int addr) {
    return delegate.atomicReadByte(addr);
  }

  @Override
  public void atomicWriteInt(int addr, int value) {
    delegate.atomicWriteInt(addr, value);
  }

  @Override
  public void atomicWriteLong(int addr, long value) {
    delegate.atomicWriteLong(addr, value);
  }

  @Override
  public void atomicWriteShort(int addr, short value) {
    delegate.atomicWriteShort(addr, value);
  }

  @Override
  public void atomicWriteByte(int addr, byte value) {
    delegate.atomicWriteByte(addr, value);
  }

  @Override
  public int atomicAddInt(int addr, int value) {
    return delegate.atomicAddInt(addr, value);
  }

  @Override
  public int atomicAndInt(int addr, int value) {
    return delegate.atomicAndInt(addr, value);
  }

  @Override
  public int atomicOrInt(int addr, int value) {
    return delegate.atomicOrInt(addr, value);
  }

  @Override
  public int atomicXorInt(int addr, int value) {
    return delegate.atomicXorInt(addr, value);
  }

  @Override
  public int atomicXchgInt(int addr, int value) {
    return delegate.atomicXchgInt(addr, value);
  }

  @Override
  public int atomicCmpxchgInt(int addr, int expected, int value) {
    return delegate.atomicCmpxchgInt(addr, expected, value);
  }

  @Override
  public long atomicAddLong(int addr, long value) {
    return delegate.atomicAddLong(addr, value);
  }

  @Override
  public long atomicAndLong(int addr, long value) {
    return delegate.atomicAndLong(addr, value);
  }

  @Override
  public long atomicOrLong(int addr, long value) {
    return delegate.atomicOrLong(addr, value);
  }

  @Override
  public long atomicXorLong(int addr, long value) {
    return delegate.atomicXorLong(addr, value);
  }

  @Override
  public long atomicXchgLong(int addr, long value) {
    return delegate.atomicXchgLong(addr, value);
  }

  @Override
  public long atomicCmpxchgLong(int addr, long expected, long value) {
    return delegate.atomicCmpxchgLong(addr, expected, value);
  }

  @Override
  public short atomicAddShort(int addr, short value) {
    return delegate.atomicAddShort(addr, value);
  }

  @Override
  public short atomicAndShort(int addr, short value) {
    return delegate.atomicAndShort(addr, value);
  }

  @Override
  public short atomicOrShort(int addr, short value) {
    return delegate.atomicOrShort(addr, value);
  }

  @Override
  public short atomicXorShort(int addr, short value) {
    return delegate.atomicXorShort(addr, value);
  }

  @Override
  public short atomicXchgShort(int addr, short value) {
    return delegate.atomicXchgShort(addr, value);
  }

  @Override
  public short atomicCmpxchgShort(int addr, short expected, short value) {
    return delegate.atomicCmpxchgShort(addr, expected, value);
  }

  @Override
  public byte atomicAddByte(int addr, byte value) {
    return delegate.atomicAddByte(addr, value);
  }

  @Override
  public byte atomicAndByte(int addr, byte value) {
    return delegate.atomicAndByte(addr, value);
  }

  @Override
  public byte atomicOrByte(int addr, byte value) {
    return delegate.atomicOrByte(addr, value);
  }

  @Override
  public byte atomicXorByte(int addr, byte value) {
    return delegate.atomicXorByte(addr, value);
  }

  @Override
  public byte atomicXchgByte(int addr, byte value) {
    return delegate.atomicXchgByte(addr, value);
  }

  @Override
  public byte atomicCmpxchgByte(int addr, byte expected, byte value) {
    return delegate.atomicCmpxchgByte(addr, expected, value);
  }

  @Override
  public void initialize(Instance instance, DataSegment[] segments) {
    delegate.initialize(instance, segments);
  }

  @Override
  public void initialize(Instance instance, DataSegment[] segments, int offset) {
    delegate.initialize(instance, segments, offset);
  }

  @Override
  public void initPassiveSegment(int segment, int dest, int offset, int size) {
    delegate.initPassiveSegment(segment, dest, offset, size);
  }

  @Override
  public void writeString(int addr, String text, Charset charset) {
    delegate.writeString(addr, text, charset);
  }

  @Override
  public void writeString(int addr, String text) {
    delegate.writeString(addr, text);
  }

  @Override
  public String readString(int addr, int len) {
    return delegate.readString(addr, len);
  }

  @Override
  public String readString(int addr, int len, Charset charset) {
    return delegate.readString(addr, len, charset);
  }

  @Override
  public void writeCString(int addr, String text) {
    delegate.writeCString(addr, text);
  }

  @Override
  public void writeCString(int addr, String text, Charset charset) {
    delegate.writeCString(addr, text, charset);
  }

  @Override
  public String readCString(int addr, Charset charset) {
    return delegate.readCString(addr, charset);
  }

  @Override
  public String readCString(int addr) {
    return delegate.readCString(addr);
  }

  @Override
  public void write(int addr, byte[] data) {
    delegate.write(addr, data);
  }

  @Override
  public void write(int addr, byte[] data, int offset, int len) {
    delegate.write(addr, data, offset, len);
  }

  @Override
  public byte read(int addr) {
    return delegate.read(addr);
  }

  @Override
  public byte[] readBytes(int addr, int len) {
    return delegate.readBytes(addr, len);
  }

  @Override
  public void writeI32(int addr, int value) {
    delegate.writeI32(addr, value);
  }

  @Override
  public int readInt(int addr) {
    return delegate.readInt(addr);
  }

  @Override
  public long readI32(int addr) {
    return delegate.readI32(addr);
  }

  @Override
  public long readU32(int addr) {
    return delegate.readU32(addr);
  }

  @Override
  public void writeLong(int addr, long value) {
    delegate.writeLong(addr, value);
  }

  @Override
  public long readLong(int addr) {
    return delegate.readLong(addr);
  }

  @Override
  public long readI64(int addr) {
    return delegate.readI64(addr);
  }

  @Override
  public void writeShort(int addr, short value) {
    delegate.writeShort(addr, value);
  }

  @Override
  public short readShort(int addr) {
    return delegate.readShort(addr);
  }

  @Override
  public long readI16(int addr) {
    return delegate.readI16(addr);
  }

  @Override
  public long readU16(int addr) {
    return delegate.readU16(addr);
  }

  @Override
  public void writeByte(int addr, byte value) {
    delegate.writeByte(addr, value);
  }

  @Override
  public long readU8(int addr) {
    return delegate.readU8(addr);
  }

  @Override
  public long readI8(int addr) {
    return delegate.readI8(addr);
  }

  @Override
  public void writeF32(int addr, float value) {
    delegate.writeF32(addr, value);
  }

  @Override
  public long readF32(int addr) {
    return delegate.readF32(addr);
  }

  @Override
  public float readFloat(int addr) {
    return delegate.readFloat(addr);
  }

  @Override
  public void writeF64(int addr, double value) {
    delegate.writeF64(addr, value);
  }

  @Override
  public double readDouble(int addr) {
    return delegate.readDouble(addr);
  }

  @Override
  public long readF64(int addr) {
    return delegate.readF64(addr);
  }

  @Override
  public void zero() {
    delegate.zero();
  }

  @Override
  public void fill(byte value, int from, int to) {
    delegate.fill(value, from, to);
  }

  @Override
  public void copy(int dest, int src, int size) {
    delegate.copy(dest, src, size);
  }

  @Override
  public void drop(int segment) {
    delegate.drop(segment);
  }
}

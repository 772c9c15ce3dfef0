package org.jgolem.compute.wasm;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jgolem.compute.ComputeException;
import org.jgolem.compute.FailureReason;

/**
 * Parsed and compiled WASM modules, keyed by the SHA-256 of their bytes, least recently used
 * evicted first. Chicory's compiler turns a module into JVM classes once; every instance of the
 * module then reuses them. Two subtasks that need the same module at once compile it once: the
 * second waits for the first.
 */
final class ModuleCache {

  /** A compiled module and what its compilation cost. */
  record Compiled(WasmModule module, Function<Instance, Machine> machines, Duration compileTime) {}

  private final int capacity;
  private final Map<String, CompletableFuture<Compiled>> entries;
  private final AtomicLong compilations = new AtomicLong();
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong compileNanos = new AtomicLong();

  ModuleCache(int capacity) {
    if (capacity < 1)
      throw new IllegalArgumentException("cache capacity must be at least 1, got " + capacity);
    this.capacity = capacity;
    this.entries = new LinkedHashMap<>(16, 0.75f, true);
  }

  /**
   * The compiled module for {@code bytes}, whose SHA-256 (hex) is {@code sha256}: from the cache,
   * or compiled now on the calling thread.
   */
  Compiled get(String sha256, byte[] bytes) throws ComputeException, InterruptedException {
    CompletableFuture<Compiled> mine = new CompletableFuture<>();
    CompletableFuture<Compiled> existing;
    synchronized (entries) {
      existing = entries.get(sha256);
      if (existing == null) {
        entries.put(sha256, mine);
        while (entries.size() > capacity) {
          var eldest = entries.keySet().iterator().next();
          entries.remove(eldest);
        }
      }
    }
    if (existing != null) {
      try {
        Compiled c = existing.get();
        hits.incrementAndGet();
        return c;
      } catch (ExecutionException e) {
        if (e.getCause() instanceof ComputeException ce) {
          throw new ComputeException(ce.reason(), ce.getMessage(), ce);
        }
        return get(sha256, bytes); // the other compilation was interrupted: try again
      }
    }
    try {
      Compiled c = compile(bytes);
      compilations.incrementAndGet();
      compileNanos.addAndGet(c.compileTime().toNanos());
      mine.complete(c);
      return c;
    } catch (ComputeException e) {
      mine.completeExceptionally(e); // the same bytes fail the same way: keep the verdict
      throw e;
    } catch (RuntimeException | Error e) {
      synchronized (entries) {
        entries.remove(sha256, mine);
      }
      mine.completeExceptionally(e);
      throw e;
    }
  }

  private static Compiled compile(byte[] bytes) throws ComputeException {
    long t0 = System.nanoTime();
    WasmModule module;
    try {
      module = Parser.parse(bytes);
    } catch (ChicoryException | IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new ComputeException(
          FailureReason.TRAPPED, "not a valid WebAssembly module: " + e.getMessage(), e);
    }
    Function<Instance, Machine> machines;
    try {
      machines = MachineFactoryCompiler.compile(module);
    } catch (ChicoryException e) {
      throw new ComputeException(
          FailureReason.TRAPPED, "the module cannot be compiled: " + e.getMessage(), e);
    }
    return new Compiled(module, machines, Duration.ofNanos(System.nanoTime() - t0));
  }

  /** Modules compiled since the cache was made (a hit does not count). */
  long compilations() {
    return compilations.get();
  }

  /** Time spent parsing and compiling, in all. */
  Duration compileTime() {
    return Duration.ofNanos(compileNanos.get());
  }

  /** Requests answered from the cache. */
  long hits() {
    return hits.get();
  }

  int size() {
    synchronized (entries) {
      return entries.size();
    }
  }

  void clear() {
    synchronized (entries) {
      entries.clear();
    }
  }
}

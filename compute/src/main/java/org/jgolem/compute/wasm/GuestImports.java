package org.jgolem.compute.wasm;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.Import;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The functions a WASM subtask may import: Chicory's WASI preview 1, with the calls that would make
 * a run depend on the host replaced.
 *
 * <ul>
 *   <li>{@code clock_time_get} reads the virtual {@link GuestClock} for every clock (Chicory reads
 *       {@code System.nanoTime()} for the monotonic one).
 *   <li>{@code poll_oneoff} with only clock subscriptions (how {@code sleep} is built) advances the
 *       virtual clock instead of sleeping; with descriptor subscriptions it is Chicory's.
 *   <li>{@code fd_write} and {@code fd_pwrite} are Chicory's, watched: a write that fails with
 *       {@code EIO} is reported with its size, so that a program that hits the output limit is seen
 *       doing so even if it then exits quietly.
 *   <li>{@code path_open}, {@code fd_close}, {@code path_create_directory}, {@code path_symlink}
 *       and {@code path_link} are Chicory's, counted against a {@link Quota}: at most so many
 *       descriptors open at once ({@code EMFILE} past it; a file of the resources holds a real host
 *       descriptor) and at most so many files and folders created ({@code EDQUOT} past it; each
 *       costs node memory even when empty).
 *   <li>{@code sock_accept}, {@code sock_recv} and {@code sock_send} return {@code ENOTSOCK}
 *       (Chicory throws): a sandbox without a network has no socket, and the program gets a clean
 *       error. Preview 1 has no call that creates or connects a socket; a module importing one
 *       (WasmEdge's {@code sock_open}) is refused by {@link #missing}.
 * </ul>
 */
final class GuestImports {
  static final String WASI = "wasi_snapshot_preview1";
  private static final int ESUCCESS = 0;
  private static final int EINVAL = 28;
  private static final int ENOTSOCK = 57;

  private GuestImports() {}

  /** Told when a write failed with EIO, and how many bytes it tried to write. */
  interface WriteWatch {
    void writeFailed(long requestedBytes);
  }

  /** Descriptors open and entries created by one subtask, and their limits. */
  static final class Quota {
    private final int maxOpen;
    private final int maxCreated;
    private int open;
    private int created;

    Quota(int maxOpen, int maxCreated) {
      this.maxOpen = maxOpen;
      this.maxCreated = maxCreated;
    }

    synchronized int open() {
      return open;
    }

    synchronized int created() {
      return created;
    }
  }

  private static final int EDQUOT = 19;
  private static final int EMFILE = 33;
  private static final int O_CREAT = 1;

  static List<ImportFunction> of(
      WasiPreview1 wasi, GuestClock clock, WriteWatch writes, Quota quota) {
    Map<String, HostFunction> byName = new LinkedHashMap<>();
    for (HostFunction f : wasi.toHostFunctions()) byName.put(f.name(), f);
    WasmFunctionHandle pathOpen = byName.get("path_open").handle();
    replace(
        byName,
        "path_open",
        (inst, args) -> {
          boolean creates = (args[4] & O_CREAT) != 0;
          synchronized (quota) {
            if (quota.open >= quota.maxOpen) return new long[] {EMFILE};
            if (creates && quota.created >= quota.maxCreated) return new long[] {EDQUOT};
          }
          long[] r = pathOpen.apply(inst, args);
          if (r[0] == ESUCCESS) {
            synchronized (quota) {
              quota.open++;
              if (creates) quota.created++;
            }
          }
          return r;
        });
    WasmFunctionHandle fdClose = byName.get("fd_close").handle();
    replace(
        byName,
        "fd_close",
        (inst, args) -> {
          long[] r = fdClose.apply(inst, args);
          if (r[0] == ESUCCESS) {
            synchronized (quota) {
              if (quota.open > 0) quota.open--;
            }
          }
          return r;
        });
    for (String create : List.of("path_create_directory", "path_symlink", "path_link")) {
      WasmFunctionHandle chicory = byName.get(create).handle();
      replace(
          byName,
          create,
          (inst, args) -> {
            synchronized (quota) {
              if (quota.created >= quota.maxCreated) return new long[] {EDQUOT};
            }
            long[] r = chicory.apply(inst, args);
            if (r[0] == ESUCCESS) {
              synchronized (quota) {
                quota.created++;
              }
            }
            return r;
          });
    }
    for (String write : List.of("fd_write", "fd_pwrite")) {
      WasmFunctionHandle chicory = byName.get(write).handle();
      replace(byName, write, (inst, args) -> watchedWrite(inst, args, chicory, writes));
    }
    replace(
        byName,
        "clock_time_get",
        (inst, args) -> clockTimeGet(inst.memory(), clock, (int) args[0], (int) args[2]));
    HostFunction chicoryPoll = byName.get("poll_oneoff");
    replace(
        byName, "poll_oneoff", (inst, args) -> pollOneoff(inst, args, clock, chicoryPoll.handle()));
    for (String sock : List.of("sock_accept", "sock_recv", "sock_send")) {
      replace(byName, sock, (inst, args) -> new long[] {ENOTSOCK});
    }
    return new ArrayList<>(byName.values());
  }

  /**
   * The imports of {@code module} that {@code provided} does not satisfy, as "module.name (kind)".
   */
  static List<String> missing(WasmModule module, List<ImportFunction> provided) {
    List<String> missing = new ArrayList<>();
    var names =
        provided.stream()
            .map(f -> f.module() + "." + f.name())
            .collect(java.util.stream.Collectors.toSet());
    for (int i = 0; i < module.importSection().importCount(); i++) {
      Import im = module.importSection().getImport(i);
      String name = im.module() + "." + im.name();
      if (im.importType() != ExternalType.FUNCTION) {
        missing.add(name + " (" + im.importType().name().toLowerCase(java.util.Locale.ROOT) + ")");
      } else if (!names.contains(name)) {
        missing.add(name);
      }
    }
    return missing;
  }

  private interface Handle {
    long[] apply(Instance instance, long[] args);
  }

  private static void replace(Map<String, HostFunction> byName, String name, Handle handle) {
    HostFunction original = byName.get(name);
    if (original == null) throw new IllegalStateException("Chicory's WASI has no " + name);
    WasmFunctionHandle h = handle::apply;
    byName.put(name, new HostFunction(WASI, name, original.functionType(), h));
  }

  private static final int EIO = 29;

  private static long[] watchedWrite(
      Instance inst, long[] args, WasmFunctionHandle chicory, WriteWatch writes) {
    long[] result = chicory.apply(inst, args);
    if (result[0] == EIO) {
      Memory memory = inst.memory();
      int iovs = (int) args[1], count = (int) args[2];
      long requested = 0;
      for (int i = 0; i < count; i++)
        requested += Integer.toUnsignedLong(memory.readInt(iovs + i * 8 + 4));
      writes.writeFailed(requested);
    }
    return result;
  }

  private static long[] clockTimeGet(Memory memory, GuestClock clock, int clockId, int resultPtr) {
    long now =
        switch (clockId) {
          case 0 -> clock.realtimeNanos();
          case 1, 2, 3 -> clock.monotonicNanos(); // monotonic, process and thread CPU time
          default -> -1;
        };
    if (now < 0) return new long[] {EINVAL};
    memory.writeLong(resultPtr, now);
    return new long[] {ESUCCESS};
  }

  // subscription: userdata u64 @0, tag u8 @8, clock id u32 @16, timeout u64 @24, precision u64 @32,
  // flags u16 @40
  private static final int SUBSCRIPTION_SIZE = 48;
  // event: userdata u64 @0, errno u16 @8, type u8 @10, fd_readwrite @16..31
  private static final int EVENT_SIZE = 32;

  private static long[] pollOneoff(
      Instance inst, long[] args, GuestClock clock, WasmFunctionHandle chicory) {
    Memory memory = inst.memory();
    int in = (int) args[0], out = (int) args[1], n = (int) args[2], neventsPtr = (int) args[3];
    if (n <= 0) return new long[] {EINVAL};
    long[] deadlines = new long[n];
    long now = clock.elapsed();
    for (int i = 0; i < n; i++) {
      int sub = in + i * SUBSCRIPTION_SIZE;
      if (memory.read(sub + 8) != 0) return chicory.apply(inst, args); // a descriptor subscription
      int clockId = memory.readInt(sub + 16);
      if (clockId < 0 || clockId > 3) return new long[] {EINVAL};
      long timeout = memory.readLong(sub + 24);
      boolean absolute = (memory.readShort(sub + 40) & 1) != 0;
      deadlines[i] = absolute ? timeout - clock.base(clockId == 0) : now + Math.max(0, timeout);
    }
    long earliest = Long.MAX_VALUE;
    for (long d : deadlines) earliest = Math.min(earliest, d);
    clock.advanceTo(earliest);
    long after = clock.elapsed();
    int events = 0;
    for (int i = 0; i < n; i++) {
      if (deadlines[i] > after) continue;
      int ev = out + events * EVENT_SIZE;
      memory.fill((byte) 0, ev, ev + EVENT_SIZE);
      memory.writeLong(ev, memory.readLong(in + i * SUBSCRIPTION_SIZE));
      events++;
    }
    memory.writeI32(neventsPtr, events);
    return new long[] {ESUCCESS};
  }
}

package org.jgolem.ipfs.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jgolem.ipfs.multiformats.Cid;

/**
 * Recursive pins: a root CID pinned by one or more owners ("node" for the node's own pins, "task:ID" for a task's
 * resources), with the size of the DAG for per-task accounting. Kept in a text file ({@code cid owner size} a
 * line), replaced atomically on every change, so a crash keeps either the old or the new set.
 *
 * <p>The file is not synced: a pin lost to a crash only lets a later {@link Dags GC} remove blocks that its owner
 * re-creates anyway (a requestor re-publishes its inputs when it resumes; fetched resources and results are fetched
 * again), while two syncs per pin cost about 10 ms each on the machines measured, per subtask, on both sides.
 */
public final class Pins {
  public static final String NODE = "node";

  /** One pin. */
  public record Pin(Cid root, String owner, long size) {}

  private final Path file;
  private final Map<String, Pin> pins = new LinkedHashMap<>();

  private Pins(Path file) {
    this.file = file;
  }

  public static Pins load(Path file) throws IOException {
    Pins p = new Pins(file);
    if (Files.exists(file)) {
      int lineNo = 0;
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        lineNo++;
        if (line.isBlank()) continue;
        String[] f = line.trim().split(" ");
        if (f.length != 3) throw new IOException("pin file " + file + " line " + lineNo + " is malformed: " + line);
        try {
          Pin pin = new Pin(Cid.parse(f[0]), f[1], Long.parseLong(f[2]));
          p.pins.put(key(pin.root(), pin.owner()), pin);
        } catch (IllegalArgumentException e) {
          throw new IOException("pin file " + file + " line " + lineNo + ": " + e.getMessage(), e);
        }
      }
    }
    return p;
  }

  public static String taskOwner(String taskId) {
    if (taskId == null || taskId.isEmpty() || !taskId.matches("[A-Za-z0-9._:@-]{1,200}"))
      throw new IllegalArgumentException("invalid task id '" + taskId + "': use 1-200 characters of A-Z a-z 0-9 . _ : @ -");
    return "task:" + taskId;
  }

  private static String key(Cid root, String owner) {
    return root.toV1() + " " + owner;
  }

  public synchronized void add(Cid root, String owner, long size) throws IOException {
    pins.put(key(root, owner), new Pin(root.toV1(), owner, size));
    save();
  }

  public synchronized boolean remove(Cid root, String owner) throws IOException {
    boolean removed = pins.remove(key(root, owner)) != null;
    if (removed) save();
    return removed;
  }

  /** Removes every pin of owner; returns how many there were. */
  public synchronized int removeOwner(String owner) throws IOException {
    int before = pins.size();
    pins.values().removeIf(p -> p.owner().equals(owner));
    int n = before - pins.size();
    if (n > 0) save();
    return n;
  }

  public synchronized boolean isPinned(Cid root) {
    Cid v1 = root.toV1();
    return pins.values().stream().anyMatch(p -> p.root().equals(v1));
  }

  public synchronized boolean isPinned(Cid root, String owner) {
    return pins.containsKey(key(root, owner));
  }

  public synchronized Set<Cid> roots() {
    Set<Cid> out = new LinkedHashSet<>();
    for (Pin p : pins.values()) out.add(p.root());
    return out;
  }

  /** Bytes pinned by owner (a DAG pinned twice by the same owner counts once). */
  public synchronized long usage(String owner) {
    return pins.values().stream().filter(p -> p.owner().equals(owner)).mapToLong(Pin::size).sum();
  }

  public synchronized List<Pin> all() {
    return new ArrayList<>(pins.values());
  }

  private void save() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Pin p : pins.values()) sb.append(p.root()).append(' ').append(p.owner()).append(' ').append(p.size()).append('\n');
    Path t = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(t, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
    }
    Files.move(t, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}

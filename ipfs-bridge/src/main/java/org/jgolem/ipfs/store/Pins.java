package org.jgolem.ipfs.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jgolem.ipfs.multiformats.Cid;

/**
 * Recursive pins: a root CID pinned by one or more owners ("node" for the node's own pins,
 * "task:ID" for a task's resources), with the size of the DAG for per-task accounting. Kept in a
 * text journal: a change appends a line ({@code cid owner size} pins, {@code - cid owner} unpins),
 * and the file is rewritten (atomically) only when it holds more than twice as many lines as there
 * are pins, so a pin costs one short append, not a rewrite of every pin (which made publishing a
 * task quadratic in its subtasks; see docs/PERFORMANCE.md). A last line cut short by a crash is
 * ignored.
 *
 * <p>The file is not synced: a pin lost to a crash only lets a later {@link Dags GC} remove blocks
 * that its owner re-creates anyway (a requestor re-publishes its inputs when it resumes; fetched
 * resources and results are fetched again), while syncing would wait for the disk twice per pin,
 * that is per subtask, on both sides: a flush costs more than the rest of a pin (see
 * docs/PERFORMANCE.md).
 */
public final class Pins {
  public static final String NODE = "node";
  private static final java.util.regex.Pattern TASK_ID =
      java.util.regex.Pattern.compile("[A-Za-z0-9._:@-]{1,200}");

  /** One pin. */
  public record Pin(Cid root, String owner, long size) {}

  private final Path file;
  private final Map<String, Pin> pins = new LinkedHashMap<>();

  /** How many owners pin each root. */
  private final Map<Cid, Integer> owners = new HashMap<>();

  /** Bytes pinned by each owner. */
  private final Map<String, Long> usage = new HashMap<>();

  /** Lines in the file. */
  private long lines;

  /**
   * The file open for appending, kept between appends: an open and a close per pin were a visible
   * share of a busy node's CPU (see docs/PERFORMANCE.md).
   */
  private FileChannel journal;

  private Pins(Path file) {
    this.file = file;
  }

  public static Pins load(Path file) throws IOException {
    Pins p = new Pins(file);
    if (Files.exists(file)) {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      String[] all = text.split("\n", -1);
      boolean torn =
          !text.isEmpty() && !text.endsWith("\n"); // the last append was cut short by a crash
      int last = all.length - 1; // after the final newline: empty, or the torn line
      for (int i = 0; i <= last; i++) {
        String line = all[i];
        if (line.isBlank()) continue;
        String[] f = line.trim().split(" ");
        try {
          if (f.length == 3 && f[0].equals("-")) {
            p.drop(key(Cid.parse(f[1]), f[2]));
          } else if (f.length == 3) {
            p.put(new Pin(Cid.parse(f[0]).toV1(), f[1], Long.parseLong(f[2])));
          } else {
            throw new IllegalArgumentException("expected 'cid owner size' or '- cid owner'");
          }
          p.lines++;
        } catch (IllegalArgumentException e) {
          if (torn && i == last) break;
          throw new IOException(
              "pin file "
                  + file
                  + " line "
                  + (i + 1)
                  + " is malformed ("
                  + e.getMessage()
                  + "): "
                  + line,
              e);
        }
      }
      if (torn) p.rewrite();
    }
    return p;
  }

  public static String taskOwner(String taskId) {
    if (taskId == null || taskId.isEmpty() || !TASK_ID.matcher(taskId).matches())
      throw new IllegalArgumentException(
          "invalid task id '" + taskId + "': use 1-200 characters of A-Z a-z 0-9 . _ : @ -");
    return "task:" + taskId;
  }

  private static String key(Cid root, String owner) {
    return root.toV1() + " " + owner;
  }

  public synchronized void add(Cid root, String owner, long size) throws IOException {
    Pin pin = new Pin(root.toV1(), owner, size);
    put(pin);
    append(pin.root() + " " + owner + " " + size + "\n");
  }

  public synchronized boolean remove(Cid root, String owner) throws IOException {
    if (drop(key(root, owner)) == null) return false;
    append("- " + root.toV1() + " " + owner + "\n");
    return true;
  }

  /** Removes every pin of owner; returns how many there were. */
  public synchronized int removeOwner(String owner) throws IOException {
    List<String> keys = new ArrayList<>();
    for (var e : pins.entrySet()) if (e.getValue().owner().equals(owner)) keys.add(e.getKey());
    if (keys.isEmpty()) return 0;
    StringBuilder sb = new StringBuilder();
    for (String k : keys) {
      Pin p = drop(k);
      sb.append("- ").append(p.root()).append(' ').append(p.owner()).append('\n');
    }
    append(sb.toString());
    return keys.size();
  }

  public synchronized boolean isPinned(Cid root) {
    return owners.containsKey(root.toV1());
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
    return usage.getOrDefault(owner, 0L);
  }

  public synchronized List<Pin> all() {
    return new ArrayList<>(pins.values());
  }

  private void put(Pin pin) {
    Pin old = pins.put(key(pin.root(), pin.owner()), pin);
    if (old != null) {
      usage.merge(old.owner(), -old.size(), Long::sum);
    } else {
      owners.merge(pin.root(), 1, Integer::sum);
    }
    usage.merge(pin.owner(), pin.size(), Long::sum);
  }

  private Pin drop(String key) {
    Pin old = pins.remove(key);
    if (old == null) return null;
    owners.computeIfPresent(old.root(), (c, n) -> n <= 1 ? null : n - 1);
    usage.computeIfPresent(old.owner(), (o, b) -> b - old.size());
    return old;
  }

  /**
   * Appends lines to the journal, or rewrites it when it has grown to more than twice the pins (and
   * 64 lines).
   */
  private void append(String text) throws IOException {
    lines += text.chars().filter(c -> c == '\n').count();
    if (lines > 64 && lines > 2L * pins.size()) {
      rewrite();
      return;
    }
    if (journal == null) {
      journal =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    try {
      while (b.hasRemaining()) journal.write(b);
    } catch (IOException e) {
      closeJournal();
      throw e;
    }
  }

  /** Closes the journal file (appends after it open it again). */
  public synchronized void close() {
    closeJournal();
  }

  private void closeJournal() {
    if (journal == null) return;
    try {
      journal.close();
    } catch (IOException e) {
      // nothing was buffered: every append was written through
    }
    journal = null;
  }

  private void rewrite() throws IOException {
    closeJournal(); // the file is replaced: appends go to the new one
    StringBuilder sb = new StringBuilder();
    for (Pin p : pins.values())
      sb.append(p.root()).append(' ').append(p.owner()).append(' ').append(p.size()).append('\n');
    Path t = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            t,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
    }
    Files.move(t, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    lines = pins.size();
  }
}

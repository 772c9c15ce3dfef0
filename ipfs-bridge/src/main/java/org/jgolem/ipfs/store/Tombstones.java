package org.jgolem.ipfs.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jgolem.ipfs.multiformats.Cid;

/**
 * The records a {@link BlockStore} deleted but has not compacted yet ({@code packs/dead}, one "cid
 * pack offset" a line, replaced atomically), so that they stay deleted after a restart.
 */
final class Tombstones {
  private final Path file;
  private final Map<String, Boolean> dead = new ConcurrentHashMap<>();

  private Tombstones(Path file) {
    this.file = file;
  }

  static Tombstones load(Path packDir) throws IOException {
    Tombstones t = new Tombstones(packDir.resolve("dead"));
    if (Files.exists(t.file)) {
      for (String l : Files.readAllLines(t.file, StandardCharsets.UTF_8))
        if (!l.isBlank()) t.dead.put(l.trim(), true);
    }
    return t;
  }

  private static String key(Cid cid, int pack, long offset) {
    return cid + " " + pack + " " + offset;
  }

  boolean contains(Cid cid, int pack, long offset) {
    return dead.containsKey(key(cid, pack, offset));
  }

  void add(Cid cid, int pack, long offset) {
    dead.put(key(cid, pack, offset), true);
  }

  /** The pack is gone: its records need no tombstone any more. */
  void forgetPack(int pack) {
    dead.keySet().removeIf(t -> t.split(" ")[1].equals(String.valueOf(pack)));
  }

  synchronized void save() throws IOException {
    Path t = file.resolveSibling("dead.tmp");
    StringBuilder sb = new StringBuilder();
    for (String s : dead.keySet()) sb.append(s).append('\n');
    try (FileChannel ch =
        FileChannel.open(
            t,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
    Files.move(t, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}

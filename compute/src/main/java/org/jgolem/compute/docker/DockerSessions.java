package org.jgolem.compute.docker;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jgolem.compute.Limits;
import org.jgolem.ipfs.FileTrees;

/**
 * The idle session containers of one Docker environment. A session is a container kept between the
 * subtasks of one session key (the provider's key is its requestor and task: never shared across
 * tasks), with the processes a subtask kept stopped while idle (the keeper goes on, so the
 * container ends by itself if the node dies), so that the next subtask of the task skips the
 * container's set-up and may find the server its predecessor left (Blender with the scene loaded).
 * A session is taken by one subtask at a time; it is only reused for the same image and container
 * limits (an output no larger than its first subtask's), while its keeper has time left for another
 * subtask; idle longer than {@link #IDLE}, beyond {@link #MAX_IDLE} idle sessions, or when the
 * environment closes, it is removed.
 *
 * <p>Times are the injected clock's milliseconds: when a session went idle, when its keeper ends.
 *
 * <p>Its resources folder is a host folder of the session's own, mounted read-only at
 * /golem/resources, whose content is replaced by each subtask's resources (hard links, copies
 * across file systems) before it runs.
 */
final class DockerSessions {
  /** How long an idle session is kept. */
  static final Duration IDLE = Duration.ofSeconds(30);

  /** How many idle sessions an environment keeps at most (each holds its container's memory). */
  static final int MAX_IDLE = 8;

  /** How long a session container's keeper lives: the session is not reused past it. */
  static final Duration LIFETIME = Duration.ofHours(1);

  /** One session container. */
  static final class Session {
    final String key;
    final String containerId;
    final Path resources;
    final String imageId;
    final Limits limits;

    /** When the keeper ends (clock millis). */
    final long keeperDeadline;

    /** When it was last parked (clock millis). */
    long idleSince;

    /** Whether this session's container was readied by a warm-up before its first subtask. */
    boolean warmed;

    Session(
        String key,
        String containerId,
        Path resources,
        String imageId,
        Limits limits,
        long keeperDeadline) {
      this.key = key;
      this.containerId = containerId;
      this.resources = resources;
      this.imageId = imageId;
      this.limits = limits;
      this.keeperDeadline = keeperDeadline;
    }

    /**
     * Whether a subtask with this image and limits may run in this session: the container was made
     * with the same cpus and memory, at least as many processes, as much scratch space and as large
     * an output folder, and its keeper lives long enough.
     */
    boolean fits(String image, Limits l, long now) {
      return imageId.equals(image)
          && limits.cpus() == l.cpus()
          && limits.memoryBytes() == l.memoryBytes()
          && l.maxProcesses() <= limits.maxProcesses()
          && l.workBytes() <= limits.workBytes()
          && l.maxOutputBytes() <= limits.maxOutputBytes()
          && keeperDeadline - now
              > l.timeout().toMillis()
                  + Duration.ofSeconds(RunContainer.KEEPER_MARGIN_SECONDS).toMillis();
    }
  }

  private final Map<String, Deque<Session>> idle = new HashMap<>();

  /** Warm sessions: readied while the node was idle, not yet given to any session key. */
  private final List<Session> warm = new ArrayList<>();

  private final Consumer<Session> remover;
  private final Clock clock;
  private volatile Path root;
  private boolean closed;

  /**
   * @param root where the sessions' resources folders are made (best on the file system of the
   *     subtasks' resources, so that they are hard-linked, not copied)
   * @param remover removes a session's container (and its folder), off the caller's lock
   * @param clock tells when sessions go idle and expire
   */
  DockerSessions(Path root, Consumer<Session> remover, Clock clock) {
    this.root = root;
    this.remover = remover;
    this.clock = clock;
  }

  /**
   * Removes a session taken out of the pool that cannot serve (its container stopped): its
   * container and folder.
   */
  void discard(Session s) {
    remover.accept(s);
  }

  /**
   * An idle session of {@code key} for this image and limits, taken out of the pool; null if there
   * is none.
   */
  Session take(String key, String imageId, Limits limits) {
    long now = clock.millis();
    List<Session> unfit = new ArrayList<>();
    Session found = null;
    synchronized (idle) {
      Deque<Session> q = idle.get(key);
      while (q != null && !q.isEmpty() && found == null) {
        Session s = q.pollLast();
        if (s.fits(imageId, limits, now)) found = s;
        else unfit.add(s);
      }
      if (q != null && q.isEmpty()) idle.remove(key);
      if (found == null) {
        // none kept for this key: a warm container, if one fits, becomes this key's (and no
        // other's)
        for (var it = warm.iterator(); it.hasNext() && found == null; ) {
          Session w = it.next();
          if (w.fits(imageId, limits, now)) {
            it.remove();
            found =
                new Session(key, w.containerId, w.resources, w.imageId, w.limits, w.keeperDeadline);
            found.warmed = true;
          }
        }
      }
    }
    unfit.forEach(remover);
    return found;
  }

  /**
   * Keeps a session readied by a warm-up for the next new session that fits it; false if the pool
   * is closed.
   */
  boolean parkWarm(Session s) {
    synchronized (idle) {
      if (closed) return false;
      s.idleSince = clock.millis();
      warm.add(s);
      return true;
    }
  }

  /** Whether a warm session made with exactly this image and these limits is ready. */
  boolean hasWarm(String imageId, Limits limits) {
    synchronized (idle) {
      for (Session w : warm) {
        if (w.imageId.equals(imageId) && w.limits.equals(limits)) return true;
      }
      return false;
    }
  }

  /** How many warm sessions are ready. */
  int warmCount() {
    synchronized (idle) {
      return warm.size();
    }
  }

  /** Puts a session back, idle; returns false (the caller removes it) if the pool is closed. */
  boolean park(Session s) {
    List<Session> evicted = new ArrayList<>();
    synchronized (idle) {
      if (closed) return false;
      s.idleSince = clock.millis();
      idle.computeIfAbsent(s.key, k -> new ArrayDeque<>()).addLast(s);
      while (count() > MAX_IDLE) evicted.add(pollOldest());
    }
    evicted.forEach(remover);
    return true;
  }

  /**
   * Removes the sessions idle for longer than {@link #IDLE}, and the warm ones older than half
   * their keeper's life (a fresh one is readied in their place when the node is idle).
   */
  void expire() {
    long now = clock.millis();
    long cutoff = now - IDLE.toMillis();
    List<Session> old = new ArrayList<>();
    synchronized (idle) {
      warm.removeIf(w -> {
        if (w.keeperDeadline - now < LIFETIME.toMillis() / 2) {
          old.add(w);
          return true;
        }
        return false;
      });
      for (var it = idle.values().iterator(); it.hasNext(); ) {
        Deque<Session> q = it.next();
        q.removeIf(s -> {
          if (s.idleSince - cutoff < 0) {
            old.add(s);
            return true;
          }
          return false;
        });
        if (q.isEmpty()) it.remove();
      }
    }
    old.forEach(remover);
  }

  /**
   * Closes the pool: every idle session is removed, and none is parked any more; the sessions'
   * folder, if empty, too.
   */
  void close() {
    List<Session> all = new ArrayList<>();
    synchronized (idle) {
      closed = true;
      idle.values().forEach(all::addAll);
      idle.clear();
      all.addAll(warm);
      warm.clear();
    }
    all.forEach(remover);
    try {
      Files.deleteIfExists(root);
    } catch (IOException notEmptyOrGone) {
      // a run still holds its session's folder (it deletes it when it ends), or the folder is
      // someone else's
    }
  }

  /** How many sessions are idle. */
  int idleCount() {
    synchronized (idle) {
      return count();
    }
  }

  private int count() {
    int n = 0;
    for (Deque<Session> q : idle.values()) n += q.size();
    return n;
  }

  private Session pollOldest() {
    Session oldest = null;
    for (Deque<Session> q : idle.values()) {
      Session s = q.peekFirst();
      if (s != null && (oldest == null || s.idleSince - oldest.idleSince < 0)) oldest = s;
    }
    if (oldest != null) {
      Deque<Session> q = idle.get(oldest.key);
      q.pollFirst();
      if (q.isEmpty()) idle.remove(oldest.key);
    }
    return oldest;
  }

  /** Where new sessions' resources folders are made. */
  void root(Path folder) {
    this.root = folder;
  }

  /** A new, empty resources folder for a session (readable by the subtask's uid). */
  Path newResourcesFolder() throws IOException {
    Files.createDirectories(root);
    Path d = Files.createTempDirectory(root, "session-");
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
    return d;
  }

  /**
   * Makes {@code folder} hold exactly what {@code from} holds: its old content is deleted, then
   * each file is hard-linked (copied where a link cannot be made), folders are made with the
   * source's permissions, and symbolic links are copied as links.
   */
  static void replaceContent(Path folder, Path from) throws IOException {
    try (Stream<Path> old = Files.list(folder)) {
      for (Path p : (Iterable<Path>) old::iterator) FileTrees.delete(p);
    }
    Files.walkFileTree(
        from,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Path target = folder.resolve(from.relativize(dir).toString());
            if (!dir.equals(from)) {
              Files.createDirectory(target);
              Files.setPosixFilePermissions(
                  target, Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS));
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Path target = folder.resolve(from.relativize(file).toString());
            if (attrs.isRegularFile()) {
              try {
                Files.createLink(target, file);
              } catch (IOException | UnsupportedOperationException crossDevice) {
                Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
              }
            } else {
              Files.copy(file, target, LinkOption.NOFOLLOW_LINKS);
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }
}

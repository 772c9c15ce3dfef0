package org.jgolem.compute.wasm;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A read-only view of a host folder, as the guest sees {@code /golem/resources}.
 *
 * <p>Read-only is enforced here, in Java, not by file permissions (which root ignores): the guest
 * only ever reaches the host through this provider, and every operation that would change something
 * (opening for writing, creating, deleting, renaming, linking, setting times or attributes) throws
 * a {@link Violation}. That exception unwinds the guest: the subtask ends {@code TRAPPED}, and the
 * view also records the first violation in case anything on the way catches it.
 *
 * <p>Confinement: the view's own root {@code /} is the host folder, and paths are normalized
 * lexically before they are mapped, so {@code ..} cannot climb above it. A host symlink inside the
 * folder is followed only if its real target is still inside the folder; otherwise the entry looks
 * absent.
 *
 * <p>Determinism: directory listings are sorted by name, and attributes are synthesized (fixed
 * times, inode numbers derived from the path, no host owner or device), so a program sees the same
 * thing on every provider.
 *
 * <p>Its paths are {@link RoPath}. It is over 400 lines because it is one thing: a {@link
 * FileSystem} and its {@link FileSystemProvider}, whose long interfaces must each be implemented,
 * every changing method refused.
 */
final class ReadOnlyFileSystem extends FileSystem {

  /** Thrown when the guest tries to change the read-only folder. */
  static final class Violation extends RuntimeException {
    Violation(String message) {
      super(message);
    }
  }

  private final Provider provider = new Provider();
  private final Path hostRoot;
  private final String guestName;
  private final FileTime fixedTime;
  final RoPath root = new RoPath(this, true, new String[0]);
  private final AtomicReference<String> violation = new AtomicReference<>();
  private volatile boolean open = true;

  /**
   * @param hostRoot the host folder to show (it must exist)
   * @param guestName how the guest names it, for messages ({@code /golem/resources})
   * @param fixedTime the time every file and folder reports
   */
  ReadOnlyFileSystem(Path hostRoot, String guestName, FileTime fixedTime) throws IOException {
    this.hostRoot = hostRoot.toRealPath();
    this.guestName = guestName;
    this.fixedTime = fixedTime;
    if (!Files.isDirectory(this.hostRoot))
      throw new NoSuchFileException(hostRoot.toString(), null, "not a folder");
  }

  /** The view's root folder, to preopen. */
  Path root() {
    return root;
  }

  /** The first write the guest attempted, if any. */
  String violation() {
    return violation.get();
  }

  private Violation violate(String what, Path p) {
    String where =
        p instanceof RoPath rp
            ? guestName + rp.toAbsolutePath().normalize().toString().replaceFirst("^/$", "")
            : guestName;
    String message = what + " " + where + ": " + guestName + " is read-only";
    violation.compareAndSet(null, message);
    return new Violation(message);
  }

  /** The host path behind a view path, after checking it stays inside the folder. */
  Path host(Path p) throws IOException {
    RoPath rp = check(p).toAbsolutePath().normalize();
    Path h = hostRoot;
    for (String n : rp.names) h = h.resolve(n);
    if (Files.exists(h, LinkOption.NOFOLLOW_LINKS) && !h.toRealPath().startsWith(hostRoot)) {
      throw new NoSuchFileException(rp.toString()); // a symlink out of the folder: not there
    }
    return h;
  }

  private RoPath check(Path p) {
    if (!(p instanceof RoPath rp) || rp.fs != this) throw new ProviderMismatchException();
    if (!open) throw new java.nio.file.ClosedFileSystemException();
    return rp;
  }

  private static boolean writes(Set<? extends OpenOption> options) {
    for (OpenOption o : options) {
      if (o == StandardOpenOption.WRITE
          || o == StandardOpenOption.APPEND
          || o == StandardOpenOption.CREATE
          || o == StandardOpenOption.CREATE_NEW
          || o == StandardOpenOption.TRUNCATE_EXISTING
          || o == StandardOpenOption.DELETE_ON_CLOSE) {
        return true;
      }
    }
    return false;
  }

  // --- attributes ---

  private final class Attributes implements BasicFileAttributes {
    private final BasicFileAttributes a;
    private final long ino;

    Attributes(RoPath p, BasicFileAttributes a) {
      this.a = a;
      this.ino = 1 + (p.toAbsolutePath().normalize().toString().hashCode() & 0xffffffffL);
    }

    @Override
    public FileTime lastModifiedTime() {
      return fixedTime;
    }

    @Override
    public FileTime lastAccessTime() {
      return fixedTime;
    }

    @Override
    public FileTime creationTime() {
      return fixedTime;
    }

    @Override
    public boolean isRegularFile() {
      return a.isRegularFile();
    }

    @Override
    public boolean isDirectory() {
      return a.isDirectory();
    }

    @Override
    public boolean isSymbolicLink() {
      return false;
    }

    @Override
    public boolean isOther() {
      return !a.isRegularFile() && !a.isDirectory();
    }

    @Override
    public long size() {
      return a.isRegularFile() ? a.size() : 0;
    }

    @Override
    public Object fileKey() {
      return ino;
    }

    Map<String, Object> unix() {
      Map<String, Object> m = new HashMap<>();
      m.put("lastModifiedTime", fixedTime);
      m.put("lastAccessTime", fixedTime);
      m.put("creationTime", fixedTime);
      m.put("ctime", fixedTime);
      m.put("size", size());
      m.put("isRegularFile", isRegularFile());
      m.put("isDirectory", isDirectory());
      m.put("isSymbolicLink", false);
      m.put("isOther", isOther());
      m.put("fileKey", ino);
      m.put("dev", 1L);
      m.put("ino", ino);
      m.put("nlink", 1);
      m.put("mode", isDirectory() ? 040555 : 0100444);
      m.put("uid", 0);
      m.put("gid", 0);
      m.put("rdev", 0L);
      return m;
    }
  }

  private Attributes attributes(Path p) throws IOException {
    return new Attributes(check(p), Files.readAttributes(host(p), BasicFileAttributes.class));
  }

  private static final Set<String> BASIC =
      Set.of(
          "lastModifiedTime",
          "lastAccessTime",
          "creationTime",
          "size",
          "isRegularFile",
          "isDirectory",
          "isSymbolicLink",
          "isOther",
          "fileKey");

  // --- the provider ---

  private final class Provider extends FileSystemProvider {
    @Override
    public String getScheme() {
      return "golem-ro";
    }

    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
      throw new UnsupportedOperationException("read-only views are made by the WASM environment");
    }

    @Override
    public FileSystem getFileSystem(URI uri) {
      throw new UnsupportedOperationException("read-only views are not registered");
    }

    @Override
    public Path getPath(URI uri) {
      throw new UnsupportedOperationException("read-only views are not registered");
    }

    @Override
    public SeekableByteChannel newByteChannel(
        Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
        throws IOException {
      return newFileChannel(path, options, attrs);
    }

    @Override
    public FileChannel newFileChannel(
        Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
        throws IOException {
      if (writes(options)) throw violate("open for writing", path);
      Path h = host(path);
      if (Files.isDirectory(h))
        throw new AccessDeniedException(path.toString(), null, "is a folder");
      return FileChannel.open(h, StandardOpenOption.READ);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(
        Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
      RoPath d = check(dir);
      List<String> names = new ArrayList<>();
      try (DirectoryStream<Path> s = Files.newDirectoryStream(host(dir))) {
        for (Path h : s) names.add(h.getFileName().toString());
      }
      names.sort(null);
      List<Path> entries = new ArrayList<>();
      for (String n : names) {
        Path p = d.resolve(n);
        try {
          host(p); // leaves out symlinks that point out of the folder
        } catch (NoSuchFileException e) {
          continue;
        }
        if (filter == null || filter.accept(p)) entries.add(p);
      }
      return new DirectoryStream<>() {
        @Override
        public Iterator<Path> iterator() {
          return entries.iterator();
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) {
      throw violate("create folder", dir);
    }

    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) {
      throw violate("create symlink", link);
    }

    @Override
    public void createLink(Path link, Path existing) {
      throw violate("create link", link);
    }

    @Override
    public void delete(Path path) {
      throw violate("delete", path);
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
      host(link);
      throw new NotLinkException(link.toString());
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) {
      throw violate("copy into", target);
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) {
      throw violate("move", source);
    }

    @Override
    public boolean isSameFile(Path a, Path b) throws IOException {
      if (a.equals(b)) return true;
      if (!(b instanceof RoPath)) return false;
      return Files.isSameFile(host(a), host(b));
    }

    @Override
    public boolean isHidden(Path path) {
      Path f = check(path).getFileName();
      return f != null && f.toString().startsWith(".");
    }

    @Override
    public FileStore getFileStore(Path path) {
      check(path);
      return store;
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
      for (AccessMode m : modes) {
        if (m != AccessMode.READ)
          throw new AccessDeniedException(path.toString(), null, "read-only");
      }
      Files.readAttributes(host(path), BasicFileAttributes.class);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V extends FileAttributeView> V getFileAttributeView(
        Path path, Class<V> type, LinkOption... options) {
      RoPath p = check(path);
      if (type != BasicFileAttributeView.class) return null;
      return (V)
          new BasicFileAttributeView() {
            @Override
            public String name() {
              return "basic";
            }

            @Override
            public BasicFileAttributes readAttributes() throws IOException {
              return attributes(p);
            }

            @Override
            public void setTimes(FileTime modified, FileTime access, FileTime create) {
              throw violate("set times of", p);
            }
          };
    }

    @Override
    @SuppressWarnings("unchecked")
    public <A extends BasicFileAttributes> A readAttributes(
        Path path, Class<A> type, LinkOption... options) throws IOException {
      if (type != BasicFileAttributes.class) {
        throw new UnsupportedOperationException(
            type.getSimpleName() + " is not supported by the read-only view");
      }
      return (A) attributes(path);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
        throws IOException {
      int colon = attributes.indexOf(':');
      String view = colon < 0 ? "basic" : attributes.substring(0, colon);
      String names = colon < 0 ? attributes : attributes.substring(colon + 1);
      if (!view.equals("basic") && !view.equals("unix")) {
        throw new UnsupportedOperationException(
            "attribute view '" + view + "' is not supported by the read-only view");
      }
      Map<String, Object> all = attributes(path).unix();
      if (view.equals("basic")) all.keySet().retainAll(BASIC);
      if (names.equals("*")) return all;
      Map<String, Object> some = new HashMap<>();
      for (String n : names.split(",")) {
        if (n.equals("*")) {
          some.putAll(all);
        } else if (all.containsKey(n)) {
          some.put(n, all.get(n));
        } else {
          throw new IllegalArgumentException("no attribute '" + n + "' in view '" + view + "'");
        }
      }
      return some;
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) {
      throw violate("set attribute " + attribute + " of", path);
    }
  }

  private final FileStore store =
      new FileStore() {
        @Override
        public String name() {
          return guestName;
        }

        @Override
        public String type() {
          return "golem-ro";
        }

        @Override
        public boolean isReadOnly() {
          return true;
        }

        @Override
        public long getTotalSpace() {
          return 0;
        }

        @Override
        public long getUsableSpace() {
          return 0;
        }

        @Override
        public long getUnallocatedSpace() {
          return 0;
        }

        @Override
        public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
          return type == BasicFileAttributeView.class;
        }

        @Override
        public boolean supportsFileAttributeView(String name) {
          return name.equals("basic") || name.equals("unix");
        }

        @Override
        public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
          return null;
        }

        @Override
        public Object getAttribute(String attribute) {
          throw new UnsupportedOperationException(attribute);
        }
      };

  // --- FileSystem ---

  @Override
  public FileSystemProvider provider() {
    return provider;
  }

  @Override
  public void close() {
    open = false;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public boolean isReadOnly() {
    return true;
  }

  @Override
  public String getSeparator() {
    return "/";
  }

  @Override
  public Iterable<Path> getRootDirectories() {
    return List.of(root);
  }

  @Override
  public Iterable<FileStore> getFileStores() {
    return List.of(store);
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    return Set.of("basic", "unix");
  }

  @Override
  public Path getPath(String first, String... more) {
    StringBuilder s = new StringBuilder(first);
    for (String m : more) {
      if (!m.isEmpty()) s.append(s.isEmpty() ? "" : "/").append(m);
    }
    String text = s.toString();
    if (text.indexOf('\0') >= 0) throw new InvalidPathException(text, "NUL character in path");
    String[] names =
        Arrays.stream(text.split("/")).filter(n -> !n.isEmpty()).toArray(String[]::new);
    return new RoPath(this, text.startsWith("/"), names);
  }

  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    throw new UnsupportedOperationException(
        "path matchers are not supported by the read-only view");
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    throw new UnsupportedOperationException("the read-only view has no users");
  }

  @Override
  public WatchService newWatchService() {
    throw new UnsupportedOperationException("the read-only view cannot be watched");
  }
}

package org.jgolem.compute.wasm;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A '/'-separated path of a {@link ReadOnlyFileSystem}: a list of names, absolute or relative. */
final class RoPath implements Path {
  final ReadOnlyFileSystem fs;
  final boolean absolute;
  final String[] names;

  RoPath(ReadOnlyFileSystem fs, boolean absolute, String[] names) {
    this.fs = fs;
    this.absolute = absolute;
    this.names = names;
  }

  private RoPath other(Path p) {
    if (!(p instanceof RoPath rp) || rp.fs != fs) throw new ProviderMismatchException();
    return rp;
  }

  @Override
  public FileSystem getFileSystem() {
    return fs;
  }

  @Override
  public boolean isAbsolute() {
    return absolute;
  }

  @Override
  public Path getRoot() {
    return absolute ? fs.root : null;
  }

  @Override
  public Path getFileName() {
    return names.length == 0 ? null : new RoPath(fs, false, new String[] {names[names.length - 1]});
  }

  @Override
  public Path getParent() {
    if (names.length == 0) return null;
    if (names.length == 1) return absolute ? fs.root : null;
    return new RoPath(fs, absolute, Arrays.copyOf(names, names.length - 1));
  }

  @Override
  public int getNameCount() {
    return names.length;
  }

  @Override
  public Path getName(int index) {
    if (index < 0 || index >= names.length)
      throw new IllegalArgumentException("no name at " + index);
    return new RoPath(fs, false, new String[] {names[index]});
  }

  @Override
  public Path subpath(int begin, int end) {
    if (begin < 0 || end > names.length || begin >= end)
      throw new IllegalArgumentException("bad subpath " + begin + ".." + end);
    return new RoPath(fs, false, Arrays.copyOfRange(names, begin, end));
  }

  @Override
  public boolean startsWith(Path other) {
    if (!(other instanceof RoPath o)
        || o.fs != fs
        || o.absolute != absolute
        || o.names.length > names.length) return false;
    return Arrays.equals(names, 0, o.names.length, o.names, 0, o.names.length);
  }

  @Override
  public boolean endsWith(Path other) {
    if (!(other instanceof RoPath o) || o.fs != fs || o.names.length > names.length) return false;
    if (o.absolute) return equals(o);
    return Arrays.equals(
        names, names.length - o.names.length, names.length, o.names, 0, o.names.length);
  }

  @Override
  public RoPath normalize() {
    List<String> out = new ArrayList<>();
    for (String n : names) {
      if (n.equals(".")) continue;
      if (n.equals("..")) {
        if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
          out.remove(out.size() - 1);
        } else if (!absolute) {
          out.add(n); // a relative path may start with ..; at the root, .. stays at the root
        }
        continue;
      }
      out.add(n);
    }
    return new RoPath(fs, absolute, out.toArray(String[]::new));
  }

  @Override
  public Path resolve(Path other) {
    RoPath o = other(other);
    if (o.absolute) return o;
    if (o.names.length == 0) return this;
    String[] joined = Arrays.copyOf(names, names.length + o.names.length);
    System.arraycopy(o.names, 0, joined, names.length, o.names.length);
    return new RoPath(fs, absolute, joined);
  }

  @Override
  public Path relativize(Path other) {
    RoPath o = other(other);
    if (o.absolute != absolute)
      throw new IllegalArgumentException("cannot relativize between absolute and relative paths");
    RoPath a = normalize(), b = o.normalize();
    int common = 0;
    while (common < a.names.length
        && common < b.names.length
        && a.names[common].equals(b.names[common])) common++;
    List<String> out = new ArrayList<>();
    for (int i = common; i < a.names.length; i++) out.add("..");
    out.addAll(Arrays.asList(b.names).subList(common, b.names.length));
    return new RoPath(fs, false, out.toArray(String[]::new));
  }

  @Override
  public URI toUri() {
    try {
      return new URI("golem-ro", null, toAbsolutePath().toString(), null);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public RoPath toAbsolutePath() {
    return absolute ? this : (RoPath) fs.root.resolve(this);
  }

  @Override
  public Path toRealPath(LinkOption... options) throws IOException {
    RoPath p = toAbsolutePath().normalize();
    Files.readAttributes(fs.host(p), BasicFileAttributes.class);
    return p;
  }

  @Override
  public WatchKey register(
      WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
    throw new UnsupportedOperationException("the read-only view cannot be watched");
  }

  @Override
  public int compareTo(Path other) {
    return toString().compareTo(other(other).toString());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RoPath p
        && p.fs == fs
        && p.absolute == absolute
        && Arrays.equals(p.names, names);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(names) * 31 + (absolute ? 1 : 0);
  }

  @Override
  public String toString() {
    return (absolute ? "/" : "") + String.join("/", names);
  }
}

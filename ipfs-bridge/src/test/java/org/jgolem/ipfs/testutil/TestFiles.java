package org.jgolem.ipfs.testutil;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Deterministic test content and tree comparison. */
public final class TestFiles {
  private TestFiles() {}

  /** n bytes from java.util.Random(seed): the same on every JVM (the generator is specified). */
  public static byte[] bytes(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  public static Path write(Path p, byte[] content) throws IOException {
    Files.createDirectories(p.getParent());
    return Files.write(p, content);
  }

  /** Fails unless the two trees hold the same folders and byte-identical files. */
  public static void assertSameTree(Path expected, Path actual) throws IOException {
    List<String> a = listing(expected), b = listing(actual);
    if (!a.equals(b))
      throw new AssertionError("trees differ:\n expected " + a + "\n actual   " + b);
    for (String rel : a) {
      Path x = rel.isEmpty() ? expected : expected.resolve(rel),
          y = rel.isEmpty() ? actual : actual.resolve(rel);
      if (Files.isDirectory(x) != Files.isDirectory(y))
        throw new AssertionError("file/folder mismatch at " + rel);
      if (Files.isRegularFile(x) && Files.mismatch(x, y) != -1)
        throw new AssertionError(
            "content differs at "
                + rel
                + " (first difference at byte "
                + Files.mismatch(x, y)
                + ")");
    }
  }

  private static List<String> listing(Path root) throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      s.forEach(p ->
          out.add(root.relativize(p).toString() + (Files.isDirectory(p) ? "/" : ":" + size(p))));
    }
    out.replaceAll(x -> x.equals("/") ? "" : x);
    String[] arr = out.toArray(String[]::new);
    Arrays.sort(arr);
    List<String> names = new ArrayList<>();
    for (String x : arr) names.add(x);
    return names.stream()
        .map(x -> x.endsWith("/") ? x.substring(0, x.length() - 1) : x.replaceAll(":\\d+$", ""))
        .toList();
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return -1;
    }
  }
}

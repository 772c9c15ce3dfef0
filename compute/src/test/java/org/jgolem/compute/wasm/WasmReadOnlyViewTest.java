package org.jgolem.compute.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessMode;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read-only view behind /golem/resources, on a real host folder. */
class WasmReadOnlyViewTest {
  private static final FileTime T = FileTime.from(Instant.parse("2020-03-04T05:06:07Z"));

  @TempDir Path tmp;
  private Path host;
  private ReadOnlyFileSystem fs;

  @BeforeEach
  void setUp() throws IOException {
    host = Files.createDirectories(tmp.resolve("resources"));
    Files.writeString(host.resolve("b.txt"), "bee");
    Files.writeString(host.resolve("a.txt"), "ay");
    Files.createDirectories(host.resolve("dir"));
    Files.writeString(host.resolve("dir/inner.txt"), "inner");
    Files.writeString(tmp.resolve("secret.txt"), "SECRET");
    Files.createSymbolicLink(host.resolve("out"), tmp.resolve("secret.txt"));
    Files.createSymbolicLink(host.resolve("outdir"), tmp);
    Files.createSymbolicLink(host.resolve("in"), host.resolve("a.txt"));
    fs = new ReadOnlyFileSystem(host, "/golem/resources", T);
  }

  private Path p(String s) {
    return fs.root().resolve(s);
  }

  @Test
  void readsFilesAndListsFoldersSortedWithoutLinksThatLeave() throws IOException {
    assertThat(Files.readString(p("dir/inner.txt"))).isEqualTo("inner");
    assertThat(Files.readString(p("in"))).as("a link that stays inside works").isEqualTo("ay");
    try (Stream<Path> s = Files.list(fs.root())) {
      assertThat(s.map(x -> x.getFileName().toString()))
          .containsExactly("a.txt", "b.txt", "dir", "in");
    }
  }

  @Test
  void dotDotCannotClimbAboveTheRootAndLinksOutLookAbsent() {
    assertThat(fs.getPath("/../../secret.txt").normalize().toString()).isEqualTo("/secret.txt");
    assertThatThrownBy(() -> Files.readString(p("../../secret.txt")))
        .isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> Files.readString(p("out"))).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> Files.readString(p("outdir/secret.txt")))
        .isInstanceOf(NoSuchFileException.class);
    assertThat(Files.exists(p("out"))).isFalse();
  }

  @Test
  void everyWayOfWritingIsAViolationAndNothingChanges() throws IOException {
    List<ThrowingRunnable> writes =
        List.of(
            () -> Files.writeString(p("new.txt"), "x"),
            () -> FileChannel.open(p("a.txt"), StandardOpenOption.WRITE),
            () -> FileChannel.open(p("a.txt"), StandardOpenOption.APPEND),
            () ->
                Files.newByteChannel(
                    p("a.txt"), StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING),
            () -> Files.delete(p("a.txt")),
            () -> Files.createDirectory(p("d2")),
            () -> Files.move(p("a.txt"), p("c.txt")),
            () -> Files.copy(p("a.txt"), p("c.txt")),
            () -> Files.createSymbolicLink(p("l"), p("a.txt")),
            () -> Files.createLink(p("l"), p("a.txt")),
            () -> Files.setLastModifiedTime(p("a.txt"), FileTime.fromMillis(0)),
            () ->
                Files.getFileAttributeView(p("a.txt"), BasicFileAttributeView.class)
                    .setTimes(null, null, null));
    for (ThrowingRunnable w : writes) {
      assertThatThrownBy(w::run)
          .isInstanceOf(ReadOnlyFileSystem.Violation.class)
          .hasMessageContaining("/golem/resources is read-only");
    }
    assertThat(fs.violation())
        .isEqualTo("open for writing /golem/resources/new.txt: /golem/resources is read-only");
    try (Stream<Path> s = Files.list(host)) {
      assertThat(s.map(x -> x.getFileName().toString()))
          .containsExactlyInAnyOrder("a.txt", "b.txt", "dir", "out", "outdir", "in");
    }
    assertThat(Files.readString(host.resolve("a.txt"))).isEqualTo("ay");
  }

  @Test
  void aChannelOpenedForReadingCannotWrite() throws IOException {
    try (FileChannel c = FileChannel.open(p("a.txt"), StandardOpenOption.READ)) {
      assertThatThrownBy(() -> c.write(ByteBuffer.wrap("zz".getBytes(StandardCharsets.US_ASCII))))
          .isInstanceOf(NonWritableChannelException.class);
    }
    assertThatThrownBy(() -> fs.provider().checkAccess(p("a.txt"), AccessMode.WRITE))
        .isInstanceOf(IOException.class);
  }

  @Test
  void attributesAreSynthesizedAndTheSameOnEveryHost() throws IOException {
    BasicFileAttributes a = Files.readAttributes(p("b.txt"), BasicFileAttributes.class);
    assertThat(a.size()).isEqualTo(3);
    assertThat(a.lastModifiedTime()).isEqualTo(T);
    assertThat(a.isRegularFile()).isTrue();
    Map<String, Object> unix = Files.readAttributes(p("dir"), "unix:*");
    assertThat(unix)
        .containsEntry("isDirectory", true)
        .containsEntry("uid", 0)
        .containsEntry("dev", 1L)
        .containsEntry("lastModifiedTime", T)
        .containsEntry("ctime", T)
        .containsEntry("isSymbolicLink", false);
    var sameFolderElsewhere = new ReadOnlyFileSystem(host, "/x", T);
    assertThat(Files.readAttributes(sameFolderElsewhere.root().resolve("dir"), "unix:ino"))
        .isEqualTo(Map.of("ino", unix.get("ino")));
    assertThat(Files.readAttributes(p("a.txt"), "unix:ino").get("ino"))
        .isNotEqualTo(unix.get("ino"));
    assertThat(Files.readAttributes(p("a.txt"), "size,isRegularFile"))
        .containsOnlyKeys("size", "isRegularFile");
  }

  @Test
  void pathsBehaveLikePaths() {
    Path a = fs.getPath("/x/./y/../z");
    assertThat(a.normalize().toString()).isEqualTo("/x/z");
    assertThat(a.isAbsolute()).isTrue();
    assertThat(fs.getPath("x", "y").toString()).isEqualTo("x/y");
    assertThat(fs.getPath("../q").normalize().toString()).isEqualTo("../q");
    assertThat(fs.getPath("/x/y").relativize(fs.getPath("/x/z/w")).toString()).isEqualTo("../z/w");
    assertThat(fs.getPath("/x/y").getParent()).isEqualTo(fs.getPath("/x"));
    assertThat(fs.getPath("/x").getParent()).isEqualTo(fs.root());
    assertThat(fs.getPath("/x/y").startsWith(fs.getPath("/x"))).isTrue();
    assertThat(fs.getPath("/x/y").endsWith(fs.getPath("y"))).isTrue();
    assertThat(fs.getPath("/x/y").getFileName().toString()).isEqualTo("y");
    assertThatThrownBy(() -> fs.getPath("a\0b"))
        .isInstanceOf(java.nio.file.InvalidPathException.class);
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }
}

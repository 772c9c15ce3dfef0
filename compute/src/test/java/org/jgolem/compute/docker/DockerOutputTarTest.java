package org.jgolem.compute.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.jgolem.compute.ComputeException;
import org.jgolem.compute.FailureReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OutputTar against hand-made archives: what a hostile subtask's tar stream could contain. No
 * engine needed.
 */
class DockerOutputTarTest {
  @TempDir Path out;

  /** Builds an archive entry by entry. */
  static final class Tar {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

    Tar() {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    Tar dir(String name) throws IOException {
      tar.putArchiveEntry(new TarArchiveEntry(name.endsWith("/") ? name : name + "/"));
      tar.closeArchiveEntry();
      return this;
    }

    Tar file(String name, byte[] content) throws IOException {
      TarArchiveEntry e =
          new TarArchiveEntry(name, true); // keep a leading '/' as a hostile tar would
      e.setSize(content.length);
      tar.putArchiveEntry(e);
      tar.write(content);
      tar.closeArchiveEntry();
      return this;
    }

    Tar file(String name, String content) throws IOException {
      return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    Tar special(String name, byte type, String linkTarget) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name, type);
      if (linkTarget != null) e.setLinkName(linkTarget);
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
      return this;
    }

    InputStream stream() throws IOException {
      tar.finish();
      return new ByteArrayInputStream(bytes.toByteArray());
    }
  }

  private static FailureReason refuse(InputStream in, Path dest, long maxBytes, int maxEntries) {
    try {
      new OutputTar(maxBytes, maxEntries).extract(in, dest);
    } catch (ComputeException e) {
      return e.reason();
    } catch (IOException e) {
      throw new AssertionError("I/O failure instead of a typed refusal", e);
    }
    throw new AssertionError("the archive was accepted");
  }

  private long count(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.count() - 1;
    }
  }

  @Test
  void extractsFilesAndFoldersByteExact() throws Exception {
    byte[] big = new byte[200_000];
    new Random(7).nextBytes(big);
    String longName = "deep/" + "x".repeat(150) + "/file.bin";
    InputStream in =
        new Tar()
                .dir("./")
                .dir("./deep")
                .file("./deep/a.txt", "alpha")
                .file("./big.bin", big)
                .file(longName, big)
                .file("./empty", new byte[0])
                .stream();
    OutputTar t = new OutputTar(1_000_000, 100);
    t.extract(in, out);
    assertThat(Files.readString(out.resolve("deep/a.txt"))).isEqualTo("alpha");
    assertThat(Files.readAllBytes(out.resolve("big.bin"))).isEqualTo(big);
    assertThat(Files.readAllBytes(out.resolve(longName))).isEqualTo(big);
    assertThat(Files.size(out.resolve("empty"))).isZero();
    assertThat(t.bytes()).isEqualTo(5 + 2L * big.length);
    assertThat(t.entries())
        .isEqualTo(
            5); // deep, deep/a.txt, big.bin, the long name, empty ("./" is the folder itself)
  }

  @Test
  void checksWithoutWritingWhenThereIsNoDestination() throws Exception {
    OutputTar t = new OutputTar(100, 10);
    t.extract(new Tar().file("a", "12345").file("b", "678").stream(), null);
    assertThat(t.bytes()).isEqualTo(8);
    assertThat(count(out)).isZero();
    assertThat(refuse(new Tar().file("a", new byte[101]).stream(), null, 100, 10))
        .isEqualTo(FailureReason.OUTPUT_TOO_LARGE);
  }

  @Test
  void refusesPathsThatLeaveTheOutputFolder() throws Exception {
    for (String bad :
        new String[] {
          "../evil", "./../evil", "a/../../evil", "sub/../../../etc/passwd", "/etc/passwd", "/abs"
        }) {
      assertThat(refuse(new Tar().file(bad, "x").stream(), out, 100, 10))
          .as(bad)
          .isEqualTo(FailureReason.TRAPPED);
    }
    assertThat(Files.exists(out.getParent().resolve("evil"))).isFalse();
    assertThat(count(out)).isZero();
  }

  @Test
  void refusesLinksDevicesAndPipes() throws Exception {
    assertThat(
            refuse(
                new Tar().special("s", TarConstants.LF_SYMLINK, "/etc/shadow").stream(),
                out,
                100,
                10))
        .isEqualTo(FailureReason.TRAPPED);
    assertThat(
            refuse(
                new Tar().file("a", "x").special("h", TarConstants.LF_LINK, "a").stream(),
                Files.createDirectory(out.resolve("x")),
                100,
                10))
        .isEqualTo(FailureReason.TRAPPED);
    assertThat(refuse(new Tar().special("c", TarConstants.LF_CHR, null).stream(), out, 100, 10))
        .isEqualTo(FailureReason.TRAPPED);
    assertThat(refuse(new Tar().special("b", TarConstants.LF_BLK, null).stream(), out, 100, 10))
        .isEqualTo(FailureReason.TRAPPED);
    assertThat(refuse(new Tar().special("p", TarConstants.LF_FIFO, null).stream(), out, 100, 10))
        .isEqualTo(FailureReason.TRAPPED);
    assertThat(Files.exists(out.resolve("s"))).isFalse();
  }

  @Test
  void refusesAFileThatWouldGoThroughASymlinkOrReplaceAFolder() throws Exception {
    // a symlink can never be created, so a later "s/x" cannot follow one; a file and a folder of
    // one name clash
    assertThat(refuse(new Tar().file("a", "x").file("a/b", "y").stream(), out, 100, 10))
        .isEqualTo(FailureReason.TRAPPED);
    Path second = Files.createDirectory(out.resolve("second"));
    assertThat(refuse(new Tar().file("a", "x").file("a", "y").stream(), second, 100, 10))
        .isEqualTo(FailureReason.TRAPPED);
  }

  @Test
  void refusesTooMuchContentBeforeReadingIt() throws Exception {
    // a header that announces 4 GiB, followed by nothing: refused from the header alone
    TarArchiveEntry e = new TarArchiveEntry("huge");
    e.setSize(4L << 30);
    byte[] header = new byte[512];
    e.writeEntryHeader(header);
    assertThat(refuse(new ByteArrayInputStream(header), out, 8 << 20, 10))
        .isEqualTo(FailureReason.OUTPUT_TOO_LARGE);
    Path second = Files.createDirectory(out.resolve("second"));
    assertThat(
            refuse(
                new Tar().file("a", new byte[60]).file("b", new byte[41]).stream(),
                second,
                100,
                10))
        .isEqualTo(FailureReason.OUTPUT_TOO_LARGE);
  }

  @Test
  void refusesTooManyEntries() throws Exception {
    Tar t = new Tar();
    for (int i = 0; i < 11; i++) t.file("f" + i, "");
    assertThat(refuse(t.stream(), out, 100, 10)).isEqualTo(FailureReason.OUTPUT_TOO_LARGE);
  }

  @Test
  void relativePathsAreNormalised() throws Exception {
    assertThat(OutputTar.relativePath("./")).isEmpty();
    assertThat(OutputTar.relativePath("./a/b/")).isEqualTo("a/b");
    assertThat(OutputTar.relativePath("a//./b")).isEqualTo("a/b");
    assertThatThrownBy(() -> OutputTar.relativePath("a/" + "x".repeat(OutputTar.MAX_PATH_CHARS)))
        .isInstanceOf(ComputeException.class)
        .hasMessageContaining("longer than");
  }
}

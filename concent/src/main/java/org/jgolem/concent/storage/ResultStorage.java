package org.jgolem.concent.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.jgolem.ipfs.multiformats.Cid;

/**
 * Concent's storage of uploaded results (use case 2): a folder of CAR files, each named by the CID
 * of its root ({@code <dir>/<cid>.car}), so the name says what the content is and the content was
 * checked against it. An upload is written to {@code <dir>/tmp/} first, verified there by {@link
 * CarVerifier}, and only then moved into place, atomically: a reader never sees a partial or an
 * unverified file, and a crash leaves at most a temp file, removed at the next start.
 */
public final class ResultStorage {
  private final Path dir;
  private final Path tmp;

  private ResultStorage(Path dir) {
    this.dir = dir;
    this.tmp = dir.resolve("tmp");
  }

  /** Opens (creating) the storage in {@code dir} and removes the temp files a crash left. */
  public static ResultStorage open(Path dir) throws IOException {
    ResultStorage s = new ResultStorage(dir.toAbsolutePath());
    Files.createDirectories(s.tmp);
    try (DirectoryStream<Path> left = Files.newDirectoryStream(s.tmp)) {
      for (Path p : left) {
        Files.deleteIfExists(p);
      }
    }
    return s;
  }

  public Path dir() {
    return dir;
  }

  /** A new, empty temp file for an upload in progress; the caller deletes it if it gives up. */
  public Path newUpload() throws IOException {
    return Files.createTempFile(tmp, "upload-", ".car");
  }

  /**
   * Verifies the CAR in {@code upload} (a file of {@link #newUpload}) as the complete DAG of {@code
   * root} and moves it into the storage. The temp file is gone afterwards, kept or not.
   *
   * @return what was stored
   * @throws CarRejectedException the CAR is not that DAG (nothing is kept)
   */
  public CarVerifier.Verified keep(Path upload, Cid root) throws IOException, CarRejectedException {
    try {
      CarVerifier.Verified v;
      try (InputStream in =
          new java.io.BufferedInputStream(Files.newInputStream(upload), 1 << 16)) {
        v = CarVerifier.verify(in, root);
      }
      Path target = pathOf(root);
      try {
        Files.move(
            upload, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(upload, target, StandardCopyOption.REPLACE_EXISTING);
      }
      return v;
    } finally {
      Files.deleteIfExists(upload);
    }
  }

  /** The stored CAR of {@code root}, if it is stored. */
  public Optional<Path> find(Cid root) {
    Path p = pathOf(root);
    return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }

  public boolean has(Cid root) {
    return find(root).isPresent();
  }

  private Path pathOf(Cid root) {
    return dir.resolve(root + ".car"); // base32 or base58: never a separator or a dot-dot
  }
}

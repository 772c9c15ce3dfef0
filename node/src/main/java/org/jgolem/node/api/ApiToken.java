package org.jgolem.node.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The secret that guards the REST API: 32 random bytes as 64 lower-case hex digits in {@code
 * <dataDir>/}{@value #FILE}, created at the node's first start with mode 0600 and reused
 * afterwards. Clients send it as {@code Authorization: Bearer <token>}; {@link #matches} compares
 * in constant time.
 */
public final class ApiToken {
  public static final String FILE = "api-token";
  private static final Pattern FORMAT = Pattern.compile("[0-9a-f]{64}");
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private final Path file;
  private final byte[] token;

  private ApiToken(Path file, String token) {
    this.file = file;
    this.token = token.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Reads {@code <dataDir>/api-token}, or creates it (and the folder) if it does not exist. An
   * existing file that other users may read, or that does not hold a token, is refused with a
   * message saying how to fix it.
   */
  public static ApiToken loadOrCreate(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      create(dataDir, file);
    }
    checkOwnerOnly(file);
    return new ApiToken(file, read(file));
  }

  /** The token in {@code file}, checked for format (for clients: no permission check). */
  public static String read(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
    if (!FORMAT.matcher(text).matches()) {
      throw new IOException(
          "the API token file "
              + file
              + " does not hold a token (64 lower-case hex digits);"
              + " delete it and restart the node to create a new one");
    }
    return text;
  }

  public Path file() {
    return file;
  }

  /** The token, for clients in the same process (tests, the daemon's own tools). */
  public String value() {
    return new String(token, StandardCharsets.US_ASCII);
  }

  /**
   * Whether {@code presented} is the token; the time taken does not depend on where they differ.
   */
  public boolean matches(String presented) {
    if (presented == null) {
      return false;
    }
    return MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.US_ASCII));
  }

  private static void create(Path dataDir, Path file) throws IOException {
    boolean posix = dataDir.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (!Files.isDirectory(dataDir)) {
      if (posix) {
        Files.createDirectories(
            dataDir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectories(dataDir);
      }
    }
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String hex = HexFormat.of().formatHex(random) + "\n";
    FileAttribute<?>[] attrs =
        posix
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
            : new FileAttribute<?>[0];
    Path tmp = Files.createTempFile(dataDir, ".api-token", ".tmp", attrs);
    try {
      if (posix) {
        Files.setPosixFilePermissions(
            tmp, OWNER_ONLY); // the umask may have taken bits away; set exactly 0600
      }
      Files.writeString(tmp, hex, StandardCharsets.US_ASCII);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE); // never a half-written token file
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void checkOwnerOnly(Path file) throws IOException {
    PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (view == null) {
      return;
    }
    Set<PosixFilePermission> perms = view.readAttributes().permissions();
    if (!OWNER_ONLY.containsAll(perms)) {
      throw new IOException(
          "the API token file "
              + file
              + " is accessible to other users ("
              + PosixFilePermissions.toString(perms)
              + "); anyone who reads it controls the node. Run: chmod 600 "
              + file);
    }
  }
}

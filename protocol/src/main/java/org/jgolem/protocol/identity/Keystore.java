package org.jgolem.protocol.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Wallet;
import org.web3j.crypto.WalletFile;
import org.web3j.crypto.WalletUtils;
import org.web3j.crypto.exception.CipherException;

/**
 * The node key in a standard Ethereum V3 keystore file (scrypt + AES-128-CTR), readable by other
 * Ethereum tools. The password comes from a file or an environment variable, never the command line
 * (where other users could read it in the process list).
 */
public final class Keystore {
  /** Where the password comes from. */
  public sealed interface Password permits Password.FromFile, Password.FromEnv {
    String read();

    record FromFile(Path file) implements Password {
      @Override
      public String read() {
        try {
          String p = Files.readString(file).strip();
          if (p.isEmpty()) {
            throw new IllegalArgumentException("password file " + file + " is empty");
          }
          return p;
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the password file " + file, e);
        }
      }
    }

    record FromEnv(String variable) implements Password {
      @Override
      public String read() {
        String p = System.getenv(variable);
        if (p == null || p.isEmpty()) {
          throw new IllegalArgumentException(
              "environment variable " + variable + " holds no password");
        }
        return p;
      }
    }
  }

  /** What {@link #loadOrCreate} did. */
  public record Loaded(NodeKey key, Path file, boolean created) {}

  private Keystore() {}

  /**
   * Loads the key from {@code file}, or creates a new key there (owner-only permissions) if the
   * file does not exist.
   */
  public static Loaded loadOrCreate(Path file, Password password) {
    if (Files.exists(file)) {
      return new Loaded(load(file, password), file, false);
    }
    NodeKey key = NodeKey.generate();
    write(file, key, password);
    return new Loaded(key, file, true);
  }

  public static NodeKey load(Path file, Password password) {
    try {
      Credentials c = WalletUtils.loadCredentials(password.read(), file.toFile());
      return NodeKey.of(c.getEcKeyPair());
    } catch (CipherException e) {
      throw new IllegalArgumentException(
          "cannot decrypt keystore " + file + ": wrong password?", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read keystore " + file + ": " + e.getMessage(), e);
    }
  }

  public static void write(Path file, NodeKey key, Password password) {
    try {
      WalletFile wallet = Wallet.createLight(password.read(), key.keyPair());
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".keystore", ".tmp");
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      new com.fasterxml.jackson.databind.ObjectMapper().writeValue(tmp.toFile(), wallet);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (CipherException e) {
      throw new IllegalStateException("cannot encrypt the keystore", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write keystore " + file, e);
    }
  }
}

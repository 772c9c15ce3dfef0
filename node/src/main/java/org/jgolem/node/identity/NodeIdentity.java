package org.jgolem.node.identity;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jgolem.protocol.identity.Keystore;
import org.jgolem.protocol.identity.NodeKey;

/**
 * The node's key at start-up: {@code <dataDir>/keystore.json}, created on first start. The password
 * comes from the file named by {@code JGOLEM_PASSWORD_FILE}, or from {@code JGOLEM_PASSWORD}, never
 * from the command line.
 */
public final class NodeIdentity {
  public static final String KEYSTORE_FILE = "keystore.json";
  public static final String PASSWORD_FILE_ENV = "JGOLEM_PASSWORD_FILE";
  public static final String PASSWORD_ENV = "JGOLEM_PASSWORD";

  private NodeIdentity() {}

  /** Picks the password source from the environment, or explains what to set. */
  public static Keystore.Password passwordFrom(Map<String, String> env) {
    String file = env.get(PASSWORD_FILE_ENV);
    if (file != null && !file.isBlank()) {
      return new Keystore.Password.FromFile(Path.of(file));
    }
    if (env.get(PASSWORD_ENV) != null && !env.get(PASSWORD_ENV).isEmpty()) {
      return new Keystore.Password.FromEnv(PASSWORD_ENV);
    }
    throw new IllegalArgumentException(
        "the node keystore needs a password: set "
            + PASSWORD_FILE_ENV
            + " to a file holding it, or "
            + PASSWORD_ENV
            + " (never pass it on the command line)");
  }

  /** Loads the node key, creating the keystore on first start and telling the user where it is. */
  public static NodeKey loadOrCreate(Path dataDir, Keystore.Password password, PrintStream out) {
    Path file = dataDir.resolve(KEYSTORE_FILE);
    boolean existed = Files.exists(file);
    Keystore.Loaded loaded = Keystore.loadOrCreate(file, password);
    if (loaded.created() && !existed) {
      out.printf(
          "Created a new node key in %s%nNode id (Ethereum address): %s%n"
              + "Back this file up together with its password: it holds the key that receives your payments.%n",
          file.toAbsolutePath(), loaded.key().address());
    }
    return loaded.key();
  }
}

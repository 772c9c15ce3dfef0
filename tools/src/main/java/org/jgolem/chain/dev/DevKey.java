package org.jgolem.chain.dev;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.web3j.utils.Numeric;

/**
 * Writes the private key of dev account N (public knowledge: derived from the dev mnemonic) to a
 * file readable only by its owner, for a local Besu dev validator. Keys are never committed. Usage:
 * {@code DevKey INDEX FILE}.
 */
public final class DevKey {
  private DevKey() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: DevKey INDEX FILE");
      System.exit(2);
    }
    var key = DevAccounts.account(Integer.parseInt(args[0])).getEcKeyPair().getPrivateKey();
    Path file = Path.of(args[1]);
    Files.writeString(file, Numeric.toHexStringWithPrefixZeroPadded(key, 64) + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    System.out.println("wrote the key of dev account " + args[0] + " to " + file);
  }
}

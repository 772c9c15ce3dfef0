package org.jgolem.chain.dev;

import org.web3j.crypto.Bip32ECKeyPair;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.MnemonicUtils;

/**
 * The deterministic, publicly known accounts of a development chain: anvil's and Hardhat's default
 * mnemonic, BIP-44 path m/44'/60'/0'/0/i. Derived at run time so that no key is committed. These
 * keys are public knowledge: never use them on a network with real value.
 */
public final class DevAccounts {
  public static final String MNEMONIC =
      "test test test test test test test test test test test junk";
  private static final int H = Bip32ECKeyPair.HARDENED_BIT;
  private static final Bip32ECKeyPair MASTER =
      Bip32ECKeyPair.generateKeyPair(MnemonicUtils.generateSeed(MNEMONIC, ""));
  private static final Credentials[] CACHE = new Credentials[64];

  /** Roles in the default dev deployment. */
  public static final int DEPLOYER = 0;

  public static final int CONCENT = 1;
  public static final int COLDWALLET = 2;

  private DevAccounts() {}

  public static synchronized Credentials account(int index) {
    if (index < 0 || index >= CACHE.length) {
      throw new IllegalArgumentException(
          "dev account index out of 0.." + (CACHE.length - 1) + ": " + index);
    }
    if (CACHE[index] == null) {
      CACHE[index] =
          Credentials.create(
              Bip32ECKeyPair.deriveKeyPair(MASTER, new int[] {44 | H, 60 | H, H, 0, index}));
    }
    return CACHE[index];
  }
}

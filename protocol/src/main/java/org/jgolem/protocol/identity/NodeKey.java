package org.jgolem.protocol.identity;

import java.math.BigInteger;
import java.security.SecureRandom;
import org.jgolem.eth.Address;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * A node's secp256k1 key. The node id is its Ethereum address; the same key signs protocol messages
 * and on-chain transactions.
 */
public final class NodeKey {
  private final ECKeyPair keyPair;
  private final Address address;

  private NodeKey(ECKeyPair keyPair) {
    this.keyPair = keyPair;
    this.address = Secp256k1.address(keyPair);
  }

  public static NodeKey generate() {
    try {
      return new NodeKey(Keys.createEcKeyPair(new SecureRandom()));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a secp256k1 key", e);
    }
  }

  public static NodeKey of(ECKeyPair keyPair) {
    return new NodeKey(keyPair);
  }

  public static NodeKey fromPrivateKey(BigInteger privateKey) {
    if (privateKey.signum() <= 0 || privateKey.compareTo(Secp256k1.N) >= 0) {
      throw new IllegalArgumentException("not a secp256k1 private key");
    }
    return new NodeKey(ECKeyPair.create(privateKey));
  }

  /** The node id. */
  public Address address() {
    return address;
  }

  public Signature sign(byte[] digest) {
    return Secp256k1.sign(digest, keyPair);
  }

  /** For signing transactions and notes with web3j; keep it inside adapters. */
  public ECKeyPair keyPair() {
    return keyPair;
  }

  @Override
  public String toString() {
    return "NodeKey[" + address + "]"; // never the private key
  }
}

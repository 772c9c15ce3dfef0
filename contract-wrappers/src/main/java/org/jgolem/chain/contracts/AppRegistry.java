package org.jgolem.chain.contracts;

import java.math.BigInteger;
import org.jgolem.eth.Address;
import org.jgolem.eth.TxResult;

/** The application registry, as seen by one account (a vendor, an auditor or the owner). */
public interface AppRegistry {
  enum Environment {
    DOCKER,
    WASM
  }

  record App(String name, Address vendor, long versionCount) {}

  record AppVersion(
      String manifestCid,
      Environment environment,
      BigInteger royaltyPerSubtask,
      Address payout,
      boolean deprecated,
      boolean certified,
      Address certifiedBy,
      long registeredAt) {}

  Address address();

  Address sender();

  /** keccak256 of the name, as 32 bytes. */
  byte[] appIdOf(String name);

  App app(byte[] appId);

  AppVersion version(byte[] appId, String version);

  String versionAt(byte[] appId, long index);

  boolean isAuditor(Address account);

  Address owner();

  TxResult registerVersion(
      String name,
      String version,
      String manifestCid,
      Environment env,
      BigInteger royaltyPerSubtask,
      Address payout);

  TxResult updateTerms(byte[] appId, String version, BigInteger royaltyPerSubtask, Address payout);

  TxResult deprecate(byte[] appId, String version);

  TxResult transferApp(byte[] appId, Address newVendor);

  TxResult certify(byte[] appId, String version);

  TxResult revoke(byte[] appId, String version);

  TxResult appointAuditor(Address auditor);

  TxResult removeAuditor(Address auditor);

  TxResult transferOwnership(Address newOwner);
}

package org.jgolem.chain.contracts;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.jgolem.chain.Chain;
import org.jgolem.contracts.generated.ApplicationRegistry;
import org.jgolem.eth.Address;
import org.jgolem.eth.TxResult;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;

/** {@link AppRegistry} over the generated wrapper. */
public final class AppRegistryGateway extends ContractGateway implements AppRegistry {
  private final ApplicationRegistry registry;

  public AppRegistryGateway(Chain chain, Address address, Credentials credentials) {
    super(chain, chain.signer(credentials), address);
    this.registry = ApplicationRegistry.load(address.hex(), chain.web3j(), signer, IGNORED_GAS);
  }

  @Override
  public byte[] appIdOf(String name) {
    return Hash.sha3(name.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public App app(byte[] appId) {
    var t = view("ApplicationRegistry.getApp", registry.getApp(appId));
    return new App(t.component1(), Address.of(t.component2()), t.component3().longValueExact());
  }

  @Override
  public AppVersion version(byte[] appId, String version) {
    var t = view("ApplicationRegistry.getVersion", registry.getVersion(appId, version));
    return new AppVersion(
        t.component1(),
        Environment.values()[t.component2().intValueExact()],
        t.component3(),
        Address.of(t.component4()),
        t.component5(),
        t.component6(),
        Address.of(t.component7()),
        t.component8().longValueExact());
  }

  @Override
  public String versionAt(byte[] appId, long index) {
    return view(
        "ApplicationRegistry.versionAt", registry.versionAt(appId, BigInteger.valueOf(index)));
  }

  @Override
  public boolean isAuditor(Address account) {
    return view("ApplicationRegistry.isAuditor", registry.isAuditor(account.hex()));
  }

  @Override
  public Address owner() {
    return Address.of(view("ApplicationRegistry.owner", registry.owner()));
  }

  @Override
  public TxResult registerVersion(
      String name,
      String version,
      String manifestCid,
      Environment env,
      BigInteger royalty,
      Address payout) {
    return tx(
        "ApplicationRegistry.registerVersion",
        registry.registerVersion(
            name, version, manifestCid, BigInteger.valueOf(env.ordinal()), royalty, payout.hex()));
  }

  @Override
  public TxResult updateTerms(byte[] appId, String version, BigInteger royalty, Address payout) {
    return tx(
        "ApplicationRegistry.updateTerms",
        registry.updateTerms(appId, version, royalty, payout.hex()));
  }

  @Override
  public TxResult deprecate(byte[] appId, String version) {
    return tx("ApplicationRegistry.deprecate", registry.deprecate(appId, version));
  }

  @Override
  public TxResult transferApp(byte[] appId, Address newVendor) {
    return tx("ApplicationRegistry.transferApp", registry.transferApp(appId, newVendor.hex()));
  }

  @Override
  public TxResult certify(byte[] appId, String version) {
    return tx("ApplicationRegistry.certify", registry.certify(appId, version));
  }

  @Override
  public TxResult revoke(byte[] appId, String version) {
    return tx("ApplicationRegistry.revoke", registry.revoke(appId, version));
  }

  @Override
  public TxResult appointAuditor(Address auditor) {
    return tx("ApplicationRegistry.appointAuditor", registry.appointAuditor(auditor.hex()));
  }

  @Override
  public TxResult removeAuditor(Address auditor) {
    return tx("ApplicationRegistry.removeAuditor", registry.removeAuditor(auditor.hex()));
  }

  @Override
  public TxResult transferOwnership(Address newOwner) {
    return tx("ApplicationRegistry.transferOwnership", registry.transferOwnership(newOwner.hex()));
  }
}

package org.jgolem.chain.bench;

import org.jgolem.chain.Chain;
import org.jgolem.chain.deploy.Deployer;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.chain.dev.DevAccounts;
import org.jgolem.eth.Address;
import org.jgolem.testkit.Anvil;
import org.web3j.crypto.Credentials;

/** {@code scripts/bench gas}: deploys to a fresh anvil and prints the gas figures. */
public final class GasBench {
  private GasBench() {}

  public static void main(String[] args) {
    try (Anvil dev = Anvil.start(4);
        Chain chain = Chain.connect(dev.rpcUrl())) {
      Credentials payer = DevAccounts.account(DevAccounts.DEPLOYER);
      Address me = Address.of(payer.getAddress());
      Deployment d = Deployer.deploy(chain, payer, Deployer.Params.devDefaults(me, me, me));
      GasMeasurement.Result r = GasMeasurement.measure(chain, d.token(), payer, 20261121L);
      System.out.printf(
          "gas batch100-existing per-payment=%d%n", Math.round(r.perPaymentExisting()));
      System.out.printf("gas batch100-new per-payment=%d%n", Math.round(r.perPaymentNew()));
      System.out.printf(
          "gas erc20-transfer existing=%d new=%d%n", r.transferExisting(), r.transferNew());
      System.out.printf(
          "gas batch100-existing-without-access-list per-payment=%d%n",
          Math.round(r.perPaymentExistingNoAccessList()));
      System.out.printf(
          "gas batch100-new-without-access-list per-payment=%d%n",
          Math.round(r.perPaymentNewNoAccessList()));
      System.out.printf(
          "gas targets existing<=%d new<=%d (issue #2); payments 0.001..1 GNT, random payees%n",
          GasMeasurement.TARGET_EXISTING, GasMeasurement.TARGET_NEW);
    }
  }
}

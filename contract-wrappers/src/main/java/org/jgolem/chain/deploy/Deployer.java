package org.jgolem.chain.deploy;

import java.math.BigInteger;
import org.jgolem.chain.Chain;
import org.jgolem.chain.LocalSigningTransactionManager;
import org.jgolem.chain.Rpc;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.contracts.generated.ApplicationRegistry;
import org.jgolem.contracts.generated.GNTDeposit;
import org.jgolem.contracts.generated.GNTFaucet;
import org.jgolem.contracts.generated.GolemNetworkToken;
import org.jgolem.eth.Address;
import org.web3j.crypto.Credentials;
import org.web3j.tx.gas.ContractGasProvider;
import org.web3j.tx.gas.StaticEIP1559GasProvider;

/** Deploys GNT, the Concent deposit, the application registry and, on test chains, the faucet. */
public final class Deployer {
  private static final BigInteger GNT = BigInteger.TEN.pow(18);

  /** What to deploy with. Amounts in GNT base units; the delay in seconds. */
  public record Params(
      Address tokenHolder,
      BigInteger totalSupply,
      Address concent,
      Address coldwallet,
      long withdrawalDelaySeconds,
      BigInteger maximumDepositAmount,
      BigInteger maximumDepositsTotal,
      BigInteger dailyReimbursementLimit,
      boolean faucet,
      BigInteger faucetFunding) {

    /** Golem's supply (10^9 GNT), a 1-day withdrawal delay, generous caps, and a faucet. */
    public static Params devDefaults(Address holder, Address concent, Address coldwallet) {
      return new Params(
          holder,
          BigInteger.valueOf(1_000_000_000L).multiply(GNT),
          concent,
          coldwallet,
          86_400,
          BigInteger.valueOf(1_000_000).multiply(GNT),
          BigInteger.valueOf(100_000_000).multiply(GNT),
          BigInteger.valueOf(1_000_000).multiply(GNT),
          true,
          BigInteger.valueOf(10_000_000).multiply(GNT));
    }
  }

  private Deployer() {}

  public static Deployment deploy(Chain chain, Credentials deployer, Params p) {
    LocalSigningTransactionManager tm = chain.signer(deployer);
    // The signing manager estimates gas and sets fees itself; this provider only selects EIP-1559.
    ContractGasProvider gas =
        new StaticEIP1559GasProvider(
            chain.chainId(), BigInteger.ONE, BigInteger.ONE, BigInteger.ONE);
    long block = chain.blockNumber() + 1;
    GolemNetworkToken token =
        Rpc.call(
            "deploy GolemNetworkToken",
            () ->
                GolemNetworkToken.deploy(
                        chain.web3j(), tm, gas, p.tokenHolder().hex(), p.totalSupply())
                    .send());
    GNTDeposit deposit =
        Rpc.call(
            "deploy GNTDeposit",
            () ->
                GNTDeposit.deploy(
                        chain.web3j(),
                        tm,
                        gas,
                        token.getContractAddress(),
                        p.concent().hex(),
                        p.coldwallet().hex(),
                        BigInteger.valueOf(p.withdrawalDelaySeconds()),
                        p.maximumDepositAmount(),
                        p.maximumDepositsTotal(),
                        p.dailyReimbursementLimit())
                    .send());
    ApplicationRegistry registry =
        Rpc.call(
            "deploy ApplicationRegistry",
            () -> ApplicationRegistry.deploy(chain.web3j(), tm, gas).send());
    String faucet = null;
    if (p.faucet()) {
      GNTFaucet f =
          Rpc.call(
              "deploy GNTFaucet",
              () -> GNTFaucet.deploy(chain.web3j(), tm, gas, token.getContractAddress()).send());
      faucet = f.getContractAddress();
      if (p.faucetFunding().signum() > 0) {
        Address holder = p.tokenHolder();
        if (!holder.equals(Address.of(deployer.getAddress()))) {
          throw new IllegalArgumentException(
              "the faucet is funded by the token holder, which must be the deployer");
        }
        new GntTokenGateway(chain, Address.of(token.getContractAddress()), deployer)
            .transfer(Address.of(faucet), p.faucetFunding());
      }
    }
    return new Deployment(
        chain.chainId(),
        chain.rpcUrl(),
        block,
        Address.of(deployer.getAddress()).hex(),
        new Deployment.Contracts(
            Address.of(token.getContractAddress()).hex(),
            Address.of(deposit.getContractAddress()).hex(),
            Address.of(registry.getContractAddress()).hex(),
            faucet == null ? null : Address.of(faucet).hex()),
        new Deployment.Roles(p.concent().hex(), p.coldwallet().hex()));
  }
}

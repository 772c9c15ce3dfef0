package org.jgolem.chain.contracts;

import java.math.BigInteger;
import org.jgolem.chain.Chain;
import org.jgolem.contracts.generated.GNTFaucet;
import org.jgolem.eth.Address;
import org.jgolem.eth.TxResult;
import org.web3j.crypto.Credentials;

/** The test-network faucet (absent on production deployments). */
public final class FaucetGateway extends ContractGateway {
  private final GNTFaucet faucet;

  public FaucetGateway(Chain chain, Address address, Credentials credentials) {
    super(chain, chain.signer(credentials), address);
    this.faucet = GNTFaucet.load(address.hex(), chain.web3j(), signer, IGNORED_GAS);
  }

  public BigInteger dripAmount() {
    return view("GNTFaucet.DRIP", faucet.DRIP_AMOUNT());
  }

  public TxResult drip() {
    return tx("GNTFaucet.drip", faucet.drip());
  }
}

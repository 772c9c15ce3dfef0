// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IGNT} from "ITokenReceiver.sol";

/// @title Test-network faucet for GNT.
/// @notice Gives 1,000 GNT to a caller holding less than that, from tokens sent to the faucet.
/// It cannot be deployed on a chain outside the known test chain ids, so a production deployment
/// can never reach it. The token itself has no mint function.
contract GNTFaucet {
    uint256 public constant DRIP_AMOUNT = 1000 ether;

    IGNT public immutable token;

    event Dripped(address indexed to, uint256 amount);

    error NotATestChain(uint256 chainId);
    error BalanceAlreadySufficient(address account, uint256 balance);
    error FaucetEmpty(uint256 available);

    constructor(IGNT token_) {
        if (!isTestChain(block.chainid)) revert NotATestChain(block.chainid);
        token = token_;
    }

    /// anvil/hardhat 31337, geth/ganache dev 1337, Besu dev 2018, the project's Besu QBFT 1981.
    function isTestChain(uint256 chainId) public pure returns (bool) {
        return chainId == 31337 || chainId == 1337 || chainId == 2018 || chainId == 1981;
    }

    function drip() external {
        uint256 balance = token.balanceOf(msg.sender);
        if (balance >= DRIP_AMOUNT) revert BalanceAlreadySufficient(msg.sender, balance);
        uint256 available = token.balanceOf(address(this));
        if (available < DRIP_AMOUNT) revert FaucetEmpty(available);
        emit Dripped(msg.sender, DRIP_AMOUNT);
        token.transfer(msg.sender, DRIP_AMOUNT);
    }
}

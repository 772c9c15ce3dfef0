// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// Implemented by contracts that accept GNT through `transferAndCall`.
interface ITokenReceiver {
    /// Called by the token after `value` has been credited to the receiver. Must return
    /// `ITokenReceiver.onTokenReceived.selector`, or revert to refuse the tokens.
    function onTokenReceived(address from, uint256 value, bytes calldata data) external returns (bytes4);
}

/// The part of GNT the other contracts use.
interface IGNT {
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
}

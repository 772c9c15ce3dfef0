// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ITokenReceiver} from "ITokenReceiver.sol";

/// @title Golem Network Token (GNT) with batched payments.
/// @notice A full ERC20 with a fixed supply minted at deployment, an approve-race-free allowance
/// API, ERC-677-style `transferAndCall` for one-transaction deposits, and `batchTransfer`, the
/// way requestors pay many providers in one transaction.
///
/// Storage layout. Balances are not a Solidity mapping: the balance of `a` lives in storage slot
/// `uint160(a)`. That saves a keccak and two memory writes per payee in `batchTransfer`, the
/// contract's hot loop. Every other state variable is moved by `layout at` to a base above 2^255,
/// and Solidity places mapping entries at keccak-derived slots, so neither can collide with a
/// slot below 2^160. Address 0 never receives tokens, so slot 0 always reads 0.
contract GolemNetworkToken layout at 0xb6b3a7f6d7b83e4bd1e6c7a1f31d5b8b4a9c8e2e3f1d0c9b8a7f6e5d4c3b2a19 {
    string public constant name = "Golem Network Token";
    string public constant symbol = "GNT";
    uint8 public constant decimals = 18;

    /// Supplies above this could overflow a balance plus a 96-bit payment; GNT's is ~2^90.
    uint256 public constant MAX_SUPPLY = 2 ** 128;

    uint256 private _totalSupply;
    mapping(address owner => mapping(address spender => uint256)) private _allowances;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    /// One per batch: the provider matches the batch's Transfer events (same transaction) to
    /// its expected incomes up to `closureTime`.
    event BatchTransfer(address indexed from, uint64 closureTime);

    error InvalidSupply(uint256 supply);
    error InvalidHolder();
    error InsufficientBalance(address account, uint256 balance, uint256 needed);
    error InsufficientAllowance(address owner, address spender, uint256 allowance, uint256 needed);
    error TransferToZeroAddress();
    error ApproveToZeroAddress();
    error AllowanceChanged(address owner, address spender, uint256 expected, uint256 actual);
    error AllowanceBelowDecrease(address owner, address spender, uint256 allowance, uint256 decrease);
    error AllowanceOverflow(address owner, address spender, uint256 allowance, uint256 increase);
    error ClosureTimeInFuture(uint64 closureTime, uint256 blockTime);
    error EmptyBatch();
    error PaymentToZeroAddress(uint256 index);
    error PaymentToSender(uint256 index);
    error ZeroValuePayment(uint256 index);
    error ReceiverNotContract(address receiver);
    error ReceiverRejected(address receiver);

    uint256 private constant ADDRESS_MASK = (1 << 160) - 1;
    /// keccak256("Transfer(address,address,uint256)")
    bytes32 private constant TRANSFER_TOPIC = 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef;

    constructor(address holder, uint256 supply) {
        if (holder == address(0)) revert InvalidHolder();
        if (supply == 0 || supply > MAX_SUPPLY) revert InvalidSupply(supply);
        _totalSupply = supply;
        _setBalance(holder, supply);
        emit Transfer(address(0), holder, supply);
    }

    // ---------------------------------------------------------------- ERC20 views

    function totalSupply() external view returns (uint256) {
        return _totalSupply;
    }

    function balanceOf(address account) public view returns (uint256 b) {
        assembly ("memory-safe") {
            b := sload(account)
        }
    }

    function allowance(address owner, address spender) external view returns (uint256) {
        return _allowances[owner][spender];
    }

    // ---------------------------------------------------------------- transfers

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = _allowances[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < value) revert InsufficientAllowance(from, msg.sender, allowed, value);
            unchecked {
                _approve(from, msg.sender, allowed - value);
            }
        }
        _transfer(from, to, value);
        return true;
    }

    /// @notice ERC-677-style transfer that then calls `onTokenReceived` on the receiving
    /// contract, which must return its selector. A deposit is thus one transaction.
    /// Sending to an account without code fails closed instead of silently skipping the call.
    function transferAndCall(address to, uint256 value, bytes calldata data) external returns (bool) {
        if (to.code.length == 0) revert ReceiverNotContract(to);
        _transfer(msg.sender, to, value);
        if (ITokenReceiver(to).onTokenReceived(msg.sender, value, data) != ITokenReceiver.onTokenReceived.selector) {
            revert ReceiverRejected(to);
        }
        return true;
    }

    /// @notice Destroys tokens of the caller and lowers the total supply (audit TOB-13, TOB-08:
    /// no "burn address" holding live tokens).
    function burn(uint256 value) external {
        uint256 b = balanceOf(msg.sender);
        if (b < value) revert InsufficientBalance(msg.sender, b, value);
        unchecked {
            _setBalance(msg.sender, b - value);
            _totalSupply -= value;
        }
        emit Transfer(msg.sender, address(0), value);
    }

    // ---------------------------------------------------------------- allowances (TOB-02)

    /// Plain ERC20 approve, kept for compatibility. Changing a non-zero allowance with it is open
    /// to the well-known race; use compareAndApprove, increaseAllowance or decreaseAllowance.
    function approve(address spender, uint256 value) external returns (bool) {
        _approve(msg.sender, spender, value);
        return true;
    }

    /// @notice Sets the allowance only if it still equals `expected`. A spender that front-runs
    /// the change by spending the old allowance makes this revert instead of getting both.
    function compareAndApprove(address spender, uint256 expected, uint256 value) external returns (bool) {
        uint256 current = _allowances[msg.sender][spender];
        if (current != expected) revert AllowanceChanged(msg.sender, spender, expected, current);
        _approve(msg.sender, spender, value);
        return true;
    }

    function increaseAllowance(address spender, uint256 increase) external returns (bool) {
        uint256 current = _allowances[msg.sender][spender];
        if (type(uint256).max - current < increase) revert AllowanceOverflow(msg.sender, spender, current, increase);
        _approve(msg.sender, spender, current + increase);
        return true;
    }

    function decreaseAllowance(address spender, uint256 decrease) external returns (bool) {
        uint256 current = _allowances[msg.sender][spender];
        if (current < decrease) revert AllowanceBelowDecrease(msg.sender, spender, current, decrease);
        unchecked {
            _approve(msg.sender, spender, current - decrease);
        }
        return true;
    }

    // ---------------------------------------------------------------- batch payments

    /// @notice Pays many payees in one transaction. Each word packs the value in its top 96 bits
    /// and the payee in its low 160 bits. Every payment emits the standard Transfer event, and the
    /// batch emits one BatchTransfer with its closure time.
    /// @dev Reverts, naming the payment's index, on a zero payee (TOB-05), on the sender as payee
    /// (TOB-07) and on a zero value. The Java batch builder drops such payments before sending, so
    /// one bad payee cannot block the others (TOB-14).
    function batchTransfer(bytes32[] calldata payments, uint64 closureTime) external {
        if (closureTime > block.timestamp) revert ClosureTimeInFuture(closureTime, block.timestamp);
        if (payments.length == 0) revert EmptyBatch();
        uint256 before = balanceOf(msg.sender);
        uint256 total;
        bool bad;
        assembly ("memory-safe") {
            let p := payments.offset
            let end := add(p, shl(5, payments.length))
            for {} 1 {} {
                let word := calldataload(p)
                let to := and(word, ADDRESS_MASK)
                let value := shr(160, word)
                // value < 2^96 and to < 2^160, so the product cannot overflow: it is zero exactly
                // when the payee or the value is zero.
                if iszero(mul(value, to)) {
                    bad := 1
                    break
                }
                // No overflow: a balance is at most MAX_SUPPLY (2^128) and a value below 2^96.
                // A flagged batch reverts below, which undoes every credit made so far.
                sstore(to, add(sload(to), value))
                total := add(total, value)
                mstore(0, value)
                log3(0, 0x20, TRANSFER_TOPIC, caller(), to)
                p := add(p, 0x20)
                if eq(p, end) { break }
            }
        }
        // A payment to the sender is the only way the sender's balance could have moved.
        if (bad || balanceOf(msg.sender) != before) _revertBadPayment(payments);
        if (before < total) revert InsufficientBalance(msg.sender, before, total);
        unchecked {
            _setBalance(msg.sender, before - total);
        }
        emit BatchTransfer(msg.sender, closureTime);
    }

    /// Off the hot path: finds the first offending payment and reverts with its index.
    function _revertBadPayment(bytes32[] calldata payments) private view {
        for (uint256 i = 0; i < payments.length; ++i) {
            uint256 word = uint256(payments[i]);
            address to = address(uint160(word));
            if (to == address(0)) revert PaymentToZeroAddress(i);
            if (to == msg.sender) revert PaymentToSender(i);
            if (word >> 160 == 0) revert ZeroValuePayment(i);
        }
    }

    // ---------------------------------------------------------------- internals

    function _transfer(address from, address to, uint256 value) private {
        if (to == address(0)) revert TransferToZeroAddress();
        uint256 fromBalance = balanceOf(from);
        if (fromBalance < value) revert InsufficientBalance(from, fromBalance, value);
        unchecked {
            _setBalance(from, fromBalance - value);
            // Reads after the write so that from == to leaves the balance unchanged.
            // No overflow: the sum of all balances is the total supply.
            _setBalance(to, balanceOf(to) + value);
        }
        emit Transfer(from, to, value);
    }

    function _approve(address owner, address spender, uint256 value) private {
        if (spender == address(0)) revert ApproveToZeroAddress();
        _allowances[owner][spender] = value;
        emit Approval(owner, spender, value);
    }

    function _setBalance(address account, uint256 value) private {
        assembly ("memory-safe") {
            sstore(account, value)
        }
    }
}

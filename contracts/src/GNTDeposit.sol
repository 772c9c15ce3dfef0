// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ITokenReceiver, IGNT} from "ITokenReceiver.sol";

/// @title Concent deposits.
/// @notice Requestors and providers keep GNT here as a guarantee. Concent, the arbitration
/// service, may pay out of a deposit only what its owner promised in a signed promissory note.
///
/// Improvements over Golem's GNTDeposit:
/// - notes are EIP-712 typed data bound to the chain id and this contract's address;
/// - high-s signatures are rejected (and v must be 27 or 28);
/// - every (payer, subtask id, purpose) is settled at most once, recorded on chain;
/// - a new deposit re-locks the account (audit TOB-10);
/// - every reimbursement event names its subtask id (audit TOB-11);
/// - ForceSubtaskResults cases can be settled many in one transaction (reimburseForSubtasks).
contract GNTDeposit is ITokenReceiver {
    enum Purpose {
        SubtaskPayment, // requestor pays provider: reimburseForSubtask, reimburseForNoPayment
        VerificationCost, // provider pays Concent's cold wallet: reimburseForVerificationCosts
        Communication // a party pays Concent's cold wallet for a service: reimburseForCommunication
    }

    string public constant NAME = "GNTDeposit";
    string public constant VERSION = "1";
    bytes32 public constant NOTE_TYPEHASH =
        keccak256("PromissoryNote(address payer,address payee,uint256 amount,bytes32 subtaskId,uint8 purpose)");
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    /// secp256k1n / 2: signatures with a larger s are malleable copies and are refused.
    uint256 private constant HALF_CURVE_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    /// Bound on the notes in one ForcePayment, so the loop over calldata stays bounded.
    uint256 public constant MAX_NOTES_PER_CALL = 64;
    /// Bound on the subtasks settled by one reimburseForSubtasks (about 4.5M gas at the bound).
    uint256 public constant MAX_SUBTASKS_PER_CALL = 128;
    /// The token's TransferToZeroAddress() error, which a payment to provider 0 would raise.
    bytes4 private constant TRANSFER_TO_ZERO_ADDRESS = bytes4(keccak256("TransferToZeroAddress()"));

    /// One ForceSubtaskResults settlement of a batch: the requestor's note for the provider
    /// (amount, subtaskId, v, r, s) and how much of it to pay.
    struct SubtaskReimbursement {
        address requestor;
        address provider;
        uint256 amount;
        bytes32 subtaskId;
        uint8 v;
        bytes32 r;
        bytes32 s;
        uint256 reimburseAmount;
    }

    IGNT public immutable token;
    uint64 public immutable withdrawalDelay;

    address public owner;
    address public concent;
    address public coldwallet;
    uint256 public maximumDepositAmount;
    uint256 public maximumDepositsTotal;
    uint256 public dailyReimbursementLimit;
    uint256 public totalDeposits;
    uint256 public reimbursedToday;
    uint256 public reimbursementDay;

    mapping(address => uint256) private _balances;
    /// 0: locked. Otherwise the time from which the deposit can be withdrawn.
    mapping(address => uint64) private _lockedUntil;
    mapping(bytes32 => bool) private _settled;

    event Deposit(address indexed owner, uint256 amount, uint256 balance);
    event Withdraw(address indexed owner, address indexed to, uint256 amount);
    event Lock(address indexed owner);
    event Unlock(address indexed owner, uint64 lockedUntil);
    event ReimburseForSubtask(
        address indexed requestor, address indexed provider, bytes32 indexed subtaskId, uint256 amount
    );
    event ReimburseForNoPayment(
        address indexed requestor, address indexed provider, uint256 amount, uint64 closureTime, bytes32[] subtaskIds
    );
    event ReimburseForVerificationCosts(address indexed from, bytes32 indexed subtaskId, uint256 amount);
    event ReimburseForCommunication(address indexed from, bytes32 indexed subtaskId, uint256 amount);
    event ConcentTransferred(address indexed previous, address indexed current);
    event ColdwalletTransferred(address indexed previous, address indexed current);
    event OwnershipTransferred(address indexed previous, address indexed current);
    event LimitsChanged(uint256 maximumDepositAmount, uint256 maximumDepositsTotal, uint256 dailyReimbursementLimit);

    error NotOwner(address caller);
    error NotConcent(address caller);
    error NotToken(address caller);
    error ZeroAddress();
    error ZeroAmount();
    error DepositTooLarge(address owner, uint256 balanceAfter, uint256 maximum);
    error DepositsTotalTooLarge(uint256 totalAfter, uint256 maximum);
    error NothingDeposited(address owner);
    error AlreadyLocked(address owner);
    error AlreadyUnlocking(address owner, uint64 lockedUntil);
    error StillLocked(address owner, uint64 lockedUntil, uint256 now_);
    error InsufficientDeposit(address owner, uint256 balance, uint256 needed);
    error DailyLimitExceeded(uint256 reimbursedToday, uint256 amount, uint256 limit);
    error ReimbursementAboveNote(uint256 reimburseAmount, uint256 noteAmount);
    error InvalidSignatureV(uint8 v);
    error HighSSignature(bytes32 s);
    error InvalidSignature(address expected, address recovered);
    error AlreadySettled(address payer, bytes32 subtaskId, Purpose purpose);
    error ArrayLengthMismatch();
    error TooManyNotes(uint256 count, uint256 maximum);
    error TokenTransferFailed();
    error EmptyBatch();
    /// Item `index` of a batch failed; `reason` is the error reimburseForSubtask would have raised
    /// for it alone (selector and arguments). Nothing of the batch happened.
    error ItemFailed(uint256 index, bytes reason);

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    modifier onlyConcent() {
        if (msg.sender != concent) revert NotConcent(msg.sender);
        _;
    }

    constructor(
        IGNT token_,
        address concent_,
        address coldwallet_,
        uint64 withdrawalDelay_,
        uint256 maximumDepositAmount_,
        uint256 maximumDepositsTotal_,
        uint256 dailyReimbursementLimit_
    ) {
        if (address(token_) == address(0) || concent_ == address(0) || coldwallet_ == address(0)) revert ZeroAddress();
        token = token_;
        concent = concent_;
        coldwallet = coldwallet_;
        withdrawalDelay = withdrawalDelay_;
        owner = msg.sender;
        maximumDepositAmount = maximumDepositAmount_;
        maximumDepositsTotal = maximumDepositsTotal_;
        dailyReimbursementLimit = dailyReimbursementLimit_;
        emit OwnershipTransferred(address(0), msg.sender);
        emit ConcentTransferred(address(0), concent_);
        emit ColdwalletTransferred(address(0), coldwallet_);
        emit LimitsChanged(maximumDepositAmount_, maximumDepositsTotal_, dailyReimbursementLimit_);
    }

    // ---------------------------------------------------------------- views

    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    function isLocked(address account) external view returns (bool) {
        return _lockedUntil[account] == 0;
    }

    function isTimeLocked(address account) external view returns (bool) {
        uint64 until = _lockedUntil[account];
        return until != 0 && block.timestamp < until;
    }

    function isUnlocked(address account) public view returns (bool) {
        uint64 until = _lockedUntil[account];
        return until != 0 && block.timestamp >= until;
    }

    function getTimelock(address account) external view returns (uint64) {
        return _lockedUntil[account];
    }

    function isDepositPossible(address account, uint256 amount) public view returns (bool) {
        // Written without `+` so that a huge amount answers false instead of reverting on overflow.
        uint256 balance = _balances[account];
        uint256 total = totalDeposits;
        return balance <= maximumDepositAmount && amount <= maximumDepositAmount - balance
            && total <= maximumDepositsTotal && amount <= maximumDepositsTotal - total;
    }

    function isSettled(address payer, bytes32 subtaskId, Purpose purpose) external view returns (bool) {
        return _settled[_settlementKey(payer, subtaskId, purpose)];
    }

    function domainSeparator() public view returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(NAME)), keccak256(bytes(VERSION)), block.chainid, address(this))
        );
    }

    /// The EIP-712 digest a payer signs. Exposed so that clients can check their own hashing.
    function noteDigest(address payer, address payee, uint256 amount, bytes32 subtaskId, Purpose purpose)
        public
        view
        returns (bytes32)
    {
        return _digest(domainSeparator(), payer, payee, amount, subtaskId, purpose);
    }

    // ---------------------------------------------------------------- deposits

    /// Deposit in one transaction: `token.transferAndCall(deposit, amount, "")`.
    function onTokenReceived(address from, uint256 value, bytes calldata) external returns (bytes4) {
        if (msg.sender != address(token)) revert NotToken(msg.sender);
        _credit(from, value);
        return ITokenReceiver.onTokenReceived.selector;
    }

    /// Deposit after `token.approve(deposit, amount)`.
    function deposit(uint256 amount) external {
        _credit(msg.sender, amount);
        if (!token.transferFrom(msg.sender, address(this), amount)) revert TokenTransferFailed();
    }

    /// Starts the withdrawal delay. Concent may still reimburse from the deposit meanwhile.
    function unlock() external {
        if (_balances[msg.sender] == 0) revert NothingDeposited(msg.sender);
        uint64 until = _lockedUntil[msg.sender];
        if (until != 0) revert AlreadyUnlocking(msg.sender, until);
        until = uint64(block.timestamp) + withdrawalDelay;
        _lockedUntil[msg.sender] = until;
        emit Unlock(msg.sender, until);
    }

    /// Cancels a started withdrawal.
    function lock() external {
        if (_lockedUntil[msg.sender] == 0) revert AlreadyLocked(msg.sender);
        _lockedUntil[msg.sender] = 0;
        emit Lock(msg.sender);
    }

    function withdraw(address to) external {
        if (to == address(0)) revert ZeroAddress();
        uint256 amount = _balances[msg.sender];
        if (amount == 0) revert NothingDeposited(msg.sender);
        if (!isUnlocked(msg.sender)) revert StillLocked(msg.sender, _lockedUntil[msg.sender], block.timestamp);
        _balances[msg.sender] = 0;
        _lockedUntil[msg.sender] = 0;
        totalDeposits -= amount;
        emit Withdraw(msg.sender, to, amount);
        _pay(to, amount);
    }

    // ---------------------------------------------------------------- Concent reimbursements

    /// ForceSubtaskResults / AdditionalVerification won by the provider: pay the provider from
    /// the requestor's deposit, up to what the requestor's note promised.
    function reimburseForSubtask(
        address requestor,
        address provider,
        uint256 amount,
        bytes32 subtaskId,
        uint8 v,
        bytes32 r,
        bytes32 s,
        uint256 reimburseAmount
    ) external onlyConcent {
        if (reimburseAmount > amount) revert ReimbursementAboveNote(reimburseAmount, amount);
        _useNote(requestor, provider, amount, subtaskId, Purpose.SubtaskPayment, v, r, s);
        _charge(requestor, reimburseAmount);
        emit ReimburseForSubtask(requestor, provider, subtaskId, reimburseAmount);
        _pay(provider, reimburseAmount);
    }

    /// Many ForceSubtaskResults settlements in one transaction. Each item is checked exactly as
    /// reimburseForSubtask checks it, in the same order (note cap, signature, settled record,
    /// zero amount, deposit, daily limit), against the state the items before it left, and emits
    /// its ReimburseForSubtask. All or nothing: the first failing item reverts the whole call
    /// with ItemFailed(index, the error it would have raised alone), so Concent can drop it and
    /// resend the rest. A deposit is written once per run of consecutive items with the same
    /// requestor, and the provider paid once per run of consecutive items with the same provider.
    /// A transfer costs about 2,000 gas and a repeated deposit write 100, so items sorted by
    /// provider, then requestor, cost least. The transfers are made after every check and state
    /// change.
    function reimburseForSubtasks(SubtaskReimbursement[] calldata items) external onlyConcent {
        uint256 n = items.length;
        if (n == 0) revert EmptyBatch();
        if (n > MAX_SUBTASKS_PER_CALL) revert TooManyNotes(n, MAX_SUBTASKS_PER_CALL);
        bytes32 domain = domainSeparator();
        uint256 limit = dailyReimbursementLimit;
        uint256 day = block.timestamp / 1 days;
        uint256 today = day == reimbursementDay ? reimbursedToday : 0;
        uint256 total;
        address payer; // the requestor of the current run; its deposit is `balance` until written
        uint256 balance;
        for (uint256 i = 0; i < n; ++i) {
            SubtaskReimbursement calldata item = items[i];
            address requestor = item.requestor;
            uint256 amount = item.amount;
            uint256 pay = item.reimburseAmount;
            if (pay > amount) {
                revert ItemFailed(i, abi.encodeWithSelector(ReimbursementAboveNote.selector, pay, amount));
            }
            bytes memory failure = _settleNote(
                domain,
                requestor,
                item.provider,
                amount,
                item.subtaskId,
                Purpose.SubtaskPayment,
                item.v,
                item.r,
                item.s
            );
            if (failure.length != 0) revert ItemFailed(i, failure);
            if (pay == 0) revert ItemFailed(i, abi.encodeWithSelector(ZeroAmount.selector));
            if (requestor != payer) {
                if (payer != address(0)) _balances[payer] = balance;
                payer = requestor;
                balance = _balances[requestor];
            }
            if (balance < pay) {
                revert ItemFailed(i, abi.encodeWithSelector(InsufficientDeposit.selector, requestor, balance, pay));
            }
            if (today + pay > limit) {
                revert ItemFailed(i, abi.encodeWithSelector(DailyLimitExceeded.selector, today, pay, limit));
            }
            unchecked {
                balance -= pay;
            }
            today += pay;
            total += pay;
            // reimburseForSubtask would fail here in the token's transfer: name the item instead.
            if (item.provider == address(0)) revert ItemFailed(i, abi.encodeWithSelector(TRANSFER_TO_ZERO_ADDRESS));
            emit ReimburseForSubtask(requestor, item.provider, item.subtaskId, pay);
        }
        _balances[payer] = balance;
        reimbursementDay = day;
        reimbursedToday = today;
        totalDeposits -= total;
        // Interactions last: one transfer per run of the same provider.
        address payee = items[0].provider;
        uint256 owed;
        for (uint256 i = 0; i < n; ++i) {
            address provider = items[i].provider;
            if (provider != payee) {
                _pay(payee, owed);
                payee = provider;
                owed = 0;
            }
            owed += items[i].reimburseAmount;
        }
        _pay(payee, owed);
    }

    /// ForcePayment: accepted subtasks left unpaid. Every note is checked and settled; the
    /// reimbursement is at most their sum.
    function reimburseForNoPayment(
        address requestor,
        address provider,
        uint256[] calldata amounts,
        bytes32[] calldata subtaskIds,
        uint8[] calldata v,
        bytes32[] calldata r,
        bytes32[] calldata s,
        uint256 reimburseAmount,
        uint64 closureTime
    ) external onlyConcent {
        uint256 n = amounts.length;
        if (subtaskIds.length != n || v.length != n || r.length != n || s.length != n) revert ArrayLengthMismatch();
        if (n == 0) revert ZeroAmount();
        if (n > MAX_NOTES_PER_CALL) revert TooManyNotes(n, MAX_NOTES_PER_CALL);
        uint256 promised;
        for (uint256 i = 0; i < n; ++i) {
            _useNote(requestor, provider, amounts[i], subtaskIds[i], Purpose.SubtaskPayment, v[i], r[i], s[i]);
            promised += amounts[i];
        }
        if (reimburseAmount > promised) revert ReimbursementAboveNote(reimburseAmount, promised);
        _charge(requestor, reimburseAmount);
        emit ReimburseForNoPayment(requestor, provider, reimburseAmount, closureTime, subtaskIds);
        _pay(provider, reimburseAmount);
    }

    /// AdditionalVerification lost by the provider: its verification fee goes to the cold wallet.
    function reimburseForVerificationCosts(
        address from,
        uint256 amount,
        bytes32 subtaskId,
        uint8 v,
        bytes32 r,
        bytes32 s,
        uint256 reimburseAmount
    ) external onlyConcent {
        _reimburseFee(from, amount, subtaskId, Purpose.VerificationCost, v, r, s, reimburseAmount);
        emit ReimburseForVerificationCosts(from, subtaskId, reimburseAmount);
        _pay(coldwallet, reimburseAmount);
    }

    /// Concent's communication fee for a use case about `subtaskId`, to the cold wallet.
    function reimburseForCommunication(
        address from,
        uint256 amount,
        bytes32 subtaskId,
        uint8 v,
        bytes32 r,
        bytes32 s,
        uint256 reimburseAmount
    ) external onlyConcent {
        _reimburseFee(from, amount, subtaskId, Purpose.Communication, v, r, s, reimburseAmount);
        emit ReimburseForCommunication(from, subtaskId, reimburseAmount);
        _pay(coldwallet, reimburseAmount);
    }

    // ---------------------------------------------------------------- owner

    function transferConcent(address newConcent) external onlyOwner {
        if (newConcent == address(0)) revert ZeroAddress();
        emit ConcentTransferred(concent, newConcent);
        concent = newConcent;
    }

    function transferColdwallet(address newColdwallet) external onlyOwner {
        if (newColdwallet == address(0)) revert ZeroAddress();
        emit ColdwalletTransferred(coldwallet, newColdwallet);
        coldwallet = newColdwallet;
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function setMaximumDepositAmount(uint256 value) external onlyOwner {
        maximumDepositAmount = value;
        emit LimitsChanged(value, maximumDepositsTotal, dailyReimbursementLimit);
    }

    function setMaximumDepositsTotal(uint256 value) external onlyOwner {
        maximumDepositsTotal = value;
        emit LimitsChanged(maximumDepositAmount, value, dailyReimbursementLimit);
    }

    function setDailyReimbursementLimit(uint256 value) external onlyOwner {
        dailyReimbursementLimit = value;
        emit LimitsChanged(maximumDepositAmount, maximumDepositsTotal, value);
    }

    // ---------------------------------------------------------------- internals

    function _credit(address account, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        uint256 balanceAfter = _balances[account] + amount;
        if (balanceAfter > maximumDepositAmount) revert DepositTooLarge(account, balanceAfter, maximumDepositAmount);
        uint256 totalAfter = totalDeposits + amount;
        if (totalAfter > maximumDepositsTotal) revert DepositsTotalTooLarge(totalAfter, maximumDepositsTotal);
        _balances[account] = balanceAfter;
        totalDeposits = totalAfter;
        _lockedUntil[account] = 0; // TOB-10: new money re-locks the deposit
        emit Deposit(account, amount, balanceAfter);
    }

    function _reimburseFee(
        address from,
        uint256 amount,
        bytes32 subtaskId,
        Purpose purpose,
        uint8 v,
        bytes32 r,
        bytes32 s,
        uint256 reimburseAmount
    ) private {
        if (reimburseAmount > amount) revert ReimbursementAboveNote(reimburseAmount, amount);
        _useNote(from, address(this), amount, subtaskId, purpose, v, r, s);
        _charge(from, reimburseAmount);
    }

    /// Checks the payer's signature on the note and marks (payer, subtask, purpose) settled.
    function _useNote(
        address payer,
        address payee,
        uint256 amount,
        bytes32 subtaskId,
        Purpose purpose,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) private {
        bytes memory failure = _settleNote(domainSeparator(), payer, payee, amount, subtaskId, purpose, v, r, s);
        if (failure.length != 0) {
            assembly ("memory-safe") {
                revert(add(failure, 32), mload(failure))
            }
        }
    }

    /// The checks of _useNote: returns the encoded error of the first that fails (nothing is
    /// settled then), or empty bytes after marking (payer, subtask, purpose) settled.
    function _settleNote(
        bytes32 domain,
        address payer,
        address payee,
        uint256 amount,
        bytes32 subtaskId,
        Purpose purpose,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) private returns (bytes memory failure) {
        if (v != 27 && v != 28) return abi.encodeWithSelector(InvalidSignatureV.selector, v);
        if (uint256(s) > HALF_CURVE_ORDER) return abi.encodeWithSelector(HighSSignature.selector, s);
        address signer;
        bytes32 key;
        bytes32 typehash = NOTE_TYPEHASH;
        // What _digest, ecrecover and _settlementKey compute, in scratch memory above the free
        // memory pointer (not allocated, so a batch's memory does not grow with its items).
        assembly ("memory-safe") {
            let m := mload(0x40)
            let addressMask := 0xffffffffffffffffffffffffffffffffffffffff
            payer := and(payer, addressMask)
            purpose := and(purpose, 0xff)
            mstore(m, typehash)
            mstore(add(m, 0x20), payer)
            mstore(add(m, 0x40), and(payee, addressMask))
            mstore(add(m, 0x60), amount)
            mstore(add(m, 0x80), subtaskId)
            mstore(add(m, 0xa0), purpose)
            let structHash := keccak256(m, 0xc0)
            mstore(m, 0x1901000000000000000000000000000000000000000000000000000000000000)
            mstore(add(m, 0x02), domain)
            mstore(add(m, 0x22), structHash)
            mstore(m, keccak256(m, 0x42)) // the EIP-712 digest
            mstore(add(m, 0x20), and(v, 0xff))
            mstore(add(m, 0x40), r)
            mstore(add(m, 0x60), s)
            mstore(0x00, 0)
            if iszero(staticcall(gas(), 0x01, m, 0x80, 0x00, 0x20)) { revert(0, 0) }
            signer := mload(0x00) // 0 when nothing was recovered
            mstore(m, payer)
            mstore(add(m, 0x20), subtaskId)
            mstore(add(m, 0x40), purpose)
            key := keccak256(m, 0x60)
        }
        if (signer == address(0) || signer != payer) {
            return abi.encodeWithSelector(InvalidSignature.selector, payer, signer);
        }
        if (_settled[key]) return abi.encodeWithSelector(AlreadySettled.selector, payer, subtaskId, purpose);
        _settled[key] = true;
    }

    function _digest(
        bytes32 domain,
        address payer,
        address payee,
        uint256 amount,
        bytes32 subtaskId,
        Purpose purpose
    ) private pure returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(NOTE_TYPEHASH, payer, payee, amount, subtaskId, uint8(purpose)));
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    /// Takes `amount` out of `account`'s deposit, within the daily reimbursement limit.
    function _charge(address account, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        uint256 balance = _balances[account];
        if (balance < amount) revert InsufficientDeposit(account, balance, amount);
        uint256 day = block.timestamp / 1 days;
        uint256 today = day == reimbursementDay ? reimbursedToday : 0;
        if (today + amount > dailyReimbursementLimit) {
            revert DailyLimitExceeded(today, amount, dailyReimbursementLimit);
        }
        reimbursementDay = day;
        reimbursedToday = today + amount;
        unchecked {
            _balances[account] = balance - amount;
        }
        totalDeposits -= amount;
    }

    function _pay(address to, uint256 amount) private {
        if (!token.transfer(to, amount)) revert TokenTransferFailed();
    }

    function _settlementKey(address payer, bytes32 subtaskId, Purpose purpose) private pure returns (bytes32) {
        return keccak256(abi.encode(payer, subtaskId, purpose));
    }
}

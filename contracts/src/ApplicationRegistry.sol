// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Application registry.
/// @notice Software vendors register versions of their apps: the IPFS CID of a manifest (a
/// Docker image or a wasm binary plus its entry point), the environment it runs in, a royalty per
/// subtask in GNT base units and a payout address. Auditors appointed by the owner certify or
/// revoke versions. Every change emits an event that nodes index.
///
/// App id = keccak256(name); version id = keccak256(appId, version). The first registrant of a
/// name becomes the app's vendor. Versions are kept in an append-only list per app, read by index;
/// no function loops over storage.
contract ApplicationRegistry {
    enum Environment {
        Docker,
        Wasm
    }

    struct App {
        string name;
        address vendor;
        uint64 versionCount;
    }

    struct Version {
        string version;
        string manifestCid;
        Environment environment;
        uint96 royaltyPerSubtask;
        address payout;
        bool deprecated;
        bool certified;
        address certifiedBy;
        uint64 registeredAt;
    }

    uint256 public constant MAX_NAME_LENGTH = 64;
    uint256 public constant MAX_VERSION_LENGTH = 32;
    uint256 public constant MAX_CID_LENGTH = 128;

    address public owner;
    mapping(address => bool) public isAuditor;
    mapping(bytes32 => App) private _apps;
    mapping(bytes32 => Version) private _versions;
    mapping(bytes32 appId => mapping(uint256 index => bytes32 versionId)) private _versionAt;

    event AppRegistered(bytes32 indexed appId, string name, address indexed vendor);
    event VersionRegistered(
        bytes32 indexed appId,
        bytes32 indexed versionId,
        string version,
        string manifestCid,
        Environment environment,
        uint96 royaltyPerSubtask,
        address payout
    );
    event TermsUpdated(bytes32 indexed appId, bytes32 indexed versionId, uint96 royaltyPerSubtask, address payout);
    event VersionDeprecated(bytes32 indexed appId, bytes32 indexed versionId);
    event AppTransferred(bytes32 indexed appId, address indexed previousVendor, address indexed newVendor);
    event VersionCertified(bytes32 indexed appId, bytes32 indexed versionId, address indexed auditor);
    event CertificationRevoked(bytes32 indexed appId, bytes32 indexed versionId, address indexed auditor);
    event AuditorAppointed(address indexed auditor);
    event AuditorRemoved(address indexed auditor);
    event OwnershipTransferred(address indexed previous, address indexed current);

    error NotOwner(address caller);
    error NotAuditor(address caller);
    error NotVendor(bytes32 appId, address caller);
    error ZeroAddress();
    error InvalidName(uint256 length);
    error InvalidVersion(uint256 length);
    error InvalidCid(uint256 length);
    error UnknownApp(bytes32 appId);
    error UnknownVersion(bytes32 appId, string version);
    error VersionExists(bytes32 appId, string version);
    error VersionIsDeprecated(bytes32 appId, string version);
    error AlreadyCertified(bytes32 appId, string version);
    error NotCertified(bytes32 appId, string version);
    error IndexOutOfRange(uint256 index, uint256 count);

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    modifier onlyAuditor() {
        if (!isAuditor[msg.sender]) revert NotAuditor(msg.sender);
        _;
    }

    constructor() {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    // ---------------------------------------------------------------- ids and reads

    function appIdOf(string calldata name) public pure returns (bytes32) {
        return keccak256(bytes(name));
    }

    function versionIdOf(bytes32 appId, string calldata version) public pure returns (bytes32) {
        return keccak256(abi.encode(appId, version));
    }

    function getApp(bytes32 appId) external view returns (string memory name, address vendor, uint64 versionCount) {
        App storage a = _existingApp(appId);
        return (a.name, a.vendor, a.versionCount);
    }

    function getVersion(bytes32 appId, string calldata version)
        external
        view
        returns (
            string memory manifestCid,
            uint8 environment,
            uint96 royaltyPerSubtask,
            address payout,
            bool deprecated,
            bool certified,
            address certifiedBy,
            uint64 registeredAt
        )
    {
        Version storage v = _existingVersion(appId, version);
        return (
            v.manifestCid,
            uint8(v.environment),
            v.royaltyPerSubtask,
            v.payout,
            v.deprecated,
            v.certified,
            v.certifiedBy,
            v.registeredAt
        );
    }

    function versionAt(bytes32 appId, uint256 index) external view returns (string memory) {
        App storage a = _existingApp(appId);
        if (index >= a.versionCount) revert IndexOutOfRange(index, a.versionCount);
        return _versions[_versionAt[appId][index]].version;
    }

    // ---------------------------------------------------------------- vendors

    /// Registers a version; registers the app too if the name is new (the caller becomes vendor).
    function registerVersion(
        string calldata name,
        string calldata version,
        string calldata manifestCid,
        Environment environment,
        uint96 royaltyPerSubtask,
        address payout
    ) external returns (bytes32 appId, bytes32 versionId) {
        uint256 nameLength = bytes(name).length;
        if (nameLength == 0 || nameLength > MAX_NAME_LENGTH) revert InvalidName(nameLength);
        uint256 versionLength = bytes(version).length;
        if (versionLength == 0 || versionLength > MAX_VERSION_LENGTH) revert InvalidVersion(versionLength);
        uint256 cidLength = bytes(manifestCid).length;
        if (cidLength == 0 || cidLength > MAX_CID_LENGTH) revert InvalidCid(cidLength);
        if (payout == address(0)) revert ZeroAddress();

        appId = appIdOf(name);
        App storage a = _apps[appId];
        if (a.vendor == address(0)) {
            a.name = name;
            a.vendor = msg.sender;
            emit AppRegistered(appId, name, msg.sender);
        } else if (a.vendor != msg.sender) {
            revert NotVendor(appId, msg.sender);
        }
        versionId = versionIdOf(appId, version);
        Version storage v = _versions[versionId];
        if (v.registeredAt != 0) revert VersionExists(appId, version);
        v.version = version;
        v.manifestCid = manifestCid;
        v.environment = environment;
        v.royaltyPerSubtask = royaltyPerSubtask;
        v.payout = payout;
        v.registeredAt = uint64(block.timestamp);
        _versionAt[appId][a.versionCount] = versionId;
        a.versionCount += 1;
        emit VersionRegistered(appId, versionId, version, manifestCid, environment, royaltyPerSubtask, payout);
    }

    function updateTerms(bytes32 appId, string calldata version, uint96 royaltyPerSubtask, address payout) external {
        Version storage v = _vendorVersion(appId, version);
        if (v.deprecated) revert VersionIsDeprecated(appId, version);
        if (payout == address(0)) revert ZeroAddress();
        v.royaltyPerSubtask = royaltyPerSubtask;
        v.payout = payout;
        emit TermsUpdated(appId, versionIdOf(appId, version), royaltyPerSubtask, payout);
    }

    function deprecate(bytes32 appId, string calldata version) external {
        Version storage v = _vendorVersion(appId, version);
        if (v.deprecated) revert VersionIsDeprecated(appId, version);
        v.deprecated = true;
        emit VersionDeprecated(appId, versionIdOf(appId, version));
    }

    function transferApp(bytes32 appId, address newVendor) external {
        App storage a = _existingApp(appId);
        if (a.vendor != msg.sender) revert NotVendor(appId, msg.sender);
        if (newVendor == address(0)) revert ZeroAddress();
        emit AppTransferred(appId, a.vendor, newVendor);
        a.vendor = newVendor;
    }

    // ---------------------------------------------------------------- auditors

    function certify(bytes32 appId, string calldata version) external onlyAuditor {
        Version storage v = _existingVersion(appId, version);
        if (v.deprecated) revert VersionIsDeprecated(appId, version);
        if (v.certified) revert AlreadyCertified(appId, version);
        v.certified = true;
        v.certifiedBy = msg.sender;
        emit VersionCertified(appId, versionIdOf(appId, version), msg.sender);
    }

    /// Any auditor may revoke, also on a deprecated version.
    function revoke(bytes32 appId, string calldata version) external onlyAuditor {
        Version storage v = _existingVersion(appId, version);
        if (!v.certified) revert NotCertified(appId, version);
        v.certified = false;
        v.certifiedBy = address(0);
        emit CertificationRevoked(appId, versionIdOf(appId, version), msg.sender);
    }

    // ---------------------------------------------------------------- owner

    function appointAuditor(address auditor) external onlyOwner {
        if (auditor == address(0)) revert ZeroAddress();
        isAuditor[auditor] = true;
        emit AuditorAppointed(auditor);
    }

    function removeAuditor(address auditor) external onlyOwner {
        if (!isAuditor[auditor]) revert NotAuditor(auditor);
        isAuditor[auditor] = false;
        emit AuditorRemoved(auditor);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    // ---------------------------------------------------------------- internals

    function _existingApp(bytes32 appId) private view returns (App storage a) {
        a = _apps[appId];
        if (a.vendor == address(0)) revert UnknownApp(appId);
    }

    function _existingVersion(bytes32 appId, string calldata version) private view returns (Version storage v) {
        _existingApp(appId);
        v = _versions[versionIdOf(appId, version)];
        if (v.registeredAt == 0) revert UnknownVersion(appId, version);
    }

    function _vendorVersion(bytes32 appId, string calldata version) private view returns (Version storage v) {
        v = _existingVersion(appId, version);
        if (_apps[appId].vendor != msg.sender) revert NotVendor(appId, msg.sender);
    }
}

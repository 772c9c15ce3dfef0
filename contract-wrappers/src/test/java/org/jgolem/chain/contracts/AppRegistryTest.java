package org.jgolem.chain.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.jgolem.chain.ContractRevertedException;
import org.jgolem.chain.Rpc;
import org.jgolem.chain.contracts.AppRegistry.App;
import org.jgolem.chain.contracts.AppRegistry.AppVersion;
import org.jgolem.chain.contracts.AppRegistry.Environment;
import org.jgolem.chain.testing.AnvilTest;
import org.jgolem.contracts.generated.ApplicationRegistry;
import org.jgolem.eth.Address;
import org.jgolem.eth.LogEntry;
import org.jgolem.eth.TxResult;
import org.junit.jupiter.api.Test;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.tx.gas.StaticEIP1559GasProvider;
import org.web3j.utils.Numeric;

/**
 * ApplicationRegistry through {@link AppRegistryGateway} on a real anvil: every function's normal
 * path, every custom error with its arguments, and the event of every state change.
 */
class AppRegistryTest extends AnvilTest {
  private static final String NAME = "blender";
  private static final String CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
  private static final String CID2 = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
  private static final BigInteger ROYALTY = BigInteger.valueOf(5_000_000_000_000_000L); // 0.005 GNT
  private static final BigInteger MAX_UINT96 =
      BigInteger.ONE.shiftLeft(96).subtract(BigInteger.ONE);

  private static final Credentials VENDOR = user(0);
  private static final Credentials PAYOUT = user(1);
  private static final Credentials STRANGER = user(2);
  private static final Credentials AUDITOR = user(3);
  private static final Credentials AUDITOR2 = user(4);
  private static final Credentials NEW_VENDOR = user(5);

  // ---------------------------------------------------------------- helpers

  private static String hex(byte[] b) {
    return "0x" + HexFormat.of().formatHex(b);
  }

  private static String topic(Address a) {
    return "0x" + "0".repeat(24) + a.hex().substring(2);
  }

  /** keccak256(abi.encode(appId, version)), computed in Java. */
  private static byte[] versionId(byte[] appId, String version) {
    String encoded =
        FunctionEncoder.encodeConstructor(List.of(new Bytes32(appId), new Utf8String(version)));
    return Hash.sha3(Numeric.hexStringToByteArray(encoded));
  }

  /**
   * The one log of {@code event} emitted by the registry in {@code tx}; fails if absent or
   * repeated.
   */
  private static LogEntry event(TxResult tx, Event event) {
    String sig = EventEncoder.encode(event);
    List<LogEntry> matching =
        tx.logs().stream()
            .filter(l ->
                l.contract().equals(deployment.registry())
                    && !l.topics().isEmpty()
                    && l.topics().get(0).equals(sig))
            .toList();
    assertThat(matching).as("%s logs in %s", event.getName(), tx.logs()).hasSize(1);
    return matching.get(0);
  }

  private static boolean hasEvent(TxResult tx, Event event) {
    String sig = EventEncoder.encode(event);
    return tx.logs().stream().anyMatch(l -> !l.topics().isEmpty() && l.topics().get(0).equals(sig));
  }

  /** The non-indexed values of a log, decoded as plain Java values. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private static List<Object> data(LogEntry log, Event event) {
    List<Type> values =
        FunctionReturnDecoder.decode(log.data(), (List) event.getNonIndexedParameters());
    return values.stream()
        .map(v ->
            v.getValue() instanceof String s && s.startsWith("0x") && s.length() == 42
                ? (Object) Address.of(s)
                : v.getValue())
        .toList();
  }

  private static TxResult register(Credentials as, String name, String version, Environment env) {
    return registry(as).registerVersion(name, version, CID, env, ROYALTY, addr(PAYOUT));
  }

  private static byte[] registerBlender() {
    register(VENDOR, NAME, "1.0.0", Environment.DOCKER);
    return registry(VENDOR).appIdOf(NAME);
  }

  private static void appoint(Credentials auditor) {
    registry(DEPLOYER).appointAuditor(addr(auditor));
  }

  private static ApplicationRegistry generated(Credentials as) {
    return ApplicationRegistry.load(
        deployment.registry().hex(),
        chain.web3j(),
        chain.signer(as),
        new StaticEIP1559GasProvider(
            chain.chainId(), BigInteger.ONE, BigInteger.ONE, BigInteger.ONE));
  }

  // ---------------------------------------------------------------- registerVersion

  @Test
  void firstRegistrantBecomesVendorAndBothEventsAreEmitted() {
    AppRegistry r = registry(VENDOR);
    byte[] appId = r.appIdOf(NAME);
    TxResult tx = r.registerVersion(NAME, "1.0.0", CID, Environment.DOCKER, ROYALTY, addr(PAYOUT));
    long minedAt = now();

    LogEntry appRegistered = event(tx, ApplicationRegistry.APPREGISTERED_EVENT);
    assertThat(appRegistered.topics())
        .containsExactly(
            EventEncoder.encode(ApplicationRegistry.APPREGISTERED_EVENT),
            hex(appId),
            topic(addr(VENDOR)));
    assertThat(data(appRegistered, ApplicationRegistry.APPREGISTERED_EVENT)).containsExactly(NAME);

    LogEntry versionRegistered = event(tx, ApplicationRegistry.VERSIONREGISTERED_EVENT);
    assertThat(versionRegistered.topics())
        .containsExactly(
            EventEncoder.encode(ApplicationRegistry.VERSIONREGISTERED_EVENT),
            hex(appId),
            hex(versionId(appId, "1.0.0")));
    assertThat(data(versionRegistered, ApplicationRegistry.VERSIONREGISTERED_EVENT))
        .containsExactly("1.0.0", CID, BigInteger.ZERO, ROYALTY, addr(PAYOUT));
    assertThat(tx.logs()).hasSize(2);

    assertThat(r.app(appId)).isEqualTo(new App(NAME, addr(VENDOR), 1));
    assertThat(r.version(appId, "1.0.0"))
        .isEqualTo(
            new AppVersion(
                CID,
                Environment.DOCKER,
                ROYALTY,
                addr(PAYOUT),
                false,
                false,
                Address.ZERO,
                minedAt));
    assertThat(r.versionAt(appId, 0)).isEqualTo("1.0.0");
  }

  @Test
  void vendorRegistersASecondVersionWithoutAnotherAppRegistered() {
    byte[] appId = registerBlender();
    advanceTime(100);
    TxResult tx =
        registry(VENDOR)
            .registerVersion(
                NAME, "2.0.0-wasm", CID2, Environment.WASM, BigInteger.ZERO, addr(NEW_VENDOR));
    long minedAt = now();

    assertThat(hasEvent(tx, ApplicationRegistry.APPREGISTERED_EVENT)).isFalse();
    LogEntry v = event(tx, ApplicationRegistry.VERSIONREGISTERED_EVENT);
    assertThat(v.topics().get(2)).isEqualTo(hex(versionId(appId, "2.0.0-wasm")));
    assertThat(data(v, ApplicationRegistry.VERSIONREGISTERED_EVENT))
        .containsExactly("2.0.0-wasm", CID2, BigInteger.ONE, BigInteger.ZERO, addr(NEW_VENDOR));

    AppRegistry r = registry(STRANGER); // reads are open to anyone
    assertThat(r.app(appId)).isEqualTo(new App(NAME, addr(VENDOR), 2));
    assertThat(r.versionAt(appId, 0)).isEqualTo("1.0.0");
    assertThat(r.versionAt(appId, 1)).isEqualTo("2.0.0-wasm");
    AppVersion second = r.version(appId, "2.0.0-wasm");
    assertThat(second)
        .isEqualTo(
            new AppVersion(
                CID2,
                Environment.WASM,
                BigInteger.ZERO,
                addr(NEW_VENDOR),
                false,
                false,
                Address.ZERO,
                minedAt));
    assertThat(second.registeredAt())
        .isGreaterThanOrEqualTo(r.version(appId, "1.0.0").registeredAt() + 100);
    assertThat(r.version(appId, "1.0.0").environment()).isEqualTo(Environment.DOCKER);
  }

  @Test
  void anotherAccountCannotRegisterUnderATakenName() {
    byte[] appId = registerBlender();
    var e = reverts("NotVendor", () -> register(STRANGER, NAME, "6.6.6", Environment.DOCKER));
    assertThat(e.arguments()).containsExactly(hex(appId), addr(STRANGER).hex());
    assertThat(registry(STRANGER).app(appId)).isEqualTo(new App(NAME, addr(VENDOR), 1));
  }

  @Test
  void aRegisteredVersionCannotBeRegisteredAgain() {
    byte[] appId = registerBlender();
    var e =
        reverts(
            "VersionExists",
            () ->
                registry(VENDOR)
                    .registerVersion(
                        NAME, "1.0.0", CID2, Environment.WASM, BigInteger.ONE, addr(VENDOR)));
    assertThat(e.arguments()).containsExactly(hex(appId), "1.0.0");
    assertThat(registry(VENDOR).version(appId, "1.0.0").manifestCid()).isEqualTo(CID);
    assertThat(registry(VENDOR).app(appId).versionCount()).isEqualTo(1);
  }

  @Test
  void aDeprecatedVersionStillCannotBeRegisteredAgain() {
    byte[] appId = registerBlender();
    registry(VENDOR).deprecate(appId, "1.0.0");
    var e = reverts("VersionExists", () -> register(VENDOR, NAME, "1.0.0", Environment.DOCKER));
    assertThat(e.arguments()).containsExactly(hex(appId), "1.0.0");
  }

  @Test
  void nameMustBeOneTo64Bytes() {
    var empty = reverts("InvalidName", () -> register(VENDOR, "", "1", Environment.DOCKER));
    assertThat(empty.arguments()).containsExactly(BigInteger.ZERO);
    var tooLong =
        reverts("InvalidName", () -> register(VENDOR, "n".repeat(65), "1", Environment.DOCKER));
    assertThat(tooLong.arguments()).containsExactly(BigInteger.valueOf(65));
    // the limit is in UTF-8 bytes, not characters: 22 euro signs are 66 bytes
    var multiByte =
        reverts("InvalidName", () -> register(VENDOR, "€".repeat(22), "1", Environment.DOCKER));
    assertThat(multiByte.arguments()).containsExactly(BigInteger.valueOf(66));
  }

  @Test
  void versionMustBeOneTo32Bytes() {
    var empty = reverts("InvalidVersion", () -> register(VENDOR, NAME, "", Environment.DOCKER));
    assertThat(empty.arguments()).containsExactly(BigInteger.ZERO);
    var tooLong =
        reverts("InvalidVersion", () -> register(VENDOR, NAME, "1".repeat(33), Environment.DOCKER));
    assertThat(tooLong.arguments()).containsExactly(BigInteger.valueOf(33));
  }

  @Test
  void manifestCidMustBeOneTo128Bytes() {
    var empty =
        reverts(
            "InvalidCid",
            () ->
                registry(VENDOR)
                    .registerVersion(NAME, "1", "", Environment.DOCKER, ROYALTY, addr(PAYOUT)));
    assertThat(empty.arguments()).containsExactly(BigInteger.ZERO);
    var tooLong =
        reverts(
            "InvalidCid",
            () ->
                registry(VENDOR)
                    .registerVersion(
                        NAME, "1", "c".repeat(129), Environment.DOCKER, ROYALTY, addr(PAYOUT)));
    assertThat(tooLong.arguments()).containsExactly(BigInteger.valueOf(129));
  }

  @Test
  void payoutMustNotBeTheZeroAddress() {
    var e =
        reverts(
            "ZeroAddress",
            () ->
                registry(VENDOR)
                    .registerVersion(NAME, "1", CID, Environment.DOCKER, ROYALTY, Address.ZERO));
    assertThat(e.arguments()).isEmpty();
    reverts("UnknownApp", () -> registry(VENDOR).app(registry(VENDOR).appIdOf(NAME)));
  }

  @Test
  void failedValidationRegistersNothing() {
    AppRegistry r = registry(VENDOR);
    reverts(
        "InvalidCid",
        () -> r.registerVersion(NAME, "1", "", Environment.DOCKER, ROYALTY, addr(PAYOUT)));
    var e = reverts("UnknownApp", () -> r.app(r.appIdOf(NAME)));
    assertThat(e.arguments()).containsExactly(hex(r.appIdOf(NAME)));
    // so the name is still free for someone else
    register(STRANGER, NAME, "1", Environment.DOCKER);
    assertThat(r.app(r.appIdOf(NAME)).vendor()).isEqualTo(addr(STRANGER));
  }

  @Test
  void boundaryLengthsAndLargestRoyaltyAreAccepted() {
    String name = "n".repeat(64);
    String version = "v".repeat(32);
    String cid = "c".repeat(128);
    AppRegistry r = registry(VENDOR);
    r.registerVersion(name, version, cid, Environment.WASM, MAX_UINT96, addr(PAYOUT));
    byte[] appId = r.appIdOf(name);
    assertThat(r.app(appId)).isEqualTo(new App(name, addr(VENDOR), 1));
    assertThat(r.versionAt(appId, 0)).isEqualTo(version);
    AppVersion v = r.version(appId, version);
    assertThat(v.manifestCid()).isEqualTo(cid);
    assertThat(v.royaltyPerSubtask()).isEqualTo(MAX_UINT96);
    assertThat(v.environment()).isEqualTo(Environment.WASM);
  }

  @Test
  void limitsAreThoseTheContractPublishes() throws Exception {
    ApplicationRegistry g = generated(STRANGER);
    assertThat(g.MAX_NAME_LENGTH().send()).isEqualTo(BigInteger.valueOf(64));
    assertThat(g.MAX_VERSION_LENGTH().send()).isEqualTo(BigInteger.valueOf(32));
    assertThat(g.MAX_CID_LENGTH().send()).isEqualTo(BigInteger.valueOf(128));
  }

  @Test
  void anEnvironmentOutsideTheEnumIsRefusedByTheAbiDecoder() {
    // The gateway's enum cannot express 2; the raw wrapper can. Solidity's ABI decoder rejects an
    // out-of-range enum argument with an empty revert (no custom error, no Panic).
    var e =
        reverts(
            "Unknown",
            () ->
                Rpc.call(
                    "registerVersion",
                    () ->
                        generated(VENDOR)
                            .registerVersion(
                                NAME, "1", CID, BigInteger.TWO, ROYALTY, addr(PAYOUT).hex())
                            .send()));
    assertThat(e.rawData()).isEqualTo("0x");
    reverts("UnknownApp", () -> registry(VENDOR).app(registry(VENDOR).appIdOf(NAME)));
  }

  // ---------------------------------------------------------------- ids and reads

  @Test
  void appIdIsKeccakOfTheUtf8NameAndMatchesTheContract() throws Exception {
    ApplicationRegistry g = generated(STRANGER);
    for (String name : List.of(NAME, "x", "日本語のアプリ", "n".repeat(64))) {
      byte[] javaId = registry(STRANGER).appIdOf(name);
      assertThat(hex(javaId)).as(name).isEqualTo(Hash.sha3String(name));
      assertThat(javaId).as(name).isEqualTo(Hash.sha3(name.getBytes(StandardCharsets.UTF_8)));
      assertThat(g.appIdOf(name).send()).as(name).isEqualTo(javaId);
    }
  }

  @Test
  void versionIdIsKeccakOfAbiEncodedAppIdAndVersionAndMatchesTheEvent() throws Exception {
    AppRegistry r = registry(VENDOR);
    byte[] appId = r.appIdOf(NAME);
    TxResult tx = r.registerVersion(NAME, "1.0.0", CID, Environment.DOCKER, ROYALTY, addr(PAYOUT));
    byte[] onChain = generated(STRANGER).versionIdOf(appId, "1.0.0").send();
    assertThat(onChain).isEqualTo(versionId(appId, "1.0.0"));
    assertThat(event(tx, ApplicationRegistry.VERSIONREGISTERED_EVENT).topics().get(2))
        .isEqualTo(hex(onChain));
    // not the packed encoding: that would let ("a","bc") and ("ab","c")-style pairs collide
    assertThat(onChain)
        .isNotEqualTo(Hash.sha3(concat(appId, "1.0.0".getBytes(StandardCharsets.UTF_8))));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void nonAsciiNamesRoundTrip() {
    String name = "Blender — 日本語";
    register(VENDOR, name, "1", Environment.DOCKER);
    assertThat(registry(STRANGER).app(registry(STRANGER).appIdOf(name)).name()).isEqualTo(name);
  }

  @Test
  void readingAnUnknownAppOrVersionReverts() {
    byte[] unknown = registry(STRANGER).appIdOf("no-such-app");
    assertThat(reverts("UnknownApp", () -> registry(STRANGER).app(unknown)).arguments())
        .containsExactly(hex(unknown));
    assertThat(
            reverts("UnknownApp", () -> registry(STRANGER).version(unknown, "1.0.0")).arguments())
        .containsExactly(hex(unknown));
    assertThat(reverts("UnknownApp", () -> registry(STRANGER).versionAt(unknown, 0)).arguments())
        .containsExactly(hex(unknown));

    byte[] appId = registerBlender();
    assertThat(
            reverts("UnknownVersion", () -> registry(STRANGER).version(appId, "9.9.9")).arguments())
        .containsExactly(hex(appId), "9.9.9");
  }

  @Test
  void versionAtBeyondTheCountReverts() {
    byte[] appId = registerBlender();
    assertThat(reverts("IndexOutOfRange", () -> registry(STRANGER).versionAt(appId, 1)).arguments())
        .containsExactly(BigInteger.ONE, BigInteger.ONE);
    register(VENDOR, NAME, "1.1.0", Environment.DOCKER);
    assertThat(registry(STRANGER).versionAt(appId, 1)).isEqualTo("1.1.0");
    assertThat(reverts("IndexOutOfRange", () -> registry(STRANGER).versionAt(appId, 7)).arguments())
        .containsExactly(BigInteger.valueOf(7), BigInteger.TWO);
  }

  // ---------------------------------------------------------------- updateTerms

  @Test
  void vendorUpdatesTermsAndTermsUpdatedIsEmitted() {
    byte[] appId = registerBlender();
    AppVersion before = registry(VENDOR).version(appId, "1.0.0");
    BigInteger royalty = BigInteger.valueOf(7_000_000_000_000_000L);
    TxResult tx = registry(VENDOR).updateTerms(appId, "1.0.0", royalty, addr(STRANGER));

    LogEntry log = event(tx, ApplicationRegistry.TERMSUPDATED_EVENT);
    assertThat(log.topics())
        .containsExactly(
            EventEncoder.encode(ApplicationRegistry.TERMSUPDATED_EVENT),
            hex(appId),
            hex(versionId(appId, "1.0.0")));
    assertThat(data(log, ApplicationRegistry.TERMSUPDATED_EVENT))
        .containsExactly(royalty, addr(STRANGER));

    assertThat(registry(STRANGER).version(appId, "1.0.0"))
        .isEqualTo(
            new AppVersion(
                before.manifestCid(),
                before.environment(),
                royalty,
                addr(STRANGER),
                false,
                false,
                Address.ZERO,
                before.registeredAt()));
  }

  @Test
  void royaltyCanBeSetToZeroAndToTheLargestUint96() {
    byte[] appId = registerBlender();
    registry(VENDOR).updateTerms(appId, "1.0.0", BigInteger.ZERO, addr(PAYOUT));
    assertThat(registry(VENDOR).version(appId, "1.0.0").royaltyPerSubtask()).isZero();
    registry(VENDOR).updateTerms(appId, "1.0.0", MAX_UINT96, addr(PAYOUT));
    assertThat(registry(VENDOR).version(appId, "1.0.0").royaltyPerSubtask()).isEqualTo(MAX_UINT96);
  }

  @Test
  void onlyTheVendorUpdatesTerms() {
    byte[] appId = registerBlender();
    var e =
        reverts(
            "NotVendor",
            () -> registry(STRANGER).updateTerms(appId, "1.0.0", BigInteger.ONE, addr(STRANGER)));
    assertThat(e.arguments()).containsExactly(hex(appId), addr(STRANGER).hex());
    // neither the registry owner nor the payout address is the vendor
    reverts(
        "NotVendor",
        () -> registry(DEPLOYER).updateTerms(appId, "1.0.0", BigInteger.ONE, addr(DEPLOYER)));
    reverts(
        "NotVendor",
        () -> registry(PAYOUT).updateTerms(appId, "1.0.0", BigInteger.ONE, addr(PAYOUT)));
    assertThat(registry(VENDOR).version(appId, "1.0.0").royaltyPerSubtask()).isEqualTo(ROYALTY);
  }

  @Test
  void termsOfADeprecatedVersionAreFrozen() {
    byte[] appId = registerBlender();
    registry(VENDOR).deprecate(appId, "1.0.0");
    var e =
        reverts(
            "VersionIsDeprecated",
            () -> registry(VENDOR).updateTerms(appId, "1.0.0", BigInteger.ONE, addr(PAYOUT)));
    assertThat(e.arguments()).containsExactly(hex(appId), "1.0.0");
  }

  @Test
  void updateTermsRefusesZeroPayoutAndUnknownVersions() {
    byte[] appId = registerBlender();
    reverts(
        "ZeroAddress",
        () -> registry(VENDOR).updateTerms(appId, "1.0.0", BigInteger.ONE, Address.ZERO));
    assertThat(registry(VENDOR).version(appId, "1.0.0").payout()).isEqualTo(addr(PAYOUT));
    assertThat(
            reverts(
                    "UnknownVersion",
                    () ->
                        registry(VENDOR).updateTerms(appId, "2.0.0", BigInteger.ONE, addr(PAYOUT)))
                .arguments())
        .containsExactly(hex(appId), "2.0.0");
    byte[] unknown = registry(VENDOR).appIdOf("other");
    assertThat(
            reverts(
                    "UnknownApp",
                    () ->
                        registry(VENDOR)
                            .updateTerms(unknown, "1.0.0", BigInteger.ONE, addr(PAYOUT)))
                .arguments())
        .containsExactly(hex(unknown));
  }

  // ---------------------------------------------------------------- deprecate

  @Test
  void vendorDeprecatesAVersionWhichStaysReadable() {
    byte[] appId = registerBlender();
    register(VENDOR, NAME, "1.1.0", Environment.DOCKER);
    TxResult tx = registry(VENDOR).deprecate(appId, "1.0.0");

    assertThat(event(tx, ApplicationRegistry.VERSIONDEPRECATED_EVENT).topics())
        .containsExactly(
            EventEncoder.encode(ApplicationRegistry.VERSIONDEPRECATED_EVENT),
            hex(appId),
            hex(versionId(appId, "1.0.0")));
    AppVersion v = registry(STRANGER).version(appId, "1.0.0");
    assertThat(v.deprecated()).isTrue();
    assertThat(v.manifestCid()).isEqualTo(CID);
    assertThat(registry(STRANGER).version(appId, "1.1.0").deprecated()).isFalse();
    assertThat(registry(STRANGER).versionAt(appId, 0)).isEqualTo("1.0.0");
    assertThat(registry(STRANGER).app(appId).versionCount()).isEqualTo(2);
  }

  @Test
  void deprecatingTwiceReverts() {
    byte[] appId = registerBlender();
    registry(VENDOR).deprecate(appId, "1.0.0");
    var e = reverts("VersionIsDeprecated", () -> registry(VENDOR).deprecate(appId, "1.0.0"));
    assertThat(e.arguments()).containsExactly(hex(appId), "1.0.0");
  }

  @Test
  void onlyTheVendorDeprecates() {
    byte[] appId = registerBlender();
    var e = reverts("NotVendor", () -> registry(STRANGER).deprecate(appId, "1.0.0"));
    assertThat(e.arguments()).containsExactly(hex(appId), addr(STRANGER).hex());
    appoint(AUDITOR);
    reverts("NotVendor", () -> registry(AUDITOR).deprecate(appId, "1.0.0"));
    reverts("NotVendor", () -> registry(DEPLOYER).deprecate(appId, "1.0.0"));
    assertThat(registry(STRANGER).version(appId, "1.0.0").deprecated()).isFalse();
    reverts("UnknownVersion", () -> registry(VENDOR).deprecate(appId, "0.0.1"));
  }

  // ---------------------------------------------------------------- transferApp

  @Test
  void transferredAppBelongsToTheNewVendorOnly() {
    byte[] appId = registerBlender();
    TxResult tx = registry(VENDOR).transferApp(appId, addr(NEW_VENDOR));

    assertThat(event(tx, ApplicationRegistry.APPTRANSFERRED_EVENT).topics())
        .containsExactly(
            EventEncoder.encode(ApplicationRegistry.APPTRANSFERRED_EVENT),
            hex(appId),
            topic(addr(VENDOR)),
            topic(addr(NEW_VENDOR)));
    assertThat(registry(STRANGER).app(appId)).isEqualTo(new App(NAME, addr(NEW_VENDOR), 1));

    // the new vendor registers and manages versions, with no new AppRegistered
    TxResult second = register(NEW_VENDOR, NAME, "2.0.0", Environment.WASM);
    assertThat(hasEvent(second, ApplicationRegistry.APPREGISTERED_EVENT)).isFalse();
    registry(NEW_VENDOR).updateTerms(appId, "1.0.0", BigInteger.TEN, addr(NEW_VENDOR));
    assertThat(registry(STRANGER).version(appId, "1.0.0").payout()).isEqualTo(addr(NEW_VENDOR));

    // the old vendor can do nothing any more
    String[] oldVendorArgs = {hex(appId), addr(VENDOR).hex()};
    assertThat(
            reverts("NotVendor", () -> register(VENDOR, NAME, "3.0.0", Environment.DOCKER))
                .arguments())
        .containsExactly((Object[]) oldVendorArgs);
    reverts(
        "NotVendor",
        () -> registry(VENDOR).updateTerms(appId, "2.0.0", BigInteger.ONE, addr(VENDOR)));
    reverts("NotVendor", () -> registry(VENDOR).deprecate(appId, "2.0.0"));
    reverts("NotVendor", () -> registry(VENDOR).transferApp(appId, addr(VENDOR)));
    registry(NEW_VENDOR).deprecate(appId, "2.0.0");
    assertThat(registry(STRANGER).app(appId).versionCount()).isEqualTo(2);
  }

  @Test
  void onlyTheVendorTransfersAndNeverToZero() {
    byte[] appId = registerBlender();
    var e = reverts("NotVendor", () -> registry(STRANGER).transferApp(appId, addr(STRANGER)));
    assertThat(e.arguments()).containsExactly(hex(appId), addr(STRANGER).hex());
    reverts("NotVendor", () -> registry(DEPLOYER).transferApp(appId, addr(DEPLOYER)));
    assertThat(
            reverts("ZeroAddress", () -> registry(VENDOR).transferApp(appId, Address.ZERO))
                .arguments())
        .isEmpty();
    byte[] unknown = registry(VENDOR).appIdOf("unclaimed");
    assertThat(
            reverts("UnknownApp", () -> registry(VENDOR).transferApp(unknown, addr(NEW_VENDOR)))
                .arguments())
        .containsExactly(hex(unknown));
    assertThat(registry(STRANGER).app(appId).vendor()).isEqualTo(addr(VENDOR));
  }

  // ---------------------------------------------------------------- certify / revoke

  @Test
  void appointedAuditorCertifiesAndIsRecorded() {
    byte[] appId = registerBlender();
    appoint(AUDITOR);
    TxResult tx = registry(AUDITOR).certify(appId, "1.0.0");

    assertThat(event(tx, ApplicationRegistry.VERSIONCERTIFIED_EVENT).topics())
        .containsExactly(
            EventEncoder.encode(ApplicationRegistry.VERSIONCERTIFIED_EVENT),
            hex(appId),
            hex(versionId(appId, "1.0.0")),
            topic(addr(AUDITOR)));
    AppVersion v = registry(STRANGER).version(appId, "1.0.0");
    assertThat(v.certified()).isTrue();
    assertThat(v.certifiedBy()).isEqualTo(addr(AUDITOR));
    assertThat(v.deprecated()).isFalse();
  }

  @Test
  void onlyAuditorsCertify() {
    byte[] appId = registerBlender();
    assertThat(reverts("NotAuditor", () -> registry(STRANGER).certify(appId, "1.0.0")).arguments())
        .containsExactly(addr(STRANGER).hex());
    // neither the vendor nor the owner is an auditor by default
    assertThat(reverts("NotAuditor", () -> registry(VENDOR).certify(appId, "1.0.0")).arguments())
        .containsExactly(addr(VENDOR).hex());
    assertThat(reverts("NotAuditor", () -> registry(DEPLOYER).certify(appId, "1.0.0")).arguments())
        .containsExactly(addr(DEPLOYER).hex());
    assertThat(registry(STRANGER).version(appId, "1.0.0").certified()).isFalse();
  }

  @Test
  void certifyingTwiceRevertsEvenByAnotherAuditor() {
    byte[] appId = registerBlender();
    appoint(AUDITOR);
    appoint(AUDITOR2);
    registry(AUDITOR).certify(appId, "1.0.0");
    assertThat(
            reverts("AlreadyCertified", () -> registry(AUDITOR2).certify(appId, "1.0.0"))
                .arguments())
        .containsExactly(hex(appId), "1.0.0");
    assertThat(registry(STRANGER).version(appId, "1.0.0").certifiedBy()).isEqualTo(addr(AUDITOR));
  }

  @Test
  void aDeprecatedVersionCannotBeCertified() {
    byte[] appId = registerBlender();
    appoint(AUDITOR);
    registry(VENDOR).deprecate(appId, "1.0.0");
    assertThat(
            reverts("VersionIsDeprecated", () -> registry(AUDITOR).certify(appId, "1.0.0"))
                .arguments())
        .containsExactly(hex(appId), "1.0.0");
  }

  @Test
  void certifyingUnknownAppsOrVersionsReverts() {
    byte[] appId = registerBlender();
    appoint(AUDITOR);
    assertThat(reverts("UnknownVersion", () -> registry(AUDITOR).certify(appId, "7")).arguments())
        .containsExactly(hex(appId), "7");
    byte[] unknown = registry(AUDITOR).appIdOf("ghost");
    assertThat(reverts("UnknownApp", () -> registry(AUDITOR).certify(unknown, "1.0.0")).arguments())
        .containsExactly(hex(unknown));
    assertThat(reverts("UnknownApp", () -> registry(AUDITOR).revoke(unknown, "1.0.0")).arguments())
        .containsExactly(hex(unknown));
  }

  @Test
  void anyAuditorRevokesAndCertifiedByIsCleared() {
    byte[] appId = registerBlender();
    appoint(AUDITOR);
    appoint(AUDITOR2);
    registry(AUDITOR).certify(appId, "1.0.0");
    TxResult tx = registry(AUDITOR2).revoke(appId, "1.0.0");

    assertThat(event(tx, ApplicationRegistry.CERTIFICATIONREVOKED_EVENT).topics())
        .containsExactly(
            EventEncoder.encode(ApplicationRegistry.CERTIFICATIONREVOKED_EVENT), hex(appId),
            hex(versionId(appId, "1.0.0")), topic(addr(AUDITOR2)));
    AppVersion v = registry(STRANGER).version(appId, "1.0.0");
    assertThat(v.certified()).isFalse();
    assertThat(v.certifiedBy()).isEqualTo(Address.ZERO);

    // and it can be certified again, now recording the second auditor
    registry(AUDITOR2).certify(appId, "1.0.0");
    assertThat(registry(STRANGER).version(appId, "1.0.0").certifiedBy()).isEqualTo(addr(AUDITOR2));
  }

  @Test
  void revokingAnUncertifiedVersionReverts() {
    byte[] appId = registerBlender();
    appoint(AUDITOR);
    assertThat(reverts("NotCertified", () -> registry(AUDITOR).revoke(appId, "1.0.0")).arguments())
        .containsExactly(hex(appId), "1.0.0");
    registry(AUDITOR).certify(appId, "1.0.0");
    registry(AUDITOR).revoke(appId, "1.0.0");
    assertThat(reverts("NotCertified", () -> registry(AUDITOR).revoke(appId, "1.0.0")).arguments())
        .containsExactly(hex(appId), "1.0.0");
  }

  @Test
  void onlyAuditorsRevoke() {
    byte[] appId = registerBlender();
    appoint(AUDITOR);
    registry(AUDITOR).certify(appId, "1.0.0");
    assertThat(reverts("NotAuditor", () -> registry(VENDOR).revoke(appId, "1.0.0")).arguments())
        .containsExactly(addr(VENDOR).hex());
    assertThat(reverts("NotAuditor", () -> registry(DEPLOYER).revoke(appId, "1.0.0")).arguments())
        .containsExactly(addr(DEPLOYER).hex());
    assertThat(registry(STRANGER).version(appId, "1.0.0").certified()).isTrue();
  }

  @Test
  void revokeWorksOnADeprecatedVersion() {
    byte[] appId = registerBlender();
    appoint(AUDITOR);
    registry(AUDITOR).certify(appId, "1.0.0");
    registry(VENDOR).deprecate(appId, "1.0.0");
    assertThat(registry(STRANGER).version(appId, "1.0.0").certified()).isTrue();

    TxResult tx = registry(AUDITOR).revoke(appId, "1.0.0");
    event(tx, ApplicationRegistry.CERTIFICATIONREVOKED_EVENT);
    AppVersion v = registry(STRANGER).version(appId, "1.0.0");
    assertThat(v.certified()).isFalse();
    assertThat(v.certifiedBy()).isEqualTo(Address.ZERO);
    assertThat(v.deprecated()).isTrue();
    // and, being deprecated, it cannot be certified again
    reverts("VersionIsDeprecated", () -> registry(AUDITOR).certify(appId, "1.0.0"));
  }

  // ---------------------------------------------------------------- owner

  @Test
  void deployerOwnsTheRegistryAndNobodyIsAnAuditorAtFirst() {
    AppRegistry r = registry(STRANGER);
    assertThat(r.owner()).isEqualTo(addr(DEPLOYER));
    assertThat(r.isAuditor(addr(DEPLOYER))).isFalse();
    assertThat(r.isAuditor(addr(AUDITOR))).isFalse();
  }

  @Test
  void ownerAppointsAnAuditor() {
    TxResult tx = registry(DEPLOYER).appointAuditor(addr(AUDITOR));
    assertThat(event(tx, ApplicationRegistry.AUDITORAPPOINTED_EVENT).topics())
        .containsExactly(
            EventEncoder.encode(ApplicationRegistry.AUDITORAPPOINTED_EVENT), topic(addr(AUDITOR)));
    assertThat(registry(STRANGER).isAuditor(addr(AUDITOR))).isTrue();
    assertThat(registry(STRANGER).isAuditor(addr(AUDITOR2))).isFalse();
  }

  @Test
  void appointAuditorIsOwnerOnlyAndRefusesZero() {
    assertThat(
            reverts("NotOwner", () -> registry(STRANGER).appointAuditor(addr(STRANGER)))
                .arguments())
        .containsExactly(addr(STRANGER).hex());
    appoint(AUDITOR);
    // an auditor cannot appoint others
    assertThat(
            reverts("NotOwner", () -> registry(AUDITOR).appointAuditor(addr(AUDITOR2))).arguments())
        .containsExactly(addr(AUDITOR).hex());
    assertThat(
            reverts("ZeroAddress", () -> registry(DEPLOYER).appointAuditor(Address.ZERO))
                .arguments())
        .isEmpty();
    assertThat(registry(STRANGER).isAuditor(addr(STRANGER))).isFalse();
    assertThat(registry(STRANGER).isAuditor(addr(AUDITOR2))).isFalse();
    assertThat(registry(STRANGER).isAuditor(Address.ZERO)).isFalse();
  }

  @Test
  void ownerRemovesAnAuditorWhoseCertificationsRemain() {
    byte[] appId = registerBlender();
    appoint(AUDITOR);
    registry(AUDITOR).certify(appId, "1.0.0");
    TxResult tx = registry(DEPLOYER).removeAuditor(addr(AUDITOR));

    assertThat(event(tx, ApplicationRegistry.AUDITORREMOVED_EVENT).topics())
        .containsExactly(
            EventEncoder.encode(ApplicationRegistry.AUDITORREMOVED_EVENT), topic(addr(AUDITOR)));
    assertThat(registry(STRANGER).isAuditor(addr(AUDITOR))).isFalse();
    reverts("NotAuditor", () -> registry(AUDITOR).revoke(appId, "1.0.0"));
    register(VENDOR, NAME, "1.1.0", Environment.DOCKER);
    reverts("NotAuditor", () -> registry(AUDITOR).certify(appId, "1.1.0"));
    // Removal does not undo past certifications (documented behaviour: another auditor may revoke).
    AppVersion v = registry(STRANGER).version(appId, "1.0.0");
    assertThat(v.certified()).isTrue();
    assertThat(v.certifiedBy()).isEqualTo(addr(AUDITOR));
  }

  @Test
  void removeAuditorIsOwnerOnlyAndRefusesNonAuditors() {
    appoint(AUDITOR);
    assertThat(
            reverts("NotOwner", () -> registry(STRANGER).removeAuditor(addr(AUDITOR))).arguments())
        .containsExactly(addr(STRANGER).hex());
    assertThat(
            reverts("NotOwner", () -> registry(AUDITOR).removeAuditor(addr(AUDITOR))).arguments())
        .containsExactly(addr(AUDITOR).hex());
    assertThat(
            reverts("NotAuditor", () -> registry(DEPLOYER).removeAuditor(addr(AUDITOR2)))
                .arguments())
        .containsExactly(addr(AUDITOR2).hex());
    registry(DEPLOYER).removeAuditor(addr(AUDITOR));
    assertThat(
            reverts("NotAuditor", () -> registry(DEPLOYER).removeAuditor(addr(AUDITOR)))
                .arguments())
        .containsExactly(addr(AUDITOR).hex());
  }

  @Test
  void ownershipTransfersToTheNewOwnerOnly() {
    TxResult tx = registry(DEPLOYER).transferOwnership(addr(STRANGER));
    assertThat(event(tx, ApplicationRegistry.OWNERSHIPTRANSFERRED_EVENT).topics())
        .containsExactly(
            EventEncoder.encode(ApplicationRegistry.OWNERSHIPTRANSFERRED_EVENT),
            topic(addr(DEPLOYER)),
            topic(addr(STRANGER)));
    assertThat(registry(DEPLOYER).owner()).isEqualTo(addr(STRANGER));

    assertThat(
            reverts("NotOwner", () -> registry(DEPLOYER).appointAuditor(addr(AUDITOR))).arguments())
        .containsExactly(addr(DEPLOYER).hex());
    reverts("NotOwner", () -> registry(DEPLOYER).transferOwnership(addr(DEPLOYER)));
    registry(STRANGER).appointAuditor(addr(AUDITOR));
    assertThat(registry(DEPLOYER).isAuditor(addr(AUDITOR))).isTrue();
    registry(STRANGER).removeAuditor(addr(AUDITOR));
    assertThat(registry(DEPLOYER).isAuditor(addr(AUDITOR))).isFalse();
  }

  @Test
  void transferOwnershipIsOwnerOnlyAndRefusesZero() {
    assertThat(
            reverts("NotOwner", () -> registry(STRANGER).transferOwnership(addr(STRANGER)))
                .arguments())
        .containsExactly(addr(STRANGER).hex());
    assertThat(
            reverts("ZeroAddress", () -> registry(DEPLOYER).transferOwnership(Address.ZERO))
                .arguments())
        .isEmpty();
    assertThat(registry(STRANGER).owner()).isEqualTo(addr(DEPLOYER));
  }

  @Test
  void ownerHasNoPowerOverApps() {
    byte[] appId = registerBlender();
    ContractRevertedException e =
        reverts("NotVendor", () -> registry(DEPLOYER).transferApp(appId, addr(DEPLOYER)));
    assertThat(e.arguments()).containsExactly(hex(appId), addr(DEPLOYER).hex());
    reverts("NotVendor", () -> register(DEPLOYER, NAME, "9", Environment.DOCKER));
  }
}

package org.jgolem.chain.contracts;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.eth.LogEntry;
import org.jgolem.eth.TxResult;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.protocol.notes.SignedNote;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * Small helpers shared by the deposit tests: subtask ids, notes, raw signatures and log decoding.
 */
final class DepositTestKit {
  private DepositTestKit() {}

  /** A deterministic 32-byte subtask id. */
  static byte[] subtask(String name) {
    return Hash.sha3(("subtask:" + name).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * 0x-prefixed lowercase hex, as {@code ContractRevertedException.arguments()} shows bytes32
   * values.
   */
  static String hex(byte[] bytes) {
    return "0x" + HexFormat.of().formatHex(bytes);
  }

  static Address address(Credentials c) {
    return Address.of(c.getAddress());
  }

  static PromissoryNote note(
      Credentials payer, Address payee, BigInteger amount, byte[] subtaskId, Purpose purpose) {
    return new PromissoryNote(address(payer), payee, amount, subtaskId, purpose);
  }

  static SignedNote sign(NoteSigner signer, PromissoryNote note, Credentials payer) {
    return signer.sign(note, payer.getEcKeyPair());
  }

  /** Signs the digest of {@code note} with any key, bypassing NoteSigner's payer check. */
  static SignedNote signWithAnyKey(NoteSigner signer, PromissoryNote note, Credentials key) {
    Sign.SignatureData sig = Sign.signMessage(signer.digest(note), key.getEcKeyPair(), false);
    return new SignedNote(note, sig.getV()[0] & 0xff, sig.getR(), sig.getS());
  }

  /** The address ecrecover returns for {@code sig} over {@code digest} (what the contract sees). */
  static Address recover(byte[] digest, SignedNote sig) throws java.security.SignatureException {
    BigInteger key =
        Sign.signedMessageHashToKey(
            digest, new Sign.SignatureData((byte) sig.v(), sig.r(), sig.s()));
    return Address.of(Keys.getAddress(key));
  }

  /** Logs of {@code event} emitted by {@code contract} in {@code tx}. */
  static List<LogEntry> logs(TxResult tx, Address contract, Event event) {
    String topic0 = EventEncoder.encode(event);
    return tx.logs().stream()
        .filter(l ->
            l.contract().equals(contract)
                && !l.topics().isEmpty()
                && topic0.equals(l.topics().get(0)))
        .toList();
  }

  /** The non-indexed values of a log, decoded by the event's ABI. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static List<Type> data(LogEntry log, Event event) {
    return FunctionReturnDecoder.decode(log.data(), (List) event.getNonIndexedParameters());
  }

  static Address topicAddress(String topic) {
    return Address.of(Numeric.toBigInt(topic));
  }

  static byte[] topicBytes(String topic) {
    return Numeric.hexStringToByteArray(topic);
  }
}

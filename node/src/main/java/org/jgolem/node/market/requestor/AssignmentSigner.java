package org.jgolem.node.market.requestor;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import org.jgolem.eth.Address;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.requestor.RequestorModel.Assignment;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;

/**
 * Makes an assignment: a fresh wire subtask id and the TaskToCompute with its two signed promissory
 * notes.
 */
final class AssignmentSigner {
  private final NodeKey key;
  private final MarketConfig config;
  private final NoteSigner notes;
  private final SecureRandom random;

  AssignmentSigner(NodeKey key, MarketConfig config, SecureRandom random) {
    this.key = key;
    this.config = config;
    this.notes = new NoteSigner(config.chainId(), config.depositContract());
    this.random = random;
  }

  Address requestor() {
    return key.address();
  }

  Assignment assign(Task t, Subtask s, Address provider, BigInteger price, long deadline) {
    byte[] id = assignmentId(t, s);
    WireNote providerNote =
        WireNote.of(
            notes.sign(
                new PromissoryNote(key.address(), provider, price, id, Purpose.SUBTASK_PAYMENT),
                key.keyPair()));
    WireNote concentNote =
        WireNote.of(
            notes.sign(
                new PromissoryNote(
                    key.address(),
                    config.depositContract(),
                    config.concentFee(),
                    id,
                    Purpose.VERIFICATION_COST),
                key.keyPair()));
    TaskToCompute ttc =
        new TaskToCompute(
            t.header.taskId(),
            id,
            key.address(),
            provider,
            price,
            deadline,
            s.planned.definition(s.resourcesCid),
            providerNote,
            concentNote);
    return new Assignment(id, s.name(), provider, price, deadline, ttc);
  }

  /** A fresh wire subtask id: it is what the promissory notes pay for, so it never repeats. */
  private byte[] assignmentId(Task t, Subtask s) {
    byte[] nonce = new byte[16];
    random.nextBytes(nonce);
    return sha256(t.id, s.name().getBytes(StandardCharsets.UTF_8), nonce);
  }

  static byte[] sha256(byte[]... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (byte[] p : parts) md.update(p);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

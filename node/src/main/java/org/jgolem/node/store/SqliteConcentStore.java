package org.jgolem.node.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jgolem.node.concent.ConcentState;
import org.jgolem.node.concent.ConcentStates;
import org.jgolem.node.concent.ConcentStatus;
import org.jgolem.node.concent.EvidenceStore;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.protocol.messages.MessageType;

/**
 * {@link EvidenceStore} and {@link ConcentStates} in the node database (tables {@code
 * concent_evidence} and {@code concent_states}, migration 6). Each write is one statement, durable
 * when it returns.
 */
public final class SqliteConcentStore implements EvidenceStore, ConcentStates {
  private final NodeDatabase db;

  public SqliteConcentStore(NodeDatabase db) {
    this.db = db;
  }

  @Override
  public void put(String subtaskId, MessageType type, byte[] frame) {
    db.write(c -> {
      try (PreparedStatement p =
          c.prepareStatement(
              "INSERT OR IGNORE INTO concent_evidence (subtask_id, type, frame) VALUES (?, ?, ?)")) {
        p.setString(1, subtaskId);
        p.setInt(2, type.code());
        p.setBytes(3, frame);
        return p.executeUpdate();
      }
    });
  }

  @Override
  public Optional<byte[]> get(String subtaskId, MessageType type) {
    return db.read(c -> {
      try (PreparedStatement p =
          c.prepareStatement(
              "SELECT frame FROM concent_evidence WHERE subtask_id = ? AND type = ?")) {
        p.setString(1, subtaskId);
        p.setInt(2, type.code());
        try (ResultSet rs = p.executeQuery()) {
          return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.<byte[]>empty();
        }
      }
    });
  }

  @Override
  public Map<MessageType, byte[]> all(String subtaskId) {
    return db.read(c -> {
      Map<MessageType, byte[]> out = new EnumMap<>(MessageType.class);
      try (PreparedStatement p =
          c.prepareStatement("SELECT type, frame FROM concent_evidence WHERE subtask_id = ?")) {
        p.setString(1, subtaskId);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) out.put(MessageType.ofCode(rs.getInt(1)), rs.getBytes(2));
        }
      }
      return out;
    });
  }

  @Override
  public void set(String subtaskId, ConcentStatus s) {
    db.write(c -> {
      try (PreparedStatement p =
          c.prepareStatement(
              "INSERT INTO concent_states (subtask_id, state, detail, at) VALUES (?, ?, ?, ?) "
                  + "ON CONFLICT (subtask_id) DO UPDATE SET state = excluded.state, "
                  + "detail = excluded.detail, at = excluded.at")) {
        p.setString(1, subtaskId);
        p.setString(2, s.state().name());
        p.setString(3, s.detail());
        p.setLong(4, s.at());
        return p.executeUpdate();
      }
    });
  }

  @Override
  public Optional<ConcentStatus> get(String subtaskId) {
    return db.read(c -> {
      try (PreparedStatement p =
          c.prepareStatement("SELECT state, detail, at FROM concent_states WHERE subtask_id = ?")) {
        p.setString(1, subtaskId);
        try (ResultSet rs = p.executeQuery()) {
          return rs.next() ? Optional.of(status(rs)) : Optional.<ConcentStatus>empty();
        }
      }
    });
  }

  @Override
  public Map<String, ConcentStatus> all() {
    return db.read(c -> {
      Map<String, ConcentStatus> out = new LinkedHashMap<>();
      try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT state, detail, at, subtask_id FROM concent_states ORDER BY at");
          ResultSet rs = p.executeQuery()) {
        while (rs.next()) out.put(rs.getString(4), status(rs));
      }
      return out;
    });
  }

  private static ConcentStatus status(ResultSet rs) throws java.sql.SQLException {
    return new ConcentStatus(ConcentState.valueOf(rs.getString(1)), rs.getString(2), rs.getLong(3));
  }
}

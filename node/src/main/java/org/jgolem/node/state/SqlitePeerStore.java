package org.jgolem.node.state;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.p2p.NodeRecord;

/** {@link PeerStore} in the {@code peers} table of the node database (migration 1). */
public final class SqlitePeerStore implements PeerStore {
  private final NodeDatabase db;

  public SqlitePeerStore(NodeDatabase db) {
    this.db = db;
  }

  @Override
  public void seen(NodeRecord record, long now) {
    db.write(c -> {
      try (PreparedStatement p =
          c.prepareStatement(
              "INSERT INTO peers (node_id, host, port, first_seen, last_seen, failures) VALUES (?, ?, ?, ?, ?, 0) "
                  + "ON CONFLICT (node_id) DO UPDATE SET host = excluded.host, port = excluded.port, "
                  + "last_seen = MAX(last_seen, excluded.last_seen), failures = 0")) {
        p.setString(1, record.nodeId().hex());
        p.setString(2, record.host());
        p.setInt(3, record.port());
        p.setLong(4, now);
        p.setLong(5, now);
        return p.executeUpdate();
      }
    });
  }

  @Override
  public void failed(Address nodeId) {
    db.write(c -> {
      try (PreparedStatement p =
          c.prepareStatement("UPDATE peers SET failures = failures + 1 WHERE node_id = ?")) {
        p.setString(1, nodeId.hex());
        return p.executeUpdate();
      }
    });
  }

  @Override
  public void remove(Address nodeId) {
    db.write(c -> {
      try (PreparedStatement p = c.prepareStatement("DELETE FROM peers WHERE node_id = ?")) {
        p.setString(1, nodeId.hex());
        return p.executeUpdate();
      }
    });
  }

  @Override
  public List<StoredPeer> load(int limit) {
    return db.read(c -> {
      try (PreparedStatement p =
          c.prepareStatement(
              "SELECT node_id, host, port, first_seen, last_seen, failures FROM peers "
                  + "ORDER BY failures ASC, last_seen DESC, node_id ASC LIMIT ?")) {
        p.setInt(1, limit);
        List<StoredPeer> out = new ArrayList<>();
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            out.add(
                new StoredPeer(
                    new NodeRecord(Address.of(rs.getString(1)), rs.getString(2), rs.getInt(3)),
                    rs.getLong(4),
                    rs.getLong(5),
                    rs.getInt(6)));
          }
        }
        return out;
      }
    });
  }

  @Override
  public int prune(int maxFailures) {
    return db.write(c -> {
      try (PreparedStatement p = c.prepareStatement("DELETE FROM peers WHERE failures >= ?")) {
        p.setInt(1, maxFailures);
        return p.executeUpdate();
      }
    });
  }

  @Override
  public int size() {
    return db.read(c -> {
      try (PreparedStatement p = c.prepareStatement("SELECT COUNT(*) FROM peers");
          ResultSet rs = p.executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    });
  }
}

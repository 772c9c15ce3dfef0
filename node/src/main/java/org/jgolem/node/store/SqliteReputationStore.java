package org.jgolem.node.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.node.state.NodeDatabase;

/**
 * {@link Reputation.Store}: the reputation counters in the node database (table {@code
 * reputation}).
 */
public final class SqliteReputationStore implements Reputation.Store {
  private final NodeDatabase db;

  public SqliteReputationStore(NodeDatabase db) {
    this.db = db;
  }

  @Override
  public Reputation.Counters load(Reputation.Role role, Address node) {
    return db.read(c -> {
      try (PreparedStatement p =
          c.prepareStatement(
              "SELECT accepted, wrong, timeouts, failures, paid, late, rejected "
                  + "FROM reputation WHERE role = ? AND node_id = ?")) {
        p.setString(1, role.name());
        p.setString(2, node.hex());
        try (ResultSet rs = p.executeQuery()) {
          return rs.next() ? counters(rs) : Reputation.Counters.ZERO;
        }
      }
    });
  }

  @Override
  public void save(Reputation.Role role, Address node, Reputation.Counters k) {
    db.write(c -> {
      try (PreparedStatement p =
          c.prepareStatement(
              "INSERT INTO reputation (role, node_id, accepted, wrong, timeouts, "
                  + "failures, paid, late, rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (role, node_id) DO UPDATE SET "
                  + "accepted = excluded.accepted, wrong = excluded.wrong, timeouts = excluded.timeouts, failures = excluded.failures, "
                  + "paid = excluded.paid, late = excluded.late, rejected = excluded.rejected")) {
        p.setString(1, role.name());
        p.setString(2, node.hex());
        p.setLong(3, k.accepted());
        p.setLong(4, k.wrong());
        p.setLong(5, k.timeouts());
        p.setLong(6, k.failures());
        p.setLong(7, k.paid());
        p.setLong(8, k.late());
        p.setLong(9, k.rejected());
        return p.executeUpdate();
      }
    });
  }

  @Override
  public List<Reputation.Entry> all(Reputation.Role role) {
    return db.read(c -> {
      List<Reputation.Entry> out = new ArrayList<>();
      try (PreparedStatement p =
          c.prepareStatement(
              "SELECT accepted, wrong, timeouts, failures, paid, late, rejected, "
                  + "node_id FROM reputation WHERE role = ?")) {
        p.setString(1, role.name());
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next())
            out.add(new Reputation.Entry(Address.of(rs.getString(8)), counters(rs)));
        }
      }
      return out;
    });
  }

  private static Reputation.Counters counters(ResultSet rs) throws java.sql.SQLException {
    return new Reputation.Counters(
        rs.getLong(1),
        rs.getLong(2),
        rs.getLong(3),
        rs.getLong(4),
        rs.getLong(5),
        rs.getLong(6),
        rs.getLong(7));
  }
}

package org.jgolem.node.state;

import java.util.List;

/** The node database's schema, in order. Append only. */
public final class Migrations {
  private Migrations() {}

  public static final List<Migration> ALL = List.of(
      Migration.of(1, "peers learnt by discovery",
          """
          CREATE TABLE peers (
            node_id    TEXT PRIMARY KEY,
            host       TEXT NOT NULL,
            port       INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
            first_seen INTEGER NOT NULL,
            last_seen  INTEGER NOT NULL,
            failures   INTEGER NOT NULL DEFAULT 0
          )""",
          "CREATE INDEX peers_by_last_seen ON peers (last_seen)"));
}

package org.jgolem.node.state;

import java.util.List;
import java.util.Objects;

/**
 * One step of the schema: SQL statements applied together, in one transaction, when the database is
 * below {@code version}. Versions start at 1 and increase by one; a migration is never edited once
 * released (add a new one instead).
 */
public record Migration(int version, String description, List<String> statements) {
  public Migration {
    if (version < 1) {
      throw new IllegalArgumentException("migration versions start at 1, got " + version);
    }
    Objects.requireNonNull(description, "description");
    statements = List.copyOf(statements);
    if (statements.isEmpty()) {
      throw new IllegalArgumentException("migration " + version + " has no statements");
    }
  }

  public static Migration of(int version, String description, String... statements) {
    return new Migration(version, description, List.of(statements));
  }
}

package org.jgolem.concent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import org.jgolem.testkit.Postgres;
import org.junit.jupiter.api.Test;

/**
 * The store's contract on a real PostgreSQL server: the JVM's one test cluster ({@link Postgres}),
 * a fresh database per test. If PostgreSQL is missing or does not start, these tests fail saying
 * why; they are never skipped.
 */
class PostgresConcentStoreTest extends ConcentStoreContract {
  @Override
  String newDatabase() {
    return Postgres.shared().createDatabase("concent");
  }

  @Override
  String expectedKind() {
    return "POSTGRES";
  }

  @Test
  void aPasswordIsNotShownInMessages() {
    assertThat(
            JdbcConcentStore.withoutSecrets(
                "jdbc:postgresql://h/db?user=concent&password=s3cret&ssl=true"))
        .isEqualTo("jdbc:postgresql://h/db?user=concent&password=***&ssl=true");
  }

  @Test
  void anUnreachableServerIsAClearError() {
    assertThatThrownBy(() ->
            JdbcConcentStore.open(
                "jdbc:postgresql://127.0.0.1:1/none?user=x&password=secret&connectTimeout=2",
                Clock.systemUTC(),
                1))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("cannot open Concent's database")
        .hasMessageNotContaining("secret");
  }
}

package org.jgolem.concent.store;

import java.util.List;

/**
 * Concent's schema, in order, for both dialects: {ID}, {BYTES}, {AMOUNT} and {LONG} are filled in
 * by {@link Dialect#ddl}. Append only: a released migration is never edited (add a new one). The
 * engine is node's (org.jgolem.node.state.NodeDatabase): a {@code schema_version} table, each
 * migration applied with its row in one transaction, a database newer than this code refused.
 *
 * <p>Addresses are lowercase 0x hex TEXT, ids raw bytes, times ms since the epoch (closure times
 * seconds, as on chain), amounts exact ({@link Dialect}: never a float).
 */
final class Schema {
  private Schema() {}

  /** One step: statements applied together, with its row in {@code schema_version}. */
  record Migration(int version, String description, List<String> statements) {
    Migration {
      statements = List.copyOf(statements);
    }

    static Migration of(int version, String description, String... statements) {
      return new Migration(version, description, List.of(statements));
    }
  }

  static final String VERSION_TABLE =
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
          + " description TEXT NOT NULL, applied_at {LONG} NOT NULL)";

  /** The use cases of claims and settlements from migration 4 on. */
  static final String USE_CASES =
      "('FORCED_ACCEPTANCE', 'FORCED_PAYMENT', 'ADDITIONAL_VERIFICATION', 'VERIFICATION_COST')";

  /** A statement of a migration applied only on SQLite (the prefix is taken off). */
  static final String SQLITE = "{SQLITE}";

  /** A statement of a migration applied only on PostgreSQL (the prefix is taken off). */
  static final String POSTGRES = "{POSTGRES}";

  static final List<Migration> ALL =
      List.of(
          Migration.of(
              1,
              "cases, deliveries (the outbox), payers and claims, settlements and their notes,"
                  + " request nonces",
              // A case is one row; its evidence (the signed frames by message type) one blob,
              // written whole with each version (EvidenceCodec). Active states have a deadline
              // > 0, passive ones 0: the partial index is exactly the cases dueCases looks at.
              """
              CREATE TABLE cases (
                requestor        TEXT NOT NULL,
                subtask_id       {BYTES} NOT NULL,
                task_id          {BYTES} NOT NULL,
                provider         TEXT NOT NULL,
                state            TEXT NOT NULL,
                next_deadline    {LONG} NOT NULL CHECK (next_deadline >= 0),
                assigned_at      {LONG} NOT NULL,
                compute_deadline {LONG} NOT NULL,
                price            {AMOUNT} NOT NULL,
                result_cid       TEXT NOT NULL,
                result_size      {LONG} NOT NULL,
                report_hash      {BYTES} NOT NULL,
                evidence         {BYTES} NOT NULL,
                version          {LONG} NOT NULL CHECK (version >= 1),
                updated_at       {LONG} NOT NULL,
                PRIMARY KEY (requestor, subtask_id)
              )\
              """,
              // in dueCases' order, so a LIMIT reads the first rows of the index and sorts nothing
              "CREATE INDEX cases_due ON cases (next_deadline, requestor, subtask_id)"
                  + " WHERE next_deadline > 0",
              // seq keeps the order of insertion; acked_at is null until the recipient acknowledges
              """
              CREATE TABLE deliveries (
                seq       {ID},
                id        {BYTES} NOT NULL UNIQUE,
                recipient TEXT NOT NULL,
                frame     {BYTES} NOT NULL,
                queued_at {LONG} NOT NULL,
                acked_at  {LONG}
              )\
              """,
              "CREATE INDEX deliveries_pending ON deliveries (recipient, seq) WHERE acked_at IS NULL",
              // One row per payer: the sum of its open claims, and the row a claim locks
              // (SELECT ... FOR UPDATE in PostgreSQL), as Golem's Bankster locked the deposit.
              """
              CREATE TABLE payers (
                payer    TEXT PRIMARY KEY,
                reserved {AMOUNT} NOT NULL
              )\
              """,
              // released_at is null while the claim is open; a released claim stays, so the same
              // (payer, subtask, use case) is never claimed twice
              """
              CREATE TABLE claims (
                payer       TEXT NOT NULL REFERENCES payers (payer),
                subtask_id  {BYTES} NOT NULL,
                use_case    TEXT NOT NULL CHECK (use_case IN ('FORCED_ACCEPTANCE', 'FORCED_PAYMENT')),
                payee       TEXT NOT NULL,
                amount      {AMOUNT} NOT NULL,
                claimed_at  {LONG} NOT NULL,
                released_at {LONG},
                PRIMARY KEY (payer, subtask_id, use_case)
              )\
              """,
              """
              CREATE TABLE settlements (
                id           {ID},
                use_case     TEXT NOT NULL CHECK (use_case IN ('FORCED_ACCEPTANCE', 'FORCED_PAYMENT')),
                payer        TEXT NOT NULL,
                payee        TEXT NOT NULL,
                amount       {AMOUNT} NOT NULL,
                closure_time {LONG} NOT NULL,
                status       TEXT NOT NULL CHECK (status IN ('PENDING', 'SIGNED', 'MINED', 'FAILED')),
                tx_hash      TEXT,
                raw_tx       {BYTES},
                created_at   {LONG} NOT NULL
              )\
              """,
              "CREATE INDEX settlements_by_status ON settlements (status, id)",
              """
              CREATE TABLE settlement_notes (
                settlement_id {LONG} NOT NULL REFERENCES settlements (id),
                idx           INTEGER NOT NULL,
                payer         TEXT NOT NULL,
                payee         TEXT NOT NULL,
                amount        {AMOUNT} NOT NULL,
                subtask_id    {BYTES} NOT NULL,
                purpose       TEXT NOT NULL,
                v             INTEGER NOT NULL,
                r             {BYTES} NOT NULL,
                s             {BYTES} NOT NULL,
                PRIMARY KEY (settlement_id, idx)
              )\
              """,
              "CREATE INDEX settlement_notes_by_subtask ON settlement_notes (subtask_id)",
              """
              CREATE TABLE nonces (
                client     TEXT NOT NULL,
                nonce      {BYTES} NOT NULL,
                expires_at {LONG} NOT NULL,
                PRIMARY KEY (client, nonce)
              )\
              """,
              "CREATE INDEX nonces_by_expiry ON nonces (expires_at)"),
          Migration.of(
              2,
              "cases by result CID, for the storage's questions (use case 2)",
              "CREATE INDEX cases_by_result ON cases (result_cid)"),
          Migration.of(
              3,
              "the auditors' record: record cases and their append-only entries",
              // One row per case of the record: a subtask's (unique on requestor and subtask) or
              // one ForcePayment's (led by its first subtask). state, verdict and the settlement
              // follow the entries; the entries themselves are never updated nor deleted.
              """
              CREATE TABLE record_cases (
                id            {ID},
                kind          TEXT NOT NULL CHECK (kind IN ('SUBTASK', 'PAYMENT')),
                requestor     TEXT NOT NULL,
                provider      TEXT NOT NULL,
                task_id       {BYTES} NOT NULL,
                subtask_id    {BYTES} NOT NULL,
                state         TEXT,
                verdict       TEXT,
                settlement_id {LONG},
                settlement_tx TEXT,
                opened_at     {LONG} NOT NULL,
                updated_at    {LONG} NOT NULL
              )\
              """,
              "CREATE UNIQUE INDEX record_cases_subtask ON record_cases (requestor, subtask_id)"
                  + " WHERE kind = 'SUBTASK'",
              "CREATE INDEX record_cases_requestor ON record_cases (requestor, id)",
              "CREATE INDEX record_cases_provider ON record_cases (provider, id)",
              "CREATE INDEX record_cases_task ON record_cases (task_id, id)",
              "CREATE INDEX record_cases_state ON record_cases (state, id)",
              "CREATE INDEX record_cases_verdict ON record_cases (verdict, id)",
              "CREATE INDEX record_cases_settlement ON record_cases (settlement_id)"
                  + " WHERE settlement_id IS NOT NULL",
              // body: the entry in canonical CBOR, exactly the bytes the bundle carries
              """
              CREATE TABLE record_entries (
                case_id {LONG} NOT NULL REFERENCES record_cases (id),
                idx     INTEGER NOT NULL,
                kind    TEXT NOT NULL,
                at      {LONG} NOT NULL,
                body    {BYTES} NOT NULL,
                PRIMARY KEY (case_id, idx)
              )\
              """),
          // Use case 5's claims and settlements: the use-case checks of claims and settlements
          // widened. PostgreSQL changes the constraints in place; SQLite cannot, so its tables are
          // rebuilt (settlement_notes refers to settlements: the foreign keys are checked at
          // commit, when the rows are back).
          Migration.of(
              4,
              "claims and settlements of additional verification (ADDITIONAL_VERIFICATION,"
                  + " VERIFICATION_COST)",
              POSTGRES + "ALTER TABLE claims DROP CONSTRAINT claims_use_case_check",
              POSTGRES
                  + "ALTER TABLE claims ADD CONSTRAINT claims_use_case_check CHECK (use_case IN "
                  + USE_CASES
                  + ")",
              POSTGRES + "ALTER TABLE settlements DROP CONSTRAINT settlements_use_case_check",
              POSTGRES
                  + "ALTER TABLE settlements ADD CONSTRAINT settlements_use_case_check CHECK (use_case IN "
                  + USE_CASES
                  + ")",
              SQLITE + "PRAGMA defer_foreign_keys = ON",
              SQLITE + "CREATE TABLE claims_v3 AS SELECT * FROM claims",
              SQLITE + "DROP TABLE claims",
              SQLITE
                  + """
                  CREATE TABLE claims (
                    payer       TEXT NOT NULL REFERENCES payers (payer),
                    subtask_id  {BYTES} NOT NULL,
                    use_case    TEXT NOT NULL CHECK (use_case IN\
                  """
                  + USE_CASES
                  + """
                  ),
                    payee       TEXT NOT NULL,
                    amount      {AMOUNT} NOT NULL,
                    claimed_at  {LONG} NOT NULL,
                    released_at {LONG},
                    PRIMARY KEY (payer, subtask_id, use_case)
                  )\
                  """,
              SQLITE
                  + "INSERT INTO claims (payer, subtask_id, use_case, payee, amount, claimed_at,"
                  + " released_at) SELECT payer, subtask_id, use_case, payee, amount, claimed_at,"
                  + " released_at FROM claims_v3",
              SQLITE + "DROP TABLE claims_v3",
              SQLITE + "CREATE TABLE settlements_v3 AS SELECT * FROM settlements",
              SQLITE + "DROP TABLE settlements",
              SQLITE
                  + """
                  CREATE TABLE settlements (
                    id           {ID},
                    use_case     TEXT NOT NULL CHECK (use_case IN\
                  """
                  + USE_CASES
                  + """
                  ),
                    payer        TEXT NOT NULL,
                    payee        TEXT NOT NULL,
                    amount       {AMOUNT} NOT NULL,
                    closure_time {LONG} NOT NULL,
                    status       TEXT NOT NULL CHECK (status IN ('PENDING', 'SIGNED', 'MINED', 'FAILED')),
                    tx_hash      TEXT,
                    raw_tx       {BYTES},
                    created_at   {LONG} NOT NULL
                  )\
                  """,
              SQLITE
                  + "INSERT INTO settlements (id, use_case, payer, payee, amount, closure_time,"
                  + " status, tx_hash, raw_tx, created_at) SELECT id, use_case, payer, payee,"
                  + " amount, closure_time, status, tx_hash, raw_tx, created_at FROM settlements_v3",
              SQLITE + "DROP TABLE settlements_v3",
              SQLITE + "CREATE INDEX settlements_by_status ON settlements (status, id)"));
}

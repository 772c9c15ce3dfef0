package org.jgolem.node.state;

import java.util.List;

/** The node database's schema, in order. Append only. */
public final class Migrations {
  private Migrations() {}

  public static final List<Migration> ALL =
      List.of(
          Migration.of(
              1,
              "peers learnt by discovery",
              """
              CREATE TABLE peers (
                node_id    TEXT PRIMARY KEY,
                host       TEXT NOT NULL,
                port       INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
                first_seen INTEGER NOT NULL,
                last_seen  INTEGER NOT NULL,
                failures   INTEGER NOT NULL DEFAULT 0
              )\
              """,
              "CREATE INDEX peers_by_last_seen ON peers (last_seen)"),
          Migration.of(
              2,
              "payments (requestor ledger, batches, signed transactions) and incomes (provider)",
              // Amounts are decimal TEXT: GNT base units exceed SQLite's 64-bit integers. Times are
              // ms
              // since the epoch, closure times seconds (as on chain). Hashes and addresses
              // lowercase 0x hex.
              """
              CREATE TABLE payment_chain (
                id           INTEGER PRIMARY KEY CHECK (id = 1),
                chain_id     INTEGER NOT NULL,
                genesis_hash TEXT NOT NULL,
                account      TEXT NOT NULL,
                token        TEXT NOT NULL
              )\
              """,
              """
              CREATE TABLE payment_batches (
                id                INTEGER PRIMARY KEY AUTOINCREMENT,
                kind              TEXT NOT NULL CHECK (kind IN ('PAYMENT', 'FILLER')),
                nonce             INTEGER NOT NULL CHECK (nonce >= 0),
                closure_time      INTEGER,
                total             TEXT NOT NULL,
                status            TEXT NOT NULL
                                  CHECK (status IN ('SIGNED', 'SENT', 'MINED', 'CONFIRMED', 'REVERTED', 'DROPPED')),
                created_at        INTEGER NOT NULL,
                last_broadcast_at INTEGER,
                tx_hash           TEXT,
                block_number      INTEGER,
                block_hash        TEXT,
                gas_used          INTEGER,
                receipt_success   INTEGER CHECK (receipt_success IN (0, 1)),
                finished_at       INTEGER,
                note              TEXT
              )\
              """,
              // At most one live transaction per nonce: two live batches can never both be mined.
              "CREATE UNIQUE INDEX payment_batches_live_nonce ON payment_batches (nonce) "
                  + "WHERE status IN ('SIGNED', 'SENT', 'MINED')",
              "CREATE INDEX payment_batches_by_status ON payment_batches (status, block_number)",
              """
              CREATE TABLE payment_attempts (
                tx_hash      TEXT PRIMARY KEY,
                batch_id     INTEGER NOT NULL REFERENCES payment_batches (id),
                raw_tx       TEXT NOT NULL,
                gas_limit    TEXT NOT NULL,
                max_fee      TEXT NOT NULL,
                priority_fee TEXT NOT NULL,
                created_at   INTEGER NOT NULL
              )\
              """,
              "CREATE INDEX payment_attempts_by_batch ON payment_attempts (batch_id, created_at)",
              """
              CREATE TABLE payments (
                subtask_id   TEXT PRIMARY KEY,
                task_id      TEXT NOT NULL,
                payee        TEXT NOT NULL,
                amount       TEXT NOT NULL,
                accepted_at  INTEGER NOT NULL,
                recorded_at  INTEGER NOT NULL,
                status       TEXT NOT NULL CHECK (status IN ('PENDING', 'IN_BATCH', 'PAID', 'HELD_BACK')),
                batch_id     INTEGER REFERENCES payment_batches (id),
                held_reason  TEXT,
                tx_hash      TEXT,
                block_number INTEGER,
                paid_at      INTEGER,
                CHECK ((status IN ('IN_BATCH', 'PAID')) = (batch_id IS NOT NULL)),
                CHECK ((status = 'PAID') = (tx_hash IS NOT NULL)),
                CHECK ((status = 'HELD_BACK') = (held_reason IS NOT NULL))
              )\
              """,
              "CREATE INDEX payments_by_status ON payments (status, accepted_at)",
              "CREATE INDEX payments_by_batch ON payments (batch_id)",
              """
              CREATE TABLE income_scan (
                id           INTEGER PRIMARY KEY CHECK (id = 1),
                chain_id     INTEGER NOT NULL,
                genesis_hash TEXT NOT NULL,
                account      TEXT NOT NULL,
                next_block   INTEGER NOT NULL CHECK (next_block >= 0)
              )\
              """,
              """
              CREATE TABLE income_checkpoints (
                block_number INTEGER PRIMARY KEY,
                block_hash   TEXT NOT NULL
              )\
              """,
              """
              CREATE TABLE income_receipts (
                id           INTEGER PRIMARY KEY AUTOINCREMENT,
                tx_hash      TEXT NOT NULL,
                sender       TEXT NOT NULL,
                amount       TEXT NOT NULL,
                unallocated  TEXT NOT NULL,
                block_number INTEGER NOT NULL,
                block_hash   TEXT NOT NULL,
                closure_time INTEGER,
                seen_at      INTEGER NOT NULL,
                UNIQUE (tx_hash, sender)
              )\
              """,
              "CREATE INDEX income_receipts_by_sender ON income_receipts (sender, block_number)",
              """
              CREATE TABLE incomes (
                subtask_id          TEXT PRIMARY KEY,
                task_id             TEXT NOT NULL,
                requestor           TEXT NOT NULL,
                amount              TEXT NOT NULL,
                accepted_at         INTEGER NOT NULL,
                recorded_at         INTEGER NOT NULL,
                status              TEXT NOT NULL CHECK (status IN ('EXPECTED', 'RECEIVED')),
                receipt_id          INTEGER REFERENCES income_receipts (id),
                tx_hash             TEXT,
                block_number        INTEGER,
                received_at         INTEGER,
                overdue_reported_at INTEGER,
                CHECK ((status = 'RECEIVED') = (receipt_id IS NOT NULL))
              )\
              """,
              "CREATE INDEX incomes_by_requestor ON incomes (requestor, status, accepted_at)",
              "CREATE INDEX incomes_by_receipt ON incomes (receipt_id)"),
          Migration.of(
              3,
              "requestor tasks, subtasks and assignments; reputation",
              """
              CREATE TABLE req_tasks (
                id         TEXT PRIMARY KEY,
                task_file  TEXT NOT NULL,
                work_dir   TEXT NOT NULL,
                state      TEXT NOT NULL,
                detail     TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                header     BLOB NOT NULL,
                output     TEXT
              )\
              """,
              """
              CREATE TABLE req_subtasks (
                task_id         TEXT NOT NULL REFERENCES req_tasks (id),
                name            TEXT NOT NULL,
                state           TEXT NOT NULL,
                resources_cid   TEXT NOT NULL,
                recompute       INTEGER NOT NULL,
                accepted_digest BLOB,
                local_digest    BLOB,
                detail          TEXT NOT NULL,
                PRIMARY KEY (task_id, name)
              )\
              """,
              """
              CREATE TABLE req_assignments (
                id       TEXT PRIMARY KEY,
                task_id  TEXT NOT NULL REFERENCES req_tasks (id),
                subtask  TEXT NOT NULL,
                provider TEXT NOT NULL,
                price    TEXT NOT NULL,
                deadline INTEGER NOT NULL,
                state    TEXT NOT NULL,
                ttc      BLOB NOT NULL,
                report   BLOB,
                digest   BLOB,
                result   TEXT,
                source   TEXT,
                detail   TEXT NOT NULL
              )\
              """,
              "CREATE INDEX req_assignments_by_task ON req_assignments (task_id, subtask)",
              """
              CREATE TABLE reputation (
                role     TEXT NOT NULL,
                node_id  TEXT NOT NULL,
                accepted INTEGER NOT NULL,
                wrong    INTEGER NOT NULL,
                timeouts INTEGER NOT NULL,
                failures INTEGER NOT NULL,
                paid     INTEGER NOT NULL,
                late     INTEGER NOT NULL,
                rejected INTEGER NOT NULL,
                PRIMARY KEY (role, node_id)
              )\
              """),
          Migration.of(
              4,
              "provider jobs (subtasks taken, until the requestor's verdict)",
              """
              CREATE TABLE prov_jobs (
                subtask_id TEXT PRIMARY KEY,
                task_id    TEXT NOT NULL,
                requestor  TEXT NOT NULL,
                header     BLOB NOT NULL,
                ttc        BLOB NOT NULL,
                state      TEXT NOT NULL,
                report     BLOB,
                updated_at INTEGER NOT NULL
              )\
              """),
          Migration.of(
              5,
              "when the requestor accepted each result (its SubtaskResultsAccepted says it again, unchanged)",
              "ALTER TABLE req_assignments ADD COLUMN accepted_at INTEGER"),
          Migration.of(
              6,
              "Concent: the signed frames kept as evidence, and each subtask's Concent state",
              """
              CREATE TABLE concent_evidence (
                subtask_id TEXT NOT NULL,
                type       INTEGER NOT NULL,
                frame      BLOB NOT NULL,
                PRIMARY KEY (subtask_id, type)
              )\
              """,
              """
              CREATE TABLE concent_states (
                subtask_id TEXT PRIMARY KEY,
                state      TEXT NOT NULL,
                detail     TEXT NOT NULL,
                at         INTEGER NOT NULL
              )\
              """));
}

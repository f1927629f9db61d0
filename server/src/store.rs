//! Storage: the only module that touches the database.
//!
//! Embedded SQLite (one file, WAL, `synchronous = FULL`; the default) or PostgreSQL (chosen by
//! `--database-url`; `synchronous_commit = on`), through sqlx; `store/connect.rs` opens either and
//! migrates its schema. Per session the store keeps an append-only log of Automerge change
//! chunks, one row per session tick, and a snapshot that compaction rewrites from time to time;
//! loading a session is the snapshot plus the later chunks, read in one consistent transaction. A
//! tick's chunk, the resume tokens it created and the ids of the intents it applied are written
//! in one transaction, so after a crash either all of a tick is there or none of it, and an
//! intent that was acknowledged (which happens only after the commit) is never lost nor applied
//! twice on resend. All of this holds on both backends.
//!
//! Why an enum of the two native pools, and not sqlx's `Any` driver or a generic trait: each
//! method's body is written once inside `with_pool!` and compiled once per backend with that
//! backend's own types, so a query's SQL text is in one place (written to be valid for both:
//! `$1` placeholders, `ON CONFLICT`, `RETURNING`), SQLite keeps its typed connect options (a
//! data-directory path, WAL, `synchronous`, `secure_delete`), no value is converted at run time,
//! and what only one backend can do is a match arm (`PoolExt`, `backup_to`), not a string
//! check. A generic implementation would need sqlx's trait bounds for every bound type, longer
//! than the queries themselves.

use draagvlak_protocol::ParticipantId;
use draagvlak_protocol::api::SessionStatus;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

/// Run `$body` once with `$pool` bound to the store's own pool, whichever backend it is: the
/// body (and so every query's SQL text) is written once and compiled once per backend, with the
/// backend's own types (`Transaction<Sqlite>` or `Transaction<Postgres>`).
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}

/// Insert or replace a session's snapshot, inside the transaction `$tx` (either backend).
macro_rules! put_snapshot {
    ($tx:expr, $session_id:expr, $snapshot:expr) => {
        sqlx::query(
            "INSERT INTO doc_snapshots (session_id, rev, heads, data) VALUES ($1, $2, $3, $4)
             ON CONFLICT (session_id) DO UPDATE SET rev = excluded.rev, heads = excluded.heads,
                                                    data = excluded.data",
        )
        .bind($session_id)
        .bind($snapshot.rev as i64)
        .bind(&$snapshot.heads)
        .bind(&$snapshot.data)
        .execute(&mut *$tx)
        .await
    };
}

/// Insert a session's index row, created now (a new session, or one imported from a file),
/// inside the transaction `$tx` (either backend).
macro_rules! insert_session_row {
    ($tx:expr, $row:expr) => {
        sqlx::query(
            "INSERT INTO sessions (id, code, title, organisation, language, template, status,
                                   facilitator_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&$row.id)
        .bind(&$row.code)
        .bind(&$row.title)
        .bind(&$row.organisation)
        .bind(&$row.language)
        .bind(&$row.template)
        .bind($row.status.as_str())
        .bind(&$row.facilitator_hash)
        .bind($crate::store::unix_now())
        .execute(&mut *$tx)
        .await
    };
}

/// Insert a participant's resume token hash, inside the transaction `$tx` (either backend).
macro_rules! insert_participant {
    ($tx:expr, $session_id:expr, $participant:expr, $token_hash:expr) => {
        sqlx::query(
            "INSERT INTO participants (session_id, participant_id, token_hash) VALUES ($1, $2, $3)",
        )
        .bind($session_id)
        .bind($participant)
        .bind($token_hash)
        .execute(&mut *$tx)
        .await
    };
}

/// Record an applied intent, inside the transaction `$tx` (either backend); a record that is
/// there already is kept (a resend).
macro_rules! insert_applied {
    ($tx:expr, $session_id:expr, $applied:expr) => {
        sqlx::query(
            "INSERT INTO applied_intents (session_id, sender, intent_id, rev, created)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind($session_id)
        .bind(&$applied.sender)
        .bind(&$applied.intent_id)
        .bind($applied.rev as i64)
        .bind(&$applied.created)
        .execute(&mut *$tx)
        .await
    };
}

mod backup;
mod connect;
mod document;
mod lifecycle;
mod logo;

pub use backup::{BackupInfo, DataDirLock, Restored, check_backup, restore};
pub use connect::{Backend, DatabaseUrl, PostgresDb, UrlError};
pub use document::{LoadError, Loaded, encode_heads, load_durable};
pub use lifecycle::Tokens;
pub use logo::Logo;

/// The database file in the data directory.
pub const DB_FILE: &str = "draagvlak.sqlite3";

/// A `sessions` row as read by `SELECT id, code, title, organisation, language, template, status,
/// facilitator_hash`.
type SessionRecord = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Vec<u8>,
);

/// A storage failure. The message is for logs; clients get `storage_failed`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The PostgreSQL database (shown without its password) does not answer.
    #[error("cannot connect to {database}: {source}")]
    Connect {
        database: String,
        source: sqlx::Error,
    },
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("join code already in use")]
    CodeTaken,
    #[error("session {0} not found")]
    NotFound(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error(
        "another process (a running server, or a restore) uses the data directory {0}; stop it first"
    )]
    Locked(String),
    #[error("backup: {0}")]
    Backup(String),
    #[error("schema migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A command that works on the SQLite file, asked of a PostgreSQL store.
    #[error(
        "{0} works only with the embedded SQLite database; with PostgreSQL use its own tools \
         (pg_dump and pg_restore)"
    )]
    SqliteOnly(&'static str),
    /// Only with the `fault-injection` feature.
    #[error("injected write failure")]
    Injected,
}

/// The index row of a session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub code: String,
    pub title: String,
    pub organisation: String,
    pub language: String,
    pub template: String,
    pub status: SessionStatus,
    pub facilitator_hash: Vec<u8>,
}

/// One stored chunk of the document: a snapshot or the changes of one tick.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub rev: u64,
    /// Concatenated 32-byte change hashes: the document heads after this chunk.
    pub heads: Vec<u8>,
    pub data: Vec<u8>,
}

/// An intent that was applied, kept so that a resend is acknowledged instead of applied again.
#[derive(Debug, Clone)]
pub struct AppliedIntent {
    /// `facilitator` or the participant id.
    pub sender: String,
    pub intent_id: String,
    pub rev: u64,
    pub created: Option<String>,
}

/// Everything needed to bring a session back to life.
#[derive(Debug)]
pub struct LoadedSession {
    pub row: SessionRow,
    pub snapshot: Chunk,
    pub changes: Vec<Chunk>,
    /// `(participant id, token hash)`.
    pub participants: Vec<(String, Vec<u8>)>,
    pub applied: Vec<AppliedIntent>,
}

/// What one session tick writes.
#[derive(Debug, Default)]
pub struct TickWrite {
    pub chunk: Option<Chunk>,
    /// Participants who joined in the tick, with the hash of their resume token.
    pub new_participants: Vec<(ParticipantId, Vec<u8>)>,
    pub applied: Vec<AppliedIntent>,
}

/// The pool of the backend the store was opened on (see `store/connect.rs`).
#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// What the backends do differently besides their SQL types, for code written once over both
/// (see `with_pool!`).
trait PoolExt {
    type Db: sqlx::Database;

    /// A transaction whose reads all see one state of the database.
    async fn begin_consistent_read(
        &self,
    ) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;

    /// After deleting or rewriting a session: leave no copy of the old data in the database's
    /// own files where that can be done.
    async fn purge_deleted(&self) -> Result<(), sqlx::Error>;
}

impl PoolExt for SqlitePool {
    type Db = sqlx::Sqlite;

    /// SQLite: a transaction reads from one snapshot of the file (WAL) from its first read.
    async fn begin_consistent_read(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin().await
    }

    /// `secure_delete` has overwritten the freed pages; the write-ahead log still holds the
    /// old ones until it is checkpointed and truncated.
    async fn purge_deleted(&self) -> Result<(), sqlx::Error> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(self)
            .await?;
        Ok(())
    }
}

impl PoolExt for PgPool {
    type Db = sqlx::Postgres;

    /// PostgreSQL's default `READ COMMITTED` takes a new snapshot per statement, so a
    /// compaction committed between two reads would pair an old snapshot with the changes after
    /// a new one; `REPEATABLE READ` reads everything from one snapshot.
    async fn begin_consistent_read(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
    }

    /// Nothing the server can do: deleted rows stay in the table files until (auto)vacuum
    /// reuses their space (see SECURITY.md).
    async fn purge_deleted(&self) -> Result<(), sqlx::Error> {
        Ok(())
    }
}

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// Session whose writes fail (tests of storage failure).
    #[cfg(feature = "fault-injection")]
    failing: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

impl Store {
    fn with_pool(pool: Pool) -> Store {
        Store {
            pool,
            #[cfg(feature = "fault-injection")]
            failing: Default::default(),
        }
    }

    /// Check that the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop))?;
        Ok(())
    }

    /// Close the pool, waiting for queries in flight.
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await);
    }

    /// Store a new session with its first snapshot. Fails with [`StoreError::CodeTaken`] when
    /// the join code is in use, so the caller can draw another.
    pub async fn create_session(
        &self,
        row: &SessionRow,
        snapshot: &Chunk,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let inserted = insert_session_row!(tx, row);
            if let Err(sqlx::Error::Database(e)) = &inserted
                && e.is_unique_violation()
            {
                return Err(StoreError::CodeTaken);
            }
            inserted?;
            put_snapshot!(tx, &row.id, snapshot)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Find a session by its (normalised) join code.
    pub async fn session_by_code(&self, code: &str) -> Result<Option<SessionRow>, StoreError> {
        let record: Option<SessionRecord> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, code, title, organisation, language, template, status,
                        facilitator_hash
                 FROM sessions WHERE code = $1",
            )
            .bind(code)
            .fetch_optional(pool)
            .await?
        });
        record.map(session_row).transpose()
    }

    /// Count up and return the session's load epoch (see the session actor's revisions).
    pub async fn next_epoch(&self, id: &str) -> Result<u64, StoreError> {
        let epoch: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("UPDATE sessions SET epoch = epoch + 1 WHERE id = $1 RETURNING epoch")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        let epoch = epoch.ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        rev_from_db(epoch)
    }

    /// Replace the facilitator secret's hash.
    pub async fn set_facilitator_hash(&self, id: &str, hash: &[u8]) -> Result<(), StoreError> {
        self.injected(id)?;
        with_pool!(self, pool => {
            sqlx::query("UPDATE sessions SET facilitator_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Mark a session `closed` (read-only; no joins). The document holds the same fact; the
    /// column lets the HTTP API answer without loading the session.
    pub async fn set_closed(&self, id: &str) -> Result<(), StoreError> {
        self.injected(id)?;
        with_pool!(self, pool => {
            sqlx::query("UPDATE sessions SET status = 'closed' WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// How many times the session has been loaded (for tests and diagnostics).
    pub async fn epoch(&self, id: &str) -> Result<u64, StoreError> {
        let epoch: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT epoch FROM sessions WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        rev_from_db(epoch.ok_or_else(|| StoreError::NotFound(id.to_string()))?)
    }

    /// Load everything of one session, as one consistent read (see
    /// `PoolExt::begin_consistent_read`).
    pub async fn load_session(&self, id: &str) -> Result<LoadedSession, StoreError> {
        type ChunkRecord = (i64, Vec<u8>, Vec<u8>);
        type AppliedRecord = (String, String, i64, Option<String>);
        let (record, snapshot, changes, participants, applied) = with_pool!(self, pool => {
            let mut tx = pool.begin_consistent_read().await?;
            let record: Option<SessionRecord> = sqlx::query_as(
                "SELECT id, code, title, organisation, language, template, status,
                        facilitator_hash
                 FROM sessions WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let snapshot: Option<ChunkRecord> = sqlx::query_as(
                "SELECT rev, heads, data FROM doc_snapshots WHERE session_id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let after = snapshot.as_ref().map_or(-1, |(rev, _, _)| *rev);
            let changes: Vec<ChunkRecord> = sqlx::query_as(
                "SELECT rev, heads, data FROM doc_changes
                 WHERE session_id = $1 AND rev > $2 ORDER BY rev",
            )
            .bind(id)
            .bind(after)
            .fetch_all(&mut *tx)
            .await?;
            let participants: Vec<(String, Vec<u8>)> = sqlx::query_as(
                "SELECT participant_id, token_hash FROM participants WHERE session_id = $1",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let applied: Vec<AppliedRecord> = sqlx::query_as(
                "SELECT sender, intent_id, rev, created FROM applied_intents
                 WHERE session_id = $1",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            (record, snapshot, changes, participants, applied)
        });
        let row = session_row(record.ok_or_else(|| StoreError::NotFound(id.to_string()))?)?;
        let chunk = |(rev, heads, data): ChunkRecord| -> Result<Chunk, StoreError> {
            Ok(Chunk {
                rev: rev_from_db(rev)?,
                heads,
                data,
            })
        };
        let snapshot = chunk(
            snapshot.ok_or_else(|| StoreError::Corrupt(format!("session {id} has no snapshot")))?,
        )?;
        let changes = changes
            .into_iter()
            .map(chunk)
            .collect::<Result<Vec<_>, StoreError>>()?;
        let applied = applied
            .into_iter()
            .map(|(sender, intent_id, rev, created)| {
                Ok(AppliedIntent {
                    sender,
                    intent_id,
                    rev: rev_from_db(rev)?,
                    created,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(LoadedSession {
            row,
            snapshot,
            changes,
            participants,
            applied,
        })
    }

    /// Make every write of one session fail (or none, with `None`), as a full disk or a
    /// read-only file would. Only with the `fault-injection` feature, for tests.
    #[cfg(feature = "fault-injection")]
    pub fn fail_writes_for(&self, session_id: Option<&str>) {
        if let Ok(mut f) = self.failing.lock() {
            *f = session_id.map(str::to_string);
        }
    }

    #[cfg(feature = "fault-injection")]
    fn injected(&self, session_id: &str) -> Result<(), StoreError> {
        match self.failing.lock() {
            Ok(f) if f.as_deref() == Some(session_id) => Err(StoreError::Injected),
            _ => Ok(()),
        }
    }

    #[cfg(not(feature = "fault-injection"))]
    fn injected(&self, _session_id: &str) -> Result<(), StoreError> {
        Ok(())
    }

    /// Write one tick durably (one transaction): its change chunk, the resume tokens it
    /// created and the ids of the intents it applied, all or none.
    pub async fn append(&self, session_id: &str, tick: &TickWrite) -> Result<(), StoreError> {
        self.injected(session_id)?;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(chunk) = &tick.chunk {
                sqlx::query(
                    "INSERT INTO doc_changes (session_id, rev, heads, data) VALUES ($1, $2, $3, $4)",
                )
                .bind(session_id)
                .bind(chunk.rev as i64)
                .bind(&chunk.heads)
                .bind(&chunk.data)
                .execute(&mut *tx)
                .await?;
            }
            for (participant, token_hash) in &tick.new_participants {
                insert_participant!(tx, session_id, participant.as_str(), token_hash)?;
            }
            for applied in &tick.applied {
                insert_applied!(tx, session_id, applied)?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Replace the session's snapshot and drop the change chunks it contains.
    pub async fn compact(&self, session_id: &str, snapshot: &Chunk) -> Result<(), StoreError> {
        self.injected(session_id)?;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            put_snapshot!(tx, session_id, snapshot)?;
            sqlx::query("DELETE FROM doc_changes WHERE session_id = $1 AND rev <= $2")
                .bind(session_id)
                .bind(snapshot.rev as i64)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

/// The clock in seconds since the Unix epoch.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn rev_from_db(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative revision {value}")))
}

fn session_row(r: SessionRecord) -> Result<SessionRow, StoreError> {
    let (id, code, title, organisation, language, template, status, facilitator_hash) = r;
    Ok(SessionRow {
        id,
        code,
        title,
        organisation,
        language,
        template,
        status: SessionStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("session status {status:?}")))?,
        facilitator_hash,
    })
}

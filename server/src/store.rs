//! Storage: the only module that touches the database.
//!
//! Embedded SQLite (one file, WAL, `synchronous = FULL`) through sqlx. Per session the store keeps
//! an append-only log of Automerge change chunks, one row per session tick, and a snapshot that
//! compaction rewrites from time to time; loading a session is the snapshot plus the later
//! chunks. A tick's chunk, the resume tokens it created and the ids of the intents it applied are
//! written in one transaction, so after a crash either all of a tick is there or none of it, and
//! an intent that was acknowledged (which happens only after the commit) is never lost nor applied
//! twice on resend.

use std::path::Path;
use std::time::Duration;

use draagvlak_protocol::ParticipantId;
use draagvlak_protocol::api::SessionStatus;
use sqlx::sqlite::SqliteRow;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row as _, Sqlite, Transaction};

mod backup;
mod document;
mod lifecycle;

pub use backup::{BackupInfo, DataDirLock, Restored, check_backup, restore};
pub use document::{LoadError, Loaded, encode_heads, load_durable};
pub use lifecycle::Tokens;

/// Schema version kept in `PRAGMA user_version`.
/// 2: `sessions.anonymised_at`.
const SCHEMA_VERSION: i64 = 2;

/// The database file in the data directory.
pub const DB_FILE: &str = "draagvlak.sqlite3";

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        organisation TEXT NOT NULL,
        language TEXT NOT NULL,
        template TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        facilitator_hash BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        epoch INTEGER NOT NULL DEFAULT 0,
        anonymised_at INTEGER
    )",
    "CREATE TABLE IF NOT EXISTS participants (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        participant_id TEXT NOT NULL,
        token_hash BLOB NOT NULL,
        PRIMARY KEY (session_id, participant_id)
    )",
    "CREATE UNIQUE INDEX IF NOT EXISTS participants_token ON participants(session_id, token_hash)",
    "CREATE TABLE IF NOT EXISTS doc_snapshots (
        session_id TEXT PRIMARY KEY REFERENCES sessions(id),
        rev INTEGER NOT NULL,
        heads BLOB NOT NULL,
        data BLOB NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS doc_changes (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        rev INTEGER NOT NULL,
        heads BLOB NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (session_id, rev)
    )",
    "CREATE TABLE IF NOT EXISTS applied_intents (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        sender TEXT NOT NULL,
        intent_id TEXT NOT NULL,
        rev INTEGER NOT NULL,
        created TEXT,
        PRIMARY KEY (session_id, sender, intent_id)
    )",
];

/// A storage failure. The message is for logs; clients get `storage_failed`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
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

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// Session whose writes fail (tests of storage failure).
    #[cfg(feature = "fault-injection")]
    failing: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

impl Store {
    /// Open (and create, if needed) `draagvlak.sqlite3` in `data_dir`.
    pub async fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let options = SqliteConnectOptions::new()
            .filename(data_dir.join(DB_FILE))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Deleted sessions are overwritten, not left in free pages (store/lifecycle.rs).
            .pragma("secure_delete", "ON");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        let store = Store {
            pool,
            #[cfg(feature = "fault-injection")]
            failing: Default::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&mut *tx)
            .await?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Corrupt(format!(
                "database schema version {version} is newer than this server ({SCHEMA_VERSION})"
            )));
        }
        for statement in SCHEMA {
            sqlx::query(*statement).execute(&mut *tx).await?;
        }
        // Version 1 databases have the table without the column.
        let has_anonymised: bool = sqlx::query_scalar(
            "SELECT count(*) > 0 FROM pragma_table_info('sessions') WHERE name = 'anonymised_at'",
        )
        .fetch_one(&mut *tx)
        .await?;
        if !has_anonymised {
            sqlx::query("ALTER TABLE sessions ADD COLUMN anonymised_at INTEGER")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("PRAGMA user_version = 2")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Check that the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Close the pool, waiting for queries in flight.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Store a new session with its first snapshot. Fails with [`StoreError::CodeTaken`] when
    /// the join code is in use, so the caller can draw another.
    pub async fn create_session(
        &self,
        row: &SessionRow,
        snapshot: &Chunk,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let inserted = insert_session_row(&mut tx, row).await;
        if let Err(sqlx::Error::Database(e)) = &inserted
            && e.is_unique_violation()
        {
            return Err(StoreError::CodeTaken);
        }
        inserted?;
        put_snapshot(&mut tx, &row.id, snapshot).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Find a session by its (normalised) join code.
    pub async fn session_by_code(&self, code: &str) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, code, title, organisation, language, template, status, facilitator_hash
             FROM sessions WHERE code = ?",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(session_row).transpose()
    }

    /// Count up and return the session's load epoch (see the session actor's revisions).
    pub async fn next_epoch(&self, id: &str) -> Result<u64, StoreError> {
        let epoch: Option<i64> = sqlx::query_scalar(
            "UPDATE sessions SET epoch = epoch + 1 WHERE id = ? RETURNING epoch",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let epoch = epoch.ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        rev_from_db(epoch)
    }

    /// Replace the facilitator secret's hash.
    pub async fn set_facilitator_hash(&self, id: &str, hash: &[u8]) -> Result<(), StoreError> {
        self.injected(id)?;
        sqlx::query("UPDATE sessions SET facilitator_hash = ? WHERE id = ?")
            .bind(hash)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Mark a session `closed` (read-only; no joins). The document holds the same fact; the
    /// column lets the HTTP API answer without loading the session.
    pub async fn set_closed(&self, id: &str) -> Result<(), StoreError> {
        self.injected(id)?;
        sqlx::query("UPDATE sessions SET status = 'closed' WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How many times the session has been loaded (for tests and diagnostics).
    pub async fn epoch(&self, id: &str) -> Result<u64, StoreError> {
        let epoch: Option<i64> = sqlx::query_scalar("SELECT epoch FROM sessions WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        rev_from_db(epoch.ok_or_else(|| StoreError::NotFound(id.to_string()))?)
    }

    /// Load everything of one session.
    pub async fn load_session(&self, id: &str) -> Result<LoadedSession, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT id, code, title, organisation, language, template, status, facilitator_hash
             FROM sessions WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        let row = session_row(&row)?;
        let snapshot =
            sqlx::query("SELECT rev, heads, data FROM doc_snapshots WHERE session_id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("session {id} has no snapshot")))?;
        let snapshot = Chunk {
            rev: rev_from_db(snapshot.get(0))?,
            heads: snapshot.get(1),
            data: snapshot.get(2),
        };
        let changes = sqlx::query(
            "SELECT rev, heads, data FROM doc_changes WHERE session_id = ? AND rev > ? ORDER BY rev",
        )
        .bind(id)
        .bind(snapshot.rev as i64)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Chunk {
                rev: rev_from_db(r.get(0))?,
                heads: r.get(1),
                data: r.get(2),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let participants =
            sqlx::query("SELECT participant_id, token_hash FROM participants WHERE session_id = ?")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
        let applied = sqlx::query(
            "SELECT sender, intent_id, rev, created FROM applied_intents WHERE session_id = ?",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| {
            Ok(AppliedIntent {
                sender: r.get(0),
                intent_id: r.get(1),
                rev: rev_from_db(r.get(2))?,
                created: r.get(3),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        tx.commit().await?;
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

    /// Write one tick durably (one transaction).
    pub async fn append(&self, session_id: &str, tick: &TickWrite) -> Result<(), StoreError> {
        self.injected(session_id)?;
        let mut tx = self.pool.begin().await?;
        if let Some(chunk) = &tick.chunk {
            sqlx::query(
                "INSERT INTO doc_changes (session_id, rev, heads, data) VALUES (?, ?, ?, ?)",
            )
            .bind(session_id)
            .bind(chunk.rev as i64)
            .bind(&chunk.heads)
            .bind(&chunk.data)
            .execute(&mut *tx)
            .await?;
        }
        for (participant, token_hash) in &tick.new_participants {
            sqlx::query(
                "INSERT INTO participants (session_id, participant_id, token_hash) VALUES (?, ?, ?)",
            )
            .bind(session_id)
            .bind(participant.as_str())
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        }
        for applied in &tick.applied {
            sqlx::query(
                "INSERT OR IGNORE INTO applied_intents (session_id, sender, intent_id, rev, created)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(session_id)
            .bind(&applied.sender)
            .bind(&applied.intent_id)
            .bind(applied.rev as i64)
            .bind(&applied.created)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replace the session's snapshot and drop the change chunks it contains.
    pub async fn compact(&self, session_id: &str, snapshot: &Chunk) -> Result<(), StoreError> {
        self.injected(session_id)?;
        let mut tx = self.pool.begin().await?;
        put_snapshot(&mut tx, session_id, snapshot).await?;
        sqlx::query("DELETE FROM doc_changes WHERE session_id = ? AND rev <= ?")
            .bind(session_id)
            .bind(snapshot.rev as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Insert a session's index row, created now (a new session, or one imported from a file).
async fn insert_session_row(
    tx: &mut Transaction<'static, Sqlite>,
    row: &SessionRow,
) -> Result<(), sqlx::Error> {
    let created_at = unix_now();
    sqlx::query(
        "INSERT INTO sessions (id, code, title, organisation, language, template, status,
                               facilitator_hash, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&row.id)
    .bind(&row.code)
    .bind(&row.title)
    .bind(&row.organisation)
    .bind(&row.language)
    .bind(&row.template)
    .bind(row.status.as_str())
    .bind(&row.facilitator_hash)
    .bind(created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The clock in seconds since the Unix epoch.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

async fn put_snapshot(
    tx: &mut Transaction<'static, Sqlite>,
    session_id: &str,
    snapshot: &Chunk,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO doc_snapshots (session_id, rev, heads, data) VALUES (?, ?, ?, ?)
         ON CONFLICT (session_id) DO UPDATE SET rev = excluded.rev, heads = excluded.heads,
                                                data = excluded.data",
    )
    .bind(session_id)
    .bind(snapshot.rev as i64)
    .bind(&snapshot.heads)
    .bind(&snapshot.data)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn rev_from_db(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative revision {value}")))
}

/// A `sessions` row read by `SELECT id, code, title, organisation, language, template, status,
/// facilitator_hash`.
fn session_row(r: &SqliteRow) -> Result<SessionRow, StoreError> {
    let status: String = r.get(6);
    Ok(SessionRow {
        id: r.get(0),
        code: r.get(1),
        title: r.get(2),
        organisation: r.get(3),
        language: r.get(4),
        template: r.get(5),
        status: SessionStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("session status {status:?}")))?,
        facilitator_hash: r.get(7),
    })
}

//! Backups of the database, and bringing one back.
//!
//! A backup is a consistent copy made while the server runs: SQLite's `VACUUM INTO` reads the
//! database in one read transaction (WAL lets the server keep writing meanwhile) and writes a
//! compact copy. Copying the file itself is not safe: the newest changes may still be in the
//! `-wal` file, and a copy taken mid-write is torn. Every backup is checked
//! (`PRAGMA integrity_check`) before it gets its final name, so a file named as the backup is a
//! whole one.
//!
//! Restoring replaces the database of a data directory that no server is using. A running
//! server holds an exclusive lock on `draagvlak.lock` in its data directory ([`DataDirLock`]);
//! restore takes the same lock, so it refuses while a server runs (and a second server on the
//! same directory refuses to start). The database being replaced is kept next to it, as a
//! consistent copy too.
//!
//! All of this is about the SQLite file. A PostgreSQL store refuses `backup` with
//! [`StoreError::SqliteOnly`]: PostgreSQL has its own tools (pg_dump, pg_restore) and its own
//! answer to concurrent writers, and a server on PostgreSQL takes no data-directory lock.

use std::fs::File;
use std::path::{Path, PathBuf};

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use super::connect::{SCHEMA_VERSION, latest_migration};
use super::{DB_FILE, Pool, Store, StoreError};

/// The lock file in a data directory.
const LOCK_FILE: &str = "draagvlak.lock";

/// Exclusive use of a data directory, held by a running server and by restore; released when
/// dropped (and by the operating system when the process dies).
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Take the lock, or fail with [`StoreError::Locked`] when another process holds it.
    pub fn acquire(data_dir: &Path) -> Result<DataDirLock, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let path = data_dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(DataDirLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(StoreError::Locked(data_dir.display().to_string()))
            }
            Err(std::fs::TryLockError::Error(e)) => Err(io(&path, e)),
        }
    }
}

/// What a backup file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    pub sessions: u64,
    pub bytes: u64,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub info: BackupInfo,
    /// Where the database that was replaced is kept, if there was one.
    pub previous: Option<PathBuf>,
}

fn io(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Backup(format!("{}: {source}", path.display()))
}

impl Store {
    /// Write a consistent copy of the database to `to` while the server may keep running.
    /// `to` must not exist yet.
    pub async fn backup_to(&self, to: &Path) -> Result<BackupInfo, StoreError> {
        let Pool::Sqlite(pool) = &self.pool else {
            return Err(StoreError::SqliteOnly("backup"));
        };
        if to.exists() {
            return Err(StoreError::Backup(format!(
                "{} exists already; choose a new name",
                to.display()
            )));
        }
        let partial = with_suffix(to, ".partial");
        let _ = std::fs::remove_file(&partial);
        let written = async {
            let target = partial
                .to_str()
                .ok_or_else(|| StoreError::Backup(format!("{}: not UTF-8", partial.display())))?;
            sqlx::query("VACUUM INTO $1")
                .bind(target)
                .execute(pool)
                .await?;
            let info = check_backup(&partial).await?;
            std::fs::rename(&partial, to).map_err(|e| io(to, e))?;
            Ok(info)
        }
        .await;
        if written.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        written
    }
}

/// Check a backup file without changing it: a whole SQLite database, of a schema this server
/// knows (made before migrations, or with no migration newer than this server's), with the
/// tables of a Draagvlak database.
pub async fn check_backup(path: &Path) -> Result<BackupInfo, StoreError> {
    let bytes = std::fs::metadata(path).map_err(|e| io(path, e))?.len();
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let checked = async {
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await?;
        if integrity != "ok" {
            return Err(StoreError::Corrupt(format!(
                "{}: integrity check says {integrity}",
                path.display()
            )));
        }
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&pool)
            .await?;
        if !(1..=SCHEMA_VERSION).contains(&version) {
            return Err(StoreError::Corrupt(format!(
                "{}: schema version {version} is not one this server reads",
                path.display()
            )));
        }
        let newest: Option<i64> = if version == SCHEMA_VERSION {
            sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations")
                .fetch_one(&pool)
                .await?
        } else {
            None
        };
        if let Some(newest) = newest
            && newest > latest_migration()
        {
            return Err(StoreError::Corrupt(format!(
                "{}: has migration {newest}, newer than this server knows",
                path.display()
            )));
        }
        let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
            .fetch_one(&pool)
            .await?;
        Ok(BackupInfo {
            sessions: sessions.max(0) as u64,
            bytes,
        })
    }
    .await;
    pool.close().await;
    checked
}

/// Replace the database in `data_dir` with the backup `from`. Refuses while a server uses the
/// directory; keeps the replaced database as `draagvlak.sqlite3.before-restore-<unix time>`.
pub async fn restore(data_dir: &Path, from: &Path) -> Result<Restored, StoreError> {
    let info = check_backup(from).await?;
    let _lock = DataDirLock::acquire(data_dir)?;
    let db = data_dir.join(DB_FILE);
    let previous = if db.exists() {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let keep = with_suffix(&db, &format!(".before-restore-{secs}"));
        // A consistent copy of the old database (its -wal included), not a bare file move.
        let old = Store::open(data_dir).await?;
        let kept = old.backup_to(&keep).await;
        old.close().await;
        kept?;
        Some(keep)
    } else {
        None
    };
    let incoming = with_suffix(&db, ".restoring");
    std::fs::copy(from, &incoming).map_err(|e| io(&incoming, e))?;
    File::open(&incoming)
        .and_then(|f| f.sync_all())
        .map_err(|e| io(&incoming, e))?;
    for stale in [with_suffix(&db, "-wal"), with_suffix(&db, "-shm")] {
        match std::fs::remove_file(&stale) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(&stale, e)),
            _ => {}
        }
    }
    std::fs::rename(&incoming, &db).map_err(|e| io(&db, e))?;
    // Open it once as the server will: WAL mode, schema up to date.
    Store::open(data_dir).await?.close().await;
    Ok(Restored { info, previous })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

impl Store {
    /// Store a session brought from another server (see `transfer`): its index row, one
    /// snapshot, its participants' token hashes and its applied intent ids, in one transaction.
    /// Fails with [`StoreError::Backup`] when a session with its id or join code exists.
    pub async fn import_session(
        &self,
        row: &super::SessionRow,
        snapshot: &super::Chunk,
        participants: &[(String, Vec<u8>)],
        applied: &[super::AppliedIntent],
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let exists: i64 =
                sqlx::query_scalar("SELECT count(*) FROM sessions WHERE id = $1 OR code = $2")
                    .bind(&row.id)
                    .bind(&row.code)
                    .fetch_one(&mut *tx)
                    .await?;
            if exists > 0 {
                return Err(StoreError::Backup(format!(
                    "this server has a session with id {} or join code {} already",
                    row.id, row.code
                )));
            }
            insert_session_row!(tx, row)?;
            put_snapshot!(tx, &row.id, snapshot)?;
            for (participant, token_hash) in participants {
                insert_participant!(tx, &row.id, participant, token_hash)?;
            }
            for a in applied {
                insert_applied!(tx, &row.id, a)?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

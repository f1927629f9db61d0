//! Opening the store: which backend `--database-url` names, connecting with the settings each
//! backend needs for the store's guarantees, and bringing the schema up to date with sqlx's
//! migrator at start-up.
//!
//! - **SQLite** (no URL, or `sqlite:`): `draagvlak.sqlite3` in the data directory, exactly as
//!   before PostgreSQL existed: WAL, `synchronous = FULL` (a commit is on disk before it returns),
//!   foreign keys, `secure_delete`.
//! - **PostgreSQL** (`postgres://…`): every connection runs with `synchronous_commit = on`, so a
//!   commit is flushed to the server's write-ahead log before it returns, whatever the server's
//!   default; that is what lets the session actor acknowledge an intent after its commit.
//!
//! The schema lives in `migrations/sqlite` and `migrations/postgres`, the same versions in both,
//! embedded in the binary (`sqlx::migrate!`) and applied in order when the store opens; sqlx
//! records them in `_sqlx_migrations` with a checksum, and refuses a database that has a
//! migration this binary does not know (a newer server made it). On PostgreSQL the migrator takes
//! an advisory lock, so several servers starting at once migrate once.
//!
//! SQLite files made before migrations carry `PRAGMA user_version` 1 or 2 and no
//! `_sqlx_migrations`. Version 1 lacks `sessions.anonymised_at`, which is added here first (the
//! old code's own upgrade); the first migration then finds every table in place (`IF NOT
//! EXISTS`) and only records the baseline. Afterwards `user_version` is [`SCHEMA_VERSION`]
//! (3: "sqlx's migrator keeps this schema"), so a server from before migrations refuses the file
//! ("newer than this server") instead of running on a schema it does not know.

use std::convert::Infallible;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::ConnectOptions as _;
use sqlx::Connection as _;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{DB_FILE, Pool, Store, StoreError};

/// The SQLite schema, applied in order when a SQLite store opens.
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
/// The PostgreSQL schema: the same versions as [`SQLITE_MIGRATIONS`].
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// `PRAGMA user_version` of a SQLite database. 1: the first schema; 2: `sessions.anonymised_at`;
/// 3: the schema is kept by sqlx's migrator (`_sqlx_migrations`).
pub(super) const SCHEMA_VERSION: i64 = 3;

/// Connections a PostgreSQL store keeps at most (one per concurrent tick or read).
const POSTGRES_CONNECTIONS: u32 = 8;

/// `--database-url` as given. Kept whole (connecting needs the password) and never shown:
/// `Debug` prints `<database url>`; [`Backend::from_url`] checks it.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl FromStr for DatabaseUrl {
    type Err = Infallible;

    /// Never fails, so that clap never prints a URL it refused (with its password); the checks
    /// are in [`Backend::from_url`], whose errors leave the password out.
    fn from_str(s: &str) -> Result<Self, Infallible> {
        Ok(DatabaseUrl(s.to_string()))
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<database url>")
    }
}

/// Where the data lives.
#[derive(Clone, Debug, Default)]
pub enum Backend {
    /// `draagvlak.sqlite3` in the data directory (the default).
    #[default]
    Sqlite,
    /// A PostgreSQL database.
    Postgres(PostgresDb),
}

/// A PostgreSQL database to connect to. Shown (by `Display` and `Debug`) as
/// `postgres://user@host:port/database`, without the password.
#[derive(Clone)]
pub struct PostgresDb {
    /// Boxed: a `Backend` is mostly the small `Sqlite`.
    options: Box<PgConnectOptions>,
}

impl std::fmt::Display for PostgresDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let o = &self.options;
        let host = match o.get_socket() {
            Some(dir) => dir.display().to_string(),
            None => o.get_host().to_string(),
        };
        write!(
            f,
            "postgres://{}@{}:{}/{}",
            o.get_username(),
            host,
            o.get_port(),
            o.get_database().unwrap_or(o.get_username())
        )
    }
}

impl std::fmt::Debug for PostgresDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PostgresDb({self})")
    }
}

/// A `--database-url` that cannot be used. The messages never contain the URL (it may hold a
/// password).
#[derive(Debug, thiserror::Error)]
pub enum UrlError {
    #[error(
        "--database-url: a sqlite URL cannot name a file; SQLite always keeps {DB_FILE} in \
         --data-dir (leave the URL out, or give `sqlite:`)"
    )]
    SqlitePath,
    #[error(
        "--database-url: unsupported scheme {0:?}; use postgres://user:password@host:port/database, \
         or leave it out for SQLite in --data-dir"
    )]
    Scheme(String),
    #[error("--database-url: not a usable PostgreSQL URL: {0}")]
    Postgres(String),
}

impl Backend {
    /// The backend a `--database-url` names: none (or an empty one) or `sqlite:` is SQLite in
    /// the data directory; `postgres://` or `postgresql://` is PostgreSQL.
    pub fn from_url(url: Option<&DatabaseUrl>) -> Result<Backend, UrlError> {
        let Some(url) = url.map(|u| u.0.trim()).filter(|u| !u.is_empty()) else {
            return Ok(Backend::Sqlite);
        };
        let (scheme, rest) = url.split_once(':').unwrap_or((url, ""));
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" if rest.trim_start_matches('/').is_empty() => Ok(Backend::Sqlite),
            "sqlite" => Err(UrlError::SqlitePath),
            "postgres" | "postgresql" => PgConnectOptions::from_str(url)
                .map(|options| {
                    Backend::Postgres(PostgresDb {
                        options: Box::new(options),
                    })
                })
                .map_err(|e| UrlError::Postgres(e.to_string())),
            _ => Err(UrlError::Scheme(scheme.chars().take(20).collect())),
        }
    }

    /// For logs: `sqlite` or the PostgreSQL database without its password.
    pub fn describe(&self, data_dir: &Path) -> String {
        match self {
            Backend::Sqlite => format!("sqlite {}", data_dir.join(DB_FILE).display()),
            Backend::Postgres(db) => db.to_string(),
        }
    }
}

impl Store {
    /// Open the store `backend` names: SQLite in `data_dir`, or PostgreSQL.
    pub async fn connect(data_dir: &Path, backend: &Backend) -> Result<Store, StoreError> {
        match backend {
            Backend::Sqlite => Store::open(data_dir).await,
            Backend::Postgres(db) => Store::open_postgres(db).await,
        }
    }

    /// Open (and create, if needed) `draagvlak.sqlite3` in `data_dir`, schema up to date.
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
        let migrated = migrate_sqlite(&pool).await;
        if migrated.is_err() {
            pool.close().await;
        }
        migrated?;
        Ok(Store::with_pool(Pool::Sqlite(pool)))
    }

    /// Connect to a PostgreSQL database and bring its schema up to date.
    pub async fn open_postgres(db: &PostgresDb) -> Result<Store, StoreError> {
        let mut options = (*db.options)
            .clone()
            .options([("synchronous_commit", "on")]);
        if options.get_application_name().is_none() {
            options = options.application_name("draagvlak");
        }
        // One connection first: the pool's own error would only say it timed out.
        let cannot = |source| StoreError::Connect {
            database: db.to_string(),
            source,
        };
        options.connect().await.map_err(cannot)?.close().await.ok();
        let pool = PgPoolOptions::new()
            .max_connections(POSTGRES_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(cannot)?;
        let migrated = POSTGRES_MIGRATIONS.run(&pool).await.map_err(migrate_error);
        if migrated.is_err() {
            pool.close().await;
        }
        migrated?;
        Ok(Store::with_pool(Pool::Postgres(pool)))
    }

    /// Which backend this store uses (`sqlite` or `postgres`), for logs and metrics.
    pub fn backend_name(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }
}

/// The newest migration version this server knows (both backends have the same versions).
pub(super) fn latest_migration() -> i64 {
    SQLITE_MIGRATIONS
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

async fn migrate_sqlite(pool: &SqlitePool) -> Result<(), StoreError> {
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(pool)
        .await?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::Corrupt(format!(
            "database schema version {version} is newer than this server ({SCHEMA_VERSION})"
        )));
    }
    let has_migrations: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await?;
    if version >= 1 && has_migrations == 0 {
        // Made before migrations. Version 1 has `sessions` without `anonymised_at`.
        let has_anonymised: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pragma_table_info('sessions') WHERE name = 'anonymised_at'",
        )
        .fetch_one(pool)
        .await?;
        if has_anonymised == 0 {
            sqlx::query("ALTER TABLE sessions ADD COLUMN anonymised_at INTEGER")
                .execute(pool)
                .await?;
        }
    }
    SQLITE_MIGRATIONS.run(pool).await.map_err(migrate_error)?;
    if version != SCHEMA_VERSION {
        sqlx::query("PRAGMA user_version = 3").execute(pool).await?;
    }
    Ok(())
}

/// A migration failure; a database with a migration this server lacks was made by a newer one.
fn migrate_error(e: MigrateError) -> StoreError {
    match e {
        MigrateError::VersionMissing(v) => StoreError::Corrupt(format!(
            "the database has migration {v}, newer than this server knows (up to {})",
            latest_migration()
        )),
        e => StoreError::Migrate(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The start of each applied migration's SHA-384, as sqlx stores it. A database that has a
    /// migration records its checksum and refuses to open when the file changes afterwards, so a
    /// released migration is never edited: add a new one (and its line here) instead.
    const RELEASED: &[(&str, i64, &str)] = &[
        ("sqlite", 1, "cf3eeb1fc8a167db1e40eb7cdda8059a"),
        ("postgres", 1, "293901700f7bd1ad1a7aca71e2d4d3d2"),
        ("sqlite", 2, "80d4d44d3da984da0f437dd1df601620"),
        ("postgres", 2, "1e54fe97c7e2b29074db87e64f0fca5a"),
    ];

    #[test]
    fn released_migrations_are_never_edited_and_both_backends_have_the_same_versions() {
        let versions = |m: &Migrator| m.iter().map(|m| m.version).collect::<Vec<_>>();
        assert_eq!(versions(&SQLITE_MIGRATIONS), versions(&POSTGRES_MIGRATIONS));
        for (backend, version, checksum) in RELEASED {
            let migrator = match *backend {
                "sqlite" => &SQLITE_MIGRATIONS,
                _ => &POSTGRES_MIGRATIONS,
            };
            let migration = migrator
                .iter()
                .find(|m| m.version == *version)
                .expect("a released migration is kept");
            let hex: String = migration
                .checksum
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert!(
                hex.starts_with(checksum),
                "{backend} migration {version} was edited after release"
            );
        }
    }

    fn url(s: &str) -> Option<DatabaseUrl> {
        Some(DatabaseUrl(s.to_string()))
    }

    #[test]
    fn a_database_url_names_its_backend_and_never_shows_its_password() {
        assert!(matches!(Backend::from_url(None), Ok(Backend::Sqlite)));
        assert!(matches!(
            Backend::from_url(url("").as_ref()),
            Ok(Backend::Sqlite)
        ));
        assert!(matches!(
            Backend::from_url(url("sqlite:").as_ref()),
            Ok(Backend::Sqlite)
        ));
        assert!(matches!(
            Backend::from_url(url("sqlite:///tmp/x.db").as_ref()),
            Err(UrlError::SqlitePath)
        ));
        let Ok(Backend::Postgres(db)) = Backend::from_url(
            url("postgres://draagvlak:geheim-wachtwoord@db.internal:5433/workshops").as_ref(),
        ) else {
            panic!("a postgres URL is PostgreSQL");
        };
        assert_eq!(
            db.to_string(),
            "postgres://draagvlak@db.internal:5433/workshops"
        );
        assert!(!format!("{db:?}").contains("geheim"));
        let raw = url("postgresql://u:geheim-wachtwoord@h/d");
        assert!(!format!("{raw:?}").contains("geheim"));
        assert!(matches!(
            Backend::from_url(raw.as_ref()),
            Ok(Backend::Postgres(_))
        ));
        let Err(e) = Backend::from_url(url("mysql://root:geheim-wachtwoord@h/d").as_ref()) else {
            panic!("mysql is refused");
        };
        assert!(matches!(e, UrlError::Scheme(ref s) if s == "mysql"));
        assert!(!e.to_string().contains("geheim"));
        let Err(e) = Backend::from_url(url("postgres://u:geheim-wachtwoord@h:notaport/d").as_ref())
        else {
            panic!("a bad port is refused");
        };
        assert!(!e.to_string().contains("geheim"), "{e}");
    }
}

//! The store's test suite, run against both backends: every test here runs once on SQLite (a
//! fresh data directory) and once on PostgreSQL (a fresh database on the test binary's own
//! server, `draagvlak_tests::postgres`). Then the SQLite files made before migrations: they
//! open, are upgraded and keep their data.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use draagvlak_protocol::ParticipantId;
use draagvlak_protocol::api::SessionStatus;
use draagvlak_server::session::actor::harness::new_workshop;
use draagvlak_server::store::{
    AppliedIntent, Chunk, Logo, SessionRow, Store, StoreError, TickWrite, Tokens, load_durable,
};

/// Each `async fn name(store: Store) { … }` becomes a module `name` with two tests, `sqlite`
/// and `postgres`, each running the body on a new, empty store of its backend.
macro_rules! on_both_backends {
    ($(async fn $name:ident($store:ident: Store) $body:block)*) => {$(
        mod $name {
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let $store = Store::open(dir.path()).await.unwrap();
                $body
            }

            #[tokio::test]
            async fn postgres() {
                let $store = draagvlak_tests::postgres::store().await;
                $body
            }
        }
    )*};
}

fn row(id: &str, code: &str) -> SessionRow {
    SessionRow {
        id: id.into(),
        code: code.into(),
        title: format!("Sessie {code}"),
        organisation: "Gemeente".into(),
        language: "nl".into(),
        template: "strategic-framework".into(),
        status: SessionStatus::Open,
        facilitator_hash: vec![0xfa; 32],
    }
}

fn chunk(rev: u64, byte: u8) -> Chunk {
    Chunk {
        rev,
        heads: vec![byte; 32],
        data: vec![byte; 100],
    }
}

fn applied(sender: &str, id: &str, rev: u64) -> AppliedIntent {
    AppliedIntent {
        sender: sender.into(),
        intent_id: id.into(),
        rev,
        created: Some(format!("s-{id}")),
    }
}

fn tick(rev: u64, byte: u8, participant: &str, intent: &str) -> TickWrite {
    TickWrite {
        chunk: Some(chunk(rev, byte)),
        new_participants: vec![(ParticipantId::from(participant.to_string()), vec![byte; 32])],
        applied: vec![applied(participant, intent, rev)],
    }
}

/// The participants and applied intents of a loaded session, sorted.
async fn tokens_and_intents(store: &Store, id: &str) -> (Vec<String>, Vec<String>) {
    let loaded = store.load_session(id).await.unwrap();
    let mut participants: Vec<String> = loaded.participants.into_iter().map(|p| p.0).collect();
    participants.sort();
    let mut intents: Vec<String> = loaded
        .applied
        .into_iter()
        .map(|a| format!("{}/{}", a.sender, a.intent_id))
        .collect();
    intents.sort();
    (participants, intents)
}

on_both_backends! {
    async fn a_session_is_created_found_and_counted(store: Store) {
        store.ping().await.unwrap();
        store.create_session(&row("s1", "ABC123"), &chunk(0, 1)).await.unwrap();
        let found = store.session_by_code("ABC123").await.unwrap().unwrap();
        assert_eq!((found.id.as_str(), found.title.as_str()), ("s1", "Sessie ABC123"));
        assert_eq!(found.facilitator_hash, vec![0xfa; 32]);
        assert_eq!(found.status, SessionStatus::Open);
        assert!(store.session_by_code("ZZZ999").await.unwrap().is_none());
        // A join code in use is refused as such, so the caller draws another.
        assert!(matches!(
            store.create_session(&row("s2", "ABC123"), &chunk(0, 1)).await,
            Err(StoreError::CodeTaken)
        ));
        assert_eq!(store.epoch("s1").await.unwrap(), 0);
        assert_eq!(store.next_epoch("s1").await.unwrap(), 1);
        assert_eq!(store.next_epoch("s1").await.unwrap(), 2);
        assert!(matches!(store.next_epoch("nope").await, Err(StoreError::NotFound(_))));
        assert!(matches!(store.load_session("nope").await, Err(StoreError::NotFound(_))));
        store.set_facilitator_hash("s1", &[7; 32]).await.unwrap();
        store.set_closed("s1").await.unwrap();
        let found = store.session_by_code("ABC123").await.unwrap().unwrap();
        assert_eq!((found.status, found.facilitator_hash), (SessionStatus::Closed, vec![7; 32]));
        store.close().await;
    }

    async fn ticks_load_in_order_after_the_snapshot_and_a_resend_is_kept_once(store: Store) {
        store.create_session(&row("s1", "ABC123"), &chunk(0, 1)).await.unwrap();
        let base = 1u64 << 32;
        store.append("s1", &tick(base + 2, 3, "p2", "i2")).await.unwrap();
        store.append("s1", &tick(base + 1, 2, "p1", "i1")).await.unwrap();
        // A tick without a chunk (only a resend's intent record, already there) is fine.
        let resend = TickWrite {
            applied: vec![applied("p1", "i1", base + 1)],
            ..TickWrite::default()
        };
        store.append("s1", &resend).await.unwrap();
        let loaded = store.load_session("s1").await.unwrap();
        assert_eq!(loaded.snapshot.rev, 0);
        assert_eq!(loaded.snapshot.data, vec![1; 100]);
        let revs: Vec<u64> = loaded.changes.iter().map(|c| c.rev).collect();
        assert_eq!(revs, vec![base + 1, base + 2]);
        assert_eq!(loaded.changes[1].heads, vec![3; 32]);
        assert_eq!(loaded.changes[1].data, vec![3; 100]);
        let (participants, intents) = tokens_and_intents(&store, "s1").await;
        assert_eq!(participants, vec!["p1", "p2"]);
        assert_eq!(intents, vec!["p1/i1", "p2/i2"]);
        let a = loaded.applied.iter().find(|a| a.intent_id == "i2").unwrap();
        assert_eq!((a.rev, a.created.as_deref()), (base + 2, Some("s-i2")));
        // Revisions are `epoch << 32 | n`: a large epoch still fits.
        let late = (i32::MAX as u64) << 32 | 5;
        store.append("s1", &tick(late, 4, "p3", "i3")).await.unwrap();
        let loaded = store.load_session("s1").await.unwrap();
        assert_eq!(loaded.changes.last().unwrap().rev, late);
    }

    async fn a_tick_that_fails_leaves_nothing_of_itself(store: Store) {
        store.create_session(&row("s1", "ABC123"), &chunk(0, 1)).await.unwrap();
        store.append("s1", &tick(10, 2, "p1", "i1")).await.unwrap();
        // Same revision again: the chunk's insert fails, and with it the whole tick, so its
        // participant and intent are not stored either (it was never acknowledged).
        let failed = store.append("s1", &tick(10, 3, "p2", "i2")).await;
        assert!(matches!(failed, Err(StoreError::Database(_))), "{failed:?}");
        let (participants, intents) = tokens_and_intents(&store, "s1").await;
        assert_eq!((participants, intents), (vec!["p1".into()], vec!["p1/i1".into()]));
        // A participant's second token in the same session is refused as well, whole.
        let twice = TickWrite {
            chunk: Some(chunk(11, 4)),
            new_participants: vec![(ParticipantId::from("p1".to_string()), vec![9; 32])],
            applied: vec![applied("p1", "i9", 11)],
        };
        assert!(store.append("s1", &twice).await.is_err());
        let loaded = store.load_session("s1").await.unwrap();
        assert_eq!(loaded.changes.len(), 1);
        assert_eq!(loaded.applied.len(), 1);
        // The store is still usable after the failed transactions.
        store.append("s1", &tick(12, 5, "p3", "i3")).await.unwrap();
    }

    async fn compaction_replaces_the_snapshot_and_drops_what_it_holds(store: Store) {
        store.create_session(&row("s1", "ABC123"), &chunk(0, 1)).await.unwrap();
        for rev in 1..=5u8 {
            let t = TickWrite { chunk: Some(chunk(rev.into(), rev)), ..TickWrite::default() };
            store.append("s1", &t).await.unwrap();
        }
        store.compact("s1", &chunk(3, 33)).await.unwrap();
        let loaded = store.load_session("s1").await.unwrap();
        assert_eq!((loaded.snapshot.rev, loaded.snapshot.data[0]), (3, 33));
        let revs: Vec<u64> = loaded.changes.iter().map(|c| c.rev).collect();
        assert_eq!(revs, vec![4, 5]);
    }

    async fn deleting_a_session_removes_it_and_only_it(store: Store) {
        store.create_session(&row("s1", "ABC123"), &chunk(0, 1)).await.unwrap();
        store.create_session(&row("s2", "DEF456"), &chunk(0, 1)).await.unwrap();
        store.append("s1", &tick(1, 2, "p1", "i1")).await.unwrap();
        store.append("s2", &tick(1, 2, "p1", "i1")).await.unwrap();
        store.set_closed("s1").await.unwrap();
        let now = 4_000_000_000; // seconds: after every test session's creation
        assert_eq!(store.closed_sessions_created_before(now).await.unwrap(), vec!["s1"]);
        assert!(store.closed_sessions_created_before(0).await.unwrap().is_empty());
        assert!(store.delete_session("s1").await.unwrap());
        assert!(!store.delete_session("s1").await.unwrap());
        assert!(matches!(store.load_session("s1").await, Err(StoreError::NotFound(_))));
        assert!(store.session_by_code("ABC123").await.unwrap().is_none());
        assert!(store.closed_sessions_created_before(now).await.unwrap().is_empty());
        let other = store.load_session("s2").await.unwrap();
        assert_eq!((other.changes.len(), other.participants.len()), (1, 1));
        // The code is free again.
        store.create_session(&row("s3", "ABC123"), &chunk(0, 1)).await.unwrap();
    }

    async fn a_logo_is_stored_replaced_and_deleted_with_its_session(store: Store) {
        store.create_session(&row("s1", "ABC123"), &chunk(0, 1)).await.unwrap();
        store.create_session(&row("s2", "XYZ789"), &chunk(0, 1)).await.unwrap();
        assert_eq!(store.logo("s1").await.unwrap(), None);
        assert!(!store.has_logo("s1").await.unwrap());
        let logo = |fill: u8, width: u32| Logo {
            content_type: "image/png".into(),
            width,
            height: 40,
            // Every byte value, a NUL among them: binary-safe on both backends.
            data: (0..=255u8).chain([fill; 10]).collect(),
        };
        store.set_logo("s1", &logo(1, 120)).await.unwrap();
        store.set_logo("s2", &logo(2, 64)).await.unwrap();
        store.set_logo("s1", &logo(3, 200)).await.unwrap();
        assert_eq!(store.logo("s1").await.unwrap(), Some(logo(3, 200)));
        assert!(store.has_logo("s1").await.unwrap());
        // Deleting a session takes its logo along, and leaves the other's.
        store.set_closed("s1").await.unwrap();
        assert!(store.delete_session("s1").await.unwrap());
        assert_eq!(store.logo("s1").await.unwrap(), None);
        assert_eq!(store.logo("s2").await.unwrap(), Some(logo(2, 64)));
        assert!(store.delete_logo("s2").await.unwrap());
        assert!(!store.delete_logo("s2").await.unwrap());
        store.close().await;
    }

    async fn a_rewrite_drops_the_history_and_the_tokens_it_names(store: Store) {
        store.create_session(&row("s1", "ABC123"), &chunk(0, 1)).await.unwrap();
        store.append("s1", &tick(1, 2, "p1", "i1")).await.unwrap();
        store.append("s1", &tick(2, 3, "p2", "i2")).await.unwrap();
        store.rewrite_session("s1", &chunk(2, 44), Tokens::Of("p1")).await.unwrap();
        let loaded = store.load_session("s1").await.unwrap();
        assert_eq!((loaded.snapshot.data[0], loaded.changes.len()), (44, 0));
        assert_eq!(tokens_and_intents(&store, "s1").await.0, vec!["p2"]);
        assert_eq!(store.anonymised("s1").await.unwrap(), Some(false));
        store.set_closed("s1").await.unwrap();
        let now = 4_000_000_000;
        assert_eq!(store.closed_sessions_to_anonymise(now).await.unwrap(), vec!["s1"]);
        store.rewrite_session("s1", &chunk(2, 55), Tokens::AllAnonymised).await.unwrap();
        assert!(tokens_and_intents(&store, "s1").await.0.is_empty());
        assert_eq!(store.anonymised("s1").await.unwrap(), Some(true));
        assert_eq!(store.anonymised("nope").await.unwrap(), None);
        assert!(store.closed_sessions_to_anonymise(now).await.unwrap().is_empty());
    }

    async fn an_imported_session_arrives_whole_and_only_once(store: Store) {
        let participants = vec![("p1".to_string(), vec![1; 32]), ("p2".to_string(), vec![2; 32])];
        let intents = vec![applied("p1", "i1", 1), applied("facilitator", "f1", 2)];
        store
            .import_session(&row("s1", "ABC123"), &chunk(7, 9), &participants, &intents)
            .await
            .unwrap();
        let loaded = store.load_session("s1").await.unwrap();
        assert_eq!((loaded.snapshot.rev, loaded.changes.len()), (7, 0));
        assert_eq!(
            tokens_and_intents(&store, "s1").await,
            (vec!["p1".into(), "p2".into()], vec!["facilitator/f1".into(), "p1/i1".into()])
        );
        assert!(matches!(
            store.import_session(&row("s1", "XYZ789"), &chunk(7, 9), &[], &[]).await,
            Err(StoreError::Backup(_))
        ));
        assert!(matches!(
            store.import_session(&row("s9", "ABC123"), &chunk(7, 9), &[], &[]).await,
            Err(StoreError::Backup(_))
        ));
    }

    async fn a_real_document_loads_back_checked_against_its_heads(store: Store) {
        let mut workshop = new_workshop("strategic-framework").unwrap();
        let meta = workshop.state().meta.clone();
        let mut r = row(&meta.id, &meta.code);
        r.title = meta.title.clone();
        store.create_session(&r, &Chunk::first(&mut workshop)).await.unwrap();
        let live = store.load_live(&meta.id).await.unwrap();
        assert_eq!(live.epoch, 1);
        assert_eq!(live.workshop.heads(), workshop.heads());
        let (stored, loaded) = load_durable(&store, &meta.id).await.unwrap();
        assert_eq!(stored.row.code, meta.code);
        assert_eq!(loaded.state().meta.title, meta.title);
    }

    async fn backup_is_a_sqlite_command(store: Store) {
        let dir = tempfile::tempdir().unwrap();
        store.create_session(&row("s1", "ABC123"), &chunk(0, 1)).await.unwrap();
        match (store.backend_name(), store.backup_to(&dir.path().join("b.sqlite3")).await) {
            ("sqlite", Ok(info)) => assert_eq!(info.sessions, 1),
            ("postgres", Err(e @ StoreError::SqliteOnly(_))) => {
                assert!(e.to_string().contains("pg_dump"), "{e}");
            }
            (backend, other) => panic!("{backend}: {other:?}"),
        }
    }
}

/// Several servers starting on one new PostgreSQL database at once migrate it once (sqlx's
/// migrator takes an advisory lock) and all open.
#[tokio::test]
async fn postgres_servers_starting_together_migrate_once() {
    let url: draagvlak_server::store::DatabaseUrl = draagvlak_tests::postgres::database_url()
        .await
        .parse()
        .unwrap_or_else(|e| match e {});
    let backend = draagvlak_server::store::Backend::from_url(Some(&url)).unwrap();
    let dir = std::path::Path::new("/nonexistent");
    let opened =
        futures_util::future::join_all((0..4).map(|_| Store::connect(dir, &backend))).await;
    for store in opened {
        let store = store.unwrap();
        store.ping().await.unwrap();
        store.close().await;
    }
}

/// A session is loaded from one state of the PostgreSQL database, even when a compaction commits
/// between the load's reads: the load reads the snapshot, then waits (a lock held by the test) to
/// read the changes while the compaction replaces the snapshot and deletes those changes and
/// commits. Read as separate statements (`READ COMMITTED`), the load would pair the old snapshot
/// with the changes after the new one, and miss the ones in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_on_postgres_is_not_torn_by_a_compaction() {
    use sqlx::{Connection as _, Executor as _};
    let url = draagvlak_tests::postgres::database_url().await;
    let parsed: draagvlak_server::store::DatabaseUrl = url.parse().unwrap_or_else(|e| match e {});
    let backend = draagvlak_server::store::Backend::from_url(Some(&parsed)).unwrap();
    let store = Store::connect(std::path::Path::new("/nonexistent"), &backend)
        .await
        .unwrap();
    store
        .create_session(&row("s1", "ABC123"), &chunk(0, 1))
        .await
        .unwrap();
    for rev in 1..=5u8 {
        let t = TickWrite {
            chunk: Some(chunk(rev.into(), rev)),
            ..TickWrite::default()
        };
        store.append("s1", &t).await.unwrap();
    }
    let mut compactor = sqlx::PgConnection::connect(&url).await.unwrap();
    compactor.execute("BEGIN").await.unwrap();
    compactor
        .execute("LOCK TABLE doc_changes IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let loading = tokio::spawn({
        let store = store.clone();
        async move { store.load_session("s1").await }
    });
    // Wait until the load is blocked on the lock (it has read the snapshot by then).
    let mut watcher = sqlx::PgConnection::connect(&url).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&mut watcher)
        .await
        .unwrap();
        if waiting > 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the load never waited"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // The compaction of `Store::compact`, committed while the load waits.
    compactor
        .execute("UPDATE doc_snapshots SET rev = 3, data = '\\x33' WHERE session_id = 's1'")
        .await
        .unwrap();
    compactor
        .execute("DELETE FROM doc_changes WHERE session_id = 's1' AND rev <= 3")
        .await
        .unwrap();
    compactor.execute("COMMIT").await.unwrap();
    let loaded = loading.await.unwrap().unwrap();
    let revs: Vec<u64> = loaded.changes.iter().map(|c| c.rev).collect();
    match loaded.snapshot.rev {
        0 => assert_eq!(
            revs,
            vec![1, 2, 3, 4, 5],
            "the old snapshot with all its changes"
        ),
        3 => assert_eq!(
            revs,
            vec![4, 5],
            "the new snapshot with the changes after it"
        ),
        other => panic!("snapshot {other}"),
    }
    store.close().await;
}

/// A session moves from SQLite to PostgreSQL through the session file, even when the SQLite
/// server kept an intent id PostgreSQL cannot store (U+0000, accepted before such ids were
/// refused): that id is left out, everything else arrives.
#[tokio::test]
async fn a_session_file_from_sqlite_imports_into_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::open(dir.path()).await.unwrap();
    let mut workshop = new_workshop("strategic-framework").unwrap();
    let meta = workshop.state().meta.clone();
    sqlite
        .create_session(&row(&meta.id, &meta.code), &Chunk::first(&mut workshop))
        .await
        .unwrap();
    let tick = TickWrite {
        chunk: None,
        new_participants: vec![(ParticipantId::from("p1".to_string()), vec![1; 32])],
        applied: vec![applied("p1", "ok-1", 1), applied("p1", "nul\u{0}", 1)],
    };
    sqlite.append(&meta.id, &tick).await.unwrap();
    let file = draagvlak_server::transfer::export(&sqlite, &meta.code)
        .await
        .unwrap();
    let postgres = draagvlak_tests::postgres::store().await;
    let code = draagvlak_server::transfer::import(&postgres, file)
        .await
        .unwrap();
    assert_eq!(code, meta.code);
    let (participants, intents) = tokens_and_intents(&postgres, &meta.id).await;
    assert_eq!(
        (participants, intents),
        (vec!["p1".into()], vec!["p1/ok-1".into()])
    );
}

/// A PostgreSQL server that does not answer is named in the error (without the password), not
/// hidden behind the pool's time-out.
#[tokio::test]
async fn an_unreachable_postgres_is_named_without_its_password() {
    let url: draagvlak_server::store::DatabaseUrl = "postgres://u:geheim-wachtwoord@127.0.0.1:1/d"
        .parse()
        .unwrap_or_else(|e| match e {});
    let backend = draagvlak_server::store::Backend::from_url(Some(&url)).unwrap();
    let failed = Store::connect(std::path::Path::new("/nonexistent"), &backend).await;
    let Err(e @ StoreError::Connect { .. }) = failed else {
        panic!("{failed:?}");
    };
    let message = e.to_string();
    assert!(
        message.starts_with("cannot connect to postgres://u@127.0.0.1:1/d"),
        "{message}"
    );
    assert!(!format!("{message} {e:?}").contains("geheim"), "{e:?}");
}

/// SQLite files from before migrations (`PRAGMA user_version` 1 or 2, no `_sqlx_migrations`).
mod before_migrations {
    use super::*;
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{ConnectOptions as _, Connection as _, Executor as _};

    /// The schema as the server wrote it before migrations; version 1 lacked `anonymised_at`.
    const OLD_SCHEMA: &[&str] = &[
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL, organisation TEXT NOT NULL, language TEXT NOT NULL,
            template TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open',
            facilitator_hash BLOB NOT NULL, created_at INTEGER NOT NULL,
            epoch INTEGER NOT NULL DEFAULT 0 ANONYMISED)",
        "CREATE TABLE participants (session_id TEXT NOT NULL REFERENCES sessions(id),
            participant_id TEXT NOT NULL, token_hash BLOB NOT NULL,
            PRIMARY KEY (session_id, participant_id))",
        "CREATE UNIQUE INDEX participants_token ON participants(session_id, token_hash)",
        "CREATE TABLE doc_snapshots (session_id TEXT PRIMARY KEY REFERENCES sessions(id),
            rev INTEGER NOT NULL, heads BLOB NOT NULL, data BLOB NOT NULL)",
        "CREATE TABLE doc_changes (session_id TEXT NOT NULL REFERENCES sessions(id),
            rev INTEGER NOT NULL, heads BLOB NOT NULL, data BLOB NOT NULL,
            PRIMARY KEY (session_id, rev))",
        "CREATE TABLE applied_intents (session_id TEXT NOT NULL REFERENCES sessions(id),
            sender TEXT NOT NULL, intent_id TEXT NOT NULL, rev INTEGER NOT NULL, created TEXT,
            PRIMARY KEY (session_id, sender, intent_id))",
        "INSERT INTO sessions (id, code, title, organisation, language, template, status,
            facilitator_hash, created_at, epoch)
            VALUES ('s1', 'ABC123', 'Oud', 'Gemeente', 'nl', 'strategic-framework', 'closed',
                    x'fafa', 1700000000, 3)",
        "INSERT INTO doc_snapshots VALUES ('s1', 5, x'0101', x'010203')",
        "INSERT INTO doc_changes VALUES ('s1', 4, x'0202', x'04')",
        "INSERT INTO doc_changes VALUES ('s1', 6, x'0303', x'0506')",
        "INSERT INTO participants VALUES ('s1', 'p1', x'0a0a')",
        "INSERT INTO applied_intents VALUES ('s1', 'p1', 'i1', 6, 'st-1')",
    ];

    /// A data directory with a database as the server made it at `version`.
    async fn old_database(version: i64) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = SqliteConnectOptions::new()
            .filename(dir.path().join("draagvlak.sqlite3"))
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        let anonymised = if version >= 2 {
            ", anonymised_at INTEGER"
        } else {
            ""
        };
        for statement in OLD_SCHEMA {
            let statement = statement.replace(" ANONYMISED", anonymised);
            conn.execute(sqlx::AssertSqlSafe(statement)).await.unwrap();
        }
        conn.execute(sqlx::AssertSqlSafe(format!(
            "PRAGMA user_version = {version}"
        )))
        .await
        .unwrap();
        conn.close().await.unwrap();
        dir
    }

    async fn check_upgraded(dir: &std::path::Path) {
        let store = Store::open(dir).await.unwrap();
        let loaded = store.load_session("s1").await.unwrap();
        assert_eq!(
            (loaded.row.title.as_str(), loaded.row.status),
            ("Oud", SessionStatus::Closed)
        );
        assert_eq!(loaded.row.facilitator_hash, vec![0xfa, 0xfa]);
        assert_eq!(
            (loaded.snapshot.rev, loaded.snapshot.data.clone()),
            (5, vec![1, 2, 3])
        );
        let changes: Vec<(u64, Vec<u8>)> = loaded
            .changes
            .iter()
            .map(|c| (c.rev, c.data.clone()))
            .collect();
        assert_eq!(
            changes,
            vec![(6, vec![5, 6])],
            "only the change after the snapshot"
        );
        assert_eq!(loaded.participants, vec![("p1".to_string(), vec![10, 10])]);
        assert_eq!(loaded.applied[0].created.as_deref(), Some("st-1"));
        assert_eq!(store.epoch("s1").await.unwrap(), 3);
        // Version 2's column is there (and empty) and usable.
        assert_eq!(store.anonymised("s1").await.unwrap(), Some(false));
        store
            .rewrite_session("s1", &chunk(7, 1), Tokens::AllAnonymised)
            .await
            .unwrap();
        assert_eq!(store.anonymised("s1").await.unwrap(), Some(true));
        // New writes work on the upgraded file.
        store
            .create_session(&row("s2", "NEW123"), &chunk(0, 1))
            .await
            .unwrap();
        store.close().await;

        let mut conn = SqliteConnectOptions::new()
            .filename(dir.join("draagvlak.sqlite3"))
            .connect()
            .await
            .unwrap();
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(version, 3, "marked as kept by the migrator");
        let migrations: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY 1")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        // The baseline, then every migration since (run on the upgraded file).
        assert_eq!(migrations, vec![1, 2]);
        conn.close().await.unwrap();
        // And it opens again (nothing left to migrate).
        let again = Store::open(dir).await.unwrap();
        assert_eq!(again.load_session("s2").await.unwrap().row.code, "NEW123");
        again.close().await;
    }

    #[tokio::test]
    async fn a_version_1_database_opens_upgraded_with_its_data() {
        let dir = old_database(1).await;
        check_upgraded(dir.path()).await;
    }

    #[tokio::test]
    async fn a_version_2_database_opens_upgraded_with_its_data() {
        let dir = old_database(2).await;
        check_upgraded(dir.path()).await;
    }

    #[tokio::test]
    async fn a_database_from_a_newer_server_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        Store::open(dir.path()).await.unwrap().close().await;
        let mut conn = SqliteConnectOptions::new()
            .filename(dir.path().join("draagvlak.sqlite3"))
            .connect()
            .await
            .unwrap();
        conn.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (99, 'from the future', 1, x'00', 0)",
        )
        .await
        .unwrap();
        conn.close().await.unwrap();
        let refused = Store::open(dir.path()).await;
        assert!(
            matches!(&refused, Err(StoreError::Corrupt(m)) if m.contains("newer")),
            "{refused:?}"
        );
    }
}

/// The real server binary on PostgreSQL: a small workshop over WebSocket, `kill -9`, a restart
/// (with another, empty data directory: nothing is kept there) and everything acknowledged is
/// there once; the database password is in no log line.
mod server_on_postgres {
    use std::collections::HashSet;
    use std::process::Stdio;
    use std::time::Duration;

    use draagvlak_tests::{Process, Raw, RawEvent, create_session, join};
    use serde_json::json;

    const BIN: &str = env!("CARGO_BIN_EXE_draagvlak-test-server");
    const PASSWORD: &str = "geheim-wachtwoord-7c1";

    fn start(url: &str, data: &std::path::Path, log: &std::path::Path) -> Process {
        let log = std::fs::File::create(log).unwrap();
        Process::start_with(
            BIN,
            data,
            &["--log", "info", "--database-url", url],
            Stdio::from(log),
        )
    }

    fn statement(p: usize, i: usize) -> String {
        format!("uitspraak {p}-{i}")
    }

    /// PostgreSQL's text cannot hold the character U+0000, which SQLite stores: an intent id with
    /// a control character is refused as an invalid id on every backend, before it reaches the
    /// tick it would make fail for everyone in it (on PostgreSQL).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_intent_id_with_a_control_character_is_refused_not_stored() {
        let url: draagvlak_server::store::DatabaseUrl = draagvlak_tests::postgres::database_url()
            .await
            .parse()
            .unwrap_or_else(|e| match e {});
        let backend = draagvlak_server::store::Backend::from_url(Some(&url)).unwrap();
        let server = draagvlak_tests::InProcess::start_with(|c| c.database = backend).await;
        let s = create_session(&server.http(), "Nul").await;
        let (mut fac, _) = Raw::join(
            &server.ws(),
            join::facilitator(&s.code, &s.facilitator_secret),
        )
        .await;
        fac.ok("f1", json!({"kind":"next_phase"})).await;
        let (mut p, _) = Raw::join(&server.ws(), join::participant(&s.code, "P", "ict")).await;
        for id in ["a\u{0}b", "tab\there"] {
            let v = p
                .act(id, json!({"kind":"add_statement","text":"uitspraak"}))
                .await;
            assert_eq!(v["code"], "invalid_intent_id", "{id:?}: {v}");
        }
        p.ok("i1", json!({"kind":"add_statement","text":"uitspraak"}))
            .await;
        server.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_workshop_on_postgres_survives_kill_9() {
        // trust authentication: the password is accepted and ignored, but it is in the URL.
        let url = draagvlak_tests::postgres::database_url().await.replacen(
            "postgres@",
            &format!("postgres:{PASSWORD}@"),
            1,
        );
        let logs = tempfile::tempdir().unwrap();
        let first_data = tempfile::tempdir().unwrap();
        let server = start(&url, first_data.path(), &logs.path().join("first.log"));
        let s = create_session(&server.http(), "Op PostgreSQL").await;
        let (mut fac, _) = Raw::join(
            &server.ws(),
            join::facilitator(&s.code, &s.facilitator_secret),
        )
        .await;
        fac.ok("f1", json!({"kind":"next_phase"})).await;
        let mut people = Vec::new();
        for p in 0..3 {
            let (mut c, welcome) = Raw::join(
                &server.ws(),
                join::participant(&s.code, &format!("P{p}"), "ict"),
            )
            .await;
            for i in 0..5 {
                c.ok(
                    &format!("i{i}"),
                    json!({"kind":"add_statement","text":statement(p, i)}),
                )
                .await;
            }
            people.push((c, welcome["resume_token"].as_str().unwrap().to_string()));
        }
        // A burst from the first participant, killed while it is being acknowledged.
        let (burster, _) = &mut people[0];
        for i in 5..100 {
            burster
                .intent(
                    &format!("i{i}"),
                    json!({"kind":"add_statement","text":statement(0, i)}),
                )
                .await;
        }
        let mut acked: HashSet<usize> = (0..5).collect();
        while acked.len() < 30 {
            if let Some(RawEvent::Json(v)) = burster.next(Duration::from_secs(10)).await
                && v["type"] == "ack"
            {
                acked.insert(v["id"].as_str().unwrap()[1..].parse().unwrap());
            }
        }
        server.kill9();
        while let Some(RawEvent::Json(v)) = burster.next(Duration::from_secs(2)).await {
            if v["type"] == "ack" {
                acked.insert(v["id"].as_str().unwrap()[1..].parse().unwrap());
            }
        }

        let second_data = tempfile::tempdir().unwrap();
        let server = start(&url, second_data.path(), &logs.path().join("second.log"));
        let (mut projector, _) = Raw::join(&server.ws(), join::projector(&s.code)).await;
        let view = projector.snapshot().await;
        let texts: Vec<String> = view["statements"]
            .as_object()
            .unwrap()
            .values()
            .map(|st| st["text"].as_str().unwrap().to_string())
            .collect();
        let once = |text: &str| texts.iter().filter(|t| *t == text).count() == 1;
        for i in &acked {
            assert!(once(&statement(0, *i)), "acknowledged 0-{i} is there once");
        }
        for p in 1..3 {
            for i in 0..5 {
                assert!(once(&statement(p, i)), "{p}-{i} is there once");
            }
        }
        // The first participant resumes with its token and resends the whole burst: each
        // statement is applied once.
        let (mut again, welcome) =
            Raw::join(&server.ws(), join::resume(&s.code, &people[0].1)).await;
        assert_eq!(welcome["participant"]["name"], "P0");
        for i in 0..100 {
            again
                .ok(
                    &format!("i{i}"),
                    json!({"kind":"add_statement","text":statement(0, i)}),
                )
                .await;
        }
        let view = projector.snapshot().await;
        let mine = view["statements"]
            .as_object()
            .unwrap()
            .values()
            .filter(|st| st["text"].as_str().unwrap().starts_with("uitspraak 0-"))
            .count();
        assert_eq!(mine, 100, "every statement of the burst exactly once");
        assert!(
            std::fs::read_dir(second_data.path())
                .unwrap()
                .next()
                .is_none(),
            "nothing is stored in the data directory on PostgreSQL"
        );
        let status = server.terminate();
        assert!(status.success(), "clean exit on SIGTERM: {status:?}");

        let log = std::fs::read_to_string(logs.path().join("first.log")).unwrap()
            + &std::fs::read_to_string(logs.path().join("second.log")).unwrap();
        assert!(
            log.contains("storage opened"),
            "the storage line is logged: {log}"
        );
        assert!(log.contains("postgres://postgres@127.0.0.1"), "{log}");
        assert!(!log.contains(PASSWORD), "the password is never logged");
    }
}

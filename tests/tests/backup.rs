//! Backups: `backup --to FILE` while the server runs and takes writes; `restore --from FILE`
//! brings exactly that state back (the reports before the backup and after the restore are
//! equal, later changes are gone, the replaced database is kept); restore refuses while a server
//! uses the data directory, and a second server on the same directory does not start.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::Path;
use std::process::{Command, Output};

use draagvlak_tests::{InProcess, Raw, create_session, join, png};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_draagvlak-test-server");

fn command(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--log")
        .arg("warn")
        .args(args)
        .output()
        .expect("the server binary runs")
}

async fn report(http: &str, code: &str, secret: &str) -> String {
    draagvlak_tests::report(http, code, secret, "json").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_backup_restores_to_the_same_report() {
    let server = InProcess::start().await;
    let data_dir = server.data.path().to_path_buf();
    let s = create_session(&server.http(), "Back-up").await;
    let (mut fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&s.code, &s.facilitator_secret),
    )
    .await;
    let (mut anna, _) = Raw::join(&server.ws(), join::participant(&s.code, "Anna", "ict")).await;
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    for i in 0..5 {
        anna.ok(
            &format!("a{i}"),
            json!({"kind":"add_statement","text":format!("voor de back-up {i}")}),
        )
        .await;
    }
    let before = report(&server.http(), &s.code, &s.facilitator_secret).await;

    // Online: the server keeps running and takes writes right after.
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("draagvlak-backup.sqlite3");
    let out = command(&data_dir, &["backup", "--to", file.to_str().unwrap()]);
    assert!(out.status.success(), "backup failed: {out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 sessions"));
    anna.ok(
        "late",
        json!({"kind":"add_statement","text":"na de back-up"}),
    )
    .await;
    assert_ne!(
        report(&server.http(), &s.code, &s.facilitator_secret).await,
        before
    );
    // A second backup to the same name is refused rather than overwriting the first.
    let again = command(&data_dir, &["backup", "--to", file.to_str().unwrap()]);
    assert!(!again.status.success());

    // Restore refuses while the server runs.
    let refused = command(&data_dir, &["restore", "--from", file.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("stop it first"),
        "{refused:?}"
    );

    drop((fac, anna));
    let data = server.stop().await;
    let out = command(data.path(), &["restore", "--from", file.to_str().unwrap()]);
    assert!(out.status.success(), "restore failed: {out:?}");
    let kept = std::fs::read_dir(data.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("draagvlak.sqlite3.before-restore-")
        })
        .count();
    assert_eq!(kept, 1, "the replaced database is kept");

    let server = InProcess::restart(data).await;
    let after = report(&server.http(), &s.code, &s.facilitator_secret).await;
    assert_eq!(after, before, "the restored session is the one backed up");
    assert!(!after.contains("na de back-up"));
    server.stop().await;
}

#[tokio::test]
async fn a_damaged_backup_is_not_restored_and_two_servers_do_not_share_a_directory() {
    let server = InProcess::start().await;
    let data_dir = server.data.path().to_path_buf();
    // A second server on the same data directory is refused.
    let second =
        draagvlak_server::start(draagvlak_server::Config::for_tests(data_dir.clone())).await;
    assert!(
        matches!(
            second,
            Err(draagvlak_server::app::StartError::Store(
                draagvlak_server::store::StoreError::Locked(_)
            ))
        ),
        "{second:?}"
    );
    let data = server.stop().await;
    let garbage = data.path().join("not-a-backup.sqlite3");
    std::fs::write(&garbage, b"this is not a database").unwrap();
    let out = command(
        data.path(),
        &["restore", "--from", garbage.to_str().unwrap()],
    );
    assert!(!out.status.success());
    // Nothing was replaced.
    assert!(
        !std::fs::read_dir(data.path())
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().contains("before-restore"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_moves_to_another_server_with_the_same_report() {
    let from = InProcess::start().await;
    let s = create_session(&from.http(), "Verhuizen").await;
    let (mut fac, _) = Raw::join(
        &from.ws(),
        join::facilitator(&s.code, &s.facilitator_secret),
    )
    .await;
    let (mut anna, welcome) =
        Raw::join(&from.ws(), join::participant(&s.code, "Anna", "ict")).await;
    let token = welcome["resume_token"].as_str().unwrap().to_string();
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    for i in 0..3 {
        anna.ok(
            &format!("a{i}"),
            json!({"kind":"add_statement","text":format!("verhuisd {i}")}),
        )
        .await;
    }
    let before = report(&from.http(), &s.code, &s.facilitator_secret).await;
    // The organisation's logo moves along.
    let logo = png(64, 32, false);
    let put = reqwest::Client::new()
        .put(format!("{}/api/sessions/{}/logo", from.http(), s.code))
        .bearer_auth(&s.facilitator_secret)
        .body(logo.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 204);

    // Exported while the first server runs; imported into a second, also running.
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("session.json");
    let out = command(
        from.data.path(),
        &["export", "--code", &s.code, "--to", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "export failed: {out:?}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(&s.facilitator_secret) && !text.contains(&token));
    let to = InProcess::start().await;
    let out = command(
        to.data.path(),
        &["import", "--from", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "import failed: {out:?}");
    assert_eq!(
        report(&to.http(), &s.code, &s.facilitator_secret).await,
        before,
        "the same report on the new server, with the same facilitator secret"
    );
    let moved = reqwest::get(format!("{}/api/sessions/{}/logo", to.http(), s.code))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(moved.to_vec(), logo, "the logo came along");
    // The participant resumes on the new server with the token from the old one; a resend of
    // an intent applied on the old server is acknowledged, not applied again.
    let (mut again, _) = Raw::join(&to.ws(), join::resume(&s.code, &token)).await;
    again
        .ok("a0", json!({"kind":"add_statement","text":"verhuisd 0"}))
        .await;
    let view = again.snapshot().await;
    assert_eq!(view["statements"].as_object().unwrap().len(), 3);
    // Importing it again is refused.
    let twice = command(
        to.data.path(),
        &["import", "--from", file.to_str().unwrap()],
    );
    assert!(!twice.status.success());
    drop((fac, anna, again));
    from.stop().await;
    to.stop().await;
}

/// `backup` and `restore` are for the SQLite file: with a PostgreSQL URL they refuse, name
/// PostgreSQL's own tools, touch nothing and show no password (no database is contacted).
#[test]
fn backup_and_restore_refuse_a_postgres_database_and_name_pg_dump() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("b.sqlite3");
    for args in [
        ["backup", "--to", file.to_str().unwrap()],
        ["restore", "--from", file.to_str().unwrap()],
    ] {
        let out = command(
            data.path(),
            &[
                &args[..],
                &[
                    "--database-url",
                    "postgres://u:geheim-wachtwoord@127.0.0.1:1/x",
                ],
            ]
            .concat(),
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{} refused", args[0]);
        assert!(stderr.contains("pg_dump"), "{stderr}");
        assert!(!stderr.contains("geheim"), "{stderr}");
    }
    assert!(std::fs::read_dir(data.path()).unwrap().next().is_none());
}

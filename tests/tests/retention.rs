//! Data lifecycle: the facilitator deletes a closed session (also while connected to it) and nothing of it is left in the
//! database files; the retention sweep deletes closed sessions past their time and keeps open
//! ones and ones people are still connected to.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::time::Duration;

use draagvlak_tests::{InProcess, Raw, create_session, join};
use serde_json::{Value, json};

const SECRET_TEXT: &str = "Persoonsgegeven-ROERDOMP-4471";

async fn wait_unloaded(server: &InProcess, id: &str) {
    for _ in 0..200 {
        if !server.server().state.registry.is_live(id) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("session {id} stays loaded");
}

async fn delete(http: &str, code: &str, secret: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .delete(format!("{http}/api/sessions/{code}"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Every byte of the database and its write-ahead log.
fn database_bytes(dir: &std::path::Path) -> Vec<u8> {
    ["draagvlak.sqlite3", "draagvlak.sqlite3-wal"]
        .iter()
        .flat_map(|f| std::fs::read(dir.join(f)).unwrap_or_default())
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_facilitator_deletes_a_closed_session_and_nothing_of_it_stays() {
    let server = InProcess::start_with(|c| c.session_idle = Duration::from_millis(300)).await;
    let http = server.http();
    let s = create_session(&http, "Weg ermee").await;
    let other = create_session(&http, "Blijft").await;
    let (mut fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&s.code, &s.facilitator_secret),
    )
    .await;
    let (mut anna, _) = Raw::join(&server.ws(), join::participant(&s.code, "Anna", "ict")).await;
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    anna.ok("a1", json!({"kind":"add_statement","text":SECRET_TEXT}))
        .await;

    let (status, body) = delete(&http, &s.code, &s.facilitator_secret).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (409, &json!("invalid_request"))
    );
    fac.ok("close", json!({"kind":"close_session"})).await;
    let (status, body) = delete(&http, &s.code, &other.facilitator_secret).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (401, &json!("bad_credentials"))
    );
    let before = database_bytes(server.data.path());

    // While the facilitator's console (and a participant) are still connected: the session's
    // actor deletes it and closes every connection.
    let (status, _) = delete(&http, &s.code, &s.facilitator_secret).await;
    assert_eq!(status, 204);
    for c in [&mut fac, &mut anna] {
        let (_, reason) = c.until_closed().await.unwrap();
        assert_eq!(reason, "session_not_found");
    }
    assert!(!server.server().state.registry.is_live(&s.id));
    let gone = reqwest::get(format!("{http}/api/sessions/{}", s.code))
        .await
        .unwrap();
    assert_eq!(gone.status().as_u16(), 404);
    let kept = reqwest::get(format!("{http}/api/sessions/{}", other.code))
        .await
        .unwrap();
    assert_eq!(kept.status().as_u16(), 200);

    // No row of it is left, and (when the text was stored readably) not its bytes either.
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}?mode=ro",
        server.data.path().join("draagvlak.sqlite3").display()
    ))
    .await
    .unwrap();
    for query in [
        "SELECT count(*) FROM sessions WHERE id = ?",
        "SELECT count(*) FROM participants WHERE session_id = ?",
        "SELECT count(*) FROM doc_snapshots WHERE session_id = ?",
        "SELECT count(*) FROM doc_changes WHERE session_id = ?",
        "SELECT count(*) FROM applied_intents WHERE session_id = ?",
    ] {
        let n: i64 = sqlx::query_scalar(query)
            .bind(&s.id)
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(n, 0, "{query}");
    }
    db.close().await;
    if contains(&before, SECRET_TEXT) {
        assert!(
            !contains(&database_bytes(server.data.path()), SECRET_TEXT),
            "the deleted text is still in the database files"
        );
    } else {
        eprintln!("the text was not stored readably; the byte check proves nothing here");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_deletes_closed_sessions_past_their_time_and_keeps_the_rest() {
    let server = InProcess::start_with(|c| {
        c.session_idle = Duration::from_millis(300);
        c.delete_closed_after = Some(Duration::ZERO);
    })
    .await;
    let http = server.http();
    let open = create_session(&http, "Open").await;
    let closed = create_session(&http, "Gesloten").await;
    let busy = create_session(&http, "Gesloten, nog bezocht").await;
    let (mut fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&closed.code, &closed.facilitator_secret),
    )
    .await;
    fac.ok("close", json!({"kind":"close_session"})).await;
    drop(fac);
    wait_unloaded(&server, &closed.id).await;
    // Closed, but someone is still connected during the sweep.
    let (mut busy_fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&busy.code, &busy.facilitator_secret),
    )
    .await;
    busy_fac.ok("close", json!({"kind":"close_session"})).await;

    let sweep = || draagvlak_server::retention::sweep(&server.server().state);
    assert_eq!(sweep().await.unwrap().deleted, 1);
    let status = |code: String| {
        let http = http.clone();
        async move {
            reqwest::get(format!("{http}/api/sessions/{code}"))
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(status(closed.code.clone()).await, 404);
    assert_eq!(status(open.code.clone()).await, 200);
    assert_eq!(
        status(busy.code.clone()).await,
        200,
        "a loaded session stays"
    );
    // Once everyone has left, the next sweep takes it too; the open one stays.
    drop(busy_fac);
    wait_unloaded(&server, &busy.id).await;
    assert_eq!(sweep().await.unwrap().deleted, 1);
    assert_eq!(status(busy.code.clone()).await, 404);
    assert_eq!(status(open.code.clone()).await, 200);
    server.stop().await;
}

const NAME: &str = "Zwaantje Erasmus-Knol";

async fn report_json(http: &str, code: &str, secret: &str) -> String {
    draagvlak_tests::report(http, code, secret, "json").await
}

async fn erase(http: &str, code: &str, participant: &str, secret: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!(
            "{http}/api/sessions/{code}/participants/{participant}/erase"
        ))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_name_is_a_label_everywhere_and_not_a_byte_of_it_stays() {
    let server = InProcess::start_with(|c| c.session_idle = Duration::from_millis(300)).await;
    let http = server.http();
    let s = create_session(&http, "Wissen op verzoek").await;
    let other = create_session(&http, "Ander").await;
    let (mut fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&s.code, &s.facilitator_secret),
    )
    .await;
    let (mut anna, _) = Raw::join(&server.ws(), join::participant(&s.code, "Anna", "ict")).await;
    let (mut zw, welcome) = Raw::join(&server.ws(), join::participant(&s.code, NAME, "ict")).await;
    let id = welcome["participant"]["id"].as_str().unwrap().to_string();
    let token = welcome["resume_token"].as_str().unwrap().to_string();
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    zw.ok(
        "z1",
        json!({"kind":"add_statement","text":"Eén digitaal loket"}),
    )
    .await;
    anna.ok("a1", json!({"kind":"add_statement","text":"Open data"}))
        .await;
    fac.ok("f2", json!({"kind":"next_phase"})).await;
    let report_before = report_json(&http, &s.code, &s.facilitator_secret).await;
    assert!(report_before.contains(NAME));
    assert!(
        contains(&database_bytes(server.data.path()), NAME),
        "the name is stored readably before it is erased (else the byte check proves nothing)"
    );

    // Only the facilitator, only a participant of the session.
    let (status, body) = erase(&http, &s.code, &id, &other.facilitator_secret).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (401, &json!("bad_credentials"))
    );
    let (status, body) = erase(&http, &s.code, "p999", &s.facilitator_secret).await;
    assert_eq!((status, &body["error"]["code"]), (404, &json!("not_found")));

    // While everyone is connected: the session is live.
    let (status, body) = erase(&http, &s.code, &id, &s.facilitator_secret).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"participant": id, "label": "ICT 2"}));
    // Their connection is closed; their token no longer opens the session.
    let (_, reason) = zw.until_closed().await.unwrap();
    assert_eq!(reason, "removed");
    let mut again = Raw::connect(&server.ws()).await;
    again.send_json(join::resume(&s.code, &token)).await;
    let refused = again.until_type("error").await;
    assert_eq!(refused["code"], "bad_credentials");
    // Everyone else sees the label at once.
    let view = fac.snapshot().await;
    assert!(!view.to_string().contains(NAME));
    assert!(view.to_string().contains("ICT 2"));

    // The report: the label instead of the name, and nothing else changed.
    let report_after = report_json(&http, &s.code, &s.facilitator_secret).await;
    assert!(!report_after.contains(NAME));
    assert_eq!(report_after, report_before.replace(NAME, "ICT 2"));
    // The history of a past phase too.
    let history = reqwest::Client::new()
        .get(format!("{http}/api/sessions/{}/history/1", s.code))
        .bearer_auth(&s.facilitator_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(history.status().as_u16(), 200);
    let history = history.text().await.unwrap();
    assert!(history.contains("Eén digitaal loket") && !history.contains(NAME));

    // The session goes on: new input is stored and survives a reload.
    fac.ok("f3", json!({"kind":"go_to_phase","index":1})).await;
    anna.ok("a2", json!({"kind":"add_statement","text":"Na het wissen"}))
        .await;
    drop((fac, anna, zw));
    wait_unloaded(&server, &s.id).await;
    let reloaded = report_json(&http, &s.code, &s.facilitator_secret).await;
    assert!(reloaded.contains("Na het wissen") && reloaded.contains("Anna"));
    assert!(!contains(&database_bytes(server.data.path()), NAME));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymising_replaces_every_name_of_a_closed_session_once_and_leaves_open_ones() {
    // Two per group, so that the report lists names; each group's first in the alphabet joins
    // first, so the labels sort as the names did.
    const NAMES: [&str; 4] = [
        "Gerrit Oosterhuis-Plomp",
        "Henriëtte Zandvliet",
        "Harm Wisselink",
        "Jolanda Veltkamp",
    ];
    const OPEN_NAME: &str = "Ingeborg Nog-Bezig";
    let server = InProcess::start_with(|c| {
        c.session_idle = Duration::from_millis(300);
        c.anonymise_closed_after = Some(Duration::ZERO);
    })
    .await;
    let http = server.http();
    let open = create_session(&http, "Nog open").await;
    let closed = create_session(&http, "Afgesloten").await;
    let (mut open_fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&open.code, &open.facilitator_secret),
    )
    .await;
    let (_ingeborg, _) = Raw::join(
        &server.ws(),
        join::participant(&open.code, OPEN_NAME, "ict"),
    )
    .await;
    open_fac.ok("o1", json!({"kind":"next_phase"})).await;

    let (mut fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&closed.code, &closed.facilitator_secret),
    )
    .await;
    let (mut gerrit, welcome) = Raw::join(
        &server.ws(),
        join::participant(&closed.code, NAMES[0], "ict"),
    )
    .await;
    let token = welcome["resume_token"].as_str().unwrap().to_string();
    let (mut henriette, _) = Raw::join(
        &server.ws(),
        join::participant(&closed.code, NAMES[1], "business"),
    )
    .await;
    let (_harm, _) = Raw::join(
        &server.ws(),
        join::participant(&closed.code, NAMES[2], "ict"),
    )
    .await;
    let (_jolanda, _) = Raw::join(
        &server.ws(),
        join::participant(&closed.code, NAMES[3], "business"),
    )
    .await;
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    gerrit
        .ok("g1", json!({"kind":"add_statement","text":"Samen inkopen"}))
        .await;
    henriette
        .ok("h1", json!({"kind":"add_statement","text":"Cloud eerst"}))
        .await;
    fac.ok("f2", json!({"kind":"next_phase"})).await;
    fac.ok("close", json!({"kind":"close_session"})).await;
    drop((fac, gerrit, henriette, _harm, _jolanda));
    wait_unloaded(&server, &closed.id).await;
    let before = report_json(&http, &closed.code, &closed.facilitator_secret).await;
    let bytes = database_bytes(server.data.path());
    for name in NAMES {
        assert!(before.contains(name), "{name} in {before}");
        assert!(contains(&bytes, name), "{name} is stored readably before");
    }

    let sweep = || draagvlak_server::retention::sweep(&server.server().state);
    let swept = sweep().await.unwrap();
    assert_eq!((swept.anonymised, swept.deleted), (1, 0));

    // Every name is a label in the report; nothing else changed.
    let after = report_json(&http, &closed.code, &closed.facilitator_secret).await;
    assert_eq!(
        after,
        before
            .replace(NAMES[0], "ICT 1")
            .replace(NAMES[1], "Business 1")
            .replace(NAMES[2], "ICT 2")
            .replace(NAMES[3], "Business 2")
    );
    let bytes = database_bytes(server.data.path());
    for name in NAMES {
        assert!(
            !contains(&bytes, name),
            "{name} is still in the database files"
        );
    }
    // Resume tokens are gone; the open session is untouched.
    let mut again = Raw::connect(&server.ws()).await;
    again.send_json(join::resume(&closed.code, &token)).await;
    assert_eq!(again.until_type("error").await["code"], "bad_credentials");
    assert!(open_fac.snapshot().await.to_string().contains(OPEN_NAME));
    let store = &server.server().state.store;
    assert_eq!(store.anonymised(&closed.id).await.unwrap(), Some(true));
    assert_eq!(store.anonymised(&open.id).await.unwrap(), Some(false));

    // Once is enough: the next sweep leaves it alone.
    assert_eq!(sweep().await.unwrap().anonymised, 0);
    server.stop().await;
}

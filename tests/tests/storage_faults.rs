//! Storage that fails: intents are rejected with `storage_failed`, nothing already stored is
//! damaged, other sessions keep working, and the session recovers when the storage does.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use draagvlak_tests::{InProcess, Raw, create_session, join};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_writes_are_refused_and_the_session_recovers() {
    let server = InProcess::start().await;
    let a = create_session(&server.http(), "Sessie A").await;
    let b = create_session(&server.http(), "Sessie B").await;
    let ws = server.ws();
    let (mut fa, _) = Raw::join(&ws, join::facilitator(&a.code, &a.facilitator_secret)).await;
    let (mut fb, _) = Raw::join(&ws, join::facilitator(&b.code, &b.facilitator_secret)).await;
    fa.ok("a1", json!({"kind":"next_phase"})).await;
    fb.ok("b1", json!({"kind":"next_phase"})).await;
    let (mut anna, w) = Raw::join(&ws, join::participant(&a.code, "Anna", "ict")).await;
    let token = w["resume_token"].as_str().unwrap().to_string();
    anna.ok("s1", json!({"kind":"add_statement","text":"Bewaard"}))
        .await;
    let (mut bert, _) = Raw::join(&ws, join::participant(&b.code, "Bert", "ict")).await;

    // Session A's storage fails.
    server.server().state.store.fail_writes_for(Some(&a.id));
    let v = anna
        .act("s2", json!({"kind":"add_statement","text":"Verloren"}))
        .await;
    assert_eq!(
        (v["type"].as_str(), v["code"].as_str()),
        (Some("reject"), Some("storage_failed"))
    );
    assert!(!v["message"].as_str().unwrap().is_empty());
    let v = fa.act("a2", json!({"kind":"next_phase"})).await;
    assert_eq!(v["code"], "storage_failed");
    // Nothing of the failed tick is visible: everyone is back at the durable state.
    let view = anna.snapshot().await;
    assert_eq!(view["statements"].as_object().unwrap().len(), 1);
    assert_eq!(view["current_phase"], 1);
    // A new participant cannot join A meanwhile (that is a write), with a clear code.
    let mut c = Raw::connect(&ws).await;
    c.send_json(join::participant(&a.code, "Carla", "business"))
        .await;
    assert_eq!(c.until_type("error").await["code"], "storage_failed");
    // Session B keeps working.
    bert.ok(
        "t1",
        json!({"kind":"add_statement","text":"Sessie B werkt"}),
    )
    .await;

    // The storage recovers: A works again, and the rejected intent can be resent.
    server.server().state.store.fail_writes_for(None);
    anna.ok("s2", json!({"kind":"add_statement","text":"Verloren"}))
        .await;
    fa.ok("a2", json!({"kind":"next_phase"})).await;
    let data = server.stop().await;

    // After a restart exactly the acknowledged state is there.
    let server = InProcess::restart(data).await;
    let (mut anna, _) = Raw::join(&server.ws(), join::resume(&a.code, &token)).await;
    let view = anna.snapshot().await;
    let mut texts: Vec<String> = view["statements"]
        .as_object()
        .unwrap()
        .values()
        .map(|s| s["text"].as_str().unwrap().to_string())
        .collect();
    texts.sort();
    assert_eq!(texts, vec!["Bewaard", "Verloren"]);
    assert_eq!(view["current_phase"], 2);
    let (mut pb, _) = Raw::join(&server.ws(), join::projector(&b.code)).await;
    assert_eq!(
        pb.snapshot().await["statements"].as_object().unwrap().len(),
        1
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_row_stops_only_its_own_session_with_a_clear_error() {
    let server = InProcess::start().await;
    let a = create_session(&server.http(), "Beschadigd").await;
    let b = create_session(&server.http(), "Gezond").await;
    for (s, text) in [(&a, "in A"), (&b, "in B")] {
        let (mut fac, _) = Raw::join(
            &server.ws(),
            join::facilitator(&s.code, &s.facilitator_secret),
        )
        .await;
        fac.ok("f1", json!({"kind":"next_phase"})).await;
        let (mut p, _) = Raw::join(&server.ws(), join::participant(&s.code, "Piet", "ict")).await;
        p.ok("p1", json!({"kind":"add_statement","text":text}))
            .await;
    }
    let data = server.stop().await;
    // Damage session A's latest change chunk on disk; keep a copy to repair it later.
    let db = data.path().join("draagvlak.sqlite3");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let (rev, good): (i64, Vec<u8>) = sqlx::query_as(
        "SELECT rev, data FROM doc_changes WHERE session_id = ? ORDER BY rev DESC LIMIT 1",
    )
    .bind(&a.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE doc_changes SET data = ? WHERE session_id = ? AND rev = ?")
        .bind(b"not an automerge chunk".to_vec())
        .bind(&a.id)
        .bind(rev)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let server = InProcess::restart(data).await;
    let mut c = Raw::connect(&server.ws()).await;
    c.send_json(join::projector(&a.code)).await;
    let e = c.until_type("error").await;
    assert_eq!(e["code"], "storage_failed", "{e}");
    // B is unaffected.
    let (mut pb, _) = Raw::join(&server.ws(), join::projector(&b.code)).await;
    assert_eq!(
        pb.snapshot().await["statements"].as_object().unwrap().len(),
        1
    );
    let data = server.stop().await;

    // Repaired storage: A loads again with everything it had.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE doc_changes SET data = ? WHERE session_id = ? AND rev = ?")
        .bind(good)
        .bind(&a.id)
        .bind(rev)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let server = InProcess::restart(data).await;
    let (mut pa, _) = Raw::join(&server.ws(), join::projector(&a.code)).await;
    let view = pa.snapshot().await;
    let texts: Vec<_> = view["statements"]
        .as_object()
        .unwrap()
        .values()
        .map(|s| s["text"].clone())
        .collect();
    assert_eq!(texts, vec![json!("in A")]);
    server.stop().await;
}

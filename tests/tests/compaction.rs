//! A compacted session (snapshot plus later chunks) loads intact, and intents applied before
//! the compaction are still recognised when resent.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
use draagvlak_tests::{InProcess, Raw, create_session, join};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compacted_session_loads_intact() {
    let server = InProcess::start_with(|c| c.limits.compact_after_changes = 5).await;
    let s = create_session(&server.http(), "Compact").await;
    let ws = server.ws();
    let (mut fac, _) = Raw::join(&ws, join::facilitator(&s.code, &s.facilitator_secret)).await;
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    let (mut anna, w) = Raw::join(&ws, join::participant(&s.code, "Anna", "ict")).await;
    let token = w["resume_token"].as_str().unwrap().to_string();
    for i in 0..23 {
        anna.ok(
            &format!("a{i}"),
            json!({"kind":"add_statement","text":format!("punt {i}")}),
        )
        .await;
    }
    let before = anna.snapshot().await;
    // Compaction happened: a snapshot past the start, and only the chunks written since.
    let stored = server
        .server()
        .state
        .store
        .load_session(&s.id)
        .await
        .unwrap();
    assert!(
        stored.snapshot.rev >= 20,
        "the snapshot was replaced (at rev {})",
        stored.snapshot.rev
    );
    assert!(
        stored.changes.len() < 5,
        "chunks inside the snapshot were dropped ({} left)",
        stored.changes.len()
    );
    let data = server.stop().await;
    let server = InProcess::restart(data).await;
    let (mut anna, _) = Raw::join(&server.ws(), join::resume(&s.code, &token)).await;
    let after = anna.snapshot().await;
    assert_eq!(after["statements"], before["statements"]);
    assert_eq!(after["statements"].as_object().unwrap().len(), 23);
    // Intents applied before the compaction are still recognised when resent.
    anna.ok("a0", json!({"kind":"add_statement","text":"punt 0"}))
        .await;
    assert_eq!(
        anna.snapshot().await["statements"]
            .as_object()
            .unwrap()
            .len(),
        23
    );
    server.stop().await;
}

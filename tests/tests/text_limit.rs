//! `--max-text-chars`: a server may allow shorter texts than the protocol's 1,000 characters.
//! New texts and edits that would grow past the limit are refused with `text_too_long`.
//!
//! Its own test binary: the text limit is one value per server process (see
//! `session::text::max_chars`), so it must not share a process with tests of the default.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use draagvlak_tests::{InProcess, Raw, create_session, join};
use serde_json::json;

#[tokio::test]
async fn texts_longer_than_the_configured_limit_are_refused() {
    let server = InProcess::start_with(|c| c.limits.max_text_chars = 20).await;
    let s = create_session(&server.http(), "Kort").await;
    let (mut f, _) = Raw::join(
        &server.ws(),
        join::facilitator(&s.code, &s.facilitator_secret),
    )
    .await;
    f.ok("f1", json!({"kind":"next_phase"})).await; // brainstorm
    let (mut p, _) = Raw::join(&server.ws(), join::participant(&s.code, "Kim", "ict")).await;
    let long = p
        .act("a1", json!({"kind":"add_statement","text":"x".repeat(21)}))
        .await;
    assert_eq!(long["type"], "reject");
    assert_eq!(long["code"], "text_too_long");
    assert!(long["message"].as_str().unwrap().contains("at most 20"));
    let ack = p
        .ok("a2", json!({"kind":"add_statement","text":"y".repeat(20)}))
        .await;
    let id = ack["created"].as_str().unwrap().to_string();
    let rev = ack["rev"].as_u64().unwrap();
    let grow = p
        .act(
            "a3",
            json!({"kind":"edit_statement","statement":id,"rev":rev,"pos":0,"insert":"z"}),
        )
        .await;
    assert_eq!(grow["code"], "text_too_long");
    // Replacing keeps the length: allowed.
    p.ok(
        "a4",
        json!({"kind":"edit_statement","statement":id,"rev":rev,"pos":0,"delete":1,"insert":"z"}),
    )
    .await;
    server.stop().await;
}

//! `--max-text-chars`: a server may allow shorter texts than the protocol's 1,000 characters.
//! New texts and edits that would grow past the limit are refused with `text_too_long`.
//! The limit is a setting of the server, passed to every `apply` (not one value per process):
//! two servers in one process keep their own. Clients read it from `GET /api/limits` and from
//! the app page's `<meta name="draagvlak-limits">`.

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
    // A second server in the same process keeps the protocol's limit, and the first keeps its own.
    let other = InProcess::start().await;
    let s2 = create_session(&other.http(), "Lang").await;
    let (mut f2, _) = Raw::join(
        &other.ws(),
        join::facilitator(&s2.code, &s2.facilitator_secret),
    )
    .await;
    f2.ok("f1", json!({"kind":"next_phase"})).await;
    let (mut q, _) = Raw::join(&other.ws(), join::participant(&s2.code, "Lot", "ict")).await;
    q.ok("b1", json!({"kind":"add_statement","text":"x".repeat(21)}))
        .await;
    let again = p
        .act("a5", json!({"kind":"add_statement","text":"x".repeat(21)}))
        .await;
    assert_eq!(again["code"], "text_too_long");
    // Clients learn the limit from the server.
    let limits: serde_json::Value = reqwest::get(format!("{}/api/limits", server.http()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(limits["max_text_chars"], 20);
    assert_eq!(limits["max_reason_chars"], 280);
    assert_eq!(limits["large_gap"], 0.3);
    let page = reqwest::get(format!("{}/join/ABC234", other.http()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(
            r#"<meta name="draagvlak-limits" content="{&quot;max_text_chars&quot;:1000,"#
        ),
        "{page}"
    );
    other.stop().await;
    server.stop().await;
}

//! Malformed JSON, unknown message types, binary frames and oversized frames each get a clear
//! error, and the other participants of the session notice nothing.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::time::Duration;

use draagvlak_tests::{InProcess, Raw, RawEvent, create_session};
use serde_json::json;

async fn joined_participant(ws: &str, code: &str, name: &str) -> Raw {
    let mut c = Raw::connect(ws).await;
    c.send_json(json!({"type":"join","protocol":1,"role":"participant","code":code,"name":name,"group":"ict"}))
        .await;
    let welcome = c.until_type("welcome").await;
    assert_eq!(welcome["role"], "participant");
    c.until_type("snapshot").await;
    c.until_type("me").await;
    c
}

#[tokio::test]
async fn bad_frames_get_clear_errors_and_others_notice_nothing() {
    let server = InProcess::start().await;
    let session = create_session(&server.http(), "Foutjes").await;
    let mut bystander = joined_participant(&server.ws(), &session.code, "Bystander").await;
    let mut noisy = joined_participant(&server.ws(), &session.code, "Noisy").await;
    // The bystander's presence deltas from the noisy join are read before we start.
    while let Some(RawEvent::Json(_)) = bystander.next(Duration::from_millis(300)).await {}

    noisy.send_text("this is not json").await;
    let e = noisy.until_type("error").await;
    assert_eq!(e["code"], "bad_message");

    noisy.send_text(r#"{"type":"teleport"}"#).await;
    let e = noisy.until_type("error").await;
    assert_eq!(e["code"], "unknown_type");

    noisy.send_text(r#"{"type":"intent","id":"x"}"#).await;
    let e = noisy.until_type("reject").await;
    assert_eq!(
        (e["id"].as_str(), e["code"].as_str()),
        (Some("x"), Some("bad_message"))
    );
    noisy
        .send_text(
            r#"{"type":"intent","id":"y","intent":{"kind":"rate_rule","rule":"r1","score":300}}"#,
        )
        .await;
    let e = noisy.until_type("reject").await;
    assert_eq!(
        (e["id"].as_str(), e["code"].as_str()),
        (Some("y"), Some("bad_message"))
    );
    noisy
        .send_text(r#"{"type":"intent","intent":{"kind":"next_phase"}}"#)
        .await;
    let e = noisy.until_type("error").await;
    assert_eq!(e["code"], "bad_message");

    noisy.send_binary(vec![0xff, 0x00, 0x13]).await;
    let e = noisy.until_type("error").await;
    assert_eq!(e["code"], "binary_frame");

    noisy.send_json(json!({"type":"ping"})).await;
    assert_eq!(noisy.until_type("pong").await["type"], "pong");

    // Still a working connection after all that.
    noisy
        .send_json(json!({"type":"join","protocol":1,"role":"projector","code":session.code}))
        .await;
    assert_eq!(noisy.until_type("error").await["code"], "already_joined");

    // An oversized frame closes the connection with a reason.
    noisy.send_text("x".repeat(70 * 1024)).await;
    let mut saw_error = false;
    let close = loop {
        match noisy.next(Duration::from_secs(10)).await {
            Some(RawEvent::Json(v)) => {
                if v["type"] == "error" && v["code"] == "message_too_large" {
                    saw_error = true;
                }
            }
            Some(RawEvent::Closed(c)) => break c,
            None => panic!("no close after oversized frame"),
        }
    };
    assert!(saw_error, "an error message names the reason");
    // Issue 12, item 4: the close frame arrives (it was lost to a TCP reset: the server does not
    // read the rest of an oversized frame, and closed the socket with it unread).
    assert_eq!(close, Some((1009, "message_too_large".to_string())));

    // The bystander saw no error, and works as before.
    while let Some(ev) = bystander.next(Duration::from_millis(300)).await {
        match ev {
            RawEvent::Json(v) => assert_ne!(v["type"], "error", "bystander got {v}"),
            RawEvent::Closed(c) => panic!("bystander closed: {c:?}"),
        }
    }
    bystander.send_json(json!({"type":"ping"})).await;
    assert_eq!(bystander.until_type("pong").await["type"], "pong");
    server.stop().await;
}

/// Issue 12, item 4: invalid UTF-8 in a text frame closed the connection with `1000 "bye"` and
/// no error. It must be an `error` with a code, then close 1007 — before and after joining.
#[tokio::test]
async fn invalid_utf8_in_a_text_frame_gets_an_error_then_close_1007() {
    let server = InProcess::start().await;
    let session = create_session(&server.http(), "Tekens").await;
    for joined in [false, true] {
        let mut c = if joined {
            joined_participant(&server.ws(), &session.code, "Bytes").await
        } else {
            Raw::connect(&server.ws()).await
        };
        // `{"type":"ping","x":"` + an overlong encoding of '/' + `"}`.
        let mut bytes = br#"{"type":"ping","x":""#.to_vec();
        bytes.extend_from_slice(&[0xC0, 0xAF]);
        bytes.extend_from_slice(br#""}"#);
        c.send_raw_text(bytes).await;
        let mut errors = Vec::new();
        let close = loop {
            match c.next(Duration::from_secs(10)).await {
                Some(RawEvent::Json(v)) if v["type"] == "error" => errors.push(v["code"].clone()),
                Some(RawEvent::Json(_)) => {}
                Some(RawEvent::Closed(close)) => break close,
                None => panic!("no close after invalid UTF-8"),
            }
        };
        assert_eq!(errors, vec![json!("invalid_utf8")], "joined: {joined}");
        assert_eq!(
            close,
            Some((1007, "invalid_utf8".to_string())),
            "joined: {joined}"
        );
    }
    server.stop().await;
}

/// Issue 12, item 5: names made only of invisible characters were accepted. Names are now
/// normalised (NFC, white space collapsed and trimmed, invisible characters removed) before they
/// are checked, for joins and for people added without a device.
#[tokio::test]
async fn names_are_normalised_and_invisible_names_refused() {
    let server = InProcess::start().await;
    let session = create_session(&server.http(), "Namen").await;
    let mut c = Raw::connect(&server.ws()).await;
    for invisible in [
        "\u{200B}\u{200B}",
        "\u{200D}\u{FEFF}\u{2060}",
        "\u{00AD}",
        "\u{3164}",
        "\u{E0041}",
    ] {
        c.send_json(json!({"type":"join","protocol":1,"role":"participant","code":session.code,"name":invisible,"group":"ict"})).await;
        assert_eq!(
            c.until_type("error").await["code"],
            "invalid_name",
            "{invisible:?}"
        );
    }
    c.send_json(json!({"type":"join","protocol":1,"role":"participant","code":session.code,"name":" Rene\u{301}\u{200B}  de\tVries ","group":"ict"})).await;
    let welcome = c.until_type("welcome").await;
    assert_eq!(welcome["participant"]["name"], "Ren\u{E9} de Vries");
    let (mut fac, _) = Raw::join(
        &server.ws(),
        json!({"type":"join","protocol":1,"role":"facilitator","code":session.code,"secret":session.facilitator_secret}),
    )
    .await;
    let r = fac
        .act(
            "p1",
            json!({"kind":"add_proxy","name":"\u{2060}\u{200C}","group":"ict"}),
        )
        .await;
    assert_eq!(
        (r["type"].as_str(), r["code"].as_str()),
        (Some("reject"), Some("invalid_name"))
    );
    fac.ok(
        "p2",
        json!({"kind":"add_proxy","name":"Jan\u{200B}","group":"ict"}),
    )
    .await;
    let view = fac.snapshot().await;
    let names: Vec<&str> = view["participants"]
        .as_object()
        .map(|all| all.values().filter_map(|p| p["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(names.contains(&"Jan"), "{names:?} in {view}");
    server.stop().await;
}

#[tokio::test]
async fn joining_errors() {
    let server = InProcess::start().await;
    let session = create_session(&server.http(), "Toegang").await;
    let mut c = Raw::connect(&server.ws()).await;
    c.send_json(json!({"type":"intent","id":"1","intent":{"kind":"next_phase"}}))
        .await;
    assert_eq!(c.until_type("error").await["code"], "not_joined");
    c.send_json(json!({"type":"join","protocol":1,"role":"participant","code":"NOPE99","name":"A","group":"ict"})).await;
    assert_eq!(c.until_type("error").await["code"], "session_not_found");
    c.send_json(json!({"type":"join","protocol":1,"role":"facilitator","code":session.code,"secret":"guess"})).await;
    assert_eq!(c.until_type("error").await["code"], "bad_credentials");
    c.send_json(
        json!({"type":"join","protocol":1,"role":"resume","code":session.code,"token":"guess"}),
    )
    .await;
    assert_eq!(c.until_type("error").await["code"], "bad_credentials");
    c.send_json(json!({"type":"join","protocol":1,"role":"participant","code":session.code,"name":"  ","group":"ict"})).await;
    assert_eq!(c.until_type("error").await["code"], "invalid_name");
    c.send_json(json!({"type":"join","protocol":1,"role":"participant","code":session.code,"name":"Els","group":"finance"})).await;
    assert_eq!(c.until_type("error").await["code"], "invalid_group");
    // A join code is typed by people: lower case and spaces are fine.
    let typed = format!(" {} ", session.code.to_lowercase());
    c.send_json(json!({"type":"join","protocol":1,"role":"projector","code":typed}))
        .await;
    assert_eq!(c.until_type("welcome").await["role"], "projector");

    let mut old = Raw::connect(&server.ws()).await;
    old.send_json(json!({"type":"join","protocol":2,"role":"projector","code":session.code}))
        .await;
    assert_eq!(old.until_type("error").await["code"], "unsupported_version");
    assert!(old.until_closed().await.is_some());
    server.stop().await;
}

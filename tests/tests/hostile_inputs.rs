//! The catalogue of hostile inputs in `tests/data/hostile_inputs.json`, each with its expected
//! outcome: malformed JSON, deep nesting, huge numbers, invalid UTF-8 in binary frames, control
//! characters and bidi overrides in names and texts, very long words, HTML and script in texts.
//! After each case the connection must still work (a ping is answered).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use draagvlak_tests::{InProcess, Raw, create_session, join};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_input_gets_its_expected_answer() {
    let catalogue: Value =
        serde_json::from_str(include_str!("../data/hostile_inputs.json")).unwrap();
    let cases = catalogue["cases"].as_array().unwrap();
    assert!(cases.len() >= 25);
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Vijandig").await;
    let (mut fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&s.code, &s.facilitator_secret),
    )
    .await;
    fac.ok("f1", json!({"kind":"next_phase"})).await; // brainstorm
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let expect = &case["expect"];
        let mut c = Raw::connect(&server.ws()).await;
        let when = case["when"].as_str().unwrap();
        if when == "brainstorm" {
            c.send_json(join::participant(&s.code, &format!("Tester {i}"), "ict"))
                .await;
            c.until_type("me").await;
        }
        if when == "join_as" {
            c.send_json(join::participant(
                &s.code,
                case["name"].as_str().unwrap(),
                "business",
            ))
            .await;
        } else if let Some(text) = case["text"].as_str() {
            c.send_text(text).await;
        } else if let Some(bytes) = case["binary"].as_array() {
            c.send_binary(bytes.iter().map(|b| b.as_u64().unwrap() as u8).collect())
                .await;
        } else {
            let id = case["intent_id"].as_str().unwrap_or("hostile");
            c.intent(id, case["intent"].clone()).await;
        }
        let want = expect["type"].as_str().unwrap();
        let got = loop {
            let v = c.json().await;
            if ["error", "reject", "ack", "welcome"].contains(&v["type"].as_str().unwrap_or("")) {
                break v;
            }
        };
        let ok = got["type"] == want
            && expect.get("code").is_none_or(|code| got["code"] == *code)
            && expect
                .get("name")
                .is_none_or(|n| got["participant"]["name"] == *n);
        if !ok {
            failures.push(format!("{name}: expected {expect}, got {got}"));
            continue;
        }
        if let Some(text) = expect.get("text") {
            // Stored verbatim: the view carries exactly the text sent.
            let created = got["created"].as_str().unwrap().to_string();
            let view = c.snapshot().await;
            if view["statements"][&created]["text"] != *text {
                failures.push(format!(
                    "{name}: stored as {}",
                    view["statements"][&created]["text"]
                ));
            }
        }
        // The connection still works.
        c.send_json(json!({"type":"ping"})).await;
        c.until_type("pong").await;
    }
    // And the session is unharmed.
    fac.ok("f2", json!({"kind":"next_phase"})).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    server.stop().await;
}

//! The HTTP API, health checks, and a clean stop on SIGTERM: close frames with a reason, every
//! acknowledged intent stored, exit status 0.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::time::Duration;

use draagvlak_tests::{InProcess, Process, Raw, RawEvent, create_session, join};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_draagvlak-test-server");

async fn post(http: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{http}/api/sessions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn http_api_answers_with_stable_codes() {
    let server = InProcess::start().await;
    let http = server.http();
    let (status, created) = post(
        &http,
        json!({"title":"ICT-strategie 2027","organisation":"Gemeente Zaanstad","language":"en"}),
    )
    .await;
    assert_eq!(status, 201);
    let code = created["code"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    assert!(created["facilitator_secret"].as_str().unwrap().len() >= 43);
    assert_eq!(created["links"]["join"], format!("{http}/join/{code}"));
    assert_eq!(created["links"]["websocket"], server.ws());

    let public = draagvlak_tests::public_session(&http, &code.to_lowercase()).await;
    assert_eq!(public["title"], "ICT-strategie 2027");
    assert_eq!(public["language"], "en");
    assert_eq!(public["groups"], json!(["ict", "business"]));
    assert!(
        public.get("facilitator_secret").is_none()
            && !public
                .to_string()
                .contains(&created["id"].as_str().unwrap()[..8])
    );

    for (body, status, code) in [
        (json!({"title":""}), 422, "invalid_request"),
        (json!({"title":"x".repeat(201)}), 422, "invalid_request"),
        (
            json!({"title":"ok","language":"de"}),
            422,
            "unsupported_language",
        ),
        (
            json!({"title":"ok","template":"nope"}),
            422,
            "unknown_template",
        ),
        (json!({"titel":"ok"}), 422, "invalid_request"),
    ] {
        let (s, v) = post(&http, body.clone()).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    }
    let resp = reqwest::Client::new()
        .post(format!("{http}/api/sessions"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "invalid_request");

    let resp = reqwest::get(format!("{http}/api/sessions/ZZZZZZ"))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "session_not_found");
    assert_eq!(
        reqwest::get(format!("{http}/healthz"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        reqwest::get(format!("{http}/readyz"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    server.stop().await;
}

#[tokio::test]
async fn demo_session_is_filled_and_the_app_is_served_with_security_headers() {
    let server = InProcess::start().await;
    let http = server.http();
    let resp = reqwest::Client::new()
        .post(format!("{http}/api/demo"))
        .json(&json!({"language":"en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let created: Value = resp.json().await.unwrap();
    let code = created["code"].as_str().unwrap();
    let (mut p, _) = Raw::join(&server.ws(), join::projector(code)).await;
    let view = p.snapshot().await;
    assert_eq!(view["session"]["language"], "en");
    assert_eq!(view["statements"].as_object().unwrap().len(), 12);
    assert_eq!(view["rules"].as_object().unwrap().len(), 4);
    assert_eq!(view["progress"]["richten"]["dots_revealed"], true);
    assert_eq!(view["groups"]["ict"]["joined"], 3);
    assert_eq!(
        view["phases"][view["current_phase"].as_u64().unwrap() as usize]["level"],
        "verrichten"
    );

    for path in [
        "/",
        format!("/join/{code}").as_str(),
        format!("/projector/{code}").as_str(),
    ] {
        let resp = reqwest::get(format!("{http}{path}")).await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        let csp = resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
        assert_eq!(resp.headers()["referrer-policy"], "no-referrer");
    }
    let resp = reqwest::get(format!("{http}/api/sessions/{code}/qr.svg"))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "image/svg+xml");
    assert!(resp.text().await.unwrap().starts_with("<?xml"));
    let resp = reqwest::get(format!("{http}/assets/../Cargo.toml"))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);

    // Every error is JSON with a stable code, also those axum would answer by itself.
    let client = reqwest::Client::new();
    for (req, status, code) in [
        (client.get(format!("{http}/no/such/page")), 404, "not_found"),
        (
            client.delete(format!("{http}/api/sessions")),
            405,
            "method_not_allowed",
        ),
        (
            client.put(format!("{http}/healthz")),
            405,
            "method_not_allowed",
        ),
        (client.get(format!("{http}/ws")), 426, "upgrade_required"),
    ] {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{code}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{code}"
        );
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_sockets_with_a_reason_and_keeps_everything() {
    stop_during_a_burst(Process::terminate).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_closes_sockets_with_a_reason_and_keeps_everything() {
    stop_during_a_burst(Process::interrupt).await;
}

/// Stop the server binary with a signal while a participant sends a burst of intents: every
/// socket gets `shutting_down` and a 1001 close frame, every intent that was stored was
/// acknowledged before the close (none lost in a queue), and nothing acknowledged is missing
/// after a restart.
async fn stop_during_a_burst(stop: fn(Process) -> std::process::ExitStatus) {
    const BURST: usize = 300;
    let data = tempfile::tempdir().unwrap();
    let server = Process::start(BIN, data.path());
    let s = create_session(&server.http(), "Afsluiten").await;
    let (mut fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&s.code, &s.facilitator_secret),
    )
    .await;
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    let (mut anna, _) = Raw::join(&server.ws(), join::participant(&s.code, "Anna", "ict")).await;
    anna.ok(
        "a1",
        json!({"kind":"add_statement","text":"Afgesproken is afgesproken"}),
    )
    .await;
    for i in 0..BURST {
        anna.intent(
            &format!("b{i}"),
            json!({"kind":"add_statement","text":format!("in de laatste seconde {i}")}),
        )
        .await;
    }
    // Stop as soon as the first of the burst is acknowledged: the rest is in flight.
    let mut acked = 0;
    loop {
        match anna.next(Duration::from_secs(10)).await {
            Some(RawEvent::Json(v)) if v["type"] == "ack" => {
                acked += 1;
                break;
            }
            Some(RawEvent::Json(_)) => {}
            other => panic!("no ack before the stop: {other:?}"),
        }
    }
    let stopping = tokio::task::spawn_blocking(move || stop(server));
    let mut closes = Vec::new();
    for (who, c) in [("anna", &mut anna), ("facilitator", &mut fac)] {
        let mut reason = None;
        let close = loop {
            match c.next(Duration::from_secs(10)).await {
                Some(RawEvent::Json(v)) if v["type"] == "error" => reason = Some(v["code"].clone()),
                Some(RawEvent::Json(v)) if v["type"] == "ack" && who == "anna" => {
                    assert!(reason.is_none(), "an ack after the goodbye: {v}");
                    acked += 1;
                }
                Some(RawEvent::Json(_)) => {}
                Some(RawEvent::Closed(close)) => break close,
                None => panic!("{who}: no close frame"),
            }
        };
        closes.push((who, reason, close));
    }
    let status = stopping.await.unwrap();
    assert!(status.success(), "exit status {status:?}");
    for (who, reason, close) in closes {
        assert_eq!(reason, Some(json!("shutting_down")), "{who}");
        assert_eq!(close, Some((1001, "shutting_down".to_string())), "{who}");
    }
    let server = Process::start(BIN, data.path());
    let (mut p, _) = Raw::join(&server.ws(), join::projector(&s.code)).await;
    let view = p.snapshot().await;
    assert_eq!(view["current_phase"], 1);
    assert_eq!(
        view["statements"].as_object().unwrap().len(),
        1 + acked,
        "every stored intent was acknowledged before the close, and every acknowledged one stored"
    );
}

#[tokio::test]
async fn the_facilitator_secret_can_be_rotated() {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Sleutels").await;
    let (mut old_console, _) = Raw::join(
        &server.ws(),
        join::facilitator(&s.code, &s.facilitator_secret),
    )
    .await;
    let url = format!(
        "{}/api/sessions/{}/facilitator-secret",
        server.http(),
        s.code
    );
    let client = reqwest::Client::new();
    let resp = client
        .post(&url)
        .bearer_auth("not the secret")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "bad_credentials"
    );
    let resp = client
        .post(&url)
        .bearer_auth(&s.facilitator_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let new_secret = resp.json::<Value>().await.unwrap()["facilitator_secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_secret, s.facilitator_secret);
    assert!(new_secret.len() >= 43);
    // The console that joined with the old secret is closed with a reason.
    let mut reason = None;
    loop {
        match old_console.next(Duration::from_secs(5)).await {
            Some(RawEvent::Json(v)) if v["type"] == "error" => reason = Some(v["code"].clone()),
            Some(RawEvent::Json(_)) => {}
            Some(RawEvent::Closed(_)) => break,
            None => panic!("old console not closed"),
        }
    }
    assert_eq!(reason, Some(json!("bad_credentials")));
    // The old secret no longer works; the new one does.
    let mut c = Raw::connect(&server.ws()).await;
    c.send_json(join::facilitator(&s.code, &s.facilitator_secret))
        .await;
    assert_eq!(c.until_type("error").await["code"], "bad_credentials");
    let (mut fac, w) = Raw::join(&server.ws(), join::facilitator(&s.code, &new_secret)).await;
    assert_eq!(w["role"], "facilitator");
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    server.stop().await;
}

/// Issue 13: the console on a second device. The facilitator link's QR code is only for the
/// facilitator, is never cached, and after a rotation the old secret gets no QR code any more.
#[tokio::test]
async fn the_facilitator_link_qr_code_is_for_the_facilitator_only() {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Twee schermen").await;
    let qr = format!(
        "{}/api/sessions/{}/facilitator-qr.svg",
        server.http(),
        s.code
    );
    let client = reqwest::Client::new();
    let resp = client.get(&qr).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401, "not without the secret");
    let resp = client
        .get(&qr)
        .bearer_auth(&s.facilitator_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "image/svg+xml");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert!(resp.text().await.unwrap().starts_with("<?xml"));
    let resp = client
        .post(format!(
            "{}/api/sessions/{}/facilitator-secret",
            server.http(),
            s.code
        ))
        .bearer_auth(&s.facilitator_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let resp = client
        .get(&qr)
        .bearer_auth(&s.facilitator_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        401,
        "the old link is useless after a rotation"
    );
    server.stop().await;
}

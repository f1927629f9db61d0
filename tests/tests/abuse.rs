//! Abuse limits over the wire: foreign origins, the operator token, join attempts per address,
//! connections per address, and a connection flooding invalid frames.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::time::Duration;

use draagvlak_client::load::{Config, run};
use draagvlak_tests::{InProcess, Raw, RawEvent, create_session, join};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;

async fn upgrade_with_origin(ws: &str, origin: &str) -> Result<(), u16> {
    let mut req = ws.into_client_request().unwrap();
    req.headers_mut()
        .insert("origin", HeaderValue::from_str(origin).unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Ok(_) => Ok(()),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
        Err(e) => panic!("unexpected error {e}"),
    }
}

#[tokio::test]
async fn websockets_from_foreign_pages_are_refused() {
    let server = InProcess::start_with(|c| {
        c.allowed_origins = vec!["https://intranet.example.nl".into()];
    })
    .await;
    let ws = server.ws();
    assert_eq!(
        upgrade_with_origin(&ws, "https://evil.example").await,
        Err(403)
    );
    assert_eq!(upgrade_with_origin(&ws, "null").await, Err(403));
    assert_eq!(upgrade_with_origin(&ws, &server.http()).await, Ok(()));
    assert_eq!(
        upgrade_with_origin(&ws, "https://intranet.example.nl").await,
        Ok(())
    );
    server.stop().await;
}

#[tokio::test]
async fn creating_sessions_can_require_the_operator_token() {
    let token = "operator-token-0123456789";
    let server = InProcess::start_with(|c| c.operator_token = Some(token.into())).await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/sessions", server.http());
    let body = json!({"title":"Afgeschermd"});
    let resp = client.post(&url).json(&body).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "unauthorized"
    );
    let resp = client
        .post(&url)
        .bearer_auth("wrong")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let resp = client
        .post(&url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let resp = client
        .post(format!("{}/api/demo", server.http()))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401, "the demo too");
    server.stop().await;
}

#[tokio::test]
async fn join_attempts_and_connections_per_address_are_limited() {
    let server = InProcess::start_with(|c| {
        c.limits.joins_per_minute = 10; // bursts of 5
        c.limits.max_connections_per_ip = 3;
    })
    .await;
    let s = create_session(&server.http(), "Grenzen").await;
    let mut c = Raw::connect(&server.ws()).await;
    let mut codes = Vec::new();
    for _ in 0..8 {
        c.send_json(join::participant("GUESS1", "Raad", "ict"))
            .await;
        codes.push(
            c.until_type("error").await["code"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(&codes[..5], &["session_not_found"; 5]);
    assert!(codes[5..].iter().all(|c| c == "rate_limited"), "{codes:?}");
    // Even the right code is refused until the bucket refills.
    c.send_json(join::projector(&s.code)).await;
    assert_eq!(c.until_type("error").await["code"], "rate_limited");
    // Connections: this one plus two more, then a 429.
    let _b = Raw::connect(&server.ws()).await;
    let _c = Raw::connect(&server.ws()).await;
    match tokio_tungstenite::connect_async(server.ws()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status().as_u16(), 429)
        }
        other => panic!(
            "a fourth connection was not refused: {:?}",
            other.map(|_| ())
        ),
    }
    drop(c);
    // A closed connection gives its slot back.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        if tokio_tungstenite::connect_async(server.ws()).await.is_ok() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "slot not returned");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_invalid_frames_is_cut_off_and_others_carry_on() {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Vloed").await;
    let (mut fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&s.code, &s.facilitator_secret),
    )
    .await;
    let (mut flood, _) = Raw::join(&server.ws(), join::participant(&s.code, "Vloed", "ict")).await;
    for i in 0..1000 {
        // The server may cut the connection off while the flood is still being sent.
        if flood
            .try_send_text(format!("{{not json {i}"))
            .await
            .is_err()
        {
            break;
        }
    }
    let mut errors = 0;
    let mut last = Value::Null;
    let close = loop {
        match flood.next(Duration::from_secs(10)).await {
            Some(RawEvent::Json(v)) if v["type"] == "error" => {
                errors += 1;
                last = v["code"].clone();
            }
            Some(RawEvent::Json(_)) => {}
            Some(RawEvent::Closed(c)) => break c,
            None => panic!("the flooding connection was not closed"),
        }
    };
    assert!(errors <= 60, "throttled: {errors} answers for 1000 frames");
    // The reason comes as a last error message and in the close frame (the server reads on
    // after closing, so no TCP reset destroys them).
    assert_eq!(last, "rate_limited");
    assert_eq!(close, Some((1008, "rate_limited".to_string())));
    // The facilitator did not notice.
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    server.stop().await;
}

/// The load generator's flooder (`--flood-rate`) against a scripted run with the default limits:
/// the flooder is cut off with `rate_limited` after at most the allowed invalid frames, and every
/// participant's intent is still acknowledged and seen by everyone. No timing is asserted; the
/// latency comparison is in `BENCHMARKS.md` ("Abuse").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_generators_flooder_is_cut_off_and_the_workshop_carries_on() {
    let server = InProcess::start().await;
    let config = Config {
        server: server.http(),
        sessions: 1,
        participants: 20,
        connect_rate: 0,
        statements: 6,
        brainstorm_secs: 0.3,
        dots: 3,
        dot_window_secs: 0.5,
        rules: 2,
        ratings: 1,
        rating_window_secs: 0.3,
        pause_ms: 50,
        step_timeout_secs: 30.0,
        quiet: true,
        flood_rate: 1000,
        flood_secs: 1.5,
        ..Config::default()
    };
    let report = run(config).await.expect("the load run starts");
    println!("{}", report.table());
    assert!(report.ok(), "{:#?}", report.failures);
    assert_eq!(report.intents.acked, report.intents.expected);
    assert_eq!(report.deliveries.seen, report.deliveries.expected);
    let flood = report.flood.expect("a flood report");
    assert_eq!(flood.connections, 1);
    assert_eq!(flood.disconnections, 1, "{flood:?}");
    assert_eq!(
        flood.close_reasons.get("close 1008 rate_limited"),
        Some(&1),
        "{flood:?}"
    );
    // Throttled: answered at most the allowed invalid frames (and the reason), not every frame.
    let answered = flood.errors_before_first_disconnect.unwrap_or(u64::MAX);
    assert!(answered <= 52, "{flood:?}");
    server.stop().await;
}

//! Abuse limits over the wire: foreign origins and hosts (DNS rebinding), the operator token,
//! join attempts per address over WebSocket and HTTP (join-code enumeration), connections per
//! address, the process-wide caps, and a connection flooding invalid frames.

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

/// Issue 12, item 3 (DNS rebinding): a page on `evil.example` whose name the attacker points at
/// this server sends `Host: evil.example` and `Origin: http://evil.example`. Before the fix the
/// Origin check compared the origin with the request's own `Host` and let it in, and every HTTP
/// route answered. Now the `Host` must be one of the server's names, and origins are judged
/// against the server's names only.
#[tokio::test]
async fn dns_rebinding_foreign_hosts_are_refused_and_origins_ignore_the_host_header() {
    let server = InProcess::start_with(|c| c.allowed_hosts = vec!["proxy.internal".into()]).await;
    let s = create_session(&server.http(), "Rebinding").await;
    let port = server.addr.port();
    let evil = "evil.example";
    assert_eq!(
        Raw::connect_with(
            &server.ws(),
            &[("host", evil), ("origin", "http://evil.example")]
        )
        .await
        .err(),
        Some((403, "host_not_allowed".to_string())),
        "upgrade with a foreign Host and a matching Origin"
    );
    let evil_port = format!("evil.example:{port}");
    assert_eq!(
        Raw::connect_with(&server.ws(), &[("origin", &format!("http://{evil_port}"))])
            .await
            .err(),
        Some((403, "origin_not_allowed".to_string())),
        "a foreign Origin on the server's port"
    );
    let client = reqwest::Client::new();
    let get = |path: String, host: String| {
        let client = client.clone();
        let url = format!("{}{path}", server.http());
        async move {
            let resp = client.get(url).header("host", host).send().await.unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            (
                status,
                body["error"]["code"].as_str().unwrap_or("").to_string(),
            )
        }
    };
    for host in [
        evil,
        evil_port.as_str(),
        "localhost.evil.example",
        "127.0.0.1.nip.io",
    ] {
        let (status, code) = get(format!("/api/sessions/{}", s.code), host.into()).await;
        assert_eq!((status, code.as_str()), (403, "host_not_allowed"), "{host}");
    }
    // The server's own names: loopback (it listens on 127.0.0.1) and the configured one.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "proxy.internal".to_string(),
    ] {
        let (status, _) = get(format!("/api/sessions/{}", s.code), host.clone()).await;
        assert_eq!(status, 200, "{host}");
    }
    let local = format!("http://localhost:{port}");
    let mut page = Raw::connect_with(
        &server.ws(),
        &[("host", &format!("localhost:{port}")), ("origin", &local)],
    )
    .await
    .expect("a page of this server under localhost");
    page.send_json(join::projector(&s.code)).await;
    assert_eq!(page.until_type("welcome").await["role"], "projector");
    server.stop().await;
}

/// Issue 12, item 2: `GET /api/sessions/{code}` answered 3,000 random codes in 1.2 s. Now every
/// route that tells whether a code exists draws on the join budget of the address (shared with
/// WebSocket joins) and answers 429 `rate_limited` with `Retry-After` beyond it.
#[tokio::test]
async fn join_codes_cannot_be_enumerated_over_http() {
    let server = InProcess::start_with(|c| c.limits.joins_per_minute = 10).await; // bursts of 5
    let s = create_session(&server.http(), "Raden").await;
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    let mut last = None;
    for i in 0..8 {
        let resp = client
            .get(format!("{}/api/sessions/GUES{i:02}", server.http()))
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
        last = Some(resp);
    }
    assert_eq!(&statuses[..5], &[404; 5], "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    let last = last.unwrap();
    let retry: u64 = last.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(
        last.json::<Value>().await.unwrap()["error"]["code"],
        "rate_limited"
    );
    // The routes below a code too, even with the right code: they would tell a live code from a
    // dead one (404 against 401).
    let code = &s.code;
    for (method, path) in [
        ("GET", format!("/api/sessions/{code}")),
        ("GET", format!("/api/sessions/{code}/report/md")),
        ("GET", format!("/api/sessions/{code}/history/0")),
        ("POST", format!("/api/sessions/{code}/facilitator-secret")),
    ] {
        let url = format!("{}{path}", server.http());
        let req = if method == "GET" {
            client.get(url)
        } else {
            client.post(url)
        };
        let resp = req.bearer_auth("guess").send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 429, "{method} {path}");
        assert!(resp.headers().contains_key("retry-after"), "{path}");
    }
    // One budget: the WebSocket join is refused as well.
    let mut c = Raw::connect(&server.ws()).await;
    c.send_json(join::projector(code)).await;
    assert_eq!(c.until_type("error").await["code"], "rate_limited");
    server.stop().await;
}

/// The probe of the issue with the default limits: of 1,000 lookups of random codes on one
/// keep-alive connection, at most the burst (300, and what refills meanwhile) is answered.
#[tokio::test]
async fn a_thousand_guesses_with_the_default_limits_mostly_get_429() {
    let server = InProcess::start().await;
    let client = reqwest::Client::new();
    let mut answered = 0;
    for i in 0..1000 {
        let resp = client
            .get(format!("{}/api/sessions/Q{i:05}", server.http()))
            .send()
            .await
            .unwrap();
        match resp.status().as_u16() {
            404 => answered += 1,
            429 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    println!("answered {answered} of 1000 guesses, the rest got 429");
    assert!(
        (300..=330).contains(&answered),
        "answered {answered} of 1000 guesses"
    );
    server.stop().await;
}

/// Issue 12, item 9: process-wide caps. Connections beyond `max_connections` and joins that would
/// load a session beyond `max_live_sessions` get `server_full` and close 1013; creating a session
/// while the server is full is HTTP 503 with `Retry-After`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capacity_caps_fill_up_and_refuse_with_server_full() {
    let server = InProcess::start_with(|c| {
        c.limits.max_connections = 3;
        c.limits.max_live_sessions = 1;
    })
    .await;
    let a = create_session(&server.http(), "Eerste").await;
    let b = create_session(&server.http(), "Tweede").await;
    let (mut first, _) = Raw::join(&server.ws(), join::projector(&a.code)).await;
    // The one live session is A: a join to B would load a second one.
    let mut other = Raw::connect(&server.ws()).await;
    other.send_json(join::projector(&b.code)).await;
    let e = other.until_type("error").await;
    assert_eq!(e["code"], "server_full");
    assert_eq!(
        other.until_closed().await,
        Some((1013, "server_full".to_string()))
    );
    drop(other);
    let guard = server.server().state.guard.clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while guard.open_connections() > 1 {
        assert!(tokio::time::Instant::now() < deadline, "slot not returned");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Creating a session is refused while none could be loaded.
    let resp = reqwest::Client::new()
        .post(format!("{}/api/sessions", server.http()))
        .json(&json!({"title": "Derde", "organisation": "", "language": "nl", "template": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    assert!(resp.headers().contains_key("retry-after"));
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "server_full"
    );
    // Joining the live session still works; fill the connections up to the cap.
    let (_second, _) = Raw::join(&server.ws(), join::projector(&a.code)).await;
    let _third = Raw::connect(&server.ws()).await;
    let mut fourth = Raw::connect(&server.ws()).await;
    let e = fourth.until_type("error").await;
    assert_eq!(e["code"], "server_full");
    assert_eq!(
        fourth.until_closed().await,
        Some((1013, "server_full".to_string()))
    );
    // The ones inside are not disturbed, and a freed slot can be taken again.
    first.send_json(json!({"type":"ping"})).await;
    first.until_type("pong").await;
    drop(first);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let mut c = Raw::connect(&server.ws()).await;
        c.send_json(json!({"type":"ping"})).await;
        match c.next(Duration::from_secs(5)).await {
            Some(RawEvent::Json(v)) if v["type"] == "pong" => break,
            _ => {}
        }
        assert!(tokio::time::Instant::now() < deadline, "slot not returned");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop().await;
}

/// Threat model (SECURITY.md): the facilitator of one session, or a participant of it, gets
/// nothing of another session with their own secret or resume token — no facilitator join, no
/// report, no history, no secret rotation, no follow-up carrying its results, no resume.
#[tokio::test]
async fn another_sessions_facilitator_secret_and_token_open_nothing() {
    let server = InProcess::start().await;
    let mine = create_session(&server.http(), "Eigen sessie").await;
    let theirs = create_session(&server.http(), "Andere sessie").await;
    let (_p, welcome) = Raw::join(
        &server.ws(),
        join::participant(&mine.code, "Insider", "ict"),
    )
    .await;
    let token = welcome["resume_token"].as_str().unwrap().to_string();
    let mut c = Raw::connect(&server.ws()).await;
    c.send_json(join::facilitator(&theirs.code, &mine.facilitator_secret))
        .await;
    assert_eq!(c.until_type("error").await["code"], "bad_credentials");
    c.send_json(join::resume(&theirs.code, &token)).await;
    assert_eq!(c.until_type("error").await["code"], "bad_credentials");
    let client = reqwest::Client::new();
    let base = format!("{}/api/sessions/{}", server.http(), theirs.code);
    for (method, url) in [
        ("GET", format!("{base}/report/json")),
        ("GET", format!("{base}/history/0")),
        ("POST", format!("{base}/facilitator-secret")),
    ] {
        let req = if method == "GET" {
            client.get(&url)
        } else {
            client.post(&url)
        };
        let resp = req
            .bearer_auth(&mine.facilitator_secret)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 401, "{method} {url}");
        assert_eq!(
            resp.json::<Value>().await.unwrap()["error"]["code"],
            "bad_credentials"
        );
    }
    let resp = client
        .post(format!("{}/api/sessions", server.http()))
        .json(&json!({
            "title": "Vervolg", "organisation": "", "language": "nl",
            "template": "strategic-framework",
            "follows": {"code": theirs.code, "secret": mine.facilitator_secret}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    // Their own session still opens with their own secret.
    let (_fac, w) = Raw::join(
        &server.ws(),
        join::facilitator(&theirs.code, &theirs.facilitator_secret),
    )
    .await;
    assert_eq!(w["role"], "facilitator");
    server.stop().await;
}

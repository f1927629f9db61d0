//! The catalogue of hostile inputs in `tests/data/hostile_inputs.json`, each with its expected
//! outcome: malformed JSON, deep nesting, huge numbers, invalid UTF-8 in binary and text frames,
//! oversized frames, control, bidi and invisible characters in names and texts, very long words,
//! HTML and script in texts, foreign `Host` and `Origin` headers (DNS rebinding), guessing join
//! codes over HTTP, and a full server.
//!
//! Every refusal in the catalogue names the code it must get: a refusal case without an expected
//! code fails the test instead of accepting any code. After a case that does not end the
//! connection, the connection must still work (a ping is answered); a case that ends it names the
//! close code.
//!
//! Case kinds (`when`):
//! - `before_join`, `brainstorm` (joined as a participant in a brainstorm): send `text`,
//!   `raw_text` (bytes of a text frame, valid UTF-8 or not), `text_repeat`, `binary`,
//!   `binary_repeat`, or `intent`;
//! - `join_as`: join as a participant named `name`;
//! - `facilitator`: the session's facilitator sends `intent`;
//! - `http`: an HTTP request (`method`, `path`, `headers`, `body`); `repeat` sends it that many
//!   times and judges the last answer;
//! - `upgrade`: a WebSocket upgrade with `headers`; when it is accepted, join as the projector;
//! - `join_after_http`: one `GET /api/sessions/{code}`, then a WebSocket join;
//! - `second_connection`, `second_session`: one connection or one live session is there already.
//!
//! `server` gives the case a server of its own with these limits (and no facilitator);
//! `hold_projector` keeps a projector connected to the session during the case. In paths, headers and bodies,
//! `{code}` is the session's join code and `{port}` the server's port.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::time::Duration;

use draagvlak_server::Config;
use draagvlak_tests::{InProcess, Raw, RawEvent, create_session, join};
use serde_json::{Value, json};

/// One server and its session.
struct Target {
    server: InProcess,
    code: String,
    secret: String,
}

impl Target {
    async fn start(limits: Option<&Value>) -> Target {
        let limits = limits.cloned().unwrap_or(Value::Null);
        let server = InProcess::start_with(|c: &mut Config| {
            let n = |k: &str| limits[k].as_u64().map(|v| v as usize);
            if let Some(v) = n("max_connections") {
                c.limits.max_connections = v;
            }
            if let Some(v) = n("max_live_sessions") {
                c.limits.max_live_sessions = v;
            }
            if let Some(v) = n("joins_per_minute") {
                c.limits.joins_per_minute = v as u32;
            }
        })
        .await;
        let s = create_session(&server.http(), "Vijandig").await;
        Target {
            server,
            code: s.code,
            secret: s.facilitator_secret,
        }
    }

    fn fill(&self, text: &str) -> String {
        text.replace("{code}", &self.code)
            .replace("{port}", &self.server.addr.port().to_string())
    }
}

/// What a case got: a WebSocket answer (and the close, if the connection ended), or an HTTP
/// answer.
enum Got {
    Ws {
        answer: Value,
        close: Option<Option<(u16, String)>>,
        conn: Option<Box<Raw>>,
    },
    Http {
        status: u16,
        code: String,
        retry_after: bool,
    },
}

/// Read until an answer (`error`, `reject`, `ack`, `welcome`), then, when `closes`, until the
/// close.
async fn answer(mut c: Raw, closes: bool) -> Got {
    let answer = loop {
        match c.next(Duration::from_secs(10)).await {
            Some(RawEvent::Json(v))
                if ["error", "reject", "ack", "welcome"]
                    .contains(&v["type"].as_str().unwrap_or("")) =>
            {
                break v;
            }
            Some(RawEvent::Json(_)) => {}
            Some(RawEvent::Closed(close)) => {
                return Got::Ws {
                    answer: json!({"type": "closed"}),
                    close: Some(close),
                    conn: None,
                };
            }
            None => panic!("no answer within 10 s"),
        }
    };
    if closes {
        let close = loop {
            match c.next(Duration::from_secs(10)).await {
                Some(RawEvent::Closed(close)) => break close,
                Some(RawEvent::Json(_)) => {}
                None => panic!("the connection did not close"),
            }
        };
        Got::Ws {
            answer,
            close: Some(close),
            conn: None,
        }
    } else {
        Got::Ws {
            answer,
            close: None,
            conn: Some(Box::new(c)),
        }
    }
}

async fn http(t: &Target, case: &Value) -> Got {
    let client = reqwest::Client::new();
    let method = case["method"].as_str().unwrap_or("GET");
    let url = format!(
        "{}{}",
        t.server.http(),
        t.fill(case["path"].as_str().unwrap())
    );
    let mut last = None;
    for _ in 0..case["repeat"].as_u64().unwrap_or(1) {
        let mut req = client.request(method.parse().unwrap(), &url);
        for (name, value) in case["headers"].as_object().into_iter().flatten() {
            req = req.header(name.as_str(), t.fill(value.as_str().unwrap()));
        }
        if let Some(body) = case.get("body") {
            req = req.json(&serde_json::from_str::<Value>(&t.fill(&body.to_string())).unwrap());
        }
        last = Some(req.send().await.unwrap());
    }
    let resp = last.unwrap();
    let status = resp.status().as_u16();
    let retry_after = resp.headers().contains_key("retry-after");
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    Got::Http {
        status,
        code: body["error"]["code"].as_str().unwrap_or("").to_string(),
        retry_after,
    }
}

async fn run(t: &Target, fac: Option<&mut Raw>, i: usize, case: &Value) -> Got {
    let ws = t.server.ws();
    // `hold_projector`: a projector is connected during the case (the session is live).
    let _projector = match case["hold_projector"].as_bool() {
        Some(true) => Some(Raw::join(&ws, join::projector(&t.code)).await),
        _ => None,
    };
    let closes = case["expect"].get("close").is_some();
    let when = case["when"].as_str().unwrap();
    match when {
        "http" => return http(t, case).await,
        "upgrade" => {
            let headers: Vec<(String, String)> = case["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), t.fill(v.as_str().unwrap())))
                .collect();
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            return match Raw::connect_with(&ws, &headers).await {
                Err((status, code)) => Got::Http {
                    status,
                    code,
                    retry_after: false,
                },
                Ok(mut c) => {
                    c.send_json(join::projector(&t.code)).await;
                    answer(c, closes).await
                }
            };
        }
        "join_after_http" => {
            let _ = reqwest::get(format!("{}/api/sessions/{}", t.server.http(), t.code)).await;
            let mut c = Raw::connect(&ws).await;
            c.send_json(join::projector(&t.code)).await;
            return answer(c, closes).await;
        }
        "second_connection" => {
            let (_first, _) = Raw::join(&ws, join::projector(&t.code)).await;
            let c = Raw::connect(&ws).await;
            return answer(c, closes).await;
        }
        "second_session" => {
            let other = create_session(&t.server.http(), "Nog een").await;
            let (_first, _) = Raw::join(&ws, join::projector(&t.code)).await;
            let mut c = Raw::connect(&ws).await;
            c.send_json(join::projector(&other.code)).await;
            return answer(c, closes).await;
        }
        "facilitator" => {
            let id = format!("hostile-{i}");
            let fac = fac.expect("facilitator cases run on the main server");
            let reply = fac.act(&id, case["intent"].clone()).await;
            return Got::Ws {
                answer: reply,
                close: None,
                conn: None,
            };
        }
        _ => {}
    }
    let mut c = Raw::connect(&ws).await;
    if when == "brainstorm" {
        c.send_json(join::participant(&t.code, &format!("Tester {i}"), "ict"))
            .await;
        c.until_type("me").await;
    }
    if when == "join_as" {
        c.send_json(join::participant(
            &t.code,
            case["name"].as_str().unwrap(),
            "business",
        ))
        .await;
    } else if let Some(text) = case["text"].as_str() {
        c.send_text(text).await;
    } else if let Some(bytes) = case["raw_text"].as_array() {
        c.send_raw_text(bytes.iter().map(|b| b.as_u64().unwrap() as u8).collect())
            .await;
    } else if let Some(r) = case.get("text_repeat") {
        let unit = r["text"].as_str().unwrap();
        c.send_text(unit.repeat(r["times"].as_u64().unwrap() as usize))
            .await;
    } else if let Some(bytes) = case["binary"].as_array() {
        c.send_binary(bytes.iter().map(|b| b.as_u64().unwrap() as u8).collect())
            .await;
    } else if let Some(r) = case.get("binary_repeat") {
        let byte = r["byte"].as_u64().unwrap() as u8;
        c.send_binary(vec![byte; r["times"].as_u64().unwrap() as usize])
            .await;
    } else {
        let id = case["intent_id"].as_str().unwrap_or("hostile");
        c.intent(id, case["intent"].clone()).await;
    }
    answer(c, closes).await
}

/// Compare what a case got with what it expects; `Err` says what differs.
async fn judge(case: &Value, got: Got) -> Result<(), String> {
    let expect = &case["expect"];
    let want = expect["type"].as_str().unwrap_or("");
    let refusal = ["error", "reject"].contains(&want)
        || (want == "http" && expect["status"].as_u64().unwrap_or(0) >= 400);
    if refusal && expect.get("code").is_none() {
        return Err("a refusal without an expected code".into());
    }
    match got {
        Got::Http {
            status,
            code,
            retry_after,
        } => {
            let ok = want == "http"
                && expect["status"].as_u64() == Some(status.into())
                && expect.get("code").is_none_or(|c| c == code.as_str())
                && (expect.get("retry_after").is_none() || retry_after);
            if !ok {
                return Err(format!(
                    "expected {expect}, got HTTP {status} {code:?} (Retry-After: {retry_after})"
                ));
            }
            Ok(())
        }
        Got::Ws {
            answer,
            close,
            conn,
        } => {
            let ok = answer["type"] == want
                && expect
                    .get("code")
                    .is_none_or(|code| answer["code"] == *code)
                && expect
                    .get("name")
                    .is_none_or(|n| answer["participant"]["name"] == *n);
            if !ok {
                return Err(format!("expected {expect}, got {answer}"));
            }
            if let Some(want_close) = expect.get("close") {
                let want_close = want_close.as_u64().map(|c| c as u16);
                let got_close = close.flatten();
                if got_close.as_ref().map(|c| c.0) != want_close
                    || got_close.as_ref().map(|c| c.1.as_str()) != expect["code"].as_str()
                {
                    return Err(format!(
                        "expected close {want_close:?} {}, got {got_close:?}",
                        expect["code"]
                    ));
                }
                return Ok(());
            }
            let Some(mut c) = conn else {
                return Ok(());
            };
            if let Some(text) = expect.get("text") {
                // Stored verbatim: the view carries exactly the text sent.
                let created = answer["created"].as_str().unwrap().to_string();
                let view = c.snapshot().await;
                if view["statements"][&created]["text"] != *text {
                    return Err(format!(
                        "stored as {}",
                        view["statements"][&created]["text"]
                    ));
                }
            }
            // The connection still works.
            c.send_json(json!({"type":"ping"})).await;
            c.until_type("pong").await;
            Ok(())
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_input_gets_its_expected_answer() {
    let catalogue: Value =
        serde_json::from_str(include_str!("../data/hostile_inputs.json")).unwrap();
    let cases = catalogue["cases"].as_array().unwrap();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let main = Target::start(None).await;
    let (mut fac, _) = Raw::join(
        &main.server.ws(),
        join::facilitator(&main.code, &main.secret),
    )
    .await;
    fac.ok("f1", json!({"kind":"next_phase"})).await; // brainstorm
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let got = match case.get("server") {
            Some(limits) => {
                // No facilitator here: it would take a connection, a join and a live session.
                let own = Target::start(Some(limits)).await;
                let got = run(&own, None, i, case).await;
                let verdict = judge(case, got).await;
                own.server.stop().await;
                if let Err(e) = verdict {
                    failures.push(format!("{name}: {e}"));
                }
                continue;
            }
            None => run(&main, Some(&mut fac), i, case).await,
        };
        if let Err(e) = judge(case, got).await {
            failures.push(format!("{name}: {e}"));
        }
    }
    // And the session is unharmed.
    fac.ok("f2", json!({"kind":"next_phase"})).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    main.server.stop().await;
}

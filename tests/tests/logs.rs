//! Logs: `--log-format json` writes one JSON object per line, with the connection and session
//! ids as span fields; and a whole small workshop, logged at debug (trace for the server's own
//! code), leaves no secret, token, name or typed text in the log.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::process::Stdio;

use draagvlak_tests::{Process, Raw, join};
use serde_json::{Value, json};

const OPERATOR_TOKEN: &str = "operator-OTTER-token-5519";
const NAME: &str = "Naam-KRAANVOGEL-2231";
const STATEMENT: &str = "Uitspraak-ZEEKOET-8812";
const EDITED: &str = "Bewerkt-MEERKOET-4417";
const CLUSTER: &str = "Cluster-FUUT-6604";
const RULE: &str = "Vuistregel-LEPELAAR-3390";
const REASON: &str = "Reden-GRUTTO-7710";
const WRONG_SECRET: &str = "wrong-secret-KIEVIT-1234";
const DEVICE: &str = "device-id-TURELUUR-9981";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workshop_logs_ids_but_no_secret_token_name_or_text() {
    let data = tempfile::tempdir().unwrap();
    let log_path = data.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = Process::start_with(
        env!("CARGO_BIN_EXE_draagvlak-test-server"),
        &data.path().join("db"),
        &[
            "--log",
            "debug,draagvlak_server=trace",
            "--log-format",
            "json",
            "--operator-token",
            OPERATOR_TOKEN,
        ],
        Stdio::from(log),
    );
    let http = server.http();
    let ws = server.ws();
    let client = reqwest::Client::new();

    // Create a session with the operator token; the facilitator secret comes back.
    let created: Value = client
        .post(format!("{http}/api/sessions"))
        .bearer_auth(OPERATOR_TOKEN)
        .json(&json!({"title": "Logboek"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = created["code"].as_str().unwrap().to_string();
    let secret = created["facilitator_secret"].as_str().unwrap().to_string();

    let (mut fac, _) = Raw::join(&ws, join::facilitator(&code, &secret)).await;
    let mut with_device = join::participant(&code, NAME, "ict");
    with_device["device"] = json!(DEVICE);
    let (mut p, welcome) = Raw::join(&ws, with_device).await;
    let token = welcome["resume_token"].as_str().unwrap().to_string();
    // A refused join with a wrong secret, and a refused intent with text in it.
    let (mut bad, _) = (Raw::connect(&ws).await, ());
    bad.send_json(join::facilitator(&code, WRONG_SECRET)).await;
    assert_eq!(bad.until_type("error").await["code"], "bad_credentials");
    let v = p
        .act("early", json!({"kind":"add_statement","text":STATEMENT}))
        .await;
    assert_eq!(v["code"], "wrong_phase");

    // Brainstorm, cluster, vote, rules: every kind of typed text.
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    let st = p
        .ok("s1", json!({"kind":"add_statement","text":STATEMENT}))
        .await["created"]
        .as_str()
        .unwrap()
        .to_string();
    let ack = p
        .ok("s2", json!({"kind":"add_statement","text":"tweede"}))
        .await;
    let st2 = ack["created"].as_str().unwrap().to_string();
    p.ok(
        "s3",
        json!({"kind":"edit_statement","statement":st2,"rev":ack["rev"],
               "pos":0,"delete":0,"insert":EDITED}),
    )
    .await;
    fac.ok("f2", json!({"kind":"next_phase"})).await;
    fac.ok(
        "f3",
        json!({"kind":"create_cluster","statements":[st, st2],"title":CLUSTER}),
    )
    .await;
    fac.ok("f4", json!({"kind":"next_phase"})).await;
    fac.ok("f5", json!({"kind":"next_phase"})).await;
    let rule = p.ok("r1", json!({"kind":"propose_rule","text":RULE})).await["created"]
        .as_str()
        .unwrap()
        .to_string();
    p.ok(
        "r2",
        json!({"kind":"rate_rule","rule":rule,"score":1,"reason":REASON}),
    )
    .await;
    // The participant comes back with the resume token; the facilitator reads the report.
    drop(p);
    let (mut again, _) = Raw::join(&ws, join::resume(&code, &token)).await;
    again.snapshot().await;
    let report = draagvlak_tests::report(&http, &code, &secret, "md").await;
    assert!(report.contains(RULE));
    drop((fac, again, bad));
    assert!(server.terminate().success());

    let log = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.len() > 20, "too little logged to mean anything");
    // Connection and session ids are span fields of what a connection logs.
    let in_conn_span = lines.iter().any(|l| {
        l["spans"].as_array().is_some_and(|spans| {
            spans
                .iter()
                .any(|s| s["name"] == "conn" && s["conn"].is_u64() && s["session"].is_string())
        })
    });
    assert!(
        in_conn_span,
        "no line carries the conn span with its session"
    );
    let in_session_span = lines
        .iter()
        .any(|l| l["span"]["name"] == "session" && l["span"]["session"].is_string());
    assert!(in_session_span, "no line carries the session span");
    for (what, needle) in [
        ("operator token", OPERATOR_TOKEN),
        ("facilitator secret", secret.as_str()),
        ("wrong secret", WRONG_SECRET),
        ("resume token", token.as_str()),
        ("name", NAME),
        ("device id", DEVICE),
        ("statement", STATEMENT),
        ("edited statement", EDITED),
        ("cluster title", CLUSTER),
        ("rule", RULE),
        ("reason", REASON),
    ] {
        let hit = log.lines().find(|l| l.contains(needle));
        assert!(
            hit.is_none(),
            "the {what} was logged: {}",
            hit.unwrap_or("")
        );
    }
}

/// `--help` names the variables but never shows the operator token or the database password
/// taken from them.
#[test]
fn help_shows_no_secret_from_the_environment() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_draagvlak-test-server"))
        .arg("--help")
        .env("DRAAGVLAK_OPERATOR_TOKEN", OPERATOR_TOKEN)
        .env(
            "DRAAGVLAK_DATABASE_URL",
            "postgres://u:wachtwoord-REIGER-5150@127.0.0.1:1/x",
        )
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("DRAAGVLAK_OPERATOR_TOKEN"), "{help}");
    assert!(!help.contains(OPERATOR_TOKEN), "{help}");
    assert!(!help.contains("REIGER"), "{help}");
}

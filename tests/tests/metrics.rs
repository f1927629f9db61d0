//! `/metrics`: scraped during a small workshop (joins of every role, intents, a refused intent,
//! a failing store), the figures move as they should; the endpoint is behind the operator token
//! on the main address, and only on the separate address when `--metrics-listen` is set.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use draagvlak_tests::{InProcess, Raw, create_session, join};
use serde_json::json;

/// The samples of a scrape: `name{labels}` -> value.
async fn scrape(url: &str) -> HashMap<String, f64> {
    let resp = reqwest::get(url).await.expect("GET /metrics");
    assert_eq!(resp.status().as_u16(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    parse(&resp.text().await.unwrap())
}

fn parse(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (name, value) = l.rsplit_once(' ').expect("sample line");
            (name.to_string(), value.parse().expect("a number"))
        })
        .collect()
}

fn get(samples: &HashMap<String, f64>, name: &str) -> f64 {
    *samples
        .get(name)
        .unwrap_or_else(|| panic!("no sample {name} in {samples:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_figures_move_during_a_small_workshop() {
    let server = InProcess::start_with(|c| {
        c.metrics_listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    })
    .await;
    let metrics_addr = server.server().metrics_addr.expect("metrics address bound");
    let url = format!("http://{metrics_addr}/metrics");
    // On its own address the main one does not serve it.
    let main = reqwest::get(format!("{}/metrics", server.http()))
        .await
        .unwrap();
    assert_eq!(main.status().as_u16(), 404);

    let before = scrape(&url).await;
    assert_eq!(get(&before, "draagvlak_sessions_loaded"), 0.0);
    assert_eq!(get(&before, "draagvlak_intents_acked_total"), 0.0);
    assert_eq!(
        get(&before, "draagvlak_connections{role=\"participant\"}"),
        0.0
    );

    let s = create_session(&server.http(), "Metrics").await;
    let ws = server.ws();
    let (mut fac, _) = Raw::join(&ws, join::facilitator(&s.code, &s.facilitator_secret)).await;
    let (projector, _) = Raw::join(&ws, join::projector(&s.code)).await;
    let mut people = Vec::new();
    for p in 0..3 {
        let (c, _) = Raw::join(&ws, join::participant(&s.code, &format!("P{p}"), "ict")).await;
        people.push(c);
    }
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    for (p, c) in people.iter_mut().enumerate() {
        c.ok(
            &format!("s{p}"),
            json!({"kind":"add_statement","text":format!("statement {p}")}),
        )
        .await;
    }
    // A participant may not steer the phases.
    let refused = people[0].act("bad", json!({"kind":"next_phase"})).await;
    assert_eq!(refused["code"], "forbidden");

    let during = scrape(&url).await;
    assert_eq!(get(&during, "draagvlak_sessions_loaded"), 1.0);
    assert_eq!(
        get(&during, "draagvlak_connections{role=\"participant\"}"),
        3.0
    );
    assert_eq!(
        get(&during, "draagvlak_connections{role=\"facilitator\"}"),
        1.0
    );
    assert_eq!(
        get(&during, "draagvlak_connections{role=\"projector\"}"),
        1.0
    );
    assert_eq!(get(&during, "draagvlak_websockets_open"), 5.0);
    assert_eq!(get(&during, "draagvlak_intents_acked_total"), 4.0);
    assert_eq!(
        get(
            &during,
            "draagvlak_intents_refused_total{code=\"forbidden\"}"
        ),
        1.0
    );
    // Every reply was timed: four acks and the reject.
    assert_eq!(get(&during, "draagvlak_ack_latency_seconds_count"), 5.0);
    assert!(get(&during, "draagvlak_ack_latency_seconds_sum") > 0.0);
    assert!(get(&during, "draagvlak_tick_seconds_count") >= 5.0);
    assert!(get(&during, "draagvlak_session_mailbox_depth_count") >= 5.0);
    assert!(get(&during, "draagvlak_fan_out_seconds_count") >= 2.0);
    assert!(get(&during, "draagvlak_outbound_queue_depth_count") >= 10.0);
    assert!(get(&during, "draagvlak_store_commit_seconds_count{op=\"tick\"}") >= 4.0);
    assert_eq!(
        get(
            &during,
            "draagvlak_store_commit_failures_total{op=\"tick\"}"
        ),
        0.0
    );
    assert_eq!(
        get(
            &during,
            "draagvlak_slow_consumers_total{outcome=\"resync\"}"
        ),
        0.0
    );

    // A failing store: the commit failure and the refusal are counted.
    server
        .server()
        .state
        .store
        .fail_writes_for(Some(s.id.as_str()));
    let failed = people[1]
        .act("s-fail", json!({"kind":"add_statement","text":"lost"}))
        .await;
    assert_eq!(failed["code"], "storage_failed");
    server.server().state.store.fail_writes_for(None);
    let after = scrape(&url).await;
    assert_eq!(
        get(&after, "draagvlak_store_commit_failures_total{op=\"tick\"}"),
        1.0
    );
    assert_eq!(
        get(
            &after,
            "draagvlak_intents_refused_total{code=\"storage_failed\"}"
        ),
        1.0
    );

    // Everyone leaves: the connection gauges go back to zero (the sockets close first; each
    // session connection goes when the actor has handled its leaving).
    drop(people);
    drop(fac);
    drop(projector);
    let gauges = [
        "draagvlak_websockets_open".to_string(),
        "draagvlak_connections{role=\"facilitator\"}".to_string(),
        "draagvlak_connections{role=\"participant\"}".to_string(),
        "draagvlak_connections{role=\"projector\"}".to_string(),
    ];
    let mut left = HashMap::new();
    for _ in 0..200 {
        left = scrape(&url).await;
        if gauges.iter().all(|g| get(&left, g) == 0.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(get(&left, "draagvlak_websockets_open"), 0.0);
    for role in ["facilitator", "participant", "projector"] {
        assert_eq!(
            get(&left, &format!("draagvlak_connections{{role=\"{role}\"}}")),
            0.0,
            "{role}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn the_main_address_serves_metrics_only_with_the_operator_token() {
    const TOKEN: &str = "operator-token-for-metrics";
    let server = InProcess::start_with(|c| c.operator_token = Some(TOKEN.into())).await;
    let url = format!("{}/metrics", server.http());
    let client = reqwest::Client::new();
    let none = client.get(&url).send().await.unwrap();
    assert_eq!(none.status().as_u16(), 401);
    let body: serde_json::Value = none.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    let wrong = client
        .get(&url)
        .bearer_auth("operator-token-for-metricz")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let right = client.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(right.status().as_u16(), 200);
    let samples = parse(&right.text().await.unwrap());
    assert_eq!(get(&samples, "draagvlak_sessions_loaded"), 0.0);
    server.stop().await;
}

/// Every metric the Grafana dashboard (deploy/grafana/draagvlak.json) queries exists, so a
/// renamed metric cannot leave a panel silently empty.
#[test]
fn the_grafana_dashboard_queries_only_metrics_the_server_has() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../deploy/grafana/draagvlak.json"
    );
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // Families with labels appear once they have a value: one refusal gives the last one.
    let metrics = draagvlak_server::metrics::Metrics::new();
    let reject = draagvlak_protocol::ServerMessage::Reject {
        id: "x".into(),
        code: draagvlak_protocol::ErrorCode::Forbidden,
        message: String::new(),
    };
    metrics
        .conn()
        .frame_out(&serde_json::to_string(&reject).unwrap(), 0);
    let exposed = parse(&metrics.render(0));
    let families: Vec<String> = exposed
        .keys()
        .map(|k| k.split('{').next().unwrap().to_string())
        .collect();
    let mut queried = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for (at, _) in expr.match_indices("draagvlak_") {
                let name: String = expr[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    families.contains(&name),
                    "panel {:?} queries {name}, which the server does not expose",
                    panel["title"]
                );
                queried += 1;
            }
        }
    }
    assert!(queried >= 11, "the dashboard queries {queried} metrics");
}

//! `/api/openapi.json` against the router: the description is valid JSON of OpenAPI 3.1; every
//! route of the router that is part of the API (`/api/…`, health, metrics, `/ws`) is described
//! with its methods; and every described operation is answered by a route (not the router's
//! 404 or 405 fallback).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::BTreeSet;

use draagvlak_tests::{InProcess, create_session};
use serde_json::Value;

/// (method, path) of every route in `server/src/http/router.rs`, read from its source.
fn router_routes() -> BTreeSet<(String, String)> {
    let source = include_str!("../../server/src/http/router.rs");
    let start = source.find("pub fn router(").unwrap();
    let end = start + source[start..].find(".fallback(").unwrap();
    let mut routes = BTreeSet::new();
    for part in source[start..end].split(".route(").skip(1) {
        let path = part.split('"').nth(1).unwrap().to_string();
        for (token, method) in [
            ("get(", "get"),
            ("post(", "post"),
            ("delete(", "delete"),
            ("put(", "put"),
            ("patch(", "patch"),
            ("any(", "get"),
        ] {
            let found = part
                .match_indices(token)
                .any(|(i, _)| i == 0 || !part.as_bytes()[i - 1].is_ascii_alphanumeric());
            if found {
                routes.insert((method.to_string(), path.clone()));
            }
        }
    }
    routes
}

fn api_route(path: &str) -> bool {
    path.starts_with("/api/") || ["/healthz", "/readyz", "/metrics", "/ws"].contains(&path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_description_matches_the_routes() {
    let server = InProcess::start().await;
    let http = server.http();
    let resp = reqwest::get(format!("{http}/api/openapi.json"))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let doc: Value = resp.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));

    let mut described = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            described.insert((method.clone(), path.clone()));
        }
    }
    let routes = router_routes();
    assert!(routes.len() > 10, "router routes not found: {routes:?}");
    let undescribed: Vec<_> = routes
        .iter()
        .filter(|(_, path)| api_route(path))
        .filter(|r| !described.contains(*r))
        .collect();
    assert!(
        undescribed.is_empty(),
        "routes without a description: {undescribed:?}"
    );
    let unrouted: Vec<_> = described.iter().filter(|r| !routes.contains(*r)).collect();
    assert!(
        unrouted.is_empty(),
        "described but not routed: {unrouted:?}"
    );

    // Every described operation reaches a handler: not the fallback's 404 `no such endpoint`,
    // not 405.
    let s = create_session(&http, "OpenAPI").await;
    let client = reqwest::Client::new();
    for (method, path) in &described {
        let url = format!(
            "{http}{}",
            path.replace("{code}", &s.code)
                .replace("{format}", "md")
                .replace("{phase}", "0")
        );
        let request = match method.as_str() {
            "get" => client.get(&url),
            "post" => client.post(&url).json(&serde_json::json!({"title": "x"})),
            "delete" => client.delete(&url),
            "put" => client.put(&url).body(Vec::<u8>::new()),
            other => panic!("unexpected method {other}"),
        };
        let resp = request.send().await.unwrap();
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        assert_ne!(status, 405, "{method} {path}: {body}");
        assert!(
            !(status == 404 && body.contains("no such endpoint")),
            "{method} {path} is not routed: {body}"
        );
    }
    server.stop().await;
}

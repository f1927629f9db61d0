//! Reports: a golden test of the Markdown and JSON reports of a scripted workshop (compared with
//! committed files; `UPDATE_GOLDEN=1` rewrites them), the facilitator's download over HTTP, and
//! the command that writes a report from the data directory without a running server.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::PathBuf;

use draagvlak_server::report;
use draagvlak_server::session::workshop::{Meta, Workshop};
use draagvlak_server::session::{demo, template};
use draagvlak_tests::{InProcess, Raw, create_session, join};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_draagvlak-test-server");

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data/golden")
        .join(name)
}

fn compare(name: &str, actual: &str) {
    let path = golden(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create)",
            path.display()
        )
    });
    assert_eq!(actual, expected, "{name} differs from the committed file");
}

#[test]
fn scripted_workshop_reports_match_the_golden_files() {
    let meta = Meta {
        id: "0000000000000000".into(),
        code: "GOLDEN".into(),
        title: "ICT-strategie 2027".into(),
        organisation: "Gemeente Zaanstad".into(),
        language: "nl".into(),
        template: "strategic-framework".into(),
    };
    let phases = template::phases("strategic-framework").unwrap();
    let mut ws = Workshop::create(meta, &template::DEFAULT_GROUPS, &phases).unwrap();
    // The demo script: six people, two levels voted and rated (revealed), the third in
    // brainstorm; its clock starts at a fixed time, so the timeline is fixed too.
    demo::fill(&mut ws, "nl", 1_803_974_400_000).unwrap(); // 2027-03-02 08:00 UTC
    let r = report::build(ws.state());
    assert_eq!(
        r.levels[0].priorities[0].dots,
        Some(12),
        "the favourite of all six"
    );
    assert!(
        r.levels[2].priorities.iter().all(|p| p.dots.is_none()),
        "not revealed"
    );
    compare("report.md", &report::markdown(&r));
    compare("report.json", &report::json(&r).unwrap());
    let csv = report::csv(&r).unwrap();
    assert!(csv.starts_with(
        "kind,level,rank,text,dots,status,round,raters,support,support_business,support_ict,gap\n"
    ));
    assert!(
        csv.contains(",adopted,1,6,"),
        "rules carry the facilitator's decision"
    );
    // An adopted rule whose groups differ strongly is marked; one sent back is not.
    let first = &r.levels[0].rules;
    assert!(!first[0].adopted_with_large_gap && first[1].adopted_with_large_gap);
    assert!(!r.levels[1].rules[1].adopted_with_large_gap);
    assert_eq!(r.levels[0].rules[0].anchors.len(), 1);
    assert_eq!(csv.lines().count(), 1 + 12 + 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_facilitator_downloads_reports_and_the_cli_writes_them_offline() {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Rapportage").await;
    let (mut fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&s.code, &s.facilitator_secret),
    )
    .await;
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    let (mut anna, _) = Raw::join(&server.ws(), join::participant(&s.code, "Anna", "ict")).await;
    anna.ok(
        "a1",
        json!({"kind":"add_statement","text":"<script>alert(1)</script> | eerlijk"}),
    )
    .await;
    fac.ok("f2", json!({"kind":"go_to_phase","index":3})).await;
    anna.ok("a2", json!({"kind":"place_dot","statement":"s2"}))
        .await;
    fac.ok("f3", json!({"kind":"reveal_votes"})).await;

    let client = reqwest::Client::new();
    let url = |f: &str| format!("{}/api/sessions/{}/report/{f}", server.http(), s.code);
    let resp = client.get(url("md")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401, "only for the facilitator");
    let resp = client
        .get(url("pdf"))
        .bearer_auth(&s.facilitator_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let resp = client
        .get(url("md"))
        .bearer_auth(&s.facilitator_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".md")
    );
    let md = resp.text().await.unwrap();
    assert!(
        md.contains("| 1 | <script>alert(1)</script> \\| eerlijk | 1 |"),
        "{md}"
    );
    let resp = client
        .get(url("html"))
        .bearer_auth(&s.facilitator_secret)
        .send()
        .await
        .unwrap();
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    let html = resp.text().await.unwrap();
    assert!(!html.contains("<script>"), "user text is escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("<svg class=\"bar\""));
    let data = server.stop().await;

    // Offline, from the data directory.
    let out = tokio::task::spawn_blocking({
        let dir = data.path().to_path_buf();
        let code = s.code.clone();
        move || {
            std::process::Command::new(BIN)
                .args(["report", "--code", &code, "--format", "json", "--data-dir"])
                .arg(dir)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["title"], "Rapportage");
    assert_eq!(report["levels"][0]["priorities"][0]["dots"], 1);
    assert_eq!(report["timeline"].as_array().unwrap().len(), 2);
}

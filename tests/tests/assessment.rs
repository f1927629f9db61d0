//! The maturity self-assessment over the wire (issue 19, item 1): an intake with three groups,
//! scored on phones at the same time, secret in every frame until the reveal, then the means per
//! dimension and group on every screen and in the reports.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::time::Duration;

use draagvlak_tests::{InProcess, Raw, RawEvent, docx, join, post_json, report, report_bytes};
use serde_json::{Value, json};

/// Every message that arrives until the connection has been quiet for a moment.
async fn drain(c: &mut Raw) -> Vec<Value> {
    let mut out = Vec::new();
    while let Some(RawEvent::Json(v)) = c.next(Duration::from_millis(400)).await {
        out.push(v);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intake_is_scored_secretly_and_revealed_per_dimension_and_group() {
    let server = InProcess::start().await;
    let sessions = format!("{}/api/sessions", server.http());
    let (_, created) = post_json(
        &sessions,
        &json!({"title": "Intake", "template": "intake", "groups": ["ICT", "Beleid", "Raad"]}),
    )
    .await;
    let code = created["code"].as_str().unwrap().to_string();
    let secret = created["facilitator_secret"].as_str().unwrap().to_string();
    let ws = server.ws();
    let (mut fac, _) = Raw::join(&ws, join::facilitator(&code, &secret)).await;
    let (mut projector, _) = Raw::join(&ws, join::projector(&code)).await;
    let mut people = Vec::new();
    let mut tokens = Vec::new();
    for (name, group) in [("Anna", "ict"), ("Bram", "Beleid"), ("Carla", "Raad")] {
        let (c, welcome) = Raw::join(&ws, join::participant(&code, name, group)).await;
        people.push(c);
        tokens.push(welcome["resume_token"].as_str().unwrap().to_string());
    }
    let view = fac.snapshot().await;
    let dims = view["assessment"]["dimensions"].as_array().unwrap().clone();
    assert_eq!(dims.len(), 6);
    assert_eq!(dims[0]["title"]["nl"], "Strategie en sturing");
    // Not yet: the lobby.
    let early = people[0]
        .act(
            "a0",
            json!({"kind": "assess", "statement": "strategy.1", "score": 3}),
        )
        .await;
    assert_eq!(early["code"], "wrong_phase", "{early}");
    fac.ok("f1", json!({"kind": "go_to_phase", "index": 1}))
        .await;

    // Everyone scores the first dimension at the same time: ICT high, Beleid middling, the
    // council low with one "don't know".
    let scores = [[5, 4, 5], [3, 3, 4], [1, 2, 0]];
    let tasks = people.into_iter().enumerate().map(|(i, mut c)| async move {
        for (j, score) in scores[i].iter().enumerate() {
            let score = if *score == 0 { Value::Null } else { json!(score) };
            c.ok(
                &format!("p{i}-{j}"),
                json!({"kind": "assess", "statement": format!("strategy.{}", j + 1), "score": score}),
            )
            .await;
        }
        c
    });
    let mut people = futures_util::future::join_all(tasks).await;
    // Each sees their own scores; no frame to anyone holds results or others' scores.
    let mut frames = drain(&mut projector).await;
    frames.extend(drain(&mut fac).await);
    frames.extend(drain(&mut people[1]).await);
    // Carla on a second device: her own scores come with her private part.
    let (mut again, _) = Raw::join(&ws, join::resume(&code, &tokens[2])).await;
    let mine = drain(&mut again).await;
    for f in frames.iter().chain(&mine) {
        let text = f.to_string();
        assert!(
            !text.contains("\"results\""),
            "no results before the reveal: {text}"
        );
        assert!(!text.contains("\"by_group\""), "{text}");
    }
    let me = mine.iter().rev().find(|f| f["type"] == "me").unwrap();
    assert_eq!(
        me["me"]["assessment"],
        json!({"strategy.1": 1, "strategy.2": 2, "strategy.3": null})
    );
    let view = projector.snapshot().await;
    assert_eq!(view["assessment"]["respondents"], 3);
    assert_eq!(view["assessment"]["complete"], 0, "nobody did all eighteen");
    assert!(view["assessment"].get("results").is_none());

    fac.ok("f2", json!({"kind": "reveal_votes"})).await;
    let view = projector.snapshot().await;
    let strategy = &view["assessment"]["results"][0];
    assert_eq!(strategy["id"], "strategy");
    assert_eq!(
        strategy["overall"], 3.38,
        "5 + 4 + 5 + 3 + 3 + 4 + 1 + 2 = 27 over 8"
    );
    assert_eq!(
        strategy["by_group"],
        json!({"ict": 4.67, "Beleid": 3.33, "Raad": 1.5})
    );
    assert_eq!(strategy["gap"], 3.17);
    assert_eq!(strategy["dont_know"], 1);
    let late = people[0]
        .act(
            "a9",
            json!({"kind": "assess", "statement": "strategy.1", "score": 1}),
        )
        .await;
    assert_eq!(late["code"], "vote_closed");

    let md = report(&server.http(), &code, &secret, "md").await;
    assert!(
        md.contains("## Zelfevaluatie: digitale volwassenheid"),
        "{md}"
    );
    assert!(
        md.contains("ingevuld door 3 deelnemers (0 volledig)"),
        "{md}"
    );
    assert!(
        md.contains("| Strategie en sturing | 3,4 | 4,7 | 3,3 | 1,5 | 3,2 | 1 |"),
        "{md}"
    );
    let html = report(&server.http(), &code, &secret, "html").await;
    assert!(html.contains("Zelfevaluatie: digitale volwassenheid"));
    assert!(html.contains("Strategie en sturing"));

    // A year later: the follow-up takes the assessment again and puts then next to now.
    let (_, follow_up) = post_json(
        &sessions,
        &json!({"title": "Een jaar later", "follows": {"code": code, "secret": secret}}),
    )
    .await;
    let code2 = follow_up["code"].as_str().unwrap().to_string();
    let secret2 = follow_up["facilitator_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let (mut fac2, _) = Raw::join(&ws, join::facilitator(&code2, &secret2)).await;
    let view = fac2.snapshot().await;
    let kinds: Vec<&str> = view["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["lobby", "review", "assessment", "summary"]);
    assert_eq!(view["assessment"]["then"][0]["overall"], 3.38);
    let (mut dirk, _) = Raw::join(&ws, join::participant(&code2, "Dirk", "Raad")).await;
    fac2.ok("g1", json!({"kind": "go_to_phase", "index": 2}))
        .await;
    dirk.ok(
        "d1",
        json!({"kind": "assess", "statement": "strategy.1", "score": 4}),
    )
    .await;
    fac2.ok("g2", json!({"kind": "reveal_votes"})).await;
    let md = report(&server.http(), &code2, &secret2, "md").await;
    assert!(
        md.contains("| onderdeel | gemiddeld toen | gemiddeld nu | ICT toen | ICT nu | Beleid toen | Beleid nu | Raad toen | Raad nu | verschil | weet niet |"),
        "{md}"
    );
    assert!(
        md.contains("| Strategie en sturing | 3,4 | 4,0 | 4,7 | – | 3,3 | – | 1,5 | 4,0 | – | 0 |"),
        "{md}"
    );
    // The policy note has the same table under its own heading.
    let bytes = report_bytes(&server.http(), &code2, &secret2, "docx").await;
    let note = docx::read(&bytes);
    let section = note.section("Zelfevaluatie: digitale volwassenheid");
    let table = docx::tables(section)[0];
    assert_eq!(table[0][0], "onderdeel");
    assert_eq!(table[0][1], "gemiddeld toen");
    assert_eq!(
        table[1],
        [
            "Strategie en sturing",
            "3,4",
            "4,0",
            "4,7",
            "–",
            "3,3",
            "–",
            "1,5",
            "4,0",
            "–",
            "0"
        ]
    );
    // The workbook has a sheet of its own for it.
    let xlsx = report_bytes(&server.http(), &code2, &secret2, "xlsx").await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    assert!(read("xl/workbook.xml").contains("name=\"Zelfevaluatie\""));
    let strings = read("xl/sharedStrings.xml");
    for s in [
        "Strategie en sturing",
        "gemiddeld toen",
        "Raad nu",
        "weet niet",
    ] {
        assert!(strings.contains(s), "{s} in the workbook");
    }
    server.stop().await;
}

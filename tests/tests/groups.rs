//! Groups that fit the room (issue 19, item 2): a session with 2 to 4 groups named by the
//! facilitator, played through over the wire — joins, dots and support per group, the gap between
//! the furthest groups, equal group weight, the reports — and the requests that are refused.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use draagvlak_tests::{InProcess, Raw, create_session, join, post_json, public_session, report};
use serde_json::{Value, json};

/// `POST /api/sessions` with this body: the status and the answer.
async fn create(server: &InProcess, body: Value) -> (u16, Value) {
    post_json(&format!("{}/api/sessions", server.http()), &body).await
}

const FOUR: [&str; 4] = ["ICT", "Beleid", "Mandatarissen", "Ondernemingsraad"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_four_group_session_played_through() {
    let server = InProcess::start().await;
    let (status, created) = create(
        &server,
        json!({"title": "Vier groepen", "template": "short", "groups": FOUR}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let code = created["code"].as_str().unwrap().to_string();
    let secret = created["facilitator_secret"].as_str().unwrap().to_string();
    // "ICT" becomes the default group `ict`; the others keep the names the facilitator gave.
    let groups = json!(["ict", "Beleid", "Mandatarissen", "Ondernemingsraad"]);
    assert_eq!(
        public_session(&server.http(), &code).await["groups"],
        groups
    );

    let ws = server.ws();
    let (mut fac, _) = Raw::join(&ws, join::facilitator(&code, &secret)).await;
    assert_eq!(fac.snapshot().await["session"]["groups"], groups);
    // Two people in ICT, one in each other group.
    let mut people = Vec::new();
    for (name, group) in [
        ("Anna", "ict"),
        ("Bram", "ict"),
        ("Carla", "Beleid"),
        ("Dirk", "Mandatarissen"),
        ("Eva", "Ondernemingsraad"),
    ] {
        let (c, _) = Raw::join(&ws, join::participant(&code, name, group)).await;
        people.push(c);
    }
    // A group the session does not have is refused, also the default one it left out.
    let mut stranger = Raw::connect(&ws).await;
    stranger
        .send_json(join::participant(&code, "Frank", "business"))
        .await;
    assert_eq!(stranger.until_type("error").await["code"], "invalid_group");
    let view = fac.snapshot().await;
    for (group, joined) in [
        ("ict", 2),
        ("Beleid", 1),
        ("Mandatarissen", 1),
        ("Ondernemingsraad", 1),
    ] {
        assert_eq!(view["groups"][group]["joined"], joined, "{group}");
    }

    // Brainstorm, then dots: ICT three, Beleid two, Mandatarissen one, the works council none.
    fac.ok("f1", json!({"kind": "go_to_phase", "index": 1}))
        .await;
    let st = people[0]
        .ok("a1", json!({"kind": "add_statement", "text": "Eén loket"}))
        .await["created"]
        .as_str()
        .unwrap()
        .to_string();
    fac.ok("f2", json!({"kind": "go_to_phase", "index": 3}))
        .await;
    for (who, dots) in [(0, 2), (1, 1), (2, 2), (3, 1)] {
        for d in 0..dots {
            people[who]
                .ok(
                    &format!("d{who}-{d}"),
                    json!({"kind": "place_dot", "statement": st}),
                )
                .await;
        }
    }
    fac.ok("f3", json!({"kind": "reveal_votes"})).await;
    let view = fac.snapshot().await;
    assert_eq!(
        view["statements"][&st]["dots_by_group"],
        json!({"ict": 3, "Beleid": 2, "Mandatarissen": 1, "Ondernemingsraad": 0}),
        "every group, also with no dots"
    );

    // A rule rated by all: ICT and Beleid for it, the other two against.
    fac.ok("f4", json!({"kind": "go_to_phase", "index": 4}))
        .await;
    let rule = people[2]
        .ok(
            "c1",
            json!({"kind": "propose_rule", "text": "Eerst hergebruiken", "anchors": [st]}),
        )
        .await["created"]
        .as_str()
        .unwrap()
        .to_string();
    for (who, score) in [(0, 5), (1, 4), (2, 4), (3, 2), (4, 1)] {
        let mut rate = json!({"kind": "rate_rule", "rule": rule, "score": score});
        if score <= 2 {
            rate["reason"] = json!("Te vroeg");
        }
        people[who].ok(&format!("r{who}"), rate).await;
    }
    fac.ok("f5", json!({"kind": "reveal_votes"})).await;
    let support = fac.snapshot().await["rules"][&rule]["support"].clone();
    assert_eq!(
        support["by_group"],
        json!({"ict": 1.0, "Beleid": 1.0, "Mandatarissen": 0.0, "Ondernemingsraad": 0.0})
    );
    // The gap is the largest difference between two groups; overall counts people (3 of 5).
    assert_eq!(support["gap"], 1.0);
    assert_eq!(support["overall"], 0.6);
    // With equal group weight, each of the four groups weighs a quarter.
    fac.ok(
        "f6",
        json!({"kind": "set_equal_group_weight", "equal": true}),
    )
    .await;
    let support = fac.snapshot().await["rules"][&rule]["support"].clone();
    assert_eq!(support["overall"], 0.5, "{support}");

    // The reports name the groups as the facilitator did, in the session's order.
    let md = report(&server.http(), &code, &secret, "md").await;
    assert!(
        md.contains(
            "| # | uitspraak | stippen | ICT | Beleid | Mandatarissen | Ondernemingsraad |"
        ),
        "{md}"
    );
    assert!(
        md.contains(
            "(ICT 100%, Beleid 100%, Mandatarissen 0%, Ondernemingsraad 0%; verschil 100%)"
        ),
        "{md}"
    );
    let html = report(&server.http(), &code, &secret, "html").await;
    for colour in ["#1d6fb8", "#5b3a8c", "#00756b", "#b35200"] {
        assert!(
            html.contains(colour),
            "each group has its own colour: {colour}"
        );
    }
    let json: Value =
        serde_json::from_str(&report(&server.http(), &code, &secret, "json").await).unwrap();
    let names: Vec<&str> = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["ict", "Beleid", "Mandatarissen", "Ondernemingsraad"]
    );
    server.stop().await;
}

#[tokio::test]
async fn bad_group_lists_are_refused_with_what_to_change_and_use_none_of_the_limit() {
    let server = InProcess::start_with(|c| c.limits.sessions_per_hour = 1).await;
    let long = "x".repeat(31);
    let cases = [
        (json!(["ICT"]), "Een sessie heeft 2 tot 4 groepen, niet 1."),
        (
            json!(["a", "b", "c", "d", "e"]),
            "Een sessie heeft 2 tot 4 groepen, niet 5.",
        ),
        (json!(["ICT", " "]), "Groep 2 heeft geen naam."),
        (
            json!(["ICT", long]),
            "De naam van groep 2 is langer dan 30 tekens.",
        ),
        (
            json!(["ICT", "Be\u{202e}leid"]),
            "De naam van groep 2 bevat stuur- of richtingstekens.",
        ),
        (
            json!(["Beleid", "beleid "]),
            "Twee groepen heten \"beleid\".",
        ),
        (json!(["ict", "ICT"]), "Twee groepen heten \"ict\"."),
    ];
    for (groups, message) in cases {
        let (status, answer) = create(
            &server,
            json!({"title": "Fout", "language": "nl", "groups": groups}),
        )
        .await;
        assert_eq!(status, 422, "{groups}: {answer}");
        assert_eq!(answer["error"]["code"], "invalid_groups", "{groups}");
        assert_eq!(answer["error"]["message"], message, "{groups}");
    }
    let (_, answer) = create(
        &server,
        json!({"title": "Wrong", "language": "en", "groups": ["ICT"]}),
    )
    .await;
    assert_eq!(
        answer["error"]["message"],
        "a session has 2 to 4 groups, not 1"
    );
    // A name as people type it: white space collapsed, invisible characters removed, the same
    // `é` however it was typed.
    let (status, created) = create(
        &server,
        json!({"title": "Goed", "groups": ["  Beleid\u{200b}  en   bestuur ", "Caf\u{0065}\u{0301}"]}),
    )
    .await;
    assert_eq!(
        status, 201,
        "refused requests used none of the limit: {created}"
    );
    let code = created["code"].as_str().unwrap();
    assert_eq!(
        public_session(&server.http(), code).await["groups"],
        json!(["Beleid en bestuur", "Café"])
    );
    server.stop().await;
}

#[tokio::test]
async fn the_groups_survive_a_restart_and_a_follow_up_keeps_them() {
    let server = InProcess::start().await;
    let (_, created) = create(
        &server,
        json!({"title": "Drie groepen", "groups": ["Beleid", "ICT", "Raad"]}),
    )
    .await;
    let code = created["code"].as_str().unwrap().to_string();
    let secret = created["facilitator_secret"].as_str().unwrap().to_string();
    // A new process knows nothing of the session but what is stored.
    let server = InProcess::restart(server.stop().await).await;
    let groups = json!(["Beleid", "ict", "Raad"]);
    assert_eq!(
        public_session(&server.http(), &code).await["groups"],
        groups
    );
    let (status, follow_up) = create(
        &server,
        json!({"title": "Een jaar later", "follows": {"code": code, "secret": secret}}),
    )
    .await;
    assert_eq!(status, 201, "{follow_up}");
    let code = follow_up["code"].as_str().unwrap();
    assert_eq!(public_session(&server.http(), code).await["groups"], groups);
    // A session made without groups has the default two.
    let plain = create_session(&server.http(), "Gewoon").await;
    assert_eq!(
        public_session(&server.http(), &plain.code).await["groups"],
        json!(["ict", "business"])
    );
    server.stop().await;
}

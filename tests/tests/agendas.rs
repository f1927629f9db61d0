//! The agenda routes over HTTP (issue 19, "agendas without TOML"): the built-in agendas, checking
//! a TOML file or the form's JSON with a stable code, line, phase and field and a message in the
//! session's language, checking never using up the session-creation limit, and an exported
//! agenda that imports and creates a session with exactly its phases, and a review phase only
//! in a session made as a follow-up of an earlier one.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use draagvlak_protocol::api::{AgendaChecked, AgendaErrorCode, AgendaRefused, BuiltInAgendas};
use draagvlak_tests::{InProcess, Raw, get_json, join};
use serde_json::{Value, json};

const PHASE: &str = "title = { nl = \"a\", en = \"a\" }\nquestion = { nl = \"q\", en = \"q\" }\n";

async fn check(server: &InProcess, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/agendas/check", server.http()))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn refused(server: &InProcess, body: Value) -> AgendaRefused {
    let resp = check(server, body).await;
    assert_eq!(resp.status().as_u16(), 422);
    let refused: AgendaRefused = resp.json().await.unwrap();
    assert_eq!(refused.error.code.as_str(), "invalid_template");
    assert_eq!(refused.error.message, refused.problem.message);
    refused
}

async fn built_in(server: &InProcess) -> BuiltInAgendas {
    serde_json::from_value(get_json(&format!("{}/api/agendas", server.http())).await).unwrap()
}

#[tokio::test]
async fn the_built_in_agendas_are_listed_with_their_defaults() {
    let server = InProcess::start().await;
    let list = built_in(&server).await;
    let names: Vec<_> = list
        .agendas
        .iter()
        .map(|a| a.agenda.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["strategic-framework", "short", "follow-up", "intake"]
    );
    let short = &list.agendas[1].agenda;
    assert_eq!(short.phase.len(), 6);
    assert_eq!(short.phase[3].kind, "vote");
    assert_eq!(
        (short.phase[3].dot_budget, short.phase[3].max_dots_per_item),
        (Some(5), Some(3))
    );
    assert_eq!(short.phase[0].dot_budget, None, "dots on vote phases only");
    server.stop().await;
}

#[tokio::test]
async fn the_agenda_limits_are_in_the_servers_limits() {
    let server = InProcess::start().await;
    let limits: Value = get_json(&format!("{}/api/limits", server.http())).await;
    assert_eq!(limits["max_agenda_phases"], 60);
    assert_eq!(limits["max_dot_budget"], 20);
    assert_eq!(limits["max_agenda_name_bytes"], 80);
    assert_eq!(limits["max_agenda_text_chars"], 300);
    assert_eq!(limits["max_agenda_bytes"], 65536);
    assert_eq!(limits["min_groups"], 2);
    assert_eq!(limits["max_groups"], 4);
    assert_eq!(limits["max_group_name_chars"], 30);
    server.stop().await;
}

#[tokio::test]
async fn a_valid_agenda_comes_back_with_its_canonical_toml() {
    let server = InProcess::start().await;
    let text = format!(
        "name = \"eigen\"\n[[phase]]\nkind = \"brainstorm\"\nlevel = \"inrichten\"\nanonymous = true\n{PHASE}[[phase]]\nkind = \"vote\"\nlevel = \"inrichten\"\n{PHASE}"
    );
    let resp = check(&server, json!({"language": "nl", "toml": text})).await;
    assert_eq!(resp.status().as_u16(), 200);
    let ok: AgendaChecked = resp.json().await.unwrap();
    assert_eq!(ok.agenda.name, "eigen");
    assert_eq!(ok.agenda.phase.len(), 2);
    assert!(ok.agenda.phase[0].anonymous);
    assert_eq!(
        (
            ok.agenda.phase[1].dot_budget,
            ok.agenda.phase[1].max_dots_per_item
        ),
        (Some(3), Some(2)),
        "defaults filled in"
    );
    assert!(ok.toml.contains("kind = \"brainstorm\""), "{}", ok.toml);
    // The same agenda as JSON gives the same answer.
    let resp = check(&server, json!({"language": "en", "agenda": ok.agenda})).await;
    assert_eq!(resp.status().as_u16(), 200);
    let again: AgendaChecked = resp.json().await.unwrap();
    assert_eq!(again, ok);
    server.stop().await;
}

#[tokio::test]
async fn every_error_has_a_code_a_place_and_a_message_in_the_language_asked_for() {
    let server = InProcess::start().await;
    let lobby = format!("[[phase]]\nkind = \"lobby\"\n{PHASE}");
    let vote = |level: &str| format!("[[phase]]\nkind = \"vote\"\nlevel = \"{level}\"\n{PHASE}");
    // The text, and the code, line and field it is refused with, and how the Dutch message starts.
    type Case = (
        String,
        AgendaErrorCode,
        Option<usize>,
        Option<&'static str>,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (format!("name = \"x\"\n{}", "#".repeat(70_000)), AgendaErrorCode::TooLarge, None, None, "Een agenda is hoogstens"),
        ("name = \"x\"\n[[phase]\n".into(), AgendaErrorCode::Syntax, Some(2), None, "Regel 2: Dit is geen geldige TOML"),
        (format!("name = \"x\"\n{lobby}colour = \"red\"\n"), AgendaErrorCode::UnknownField, Some(6), Some("colour"), "Regel 6: Onbekend veld `colour`"),
        ("name = \"x\"\n[[phase]]\nkind = \"lobby\"\n".into(), AgendaErrorCode::MissingField, Some(2), Some("title"), "Regel 2: Het veld `title` ontbreekt"),
        ("name = \"x\"\n[[phase]]\nkind = \"vote\"\nlevel = \"richten\"\ndot_budget = \"5\"\n".into(), AgendaErrorCode::WrongType, Some(5), None, "Regel 5: Een waarde heeft het verkeerde type"),
        (format!("name = \"\"\n{lobby}"), AgendaErrorCode::InvalidName, Some(1), Some("name"), "Regel 1: De naam heeft"),
        ("name = \"x\"\n".into(), AgendaErrorCode::NoPhases, None, None, "Een agenda heeft minstens één fase"),
        (format!("name = \"x\"\n{}", lobby.repeat(61)), AgendaErrorCode::TooManyPhases, Some(242), None, "Regel 242: Een agenda heeft hoogstens 60 fasen"),
        (format!("name = \"x\"\n[[phase]]\nkind = \"brainstrom\"\nlevel = \"richten\"\n{PHASE}"), AgendaErrorCode::UnknownKind, Some(3), Some("kind"), "Regel 3: Onbekende soort fase \"brainstrom\""),
        (format!("name = \"x\"\n{}", vote("richen")), AgendaErrorCode::UnknownLevel, Some(4), Some("level"), "Regel 4: Onbekend niveau \"richen\""),
        (format!("name = \"x\"\n[[phase]]\nkind = \"lobby\"\nlevel = \"richten\"\n{PHASE}"), AgendaErrorCode::LevelNotAllowed, Some(4), Some("level"), "Regel 4: Een welkomstfase (lobby) heeft geen niveau"),
        (format!("name = \"x\"\n[[phase]]\nkind = \"cluster\"\n{PHASE}"), AgendaErrorCode::LevelRequired, Some(3), Some("level"), "Regel 3: Een clusterfase (cluster) heeft een niveau nodig"),
        (format!("name = \"x\"\n{}dot_budget = 0\n", vote("richten")), AgendaErrorCode::InvalidDotBudget, Some(7), Some("dot_budget"), "Regel 7: Het aantal stippen (dot_budget) is 1 tot en met 20; kies een getal daartussen."),
        (format!("name = \"x\"\n{}dot_budget = 4\nmax_dots_per_item = 5\n", vote("richten")), AgendaErrorCode::InvalidMaxDots, Some(8), Some("max_dots_per_item"), "Regel 8: Het aantal stippen per item (max_dots_per_item) is 1 tot en met het aantal stippen (4); verlaag het of geef meer stippen."),
        ("name = \"x\"\n[[phase]]\nkind = \"lobby\"\ntitle = { nl = \"\", en = \"a\" }\nquestion = { nl = \"q\", en = \"q\" }\n".into(), AgendaErrorCode::InvalidText, Some(4), Some("title.nl"), "Regel 4: De titel (Nederlands, title.nl) heeft 1 tot en met 300 tekens"),
        (format!("name = \"x\"\n{}{}", vote("richten"), vote("richten")), AgendaErrorCode::SecondVote, Some(8), Some("kind"), "Regel 8: Een niveau heeft één stemfase"),
        (format!("name = \"x\"\n{lobby}[[phase]]\nkind = \"review\"\n{PHASE}"), AgendaErrorCode::ReviewNeedsEarlierSession, None, Some("kind"), "Een terugblikfase (review) blikt terug"),
    ];
    let mut seen = Vec::new();
    for (text, code, line, field, dutch) in cases {
        let nl = refused(&server, json!({"language": "nl", "toml": text})).await;
        let p = &nl.problem;
        assert_eq!(
            (p.code, p.line, p.field.as_deref()),
            (code, line, field),
            "{}",
            p.message
        );
        assert!(p.message.starts_with(dutch), "{code:?}: {}", p.message);
        let en = refused(&server, json!({"language": "en", "toml": text})).await;
        assert_eq!(en.problem.code, code);
        assert_ne!(en.problem.message, p.message, "{code:?} in English");
        if let Some(line) = line {
            assert!(
                en.problem.message.starts_with(&format!("line {line}: ")),
                "{}",
                en.problem.message
            );
        }
        seen.push(code);
    }
    assert_eq!(seen, AgendaErrorCode::ALL.to_vec(), "every code is tried");
    server.stop().await;
}

#[tokio::test]
async fn the_forms_json_is_refused_with_the_phase_and_field_and_no_line() {
    let server = InProcess::start().await;
    let mut short = built_in(&server).await.agendas[1].agenda.clone();
    short.phase[2].level = None;
    let r = refused(&server, json!({"language": "nl", "agenda": short})).await;
    assert_eq!(
        (
            r.problem.code,
            r.problem.line,
            r.problem.phase,
            r.problem.field.as_deref()
        ),
        (AgendaErrorCode::LevelRequired, None, Some(2), Some("level"))
    );
    assert!(
        r.problem.message.starts_with("Een clusterfase"),
        "{}",
        r.problem.message
    );
    // Neither or both forms, and an unknown language, are bad requests.
    for body in [
        json!({"language": "nl"}),
        json!({"language": "nl", "toml": "name = \"x\"", "agenda": short}),
    ] {
        let resp = check(&server, body).await;
        assert_eq!(resp.status().as_u16(), 422);
        assert_eq!(
            resp.json::<Value>().await.unwrap()["error"]["code"],
            "invalid_request"
        );
    }
    let resp = check(&server, json!({"language": "fr", "toml": "name = \"x\""})).await;
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "unsupported_language"
    );
    // The body limit is explicit: a body past it is refused before it is read as JSON.
    let resp = check(
        &server,
        json!({"language": "nl", "toml": "#".repeat(200_000)}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 413);
    server.stop().await;
}

#[tokio::test]
async fn checking_fifty_times_does_not_use_up_the_creation_limit() {
    let server = InProcess::start_with(|c| c.limits.sessions_per_hour = 2).await;
    let short = built_in(&server).await.agendas[1].agenda.clone();
    for i in 0..50 {
        let resp = check(&server, json!({"language": "nl", "agenda": short})).await;
        assert_eq!(resp.status().as_u16(), 200, "check {i}");
    }
    let create = || {
        reqwest::Client::new()
            .post(format!("{}/api/sessions", server.http()))
            .json(&json!({"title": "Na het controleren", "template": "short"}))
            .send()
    };
    assert_eq!(create().await.unwrap().status().as_u16(), 201);
    assert_eq!(create().await.unwrap().status().as_u16(), 201);
    // The limit itself still works: the third creation in the hour is refused.
    assert_eq!(create().await.unwrap().status().as_u16(), 429);
    server.stop().await;
}

#[tokio::test]
async fn an_exported_agenda_imports_unchanged_and_creates_a_session_with_its_phases() {
    let server = InProcess::start().await;
    let mut agenda = built_in(&server).await.agendas[1].agenda.clone();
    agenda.name = "Onze eigen agenda".into();
    agenda.phase.remove(2); // no cluster phase
    agenda.phase[2].dot_budget = Some(7);
    agenda.phase[2].max_dots_per_item = Some(4);
    agenda.phase[1].question.nl = "Wat \"moet\" ICT \\ doen?\nEn waarom?".into();
    agenda.phase[1].anonymous = false;
    let exported: AgendaChecked = check(&server, json!({"language": "nl", "agenda": agenda}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(exported.agenda, agenda);
    let imported: AgendaChecked = check(&server, json!({"language": "nl", "toml": exported.toml}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(imported, exported, "export then import is the identity");

    let resp = reqwest::Client::new()
        .post(format!("{}/api/sessions", server.http()))
        .json(&json!({"title": "Eigen agenda", "agenda": imported.toml}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let created: Value = resp.json().await.unwrap();
    let code = created["code"].as_str().unwrap();
    let secret = created["facilitator_secret"].as_str().unwrap();
    let (mut fac, _) = Raw::join(&server.ws(), join::facilitator(code, secret)).await;
    let view = fac.snapshot().await;
    let phases = view["phases"].as_array().unwrap();
    let kinds: Vec<_> = phases.iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["lobby", "brainstorm", "vote", "rules", "summary"]);
    assert_eq!(
        (
            phases[2]["dot_budget"].as_u64(),
            phases[2]["max_dots_per_item"].as_u64()
        ),
        (Some(7), Some(4))
    );
    assert_eq!(
        phases[1]["question"]["nl"],
        "Wat \"moet\" ICT \\ doen?\nEn waarom?"
    );
    assert_eq!(phases[1]["anonymous"], false);
    let public = draagvlak_tests::public_session(&server.http(), code).await;
    assert_eq!(public["template"], "Onze eigen agenda");
    server.stop().await;
}

#[tokio::test]
async fn a_broken_agenda_at_creation_is_refused_in_the_sessions_language() {
    let server = InProcess::start().await;
    let text =
        format!("name = \"x\"\n[[phase]]\nkind = \"brainstrom\"\nlevel = \"richten\"\n{PHASE}");
    for (language, start) in [
        ("nl", "Regel 3: Onbekende soort fase"),
        ("en", "line 3: unknown phase kind"),
    ] {
        let resp = reqwest::Client::new()
            .post(format!("{}/api/sessions", server.http()))
            .json(&json!({"title": "Kapot", "language": language, "agenda": text}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 422);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_template");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(start),
            "{body}"
        );
    }
    server.stop().await;
}

async fn create(server: &InProcess, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/sessions", server.http()))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// How many sessions the store holds (read from a backup of it).
async fn stored_sessions(server: &InProcess) -> u64 {
    let to = server.data.path().join("count.db");
    let info = server.server().state.store.backup_to(&to).await.unwrap();
    std::fs::remove_file(&to).unwrap();
    info.sessions
}

#[tokio::test]
async fn the_built_in_agendas_say_whether_they_need_an_earlier_session() {
    let server = InProcess::start().await;
    // As the wire has it: every agenda's fields, and the flag next to them.
    let list: Value = get_json(&format!("{}/api/agendas", server.http())).await;
    let flags: Vec<_> = list["agendas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].clone(), a["needs_earlier_session"].clone()))
        .collect();
    assert_eq!(
        flags,
        [
            (json!("strategic-framework"), json!(false)),
            (json!("short"), json!(false)),
            (json!("follow-up"), json!(true)),
            (json!("intake"), json!(false)),
        ]
    );
    // Checked for a session without an earlier one, the follow-up agenda is refused where its
    // review phase is; checked for a follow-up it is valid.
    let follow_up = built_in(&server).await.agendas[2].agenda.clone();
    let r = refused(&server, json!({"language": "en", "agenda": follow_up})).await;
    assert_eq!(
        (r.problem.code, r.problem.phase, r.problem.field.as_deref()),
        (
            AgendaErrorCode::ReviewNeedsEarlierSession,
            Some(1),
            Some("kind")
        )
    );
    assert!(
        r.problem.message.contains(
            "create this session as a follow-up of an earlier session, or remove the review phase"
        ),
        "{}",
        r.problem.message
    );
    let resp = check(
        &server,
        json!({"language": "nl", "agenda": follow_up, "follow_up": true}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let ok: AgendaChecked = resp.json().await.unwrap();
    assert_eq!(ok.agenda, follow_up);
    server.stop().await;
}

#[tokio::test]
async fn a_review_phase_without_an_earlier_session_creates_nothing_and_uses_no_creation() {
    let server = InProcess::start_with(|c| c.limits.sessions_per_hour = 3).await;
    let follow_up = built_in(&server).await.agendas[2].agenda.clone();
    let for_follow_up: AgendaChecked = check(
        &server,
        json!({"language": "nl", "agenda": follow_up, "follow_up": true}),
    )
    .await
    .json()
    .await
    .unwrap();
    // The built-in follow-up agenda by name, and the same agenda as a text of one's own: both
    // refused with the code, in the session's language, and more times than the limit allows.
    for (body, start) in [
        (
            json!({"title": "Terugblik", "language": "nl", "template": "follow-up"}),
            "Een terugblikfase (review)",
        ),
        (
            json!({"title": "Review", "language": "en", "agenda": for_follow_up.toml}),
            "a review phase looks back",
        ),
    ] {
        for _ in 0..2 {
            let resp = create(&server, body.clone()).await;
            assert_eq!(resp.status().as_u16(), 422);
            let answer: Value = resp.json().await.unwrap();
            assert_eq!(
                answer["error"]["code"], "review_needs_earlier_session",
                "{answer}"
            );
            assert!(
                answer["error"]["message"]
                    .as_str()
                    .unwrap()
                    .starts_with(start),
                "{answer}"
            );
        }
    }
    assert_eq!(stored_sessions(&server).await, 0, "nothing was stored");
    // None of the four refusals used the limit of three: an earlier session and two follow-ups
    // of it (by the template's name and with the agenda's text) are all created.
    let resp = create(&server, json!({"title": "Toen", "template": "short"})).await;
    assert_eq!(resp.status().as_u16(), 201);
    let earlier: Value = resp.json().await.unwrap();
    let follows = json!({"code": earlier["code"], "secret": earlier["facilitator_secret"]});
    for body in [
        json!({"title": "Nu", "template": "follow-up", "follows": follows}),
        json!({"title": "Nu, eigen", "agenda": for_follow_up.toml, "follows": follows}),
    ] {
        let resp = create(&server, body).await;
        assert_eq!(resp.status().as_u16(), 201);
        let created: Value = resp.json().await.unwrap();
        let code = created["code"].as_str().unwrap();
        let secret = created["facilitator_secret"].as_str().unwrap();
        let (mut fac, _) = Raw::join(&server.ws(), join::facilitator(code, secret)).await;
        let view = fac.snapshot().await;
        let kinds: Vec<_> = view["phases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["kind"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(kinds, ["lobby", "review", "summary"]);
    }
    assert_eq!(stored_sessions(&server).await, 3);
    // The limit itself still holds.
    let resp = create(&server, json!({"title": "Te veel", "template": "short"})).await;
    assert_eq!(resp.status().as_u16(), 429);
    server.stop().await;
}

//! Reports: a golden test of the Markdown, JSON, Dutch CSV and HTML reports of a scripted workshop
//! (compared with committed files; `UPDATE_GOLDEN=1` rewrites them), the record they keep (ties,
//! dots per group, participants per group, local times), every hostile text of the catalogue in
//! every format, the `.docx` too (none may act as markup, a link, a formula or a reordering), the facilitator's
//! download over HTTP, and the command that writes a report from the data directory without a
//! running server.
//!
//! Why this file is long: the report tests share their fixtures (the demo workshop, golden files, a
//! hostile text for every format); one file keeps the golden-file test and the tests that explain
//! its figures side by side.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::PathBuf;

use draagvlak_protocol::{ParticipantId, StatementId};
use draagvlak_server::report::{self, Dialect};
use draagvlak_server::session::new_session::NewSession;
use draagvlak_server::session::workshop::{Cluster, Meta, State, Workshop};
use draagvlak_tests::{InProcess, Raw, create_session, join};
use serde_json::{Value, json};

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

/// The demo workshop (six people, two levels voted and rated and revealed, the third in
/// brainstorm), its clock starting at `start_ms`.
fn demo_workshop(start_ms: u64) -> Workshop {
    let meta = Meta {
        id: "0000000000000000".into(),
        code: "GOLDEN".into(),
        title: "ICT-strategie 2027".into(),
        organisation: "Gemeente Zaanstad".into(),
        language: "nl".into(),
        template: "strategic-framework".into(),
    };
    let mut new = NewSession::from_template(meta).unwrap();
    new.demo = Some(("nl", start_ms));
    new.create().unwrap()
}

/// 2027-03-02 08:00 UTC, 09:00 in Amsterdam.
const MARCH: u64 = 1_803_974_400_000;

#[test]
fn scripted_workshop_reports_match_the_golden_files() {
    // The demo script; its clock starts at a fixed time, so the timeline is fixed too.
    let workshop = demo_workshop(MARCH);
    let r = report::build(workshop.state());
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
    let json = report::json(&r).unwrap();
    compare("report.json", &json);
    // The JSON report is the protocol's report model: a client reads it back whole.
    let read: draagvlak_protocol::report::Report = serde_json::from_str(&json).unwrap();
    assert_eq!(report::json(&read).unwrap(), json);
    let nl = report::csv(&r, Dialect::Dutch).unwrap();
    compare("report.csv", &nl);
    compare("report.html", &report::html(&r));
    // The format reports always had stays available as `csv-en`.
    let csv = report::csv(&r, Dialect::International).unwrap();
    assert!(csv.starts_with(
        "kind,level,rank,text,dots,status,round,raters,support,support_ict,support_business,gap,"
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
    // The confirmed gap is on record.
    assert_eq!(
        first[1].confirmed,
        Some(draagvlak_protocol::view::Confirmation::LargeGap)
    );
    // Groups, priorities, rules, the reasons of the two rules with low ratings, four decisions
    // and seven phase changes.
    assert_eq!(csv.lines().count(), 1 + 1 + 2 + 12 + 4 + 6 + 4 + 7);
    assert!(
        csv.contains("\nsession,,,ICT-strategie 2027 · Gemeente Zaanstad,"),
        "{csv}"
    );
    // Who took part, and local times.
    assert!(
        csv.contains(
            "\ngroup,,,business,,,,,,,,,,,,,,3,0,0,\"Lotte Claes, Nadia Benali, Sofie Maes\"\n"
        ),
        "{csv}"
    );
    assert!(
        csv.contains("\nphase,,,Richten: brainstorm,,,2,,,,,,,,,,2027-03-02 09:20,,,,\n"),
        "{csv}"
    );
    write_samples("demo", &r);
}

/// With `REPORT_SAMPLES=<dir>`, write a report in every format there, to look at.
fn write_samples(name: &str, r: &report::Report) {
    if let Some(dir) = std::env::var_os("REPORT_SAMPLES") {
        for format in ["md", "csv", "csv-en", "json", "html", "xlsx", "docx"] {
            let f = report::Format::parse(format).unwrap();
            let path = PathBuf::from(&dir).join(format!("{name}-{format}.{}", f.extension()));
            std::fs::write(path, report::render(r, f).unwrap()).unwrap();
        }
    }
}

#[test]
fn a_dutch_csv_opens_in_a_dutch_spreadsheet() {
    let r = report::build(demo_workshop(MARCH).state());
    let bytes = report::render(&r, report::Format::parse("csv").unwrap()).unwrap();
    assert!(
        bytes.starts_with(b"\xef\xbb\xbf"),
        "UTF-8 with a byte-order mark"
    );
    let text = String::from_utf8(bytes).unwrap();
    let header = text.trim_start_matches('\u{feff}').lines().next().unwrap();
    assert_eq!(
        header,
        "soort;niveau;plaats;tekst;stippen;status;ronde;beoordeeld_door;draagvlak;\
         draagvlak_ict;draagvlak_business;verschil;stippen_ict;stippen_business;verankert;bevestigd;tijd;deelnemers;via_facilitator;verwijderd;namen"
    );
    // Support with a decimal comma, statuses in Dutch.
    assert!(
        text.contains(";aangenomen;1;6;0,500;1,000;0,000;1,000;"),
        "{text}"
    );
    assert!(!text.contains("0.5"), "no decimal point");
    // The international dialect on request, whatever the session's language.
    let en = report::render(&r, report::Format::parse("csv-en").unwrap()).unwrap();
    let en = String::from_utf8(en).unwrap();
    assert!(en.starts_with("kind,level,rank,"));
    assert!(en.contains(",adopted,1,6,0.500,1.000,0.000,1.000,"), "{en}");
    // An English session gets the international dialect by default.
    let mut state = demo_workshop(MARCH).state().clone();
    state.meta.language = "en".into();
    let en = report::render(&report::build(&state), report::Format::Csv(None)).unwrap();
    assert!(en.starts_with(b"kind,level,rank,"));
}

#[test]
fn the_record_has_ties_dots_per_group_participants_and_local_times() {
    let mut workshop = demo_workshop(MARCH);
    let r = report::build(workshop.state());
    // Equal dots share a place.
    let ranks: Vec<String> = r.levels[0]
        .priorities
        .iter()
        .map(|p| p.rank.unwrap().to_string())
        .collect();
    assert_eq!(ranks, ["1", "2=", "2=", "2="]);
    // Dots per group add up to the total, and only where revealed.
    for p in &r.levels[0].priorities {
        assert_eq!(p.dots_by_group.values().sum::<u32>(), p.dots.unwrap());
        assert_eq!(p.dots_by_group.len(), 2, "every group, also with 0");
    }
    assert_eq!(r.levels[0].priorities[0].dots_by_group["ict"], 6);
    assert!(
        r.levels[2]
            .priorities
            .iter()
            .all(|p| p.dots_by_group.is_empty() && p.rank.is_none()),
        "no dots of an unrevealed level, not even per group"
    );
    let md = report::markdown(&r);
    assert!(
        md.contains("| # | uitspraak | stippen | ICT | Business |"),
        "{md}"
    );
    assert!(md.contains("| 2= | "), "{md}");
    assert!(
        md.contains("| # | uitspraak | stippen |\n|---:|---|---:|\n| – | ICT en de business"),
        "no group columns for the unrevealed level: {md}"
    );
    // Local times (CET in March), not UTC.
    assert_eq!(r.time_zone, "Europe/Amsterdam");
    assert_eq!(r.date.as_deref(), Some("2027-03-02"));
    assert!(
        md.contains("Datum: dinsdag 2 maart 2027, 09:20–11:20 (Europe/Amsterdam)"),
        "{md}"
    );
    assert!(md.contains("| 09:20 | 2. Richten: brainstorm |"), "{md}");
    // Summer time in July; another zone when configured.
    let july = report::build(demo_workshop(1_814_428_800_000).state()); // 2027-07-01 08:00 UTC
    assert_eq!(july.timeline[0].time, "10:20");
    let tz = report::time_zone("America/Curacao").unwrap();
    assert_eq!(
        report::build_in(workshop.state(), &tz).timeline[0].time,
        "04:20"
    );
    // Who took part per group, by name; the adopted rules on one list with their anchors.
    assert!(r.names_shown);
    assert_eq!(r.groups.iter().map(|g| g.participants).sum::<u32>(), 6);
    assert!(r.groups.iter().all(|g| g.names.len() == 3));
    assert_eq!(r.adopted.len(), 3);
    assert_eq!(
        r.adopted[0].anchors,
        ["ICT is een strategische partner bij beleidsvorming, niet alleen een uitvoerder."]
    );
    // No name next to a dot, a rating or a reason: names are only in the list of groups.
    let json: Value = serde_json::from_str(&report::json(&r).unwrap()).unwrap();
    let levels = json["levels"].to_string() + &json["adopted"].to_string();
    for g in &r.groups {
        for name in &g.names {
            assert!(!levels.contains(name.as_str()), "{name} in the results");
        }
    }
    // A proxy and a removal are counted; a group of one is counted, not named.
    let ids: Vec<ParticipantId> = workshop.state().participants.keys().cloned().collect();
    workshop.remove_participant(&ids[0]).unwrap();
    let mut state = workshop.state().clone();
    state.participants.get_mut(ids[1].as_str()).unwrap().proxy = true;
    let removed_group = state.participants[ids[0].as_str()].group.clone();
    let r = report::build(&state);
    let g = r.groups.iter().find(|g| g.group == removed_group).unwrap();
    assert_eq!((g.participants, g.removed), (2, 1));
    assert_eq!(r.groups.iter().map(|g| g.proxies).sum::<u32>(), 1);
    let md = report::markdown(&r);
    assert!(md.contains("; 1 verwijderd |"), "{md}");
    assert!(md.contains("(1 via de facilitator)"), "{md}");
    for id in &ids[2..] {
        state.participants.get_mut(id.as_str()).unwrap().removed = true;
    }
    let r = report::build(&state);
    assert!(
        r.groups.iter().all(|g| g.names.is_empty()),
        "{:?}",
        r.groups
    );
    // After an anonymous vote phase no names at all.
    let mut state = demo_workshop(MARCH).state().clone();
    let vote = state
        .phases
        .iter()
        .position(|p| p.kind == draagvlak_protocol::view::PhaseKind::Vote)
        .unwrap();
    state.phases[vote].anonymous = true;
    let r = report::build(&state);
    assert!(!r.names_shown && r.groups.iter().all(|g| g.names.is_empty()));
}

/// The demo workshop, then: a second vote round on the first level; the rule sent back on the
/// second level reworded in a new round, rated and adopted; a rule the facilitator writes adopted
/// without ratings (confirmed). Returns the workshop and the reworded rule's first text.
fn decided_workshop() -> (Workshop, String) {
    use draagvlak_protocol::Intent;
    use draagvlak_protocol::intent::{RuleStatus, Splice};
    use draagvlak_server::session::Refusal;
    use draagvlak_server::session::apply::{Context, Sender, apply};
    let mut workshop = demo_workshop(MARCH);
    let people: Vec<ParticipantId> = workshop.state().participants.keys().cloned().collect();
    let mut clock = MARCH + 3 * 3_600_000; // 11:00 UTC, 12:00 in Amsterdam
    let mut act =
        |workshop: &mut Workshop, who: Option<&ParticipantId>, intent: Intent| -> Option<String> {
            let heads = workshop.heads().to_vec();
            clock += 60_000;
            let lookup = move |_| -> Result<_, Refusal> { Ok(heads.clone()) };
            let ctx = Context::new(&lookup, clock);
            let sender = who.map_or(Sender::Facilitator, Sender::Participant);
            apply(workshop, sender, &intent, &ctx)
                .unwrap_or_else(|r| panic!("{intent:?}: {r:?}"))
                .created
                .map(|c| c.as_str().to_owned())
        };
    let level = draagvlak_protocol::view::Level::Richten;
    let mut items: Vec<(&u64, StatementId)> = Vec::new();
    let state = workshop.state().clone();
    for (id, s) in &state.statements {
        if s.level == level {
            items.push((&s.seq, id.clone()));
        }
    }
    items.sort();
    // A second vote round on the first level: its first round stays in the record.
    act(&mut workshop, None, Intent::GoToPhase { index: 3 });
    act(&mut workshop, None, Intent::StartVoteRound);
    for p in &people {
        for item in [&items[2].1, &items[3].1] {
            act(
                &mut workshop,
                Some(p),
                Intent::PlaceDot {
                    statement: item.clone().into(),
                },
            );
        }
    }
    act(&mut workshop, None, Intent::RevealVotes);
    // The rule sent back on the second level gets a new round with new wording, is rated
    // and adopted; a rule the facilitator writes is adopted without ratings (confirmed).
    act(&mut workshop, None, Intent::GoToPhase { index: 8 });
    let (revised, old_text) = workshop
        .state()
        .rules
        .iter()
        .find(|(_, r)| r.status == RuleStatus::Revise)
        .map(|(id, r)| (id.clone(), r.text.clone()))
        .unwrap();
    act(
        &mut workshop,
        None,
        Intent::StartRatingRound {
            rule: revised.clone(),
        },
    );
    act(
        &mut workshop,
        None,
        Intent::EditRule {
            rule: revised.clone(),
            splice: Splice {
                rev: 0,
                pos: 0,
                delete: 0,
                insert: "Echt: ".into(),
            },
        },
    );
    for p in &people {
        act(
            &mut workshop,
            Some(p),
            Intent::RateRule {
                rule: revised.clone(),
                score: 5,
                reason: None,
            },
        );
    }
    act(&mut workshop, None, Intent::RevealVotes);
    act(
        &mut workshop,
        None,
        Intent::SetRuleStatus {
            rule: revised.clone(),
            status: RuleStatus::Adopted,
            confirm: false,
        },
    );
    let written = act(
        &mut workshop,
        None,
        Intent::ProposeRule {
            text: "We meten wat we afspreken.".into(),
            anchors: Vec::new(),
        },
    )
    .unwrap();
    act(
        &mut workshop,
        None,
        Intent::SetRuleStatus {
            rule: written.into(),
            status: RuleStatus::Adopted,
            confirm: true,
        },
    );
    (workshop, old_text)
}

#[test]
fn every_vote_round_rating_round_and_decision_is_in_every_format() {
    let (mut workshop, old_text) = decided_workshop();
    workshop.set_place("Raadzaal, Zaandam").unwrap();
    let r = report::build(workshop.state());
    write_samples("decided", &r);
    // Vote rounds: the current one and the first, frozen.
    let first = &r.levels[0];
    assert_eq!(first.vote_round, 2);
    assert_eq!(first.voters, Some(6));
    assert_eq!(first.earlier_vote_rounds.len(), 1);
    assert_eq!(first.earlier_vote_rounds[0].priorities[0].dots, Some(12));
    assert_eq!(first.priorities[0].rank.unwrap().to_string(), "1=");
    // Rating rounds with the text as rated.
    let rule = r.levels[1]
        .rules
        .iter()
        .find(|x| x.text.starts_with("Echt: "))
        .unwrap();
    assert_eq!(rule.rounds.len(), 2);
    assert_eq!(rule.rounds[0].text.as_deref(), Some(old_text.as_str()));
    assert_eq!(rule.rounds[1].support.as_ref().unwrap().overall, Some(1.0));
    // Decisions, with the confirmed warnings.
    let actions: Vec<&str> = r.decisions.iter().map(|d| d.action.as_str()).collect();
    assert!(
        actions.ends_with(&["new_round", "adopted", "adopted"]),
        "{actions:?}"
    );
    assert_eq!(
        r.decisions[0].time, "10:00",
        "local time of the first decision"
    );

    let md = report::markdown(&r);
    let html = report::html(&r);
    let csv = report::csv(&r, Dialect::Dutch).unwrap();
    let csv_en = report::csv(&r, Dialect::International).unwrap();
    let json = report::json(&r).unwrap();
    for (what, text) in [
        ("earlier vote round", "#### stemronde 1 (6 stemmers)"),
        ("current vote round", "stemronde 2 · 6 stemmers"),
        ("text as rated", "tekst zoals beoordeeld: Nieuwe systemen"),
        ("decisions", "Besluiten"),
        ("no ratings", "bevestigd zonder beoordelingen"),
        ("large gap", "bevestigd ondanks een groot verschil"),
        (
            "facilitator",
            "We meten wat we afspreken. (door de facilitator)",
        ),
        ("place", "\nPlaats: Raadzaal, Zaandam\n"),
    ] {
        assert!(md.contains(text), "Markdown lacks the {what}: {md}");
    }
    for text in [
        "<h4>stemronde 1 (6 stemmers)</h4>",
        "<p>Plaats: <bdi>Raadzaal, Zaandam</bdi></p>",
        "tekst zoals beoordeeld: <bdi>Nieuwe systemen",
        "<h2>Besluiten</h2>",
        "⚠ bevestigd zonder beoordelingen",
        "⚠ bevestigd ondanks een groot verschil",
    ] {
        assert!(html.contains(text), "HTML lacks {text}: {html}");
    }
    for text in [
        "\nstemronde;richten;1;ICT is een strategische partner",
        "\nprioriteit;richten;1=;",
        "We meten wat we afspreken.;;aangenomen;1;",
        ";zonder beoordelingen;2027-03-02 12:28;;;;\n",
        "\nbesluit;inrichten;2;Echt: Nieuwe systemen werken ook op een telefoon.;;nieuwe ronde;1;",
        "\nronde;inrichten;2;Nieuwe systemen werken ook op een telefoon.;;;1;6;0,500;",
        "\nsessie;;;ICT-strategie 2027 · Gemeente Zaanstad · Raadzaal, Zaandam;",
    ] {
        assert!(csv.contains(text), "CSV lacks {text:?}: {csv}");
    }
    assert!(csv_en.contains(",large_gap,") && csv_en.contains("\nvote_round,richten,1,"));
    assert!(json.contains("\"confirmed\": \"no_ratings\""));
    assert!(json.contains("\"place\": \"Raadzaal, Zaandam\""));
    let xlsx = report::render(&r, report::Format::Xlsx).unwrap();
    assert!(xlsx.starts_with(b"PK"));
}

/// Every text of the hostile catalogue (texts of frames and statements, names), and texts aimed
/// at reports: Markdown links, images, headings and lists, spreadsheet formulas, right-to-left
/// text and controls.
fn hostile_texts() -> Vec<String> {
    fn collect(v: &Value, key: Option<&str>, out: &mut Vec<String>) {
        match v {
            Value::String(s) if matches!(key, Some("text" | "name")) => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| collect(x, key, out)),
            Value::Object(o) => o.iter().for_each(|(k, x)| collect(x, Some(k), out)),
            _ => {}
        }
    }
    let catalogue: Value =
        serde_json::from_str(include_str!("../data/hostile_inputs.json")).unwrap();
    let mut out = Vec::new();
    collect(&catalogue["cases"], None, &mut out);
    assert!(out.len() >= 25, "the catalogue's texts");
    out.extend(
        [
            "[klik hier](javascript:alert(1))",
            "![x](https://evil.example/pixel.png)",
            "<https://evil.example>",
            "https://evil.example/x and www.evil.example",
            "anna@evil.example",
            "[x]: https://evil.example",
            "[^1] [[wiki]]",
            "# Kop",
            "Titel ##",
            "- lijst",
            "* ster",
            "+ plus",
            "1. genummerd",
            "2027) jaar",
            "> citaat",
            "---",
            "***",
            "```\ncode\n```",
            "`code`",
            "    ingesprongen",
            "*nadruk* _nadruk_ ~~weg~~ **vet**",
            "$x^2$ {#id .klasse}",
            "&lt;script&gt; &#60;b&#62; &amp;",
            "<!-- verborgen -->",
            "<style>body{display:none}</style>",
            "<a href=\"https://evil.example\">klik</a>",
            "\"><svg onload=alert(1)>",
            "a \\| b | c",
            "eind \\",
            "regel  \nregel\r\nregel",
            "=HYPERLINK(\"https://evil.example\",\"klik\")",
            "+31 6 12345678",
            "-2+3",
            "@SUM(A1:A9)",
            "\t=1+1",
            "\r=1+1",
            "\u{202e}=1+1",
            "שלום עולם",
            "مرحبا 123 |",
            "abc\u{202e}fed\u{202c} ghi",
            "\u{2066}x\u{2067}y\u{2068}z",
            "x\u{200f}\u{200e}\u{61c}y",
            "\u{202e}",
            "",
            "'; DROP TABLE sessions; --",
        ]
        .map(String::from),
    );
    out
}

/// The state with one text everywhere a person types one: session title, organisation,
/// statements, a cluster's title, rules (and their texts as rated in earlier rounds), reasons
/// and participants' names.
fn with_text(base: &State, text: &str) -> State {
    let mut s = base.clone();
    s.meta.title = text.into();
    s.meta.organisation = text.into();
    s.place = text.into();
    for st in s.statements.values_mut() {
        st.text = text.into();
    }
    for r in s.rules.values_mut() {
        r.text = text.into();
        for earlier in &mut r.earlier_texts {
            *earlier = text.into();
        }
    }
    for rounds in s.earlier_reasons.values_mut() {
        for m in rounds {
            for reason in m.values_mut() {
                *reason = text.into();
            }
        }
    }
    for m in s.reasons.values_mut() {
        for reason in m.values_mut() {
            *reason = text.into();
        }
    }
    for p in s.participants.values_mut() {
        p.name = text.into();
    }
    for c in s.clusters.values_mut() {
        c.title = text.into();
    }
    s
}

/// The demo state with a cluster of two statements on the first level, revealed.
fn with_cluster(mut s: State) -> State {
    let level = draagvlak_protocol::view::Level::Richten;
    let members: Vec<StatementId> = s
        .statements
        .iter()
        .filter(|(id, st)| {
            st.level == level && !s.dots.values().any(|d| d.contains_key((*id).as_str()))
        })
        .map(|(id, _)| id.clone())
        .take(2)
        .collect();
    let members = if members.len() == 2 {
        members
    } else {
        // Every statement has dots: take the last two of the level.
        s.statements
            .iter()
            .filter(|(_, st)| st.level == level)
            .map(|(id, _)| id.clone())
            .rev()
            .take(2)
            .collect()
    };
    for m in &members {
        s.statements.get_mut(m.as_str()).unwrap().cluster = Some("c1".into());
    }
    s.clusters.insert(
        "c1".into(),
        Cluster {
            seq: 999,
            level,
            title: "cluster".into(),
            statements: members.into_iter().collect::<Vec<_>>(),
        },
    );
    s
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{61C}')
}

/// Whether a text shows nothing once controls and spaces are gone (such a text leaves out an
/// optional line, so its structure is compared with an empty text's).
fn blank(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_whitespace() || c.is_control() || is_bidi_control(c))
}

/// The structure of a Markdown document as pulldown-cmark parses it (with every extension it
/// knows): blocks, inline markup, links, HTML; the words themselves left out.
fn markdown_structure(md: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Options, Parser};
    Parser::new_ext(md, Options::all())
        .filter_map(|e| match e {
            Event::Text(_) => None,
            Event::Start(tag) => Some(format!("<{tag:?}>")),
            Event::End(tag) => Some(format!("</{tag:?}>")),
            other => Some(format!("{other:?}")),
        })
        .collect()
}

/// The tags of an HTML page, in order (an escaped page has `<` only in its own tags).
fn html_tags(html: &str) -> Vec<&str> {
    html.split('<')
        .skip(1)
        .map(|rest| rest.split('>').next().unwrap_or(rest))
        .collect()
}

#[test]
fn no_hostile_text_acts_in_any_report_format() {
    let base = with_cluster(decided_workshop().0.state().clone());
    let mut failures = Vec::new();
    for hostile in hostile_texts() {
        let plain = if blank(&hostile) { "" } else { "x" };
        let report = report::build(&with_text(&base, &hostile));
        let baseline = report::build(&with_text(&base, plain));
        assert_eq!(report.title, hostile, "the model keeps the text as typed");
        let mut fail = |what: &str| failures.push(format!("{hostile:?}: {what}"));

        // Markdown: the same document structure as with a plain text, no HTML, no link.
        let md = report::markdown(&report);
        let structure = markdown_structure(&md);
        if structure != markdown_structure(&report::markdown(&baseline)) {
            fail("changes the Markdown structure");
        }
        if structure
            .iter()
            .any(|e| e.contains("Html") || e.contains("Link") || e.contains("Image"))
        {
            fail("HTML or a link in the Markdown");
        }
        let mut rendered = String::new();
        pulldown_cmark::html::push_html(
            &mut rendered,
            pulldown_cmark::Parser::new_ext(&md, pulldown_cmark::Options::all()),
        );
        for bad in ["<script", "<img", "<a ", "<svg", "<style", "<b ", "<!--"] {
            if rendered.contains(bad) {
                fail(&format!("rendered Markdown has {bad}"));
            }
        }
        let outside_isolates: String = md
            .split('\u{2068}')
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part
                } else {
                    part.split_once('\u{2069}')
                        .map(|(_, rest)| rest)
                        .unwrap_or("")
                }
            })
            .collect();
        if md
            .chars()
            .any(|c| is_bidi_control(c) && c != '\u{2068}' && c != '\u{2069}')
            || md.matches('\u{2068}').count() != md.matches('\u{2069}').count()
            || outside_isolates.chars().any(is_bidi_control)
        {
            fail("a bidi control in the Markdown outside an isolate");
        }
        if md.chars().any(|c| c.is_control() && c != '\n') {
            fail("a control character in the Markdown");
        }

        // HTML: exactly the tags of the plain report; bidi controls only inside <bdi>.
        let html = report::html(&report);
        if html_tags(&html) != html_tags(&report::html(&baseline)) {
            fail("changes the HTML tags or attributes");
        }
        for (i, c) in html.char_indices() {
            if is_bidi_control(c) {
                let open = html[..i].rfind("<bdi>");
                let close = html[..i].rfind("</bdi>");
                if open.is_none() || close > open {
                    fail("a bidi control outside <bdi>");
                }
            }
        }

        // CSV, both dialects: the same rows and columns, no formula, no bidi control.
        for dialect in [Dialect::International, Dialect::Dutch] {
            let delimiter = if dialect == Dialect::Dutch {
                b';'
            } else {
                b','
            };
            let parse = |text: String| -> Vec<Vec<String>> {
                csv::ReaderBuilder::new()
                    .delimiter(delimiter)
                    .has_headers(false)
                    .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
                    .records()
                    .map(|r| r.unwrap().iter().map(String::from).collect())
                    .collect()
            };
            let rows = parse(report::csv(&report, dialect).unwrap());
            let plain_rows = parse(report::csv(&baseline, dialect).unwrap());
            let shape = |rows: &[Vec<String>]| rows.iter().map(Vec::len).collect::<Vec<_>>();
            if shape(&rows) != shape(&plain_rows) {
                fail("changes the CSV's rows or columns");
            }
            for cell in rows.iter().flatten() {
                if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    fail(&format!("CSV cell {cell:?} reads as a formula"));
                }
                if cell.chars().any(is_bidi_control) {
                    fail("a bidi control in the CSV");
                }
            }
        }

        // JSON keeps the text exactly; the workbook is written.
        let json: Value = serde_json::from_str(&report::json(&report).unwrap()).unwrap();
        if json["title"] != hostile.as_str() {
            fail("the JSON changes the text");
        }
        // The workbook: no formula anywhere, every text a string cell.
        let xlsx = report::render(&report, report::Format::Xlsx).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
        for i in 0..zip.len() {
            let mut file = zip.by_index(i).unwrap();
            let name = file.name().unwrap().to_string();
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut file, &mut xml).unwrap();
            if name.starts_with("xl/worksheets/") && (xml.contains("<f>") || xml.contains("<f ")) {
                fail(&format!("a formula in {name}"));
            }
            if name.starts_with("xl/worksheets/") && xml.contains("t=\"inlineStr\"") {
                fail("an inline string");
            }
        }
        // The policy note: XML that parses (no control character a parser refuses), the same
        // paragraphs and tables as with a plain text, the title without bidi controls.
        let note =
            draagvlak_tests::docx::read(&report::render(&report, report::Format::Docx).unwrap());
        let plain_note =
            draagvlak_tests::docx::read(&report::render(&baseline, report::Format::Docx).unwrap());
        if note.blocks.len() != plain_note.blocks.len() {
            fail("changes the paragraphs of the .docx");
        }
        if note.styled("Title").iter().any(|t| {
            t.chars()
                .any(|c| is_bidi_control(c) || (c.is_control() && !matches!(c, '\n' | '\t')))
        }) {
            fail("a control character in the .docx");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Issue 13, bug 11: the HTML report colours each group as the app does (ICT blue, Business
/// orange, whatever their order), names groups as written, lists a cluster's statements one a
/// line instead of running them together with "; ", and does not keep a whole level on one
/// printed page (which left page 1 almost empty).
#[test]
fn html_report_colours_names_and_pages_like_the_app() {
    let workshop = demo_workshop(MARCH);
    // The demo merges no statements: add a cluster, so that its members show.
    let r = report::build(&with_cluster(workshop.state().clone()));
    let html = report::html(&r);
    let colour_after = |label: &str| {
        let at = html
            .find(&format!("<td>{label}</td><td><svg"))
            .unwrap_or_else(|| panic!("a support row for {label}"));
        // The bar's first fill is its track, the second the group's colour.
        let fills: Vec<&str> = html[at..].split("fill=\"").skip(1).take(2).collect();
        fills[1][..7].to_string()
    };
    assert_eq!(colour_after("ICT"), "#1d6fb8", "ICT is blue, as in the app");
    assert_eq!(
        colour_after("Business"),
        "#b35200",
        "Business is orange, as in the app"
    );
    assert!(!html.contains("<td>ict</td>") && !html.contains("<td>business</td>"));
    assert!(!html.contains("section{break-inside:avoid}"));
    assert!(html.contains("table{break-inside:avoid}"));
    assert!(
        r.levels
            .iter()
            .any(|l| l.priorities.iter().any(|p| !p.cluster_of.is_empty())),
        "a cluster with its members"
    );
    assert!(html.contains("<ul class=\"members\"><li>"));
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
        md.contains("| 1 | \\<script\\>alert\\(1\\)\\</script\\> \\| eerlijk | 1 |"),
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
    // A workbook, one sheet per table.
    let resp = client
        .get(url("xlsx"))
        .bearer_auth(&s.facilitator_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .ends_with(".xlsx\"")
    );
    assert!(resp.bytes().await.unwrap().starts_with(b"PK"));
    // Both CSV dialects.
    for (format, start) in [("csv-nl", "\u{feff}soort;"), ("csv-en", "kind,")] {
        let resp = client
            .get(url(format))
            .bearer_auth(&s.facilitator_secret)
            .send()
            .await
            .unwrap();
        assert!(resp.text().await.unwrap().starts_with(start), "{format}");
    }
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
    assert_eq!(report["time_zone"], "Europe/Amsterdam");

    // A workbook to a file, in another time zone; an unknown zone is refused.
    let run = |args: Vec<String>| {
        let dir = data.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(BIN)
                .args(args)
                .arg("--data-dir")
                .arg(dir)
                .output()
                .unwrap()
        })
    };
    let file = data.path().join("report.xlsx");
    let out = run(vec![
        "report".into(),
        "--code".into(),
        s.code.clone(),
        "--format".into(),
        "xlsx".into(),
        "--time-zone".into(),
        "America/Curacao".into(),
        "--output".into(),
        file.display().to_string(),
    ])
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&file).unwrap().starts_with(b"PK"));
    let out = run(vec![
        "report".into(),
        "--code".into(),
        s.code.clone(),
        "--time-zone".into(),
        "Europe/Zaandam".into(),
    ])
    .await
    .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown time zone \"Europe/Zaandam\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

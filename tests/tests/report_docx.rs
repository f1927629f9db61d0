//! The policy note (`.docx` report, issue 19 item 4), read back the way a word processor would:
//! a demo session downloaded over HTTP has its title page, the adopted rules on a page of their
//! own, per level the priorities with dots per group and the rules with support per group, and
//! headings in real heading styles with outline levels; a statement with markup characters,
//! quotes and an emoji comes back exactly as typed; a follow-up's note names the earlier session
//! and compares then and now. The JSON report of the same session is the oracle for every text
//! and figure.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use draagvlak_protocol::api::{CreateSession, FollowUpOf, SessionCreated};
use draagvlak_server::report::percent;
use draagvlak_tests::docx::{self, Block, Note, subsection, tables};
use draagvlak_tests::{InProcess, Raw, create_session, join, report};
use serde_json::{Value, json};

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A demo session in `language` (two levels voted, rated and decided).
async fn demo(http: &str, language: &str) -> SessionCreated {
    let resp = reqwest::Client::new()
        .post(format!("{http}/api/demo"))
        .json(&json!({ "language": language }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    resp.json().await.unwrap()
}

/// The `.docx` report over HTTP, with its headers checked, read back.
async fn download(http: &str, code: &str, secret: &str) -> (Vec<u8>, Note) {
    let resp = reqwest::Client::new()
        .get(format!("{http}/api/sessions/{code}/report/docx"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], DOCX);
    assert_eq!(
        resp.headers()["content-disposition"],
        format!("attachment; filename=\"draagvlak-{code}.docx\"").as_str()
    );
    let bytes = resp.bytes().await.unwrap().to_vec();
    let note = docx::read(&bytes);
    (bytes, note)
}

fn pct(share: &Value) -> String {
    share
        .as_f64()
        .map_or("–".to_string(), |s| format!("{}%", percent(s)))
}

/// The row of a table whose first cell (or, with `column`, another cell) starts with `text`.
fn row<'a>(table: &'a [Vec<String>], column: usize, text: &str) -> &'a Vec<String> {
    table
        .iter()
        .find(|r| r.get(column).is_some_and(|c| c.starts_with(text)))
        .unwrap_or_else(|| panic!("no row with {text:?} in {table:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_session_becomes_a_policy_note_with_real_headings() {
    let server = InProcess::start().await;
    let http = server.http();
    let s = demo(&http, "nl").await;
    let (bytes, note) = download(&http, &s.code, &s.facilitator_secret).await;
    let json: Value =
        serde_json::from_str(&report(&http, &s.code, &s.facilitator_secret, "json").await).unwrap();
    let groups: Vec<&str> = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(groups.len(), 2, "{json}");
    // The note names the groups as the app and the HTML report do, not by their ids.
    let label = |g: &str| match g {
        "ict" => "ICT".to_string(),
        "business" => "Business".to_string(),
        other => other.to_string(),
    };
    let labels: Vec<String> = groups.iter().map(|g| label(g)).collect();
    let people = tables(note.section("Deelnemers"))[0];
    let named: Vec<&str> = people[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(named, labels, "the participants per group: {people:?}");

    // The title page: the title first, then the organisation, the kind of document, the date.
    let Block::Para(first) = &note.blocks[0] else {
        panic!("the note starts with a table")
    };
    assert_eq!(first.style.as_deref(), Some("Title"));
    assert_eq!(first.text, json["title"].as_str().unwrap());
    let subtitles = note.styled("Subtitle");
    assert_eq!(
        subtitles,
        [
            json["organisation"].as_str().unwrap(),
            "Beleidsnotitie: verslag van de sessie"
        ]
    );
    assert!(
        note.paragraphs()
            .any(|p| p.text.starts_with("Datum: ") && p.text.contains("(Europe/Amsterdam)")),
        "{:#?}",
        note.blocks
    );

    // The adopted rules, on a page of their own: the next heading starts a new page too.
    let adopted = json["adopted"].as_array().unwrap();
    assert!(!adopted.is_empty(), "the demo adopts rules");
    let section = note.section("Aangenomen vuistregels");
    let Block::Para(head) = &section[0] else {
        unreachable!()
    };
    assert!(head.page_break, "the adopted rules start a page");
    let table = tables(section);
    assert_eq!(table.len(), 1, "{section:#?}");
    assert_eq!(
        table[0][0],
        ["niveau", "vuistregel", "draagvlak", "verankert"]
    );
    assert_eq!(table[0].len(), adopted.len() + 1);
    for a in adopted {
        let r = row(table[0], 1, a["text"].as_str().unwrap());
        assert!(r[2].starts_with(&pct(&a["support"])), "{r:?}");
    }
    let after = note
        .paragraphs()
        .filter(|p| p.style.as_deref() == Some("Heading1"))
        .skip_while(|p| p.text != "Aangenomen vuistregels")
        .nth(1)
        .unwrap();
    assert!(after.page_break, "{after:?} starts a new page");

    // Per level: the priorities with dots overall and per group, the rules with support.
    let levels = json["levels"].as_array().unwrap();
    let mut checked = 0;
    for level in levels {
        let section = note.section(level["name"].as_str().unwrap());
        let prio = subsection(section, "Heading2", "Prioriteiten");
        let priorities = level["priorities"].as_array().unwrap();
        if !priorities.is_empty() {
            let table = tables(prio)[0];
            let revealed = level["dots_revealed"].as_bool().unwrap();
            if revealed {
                assert_eq!(table[0][3..3 + groups.len()], labels[..], "{table:?}");
            }
            for p in priorities {
                let r = row(table, 1, p["text"].as_str().unwrap());
                if revealed {
                    assert_eq!(r[2], p["dots"].to_string(), "{r:?}");
                    for (i, g) in groups.iter().enumerate() {
                        let dots = p["dots_by_group"][g].as_u64().unwrap_or(0);
                        assert_eq!(r[3 + i], dots.to_string(), "{g} in {r:?}");
                    }
                    checked += 1;
                }
            }
        }
        let rules = subsection(section, "Heading2", "Vuistregels");
        for rule in level["rules"].as_array().unwrap() {
            let r = row(tables(rules)[0], 0, rule["text"].as_str().unwrap());
            if let Some(support) = rule.get("support").filter(|s| !s.is_null()) {
                assert_eq!(r[4], pct(&support["overall"]), "{r:?}");
                for (i, g) in groups.iter().enumerate() {
                    assert_eq!(r[5 + i], pct(&support["by_group"][g]), "{g} in {r:?}");
                }
            }
        }
    }
    assert!(checked >= 4, "revealed priorities checked: {checked}");

    // Charts: under each rule with revealed support, its bars (overall and per group) as PNG
    // images with the percentage as text beside them; each image's filled part is the share.
    let mut expected_bars = Vec::new();
    for level in levels {
        let section = note.section(level["name"].as_str().unwrap());
        let rules = subsection(section, "Heading2", "Vuistregels");
        let charts: Vec<_> = tables(rules).into_iter().skip(1).collect();
        let revealed: Vec<&Value> = level["rules"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| !r["support"].is_null())
            .collect();
        assert_eq!(charts.len(), revealed.len(), "{charts:#?}");
        for (chart, rule) in charts.iter().zip(&revealed) {
            let s = &rule["support"];
            let mut expected = vec![vec![
                "draagvlak".to_string(),
                format!(" {}", pct(&s["overall"])),
            ]];
            expected_bars.push(s["overall"].as_f64().unwrap());
            for g in &groups {
                expected.push(vec![label(g), format!(" {}", pct(&s["by_group"][g]))]);
                expected_bars.push(s["by_group"][g].as_f64().unwrap_or(0.0));
            }
            assert_eq!(**chart, expected, "the chart of {}", rule["text"]);
        }
    }
    assert!(!expected_bars.is_empty());
    assert_eq!(
        note.document_xml.matches("<w:drawing>").count(),
        expected_bars.len()
    );
    let expected: Vec<u32> = expected_bars
        .iter()
        .map(|s| (s * 400.0).round() as u32)
        .collect();
    assert_eq!(
        docx::bars(&bytes),
        expected,
        "the bars' filled pixels out of 400, in order"
    );

    // Real headings: styles with outline levels, named as Word's built-in headings.
    for (id, name, level) in [
        ("Heading1", "heading 1", 0),
        ("Heading2", "heading 2", 1),
        ("Heading3", "heading 3", 2),
    ] {
        let style = note
            .style(id)
            .unwrap_or_else(|| panic!("{id} in {:#?}", note.styles));
        assert_eq!(style.name.as_deref(), Some(name));
        assert_eq!(style.outline_level, Some(level), "{id}");
    }
    assert!(note.styled("Heading1").len() >= 2 + levels.len());
    assert_eq!(note.styled("Heading2").len(), 2 * levels.len());

    // In English, in English.
    let en = demo(&http, "en").await;
    let (_, note) = download(&http, &en.code, &en.facilitator_secret).await;
    assert!(
        note.styled("Subtitle")
            .contains(&"Policy note: record of the session")
    );
    let section = note.section("Adopted rules of thumb");
    assert_eq!(
        tables(section)[0][0],
        ["level", "rule of thumb", "support", "anchors"]
    );
    note.section("Participants");
    note.section("Timeline");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_with_markup_quotes_and_an_emoji_comes_back_as_typed() {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Tom & \"Jerry\" <b>2027</b>").await;
    let (mut fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&s.code, &s.facilitator_secret),
    )
    .await;
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    let (mut anna, _) = Raw::join(&server.ws(), join::participant(&s.code, "Anna", "ict")).await;
    let tricky = "<script>alert('x')</script> & \"Tom's\" <w:t>]]> 🎉🇳🇱 — ½";
    anna.ok("a1", json!({"kind":"add_statement","text":tricky}))
        .await;
    fac.ok("f2", json!({"kind":"go_to_phase","index":3})).await;
    anna.ok("a2", json!({"kind":"place_dot","statement":"s2"}))
        .await;
    fac.ok("f3", json!({"kind":"reveal_votes"})).await;

    let (bytes, note) = download(&server.http(), &s.code, &s.facilitator_secret).await;
    assert_eq!(note.styled("Title"), ["Tom & \"Jerry\" <b>2027</b>"]);
    let all: Vec<&Vec<String>> = tables(&note.blocks)
        .into_iter()
        .flat_map(|t| t.iter())
        .collect();
    let r = all
        .iter()
        .find(|r| r.get(1).is_some_and(|c| c == tricky))
        .unwrap_or_else(|| panic!("{tricky:?} is not a cell of {all:#?}"));
    assert_eq!(r[0], "1");
    assert_eq!(r[2], "1");
    // Escaped in the XML, never markup of its own.
    assert!(!note.document_xml.contains("<script"));
    assert!(!note.document_xml.contains("<b>"));
    assert!(note.document_xml.contains("&lt;script&gt;"));
    // The rest of the package parses too.
    for part in ["[Content_Types].xml", "word/_rels/document.xml.rels"] {
        roxmltree::Document::parse(&docx::part(&bytes, part)).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_note_names_the_earlier_session_and_compares_then_and_now() {
    let server = InProcess::start().await;
    let http = server.http();
    let earlier = demo(&http, "nl").await;
    let title: Value = serde_json::from_str(
        &report(&http, &earlier.code, &earlier.facilitator_secret, "json").await,
    )
    .unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{http}/api/sessions"))
        .json(&CreateSession {
            title: "Een jaar later".into(),
            organisation: "Gemeente Zaanstad".into(),
            place: String::new(),
            language: "nl".into(),
            template: "strategic-framework".into(),
            agenda: None,
            follows: Some(FollowUpOf {
                code: earlier.code.clone(),
                secret: earlier.facilitator_secret.clone(),
            }),
            groups: None,
        })
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let f: SessionCreated = resp.json().await.unwrap();
    let json: Value =
        serde_json::from_str(&report(&http, &f.code, &f.facilitator_secret, "json").await).unwrap();
    let (_, note) = download(&http, &f.code, &f.facilitator_secret).await;
    let follows = format!(
        "Vervolg op: {} ({})",
        title["title"].as_str().unwrap(),
        earlier.code
    );
    assert!(
        note.paragraphs().take(8).any(|p| p.text == follows),
        "{follows:?} on the title page of {:#?}",
        note.blocks
    );
    let comparison = json["comparison"].as_array().unwrap();
    assert!(!comparison.is_empty(), "{json}");
    let section = note.section("Toen en nu");
    let table = tables(section)[0];
    assert_eq!(table.len(), comparison.len() + 1);
    for c in comparison {
        let r = row(table, 0, c["text"].as_str().unwrap());
        assert_eq!(r[1], pct(&c["then"]["overall"]), "{r:?}");
    }
}

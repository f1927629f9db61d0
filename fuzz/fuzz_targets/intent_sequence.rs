//! Arbitrary intent sequences from a facilitator and four participants, applied to a session
//! document. Checked after every step: no panic; a refused intent changes nothing; dot budgets
//! and per-item limits hold; no view shows unrevealed dots or ratings or an anonymous author.
//! At the end the mirror equals the document and a reload from storage.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use automerge::ChangeHash;
use draagvlak_protocol::view::Level;
use draagvlak_protocol::{Intent, Splice};
use draagvlak_server::session::Refusal;
use draagvlak_server::session::apply::{Context, Sender, apply};
use draagvlak_server::session::projection::{self, Audience, Presence};
use draagvlak_server::session::template;
use draagvlak_server::session::workshop::{Meta, Workshop};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const PEOPLE: usize = 4;

fn pick(ids: &[String], i: u8) -> String {
    if ids.is_empty() {
        "s0".into()
    } else {
        ids[i as usize % ids.len()].clone()
    }
}

fn intent(u: &mut Unstructured<'_>, statements: &[String], rules: &[String]) -> arbitrary::Result<(Option<usize>, Intent)> {
    let who = u.int_in_range(0..=PEOPLE)?;
    let sender = (who < PEOPLE).then_some(who);
    let text = |u: &mut Unstructured<'_>| -> arbitrary::Result<String> {
        let s: String = u.arbitrary()?;
        Ok(s.chars().take(1100).collect())
    };
    let splice = |u: &mut Unstructured<'_>| -> arbitrary::Result<Splice> {
        Ok(Splice {
            rev: 0,
            pos: u.int_in_range(0..=40)?,
            delete: u.int_in_range(0..=10)?,
            insert: text(u)?,
        })
    };
    let i: u8 = u.arbitrary()?;
    let intent = match u.int_in_range(0..=19)? {
        0 => Intent::NextPhase,
        1 => Intent::PreviousPhase,
        2 => Intent::GoToPhase { index: u.int_in_range(0..=12)? },
        3 => Intent::SetLocked { locked: u.arbitrary()? },
        4 => Intent::RevealVotes,
        5 => Intent::HideStatement { statement: pick(statements, i), hidden: u.arbitrary()? },
        6 => Intent::StartTimer { seconds: u.arbitrary()? },
        7 => Intent::PauseTimer,
        8 => Intent::AddTime { seconds: u.arbitrary()? },
        9 => Intent::SetFocus { item: Some(pick(statements, i)) },
        10 | 11 => Intent::AddStatement { text: text(u)? },
        12 => Intent::EditStatement { statement: pick(statements, i), splice: splice(u)? },
        13 => Intent::DeleteStatement { statement: pick(statements, i) },
        14 | 15 => Intent::PlaceDot { statement: pick(statements, i) },
        16 => Intent::RemoveDot { statement: pick(statements, i) },
        17 => Intent::ProposeRule { text: text(u)? },
        18 => Intent::EditRule { rule: pick(rules, i), splice: splice(u)? },
        _ => Intent::RateRule { rule: pick(rules, i), score: u.arbitrary()? },
    };
    Ok((sender, intent))
}

/// The session every input starts from: created once (template, four participants, committed)
/// and kept as saved bytes. Creating it costs far more than loading it, and a `Workshop` cannot be
/// cloned, so each input loads these bytes.
struct Prepared {
    saved: Vec<u8>,
    people: Vec<String>,
}

const ID: &str = "f00df00df00df00d";

fn prepared() -> &'static Prepared {
    static PREPARED: OnceLock<Prepared> = OnceLock::new();
    PREPARED.get_or_init(|| {
        let meta = Meta {
            id: ID.into(),
            code: "FUZZED".into(),
            title: "Fuzz".into(),
            organisation: String::new(),
            language: "nl".into(),
            template: "strategic-framework".into(),
        };
        let phases = template::phases("strategic-framework").expect("template");
        let mut ws = Workshop::create(meta, &template::DEFAULT_GROUPS, &phases).expect("create");
        let people: Vec<String> = (0..PEOPLE)
            .map(|i| ws.add_participant(&format!("P{i}"), template::DEFAULT_GROUPS[i % 2]).expect("add"))
            .collect();
        ws.commit();
        let saved = ws.save();
        let loaded = Workshop::load(ID, &saved, std::iter::empty()).expect("load");
        assert_eq!(loaded.state(), ws.state());
        assert_eq!(&ws.rehydrate().expect("hydrate"), ws.state());
        Prepared { saved, people }
    })
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let prepared = prepared();
    let people = &prepared.people;
    let mut ws = Workshop::load(ID, &prepared.saved, std::iter::empty()).expect("load");
    // Whether any intent was applied: a document nothing was applied to is the prepared one, whose
    // round trip was checked when it was prepared, so the costly checks at the end are skipped.
    let mut changed = false;
    while !u.is_empty() {
        let statements: Vec<String> = ws.state().statements.keys().cloned().collect();
        let rules: Vec<String> = ws.state().rules.keys().cloned().collect();
        let Ok((who, intent)) = intent(&mut u, &statements, &rules) else { break };
        let sender = match who {
            Some(p) => Sender::Participant(people[p].as_str()),
            None => Sender::Facilitator,
        };
        if u.arbitrary::<bool>().unwrap_or(false) {
            ws.commit();
        }
        let heads: Vec<ChangeHash> = ws.heads().to_vec();
        let lookup = move |_rev: u64| -> Result<Vec<ChangeHash>, Refusal> { Ok(heads.clone()) };
        let ctx = Context { heads_at: &lookup, now_ms: 1_000 };
        let before = ws.state().clone();
        match apply(&mut ws, sender, &intent, &ctx) {
            Ok(_) => changed = true,
            Err(_) => assert_eq!(&before, ws.state(), "refused {intent:?} changed the state"),
        }
        let state = ws.state();
        for p in people {
            for level in Level::ALL {
                assert!(state.dots_used(p, level) <= state.dot_budget(level));
            }
            for n in state.dots.get(p).into_iter().flat_map(|m| m.values()) {
                assert!((1..=2).contains(n));
            }
        }
        for audience in [Audience::Public, Audience::Facilitator] {
            let view = projection::view(state, &Presence::new(), audience);
            for (id, s) in &view.statements {
                assert_eq!(s.dots.is_some(), state.revealed_dots.contains(&s.level));
                if state.statements[id].anonymous {
                    assert!(s.author.is_none());
                }
            }
            for r in view.rules.values() {
                assert_eq!(r.support.is_some(), state.revealed_ratings.contains(&r.level));
            }
        }
    }
    if !changed {
        return;
    }
    ws.commit();
    assert_eq!(&ws.rehydrate().expect("hydrate"), ws.state());
    let saved = ws.save();
    let loaded = Workshop::load(ID, &saved, std::iter::empty()).expect("load");
    assert_eq!(loaded.state(), ws.state());
});

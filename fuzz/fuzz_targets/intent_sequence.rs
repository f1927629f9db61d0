//! Arbitrary intent sequences from a facilitator, four participants and one participant without a
//! device (entered by the facilitator), applied to a session document: every intent kind,
//! clustering, rule status and rating rounds, removal, readmission and closing included. Checked
//! after every step: no panic; a refused intent changes nothing; dot budgets and per-item limits
//! hold; no view shows unrevealed dots, ratings, reasons or reviews, or an anonymous author; a
//! statement is in at most one cluster. At the end the mirror equals the document and a reload
//! from storage.
#![no_main]

use arbitrary::Unstructured;
use automerge::ChangeHash;
use draagvlak_protocol::intent::{Answer, RuleStatus};
use draagvlak_protocol::view::Level;
use draagvlak_protocol::{Intent, Splice};
use draagvlak_core::Refusal;
use draagvlak_core::apply::{Context, Sender, apply};
use draagvlak_core::projection::{self, Audience, Presence};
use draagvlak_core::new_session::NewSession;
use draagvlak_core::template;
use draagvlak_core::workshop::{Meta, Workshop};
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

/// Who sends: a participant (index), the facilitator, or the facilitator for someone.
#[derive(Debug, Clone, Copy)]
enum Who {
    Participant(usize),
    Facilitator,
    /// For participant `usize` (a proxy when it is the last one; refused otherwise).
    For(usize),
}

fn intent(
    u: &mut Unstructured<'_>,
    statements: &[String],
    clusters: &[String],
    rules: &[String],
) -> arbitrary::Result<(Who, Intent)> {
    let who = match u.int_in_range(0..=PEOPLE + 2)? {
        p if p < PEOPLE => Who::Participant(p),
        p if p == PEOPLE => Who::Facilitator,
        _ => Who::For(u.int_in_range(0..=PEOPLE)?),
    };
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
    let answer = |u: &mut Unstructured<'_>| -> arbitrary::Result<Answer> {
        Ok(Answer::ALL[u.int_in_range(0..=2)?])
    };
    let items = |u: &mut Unstructured<'_>| -> arbitrary::Result<Vec<String>> {
        let n = u.int_in_range(0..=3)?;
        (0..n)
            .map(|_| {
                let k: u8 = u.arbitrary()?;
                Ok(if u.arbitrary()? { pick(clusters, k) } else { pick(statements, k) })
            })
            .collect()
    };
    let intent = match u.int_in_range(0..=36)? {
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
        17 => Intent::ProposeRule { text: text(u)?, anchors: items(u)? },
        18 => Intent::EditRule { rule: pick(rules, i), splice: splice(u)? },
        19 => Intent::RateRule {
            rule: pick(rules, i),
            score: u.arbitrary()?,
            reason: if u.arbitrary()? { Some(text(u)?) } else { None },
        },
        20 => Intent::SetClusteringOpen { open: u.arbitrary()? },
        21 => Intent::SetRuleStatus {
            rule: pick(rules, i),
            status: [RuleStatus::Proposed, RuleStatus::Adopted, RuleStatus::Revise, RuleStatus::Dropped]
                [u.int_in_range(0..=3)?],
            confirm: u.arbitrary()?,
        },
        22 => Intent::StartRatingRound { rule: pick(rules, i) },
        23 => Intent::SetEqualGroupWeight { equal: u.arbitrary()? },
        24 => Intent::SetAnonymous { phase: u.int_in_range(0..=14)?, anonymous: u.arbitrary()? },
        25 => Intent::AddProxy { name: text(u)?, group: if u.arbitrary()? { "ict".into() } else { text(u)? } },
        26 => {
            let participant = format!("p{}", u.int_in_range(0..=8)?);
            if u.arbitrary()? { Intent::RemoveParticipant { participant } } else { Intent::Readmit { participant } }
        }
        27 => Intent::CloseSession,
        28 | 29 => Intent::CreateCluster { statements: items(u)?, title: text(u)? },
        30 => Intent::AddToCluster { cluster: pick(clusters, i), statements: items(u)? },
        31 => Intent::RemoveFromCluster { statement: pick(statements, i) },
        32 => Intent::DissolveCluster { cluster: pick(clusters, i) },
        33 => Intent::RenameCluster { cluster: pick(clusters, i), title: text(u)? },
        34 => Intent::LinkRule { rule: pick(rules, i), anchor: pick(statements, i), linked: u.arbitrary()? },
        35 => Intent::StartVoteRound,
        _ => {
            match u.int_in_range(0..=5u8)? {
                0 => Intent::SetReady { ready: u.arbitrary()? },
                1 => Intent::SetRemote { remote: u.arbitrary()? },
                2 => Intent::SetName { name: text(u)? },
                3 => Intent::SetGroup { group: if u.arbitrary()? { "business".into() } else { text(u)? } },
                4 => Intent::DecideGroup {
                    participant: format!("p{}", u.int_in_range(0..=8)?),
                    accept: u.arbitrary()?,
                },
                _ => Intent::ReviewRule { rule: pick(rules, i), applied: answer(u)?, still_right: answer(u)? },
            }
        }
    };
    Ok((who, intent))
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
        let mut workshop = NewSession::from_template(meta)
            .and_then(NewSession::create)
            .expect("create");
        let mut people: Vec<String> = (0..PEOPLE)
            .map(|i| workshop.add_participant(&format!("P{i}"), template::DEFAULT_GROUPS[i % 2]).expect("add"))
            .collect();
        // The last one has no device: only the facilitator enters their input.
        people.push(workshop.add_proxy("Zonder apparaat", "business").expect("proxy"));
        workshop.commit();
        let saved = workshop.save();
        let loaded = Workshop::load(ID, &saved, std::iter::empty()).expect("load");
        assert_eq!(loaded.state(), workshop.state());
        assert_eq!(&workshop.rehydrate().expect("hydrate"), workshop.state());
        Prepared { saved, people }
    })
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let prepared = prepared();
    let people = &prepared.people;
    let mut workshop = Workshop::load(ID, &prepared.saved, std::iter::empty()).expect("load");
    // Whether any intent was applied: a document nothing was applied to is the prepared one, whose
    // round trip was checked when it was prepared, so the costly checks at the end are skipped.
    let mut changed = false;
    while !u.is_empty() {
        let statements: Vec<String> = workshop.state().statements.keys().cloned().collect();
        let rules: Vec<String> = workshop.state().rules.keys().cloned().collect();
        let clusters: Vec<String> = workshop.state().clusters.keys().cloned().collect();
        let Ok((who, intent)) = intent(&mut u, &statements, &clusters, &rules) else { break };
        let sender = match who {
            Who::Participant(p) => Sender::Participant(people[p].as_str()),
            Who::Facilitator => Sender::Facilitator,
            Who::For(p) => Sender::Proxy(people[p].as_str()),
        };
        if u.arbitrary::<bool>().unwrap_or(false) {
            workshop.commit();
        }
        let heads: Vec<ChangeHash> = workshop.heads().to_vec();
        let lookup = move |_rev: u64| -> Result<Vec<ChangeHash>, Refusal> { Ok(heads.clone()) };
        let ctx = Context::new(&lookup, 1_000);
        let before = workshop.state().clone();
        match apply(&mut workshop, sender, &intent, &ctx) {
            Ok(_) => {
                changed = true;
                if let Who::For(p) = who {
                    assert!(before.participants[&people[p]].proxy, "acted for someone with a device");
                }
            }
            Err(_) => assert_eq!(&before, workshop.state(), "refused {intent:?} changed the state"),
        }
        let state = workshop.state();
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
            for (id, r) in &view.rules {
                let stored = &state.rules[id];
                assert_eq!(r.support.is_some(), stored.revealed_round >= stored.round);
                if r.support.is_some() {
                    assert!(state.revealed_ratings.contains(&r.level));
                }
                assert!(r.reasons.is_empty() || r.support.is_some(), "reasons before reveal");
                assert_eq!(r.review.is_some(), r.reviewers.is_some() && state.revealed_review);
                assert!(r.earlier_rounds.len() as u32 <= stored.revealed_round);
            }
            for (id, c) in &view.clusters {
                assert_eq!(c.dots.is_some(), state.revealed_dots.contains(&c.level));
                for sid in &c.statements {
                    assert_eq!(state.statements[sid].cluster.as_deref(), Some(id.as_str()));
                }
            }
            let json = serde_json::to_string(&view).expect("view serialises");
            for reasons in state.reasons.values() {
                for reason in reasons.values() {
                    let revealed = view.rules.values().any(|r| r.reasons.contains(reason));
                    if !revealed && reason.len() > 8 {
                        assert!(!json.contains(&serde_json::to_string(reason).expect("str")), "unrevealed reason in a view");
                    }
                }
            }
        }
    }
    if !changed {
        return;
    }
    workshop.commit();
    assert_eq!(&workshop.rehydrate().expect("hydrate"), workshop.state());
    let saved = workshop.save();
    let loaded = Workshop::load(ID, &saved, std::iter::empty()).expect("load");
    assert_eq!(loaded.state(), workshop.state());
});

//! Property tests of the workshop logic: random intent sequences from a facilitator and several
//! participants, checked after every step.
//!
//! Invariants: a refused intent changes nothing; dot budgets and per-item limits always hold;
//! no public or facilitator view carries dots or ratings of an unrevealed level, or an author
//! of an anonymous statement; the mirror always equals the document, and a reload from storage.
//!
//! Decisions hold: the figures of a revealed round (dots per item and group, a rule's support,
//! reasons and text) never change while that round lasts; and the only steps that change any
//! figure derived from secret input in any view are the facilitator's reveal and new rounds —
//! no participant's intent, no removal and no group change, moves a revealed number, so no sequence of frames
//! ties a person to a dot, a score or a reason.

use std::collections::BTreeMap;

use automerge::ChangeHash;
use draagvlak_protocol::intent::RuleStatus;
use draagvlak_protocol::view::{Level, SupportView, View};
use draagvlak_protocol::{Intent, ParticipantId, RuleId, Splice, StatementId};
use proptest::prelude::*;

use super::Refusal;
use super::apply::{Context, Created, Sender, Touched, apply};
use super::new_session::NewSession;
use super::projection::{self, Audience, Presence};
use super::template;
use super::workshop::{Meta, Workshop};

const PARTICIPANTS: usize = 4;

/// An intent with references by index into what exists when it is applied.
#[derive(Debug, Clone)]
enum Step {
    Phase(u32),
    Next,
    Previous,
    Lock(bool),
    Reveal,
    Hide(usize, bool),
    Add(usize, String),
    Edit(usize, usize, u32, u32, String),
    Delete(usize, usize),
    Dot(usize, usize),
    Undot(usize, usize),
    Propose(usize, String),
    EditRule(usize, usize, u32, u32, String),
    Rate(usize, usize, u8),
    VoteRound,
    RuleRound(usize),
    Decide(usize, u8, bool),
    Remove(usize),
    FacAdd(String),
    FacPropose(String),
    FacEditRule(usize, u32, String),
    /// A participant (or, with `None`, the facilitator) links or unlinks a statement.
    Link(Option<usize>, usize, usize, bool),
    /// A participant asks for a group (the index into the session's groups).
    Regroup(usize, usize),
    /// The facilitator accepts or refuses a participant's pending group change.
    DecideGroup(usize, bool),
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z ]{0,12}",
        Just("é😀 ß".to_string()),
        Just(String::new()),
        Just("x".repeat(1001)),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let p = 0..PARTICIPANTS;
    prop_oneof![
        (0u32..12).prop_map(Step::Phase),
        Just(Step::Next),
        Just(Step::Previous),
        any::<bool>().prop_map(Step::Lock),
        Just(Step::Reveal),
        (0usize..8, any::<bool>()).prop_map(|(i, h)| Step::Hide(i, h)),
        (p.clone(), text()).prop_map(|(p, t)| Step::Add(p, t)),
        (p.clone(), 0usize..8, 0u32..20, 0u32..5, text())
            .prop_map(|(p, i, pos, del, t)| Step::Edit(p, i, pos, del, t)),
        (p.clone(), 0usize..8).prop_map(|(p, i)| Step::Delete(p, i)),
        (p.clone(), 0usize..8).prop_map(|(p, i)| Step::Dot(p, i)),
        (p.clone(), 0usize..8).prop_map(|(p, i)| Step::Undot(p, i)),
        (p.clone(), text()).prop_map(|(p, t)| Step::Propose(p, t)),
        (p.clone(), 0usize..4, 0u32..20, 0u32..5, text())
            .prop_map(|(p, i, pos, del, t)| Step::EditRule(p, i, pos, del, t)),
        (p.clone(), 0usize..4, 0u8..7).prop_map(|(p, i, s)| Step::Rate(p, i, s)),
        Just(Step::VoteRound),
        (0usize..4).prop_map(Step::RuleRound),
        (0usize..4, 0u8..4, any::<bool>()).prop_map(|(i, s, c)| Step::Decide(i, s, c)),
        (p.clone()).prop_map(Step::Remove),
        text().prop_map(Step::FacAdd),
        text().prop_map(Step::FacPropose),
        (0usize..4, 0u32..20, text()).prop_map(|(i, pos, t)| Step::FacEditRule(i, pos, t)),
        (prop::option::of(p), 0usize..4, 0usize..8, any::<bool>())
            .prop_map(|(p, r, s, l)| Step::Link(p, r, s, l)),
        (0..PARTICIPANTS, 0usize..2).prop_map(|(p, g)| Step::Regroup(p, g)),
        (0..PARTICIPANTS, any::<bool>()).prop_map(|(p, a)| Step::DecideGroup(p, a)),
    ]
}

/// Every figure in a view that comes from secret input (dots, ratings, reasons), and the text of
/// rules whose round is revealed.
type Figures = BTreeMap<String, String>;

fn figures(view: &View) -> Figures {
    let mut out = Figures::new();
    // `removed` may grow when someone is removed after the reveal: it counts, never names, and
    // every other figure stays.
    let support = |s: &Option<SupportView>| {
        format!("{:?}", s.clone().map(|s| SupportView { removed: 0, ..s }))
    };
    for (id, s) in &view.statements {
        out.insert(
            id.to_string(),
            format!("{:?} {:?}", s.dots, s.dots_by_group),
        );
    }
    for (id, c) in &view.clusters {
        out.insert(
            id.to_string(),
            format!("{:?} {:?}", c.dots, c.dots_by_group),
        );
    }
    for (id, r) in &view.rules {
        let text = if r.support.is_some() {
            r.text.as_str()
        } else {
            ""
        };
        out.insert(
            id.to_string(),
            format!(
                "{} {:?} {:?} {text} {:?}",
                support(&r.support),
                r.earlier_rounds
                    .iter()
                    .map(|s| support(&Some(s.clone())))
                    .collect::<Vec<_>>(),
                r.reasons,
                r.earlier_texts
            ),
        );
    }
    for (level, p) in &view.progress {
        out.insert(
            level.as_str().to_string(),
            format!("{:?}", p.earlier_vote_rounds),
        );
    }
    out
}

/// The figures that existed before and after a step and differ.
fn changed(before: &Figures, after: &Figures) -> Vec<String> {
    before
        .iter()
        .filter(|(k, v)| after.get(*k).is_some_and(|a| a != *v))
        .map(|(k, v)| format!("{k}: {v} -> {}", after[k]))
        .collect()
}

fn nth<T: Clone + for<'a> From<&'a str>>(ids: Vec<T>, i: usize) -> T {
    if ids.is_empty() {
        "s0".into()
    } else {
        ids[i % ids.len()].clone()
    }
}

fn check_invariants(workshop: &Workshop, people: &[ParticipantId]) -> Result<(), TestCaseError> {
    let state = workshop.state();
    for p in people {
        for level in Level::ALL {
            prop_assert!(state.dots_used(p, level) <= state.dot_budget(level));
        }
        if let Some(dots) = state.dots.get(p.as_str()) {
            for (sid, n) in dots {
                prop_assert!(*n >= 1 && *n <= 2, "per-item limit");
                prop_assert!(
                    state.statements.contains_key(sid.as_str()),
                    "dots only on existing statements"
                );
            }
        }
    }
    let presence = Presence::new();
    for audience in [Audience::Public, Audience::Facilitator] {
        let view = projection::view(state, &presence, audience);
        for (id, s) in &view.statements {
            let stored = &state.statements[id];
            prop_assert_eq!(s.dots.is_some(), state.revealed_dots.contains(&s.level));
            if stored.anonymous {
                prop_assert!(s.author.is_none());
            }
            if audience == Audience::Public {
                prop_assert!(!stored.hidden);
            }
        }
        for (id, r) in &view.rules {
            // Ratings show only for a round the facilitator revealed, on a revealed level.
            let stored = &state.rules[id];
            prop_assert_eq!(r.support.is_some(), stored.revealed_round >= stored.round);
            if r.support.is_some() {
                prop_assert!(state.revealed_ratings.contains(&r.level));
            }
        }
    }
    Ok(())
}

/// A session on the default agenda with `PARTICIPANTS` people, alternately ICT and business.
fn session_with_people(title: &str) -> Result<(Workshop, Vec<ParticipantId>), TestCaseError> {
    let meta = Meta {
        id: "feedfacefeedface".into(),
        code: "PRPTST".into(),
        title: title.into(),
        organisation: String::new(),
        language: "nl".into(),
        template: "strategic-framework".into(),
    };
    let fail = |e: &dyn std::fmt::Display| TestCaseError::fail(e.to_string());
    let mut workshop = NewSession::from_template(meta)
        .and_then(NewSession::create)
        .map_err(|e| fail(&e))?;
    let people = (0..PARTICIPANTS)
        .map(|i| workshop.add_participant(&format!("P{i}"), template::DEFAULT_GROUPS[i % 2]))
        .collect::<Result<_, _>>()
        .map_err(|e| fail(&e))?;
    Ok((workshop, people))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_sessions_keep_every_invariant(steps in prop::collection::vec(step(), 1..60)) {
        let (mut workshop, people) = session_with_people("Eigenschappen")?;
        workshop.commit();
        for step in steps {
            let statements: Vec<StatementId> = workshop.state().statements.keys().cloned().collect();
            let rules: Vec<RuleId> = workshop.state().rules.keys().cloned().collect();
            let (sender, intent) = match step {
                Step::Phase(i) => (None, Intent::GoToPhase { index: i }),
                Step::Next => (None, Intent::NextPhase),
                Step::Previous => (None, Intent::PreviousPhase),
                Step::Lock(l) => (None, Intent::SetLocked { locked: l }),
                Step::Reveal => (None, Intent::RevealVotes),
                Step::Hide(i, h) => (None, Intent::HideStatement { statement: (nth(statements, i)), hidden: h }),
                Step::Add(p, t) => (Some(p), Intent::AddStatement { text: t }),
                Step::Edit(p, i, pos, delete, insert) => (Some(p), Intent::EditStatement {
                    statement: (nth(statements, i)),
                    splice: Splice { rev: 0, pos, delete, insert },
                }),
                Step::Delete(p, i) => (Some(p), Intent::DeleteStatement { statement: (nth(statements, i)) }),
                Step::Dot(p, i) => (Some(p), Intent::PlaceDot { statement: (nth(statements, i)).into() }),
                Step::Undot(p, i) => (Some(p), Intent::RemoveDot { statement: (nth(statements, i)).into() }),
                Step::Propose(p, t) => (Some(p), Intent::ProposeRule { text: t, anchors: Vec::new() }),
                Step::EditRule(p, i, pos, delete, insert) => (Some(p), Intent::EditRule {
                    rule: (nth(rules, i)),
                    splice: Splice { rev: 0, pos, delete, insert },
                }),
                Step::Rate(p, i, score) => (Some(p), Intent::RateRule { rule: (nth(rules, i)), score, reason: Some("reden".into()) }),
                Step::VoteRound => (None, Intent::StartVoteRound),
                Step::RuleRound(i) => (None, Intent::StartRatingRound { rule: (nth(rules, i)) }),
                Step::Decide(i, s, confirm) => {
                    let status = [RuleStatus::Proposed, RuleStatus::Adopted, RuleStatus::Revise, RuleStatus::Dropped][usize::from(s) % 4];
                    (None, Intent::SetRuleStatus { rule: (nth(rules, i)), status, confirm })
                }
                Step::Remove(p) => (None, Intent::RemoveParticipant { participant: people[p].clone() }),
                Step::FacAdd(t) => (None, Intent::AddStatement { text: t }),
                Step::FacPropose(t) => (None, Intent::ProposeRule { text: t, anchors: Vec::new() }),
                Step::FacEditRule(i, pos, insert) => (None, Intent::EditRule {
                    rule: (nth(rules, i)),
                    splice: Splice { rev: 0, pos, delete: 0, insert },
                }),
                Step::Link(p, r, st, linked) => (p, Intent::LinkRule { rule: (nth(rules, r)), anchor: (nth(statements, st)).into(), linked }),
                Step::Regroup(p, g) => (Some(p), Intent::SetGroup { group: template::DEFAULT_GROUPS[g % 2].into() }),
                Step::DecideGroup(p, accept) => (None, Intent::DecideGroup { participant: people[p].clone(), accept }),
            };
            // Steps that may change figures from secret input: publishing them, or a new round.
            let publishing = matches!(intent, Intent::RevealVotes | Intent::StartVoteRound | Intent::StartRatingRound { .. });
            let sender = match sender {
                Some(p) => Sender::Participant(&people[p]),
                None => Sender::Facilitator,
            };
            // Text edits are made against the committed state (as clients do).
            workshop.commit();
            let heads: Vec<ChangeHash> = workshop.heads().to_vec();
            let lookup = move |_rev: u64| -> Result<Vec<ChangeHash>, Refusal> { Ok(heads.clone()) };
            let ctx = Context::new(&lookup, 1_000);
            let before = workshop.state().clone();
            let seen: Vec<Figures> = [Audience::Public, Audience::Facilitator]
                .map(|a| figures(&projection::view(&before, &Presence::new(), a)))
                .into();
            match apply(&mut workshop, sender, &intent, &ctx) {
                Err(_) => prop_assert_eq!(&before, workshop.state(), "a refused {:?} changed the state", intent),
                // Whose private part an intent says it touched: nobody else's may have changed
                // (the fan-out rebuilds only theirs).
                Ok(applied) => {
                    // Nor any entry of the views the intent did not say it touched.
                    if let Err(e) = super::method_tests::views_untouched_unchanged(&before, workshop.state(), &applied.views) {
                        return Err(TestCaseError::fail(format!("{intent:?}: {e}")));
                    }
                    for p in &people {
                        let untouched = match &applied.touched {
                            Touched::Everyone => false,
                            Touched::One(q) => q != p,
                            Touched::Nobody => true,
                        };
                        if untouched {
                            prop_assert_eq!(
                                projection::me(&before, p),
                                projection::me(workshop.state(), p),
                                "{:?} changed {}'s private part but did not say so", intent, p
                            );
                        }
                    }
                }
            }
            if !publishing {
                for (i, a) in [Audience::Public, Audience::Facilitator].into_iter().enumerate() {
                    let now = figures(&projection::view(workshop.state(), &Presence::new(), a));
                    let moved = changed(&seen[i], &now);
                    prop_assert!(moved.is_empty(), "{:?} moved figures in the {:?} view: {:?}", intent, a, moved);
                }
            }
            check_invariants(&workshop, &people)?;
        }
        workshop.commit();
        let hydrated = workshop.rehydrate().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&hydrated, workshop.state());
        let saved = workshop.save();
        let loaded = Workshop::load("feedfacefeedface", &saved, std::iter::empty())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(loaded.state(), workshop.state());
    }
}

/// A step of the group-change property: rate, reveal, new round, ask for a group, decide.
#[derive(Debug, Clone)]
enum GroupStep {
    Rate(usize, usize, u8),
    Reveal,
    NewRound(usize),
    Regroup(usize, usize),
    Decide(usize, bool),
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Issue 13, B6: in a rules phase with two rules, no group change (asked for or decided)
    /// ever moves a figure that comes from secret input, in any view: a person's group can
    /// change only where nothing revealed is counted from it.
    #[test]
    fn group_changes_never_move_revealed_figures(steps in prop::collection::vec(prop_oneof![
        (0..PARTICIPANTS, 0usize..2, 1u8..6).prop_map(|(p, r, s)| GroupStep::Rate(p, r, s)),
        Just(GroupStep::Reveal),
        (0usize..2).prop_map(GroupStep::NewRound),
        (0..PARTICIPANTS, 0usize..2).prop_map(|(p, g)| GroupStep::Regroup(p, g)),
        (0..PARTICIPANTS, any::<bool>()).prop_map(|(p, a)| GroupStep::Decide(p, a)),
    ], 1..40)) {
        let (mut workshop, people) = session_with_people("Groepen")?;
        let lookup = |_rev: u64| -> Result<Vec<ChangeHash>, Refusal> { Ok(Vec::new()) };
        let ctx = Context::new(&lookup, 1_000);
        let mut rules = Vec::new();
        for (sender, intent) in [
            (Sender::Facilitator, Intent::GoToPhase { index: 4 }),
            (Sender::Facilitator, Intent::ProposeRule { text: "Eerst hergebruiken".into(), anchors: Vec::new() }),
            (Sender::Facilitator, Intent::ProposeRule { text: "Data bij de bron".into(), anchors: Vec::new() }),
        ] {
            let applied = apply(&mut workshop, sender, &intent, &ctx).map_err(|e| TestCaseError::fail(e.message))?;
            rules.extend(applied.created.and_then(Created::rule));
        }
        for step in steps {
            let (sender, intent) = match step {
                GroupStep::Rate(p, r, score) => (Sender::Participant(&people[p]), Intent::RateRule {
                    rule: rules[r].clone(), score, reason: (score <= 2).then(|| "reden".into()),
                }),
                GroupStep::Reveal => (Sender::Facilitator, Intent::RevealVotes),
                GroupStep::NewRound(r) => (Sender::Facilitator, Intent::StartRatingRound { rule: rules[r].clone() }),
                GroupStep::Regroup(p, g) => (Sender::Participant(&people[p]), Intent::SetGroup {
                    group: template::DEFAULT_GROUPS[g].into(),
                }),
                GroupStep::Decide(p, accept) => (Sender::Facilitator, Intent::DecideGroup { participant: people[p].clone(), accept }),
            };
            let publishing = matches!(intent, Intent::RevealVotes | Intent::StartRatingRound { .. });
            let seen: Vec<Figures> = [Audience::Public, Audience::Facilitator]
                .map(|a| figures(&projection::view(workshop.state(), &Presence::new(), a)))
                .into();
            let _ = apply(&mut workshop, sender, &intent, &ctx);
            if !publishing {
                for (i, a) in [Audience::Public, Audience::Facilitator].into_iter().enumerate() {
                    let now = figures(&projection::view(workshop.state(), &Presence::new(), a));
                    let moved = changed(&seen[i], &now);
                    prop_assert!(moved.is_empty(), "{:?} moved figures in the {:?} view: {:?}", intent, a, moved);
                }
            }
        }
    }
}

mod typing;

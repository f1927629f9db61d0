//! Decisions that hold: each test is one way a decided thing used to change afterwards (dots
//! after the reveal, re-rating, rewording a rated or adopted rule, anchors rewritten by anyone,
//! results changed by removing a voter), or a facilitator action the record needs (vote and
//! rating rounds, confirmed decisions, writing as the facilitator). Every test also checks that
//! the mirror equals the document read back.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use draagvlak_protocol::intent::RuleStatus;
use draagvlak_protocol::view::{Confirmation, Level, RuleStage};
use draagvlak_protocol::{ErrorCode, Intent, ParticipantId, Splice};

use super::apply::Sender;
use super::method_tests::{F, add, go_to, public, rate, run, same_after_reload, workshop};
use super::projection::{self, Audience, Presence};
use super::workshop::Workshop;

/// Phases of `strategic-framework` on the first level.
const BRAINSTORM: u32 = 1;
const CLUSTER: u32 = 2;
const VOTE: u32 = 3;
const RULES: u32 = 4;

fn dot(workshop: &mut Workshop, who: &str, item: &str) -> Result<Option<String>, ErrorCode> {
    run(
        workshop,
        Sender::Participant(&ParticipantId::from(who)),
        Intent::PlaceDot {
            statement: item.into(),
        },
    )
}

fn undot(workshop: &mut Workshop, who: &str, item: &str) -> Result<Option<String>, ErrorCode> {
    run(
        workshop,
        Sender::Participant(&ParticipantId::from(who)),
        Intent::RemoveDot {
            statement: item.into(),
        },
    )
}

fn propose(workshop: &mut Workshop, sender: Sender<'_>, text: &str) -> String {
    run(
        workshop,
        sender,
        Intent::ProposeRule {
            text: text.into(),
            anchors: Vec::new(),
        },
    )
    .unwrap()
    .unwrap()
}

fn decide(
    workshop: &mut Workshop,
    rule: &str,
    status: RuleStatus,
    confirm: bool,
) -> Result<Option<String>, ErrorCode> {
    run(
        workshop,
        F,
        Intent::SetRuleStatus {
            rule: rule.into(),
            status,
            confirm,
        },
    )
}

fn edit(
    workshop: &mut Workshop,
    sender: Sender<'_>,
    rule: &str,
    insert: &str,
) -> Result<(), ErrorCode> {
    run(
        workshop,
        sender,
        Intent::EditRule {
            rule: rule.into(),
            splice: Splice {
                rev: 0,
                pos: 0,
                delete: 0,
                insert: insert.into(),
            },
        },
    )
    .map(|_| ())
}

/// Two people per group, four statements voted on, revealed.
fn revealed_vote() -> (Workshop, Vec<ParticipantId>, Vec<String>) {
    let mut workshop = workshop("strategic-framework");
    let people: Vec<ParticipantId> = ["Anna", "Bert", "Carla", "Dirk"]
        .iter()
        .zip(["ict", "ict", "business", "business"])
        .map(|(n, g)| workshop.add_participant(n, g).unwrap())
        .collect();
    go_to(&mut workshop, BRAINSTORM);
    let items: Vec<String> = (0..4)
        .map(|i| add(&mut workshop, &people[i], &format!("Uitspraak {i}")))
        .collect();
    go_to(&mut workshop, VOTE);
    for (who, item) in [(0, 0), (0, 0), (1, 0), (2, 1), (3, 0), (3, 2)] {
        dot(&mut workshop, &people[who], &items[item]).unwrap();
    }
    run(&mut workshop, F, Intent::RevealVotes).unwrap();
    (workshop, people, items)
}

fn dots_of(workshop: &Workshop, item: &str) -> Option<u32> {
    public(workshop).statements[item].dots
}

#[test]
fn dots_do_not_move_after_the_reveal_not_even_back_in_the_vote_phase() {
    let (mut workshop, people, items) = revealed_vote();
    assert_eq!(dots_of(&workshop, &items[0]), Some(4));
    assert_eq!(
        undot(&mut workshop, &people[0], &items[0]),
        Err(ErrorCode::VoteClosed)
    );
    assert_eq!(
        dot(&mut workshop, &people[1], &items[3]),
        Err(ErrorCode::VoteClosed)
    );
    // Away and back: the vote phase shows the revealed result, still closed.
    go_to(&mut workshop, RULES);
    go_to(&mut workshop, VOTE);
    assert_eq!(
        undot(&mut workshop, &people[0], &items[0]),
        Err(ErrorCode::VoteClosed)
    );
    assert_eq!(dots_of(&workshop, &items[0]), Some(4));
    assert_eq!(
        run(&mut workshop, F, Intent::RevealVotes),
        Err(ErrorCode::NoChange),
        "a revealed round is not revealed twice"
    );
    // Dots per group are part of the revealed result.
    let by_group = public(&workshop).statements[items[0].as_str()]
        .dots_by_group
        .clone()
        .unwrap();
    assert_eq!((by_group["ict"], by_group["business"]), (3, 1));
    same_after_reload(&mut workshop);
}

#[test]
fn a_new_vote_round_keeps_the_earlier_round_in_the_record() {
    let (mut workshop, people, items) = revealed_vote();
    go_to(&mut workshop, RULES);
    assert_eq!(
        run(&mut workshop, F, Intent::StartVoteRound),
        Err(ErrorCode::WrongPhase)
    );
    go_to(&mut workshop, VOTE);
    run(&mut workshop, F, Intent::StartVoteRound).unwrap();
    let v = public(&workshop);
    let progress = &v.progress[&Level::Richten];
    assert_eq!(progress.vote_round, 2);
    assert!(!progress.dots_revealed);
    assert_eq!(progress.earlier_vote_rounds.len(), 1);
    assert_eq!(progress.earlier_vote_rounds[0][items[0].as_str()], 4);
    assert_eq!(
        v.statements[items[0].as_str()].dots,
        None,
        "round 2 is secret"
    );
    let me = projection::me(workshop.state(), &people[0]).unwrap();
    assert!(
        me.dots.is_empty(),
        "everyone votes again from a full budget"
    );
    // A new round only after the reveal: an open round is not thrown away.
    assert_eq!(
        run(&mut workshop, F, Intent::StartVoteRound),
        Err(ErrorCode::NoChange)
    );
    dot(&mut workshop, &people[2], &items[3]).unwrap();
    run(&mut workshop, F, Intent::RevealVotes).unwrap();
    assert_eq!(dots_of(&workshop, &items[3]), Some(1));
    assert_eq!(dots_of(&workshop, &items[0]), Some(0));
    same_after_reload(&mut workshop);
}

#[test]
fn removing_a_participant_after_the_reveal_changes_no_revealed_result() {
    let (mut workshop, people, _) = revealed_vote();
    go_to(&mut workshop, RULES);
    let rule = propose(
        &mut workshop,
        Sender::Participant(&people[0]),
        "Eerst hergebruiken",
    );
    for (who, score) in [(0, 5), (1, 5), (2, 4), (3, 2)] {
        rate(&mut workshop, &people[who], &rule, score).unwrap();
    }
    run(&mut workshop, F, Intent::RevealVotes).unwrap();
    let before = public(&workshop);
    run(
        &mut workshop,
        F,
        Intent::RemoveParticipant {
            participant: people[3].clone(),
        },
    )
    .unwrap();
    let after = public(&workshop);
    assert_eq!(after.statements, before.statements, "dots stay as revealed");
    let (b, a) = (
        before.rules[rule.as_str()].support.clone().unwrap(),
        after.rules[rule.as_str()].support.clone().unwrap(),
    );
    assert_eq!(
        (a.overall, a.by_group, a.histogram),
        (b.overall, b.by_group, b.histogram)
    );
    assert_eq!(
        a.removed, 1,
        "marked as cast by someone later removed, without identity"
    );
    assert_eq!(
        after.rules[rule.as_str()].reasons,
        before.rules[rule.as_str()].reasons
    );
    same_after_reload(&mut workshop);
}

#[test]
fn removing_a_participant_before_the_reveal_drops_their_votes() {
    let mut workshop = workshop("strategic-framework");
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    let bert = workshop.add_participant("Bert", "business").unwrap();
    go_to(&mut workshop, BRAINSTORM);
    let s = add(&mut workshop, &anna, "Eén loket");
    go_to(&mut workshop, VOTE);
    dot(&mut workshop, &anna, &s).unwrap();
    dot(&mut workshop, &bert, &s).unwrap();
    run(
        &mut workshop,
        F,
        Intent::RemoveParticipant { participant: bert },
    )
    .unwrap();
    run(&mut workshop, F, Intent::RevealVotes).unwrap();
    assert_eq!(dots_of(&workshop, &s), Some(1));
    same_after_reload(&mut workshop);
}

#[test]
fn ratings_close_at_the_reveal_and_a_decided_rule_takes_none() {
    let (mut workshop, people, _) = revealed_vote();
    go_to(&mut workshop, RULES);
    let kept = propose(
        &mut workshop,
        Sender::Participant(&people[0]),
        "Altijd open source",
    );
    let gone = propose(
        &mut workshop,
        Sender::Participant(&people[1]),
        "Nooit in de cloud",
    );
    for who in &people {
        rate(&mut workshop, who, &kept, 5).unwrap();
    }
    rate(&mut workshop, &people[0], &gone, 4).unwrap();
    run(&mut workshop, F, Intent::RevealVotes).unwrap();
    assert_eq!(
        rate(&mut workshop, &people[2], &kept, 1),
        Err(ErrorCode::VoteClosed)
    );
    assert_eq!(
        rate(&mut workshop, &people[3], &gone, 1),
        Err(ErrorCode::VoteClosed)
    );
    assert_eq!(
        public(&workshop).rules[kept.as_str()]
            .support
            .clone()
            .unwrap()
            .overall,
        Some(1.0)
    );
    decide(&mut workshop, &gone, RuleStatus::Dropped, false).unwrap();
    run(
        &mut workshop,
        F,
        Intent::StartRatingRound {
            rule: gone.clone().into(),
        },
    )
    .unwrap();
    decide(&mut workshop, &gone, RuleStatus::Dropped, true).unwrap();
    assert_eq!(
        rate(&mut workshop, &people[3], &gone, 1),
        Err(ErrorCode::Decided)
    );
    same_after_reload(&mut workshop);
}

#[test]
fn a_rated_rule_has_a_frozen_text_and_a_new_round_keeps_the_old_one() {
    let mut workshop = workshop("strategic-framework");
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    let bert = workshop.add_participant("Bert", "business").unwrap();
    go_to(&mut workshop, RULES);
    let rule = propose(
        &mut workshop,
        Sender::Participant(&anna),
        "altijd open source",
    );
    workshop.commit(); // the tick that created it; edits are made against a view that shows it
    // Drafting: anyone in the room edits, the facilitator too.
    edit(&mut workshop, Sender::Participant(&bert), &rule, "Bijna ").unwrap();
    edit(&mut workshop, F, &rule, "(concept) ").unwrap();
    assert_eq!(
        public(&workshop).rules[rule.as_str()].stage,
        RuleStage::Drafting
    );
    rate(&mut workshop, &anna, &rule, 5).unwrap();
    assert_eq!(
        public(&workshop).rules[rule.as_str()].stage,
        RuleStage::Rating
    );
    assert_eq!(
        edit(&mut workshop, Sender::Participant(&bert), &rule, "nooit "),
        Err(ErrorCode::RuleFrozen)
    );
    assert_eq!(
        edit(&mut workshop, F, &rule, "nooit "),
        Err(ErrorCode::RuleFrozen)
    );
    rate(&mut workshop, &bert, &rule, 4).unwrap();
    run(&mut workshop, F, Intent::RevealVotes).unwrap();
    decide(&mut workshop, &rule, RuleStatus::Adopted, false).unwrap();
    assert_eq!(
        public(&workshop).rules[rule.as_str()].stage,
        RuleStage::Decided
    );
    assert_eq!(
        edit(&mut workshop, Sender::Participant(&bert), &rule, "Geen een"),
        Err(ErrorCode::RuleFrozen)
    );
    assert_eq!(
        decide(&mut workshop, &rule, RuleStatus::Dropped, false),
        Err(ErrorCode::Decided),
        "a decided rule is reopened first"
    );
    // Reopen: a new round, logged; the old text, ratings and support stay in the record.
    run(
        &mut workshop,
        F,
        Intent::StartRatingRound {
            rule: rule.clone().into(),
        },
    )
    .unwrap();
    // Someone who was not typing in it before rewords it (Bert's "Bijna " is still a run in
    // progress here, and typing right next to one's own run continues that run).
    edit(
        &mut workshop,
        Sender::Participant(&anna),
        &rule,
        "Waar mogelijk: ",
    )
    .unwrap();
    let v = public(&workshop);
    let r = &v.rules[rule.as_str()];
    assert_eq!(r.round, 2);
    assert_eq!(r.stage, RuleStage::Drafting);
    assert_eq!(r.status, RuleStatus::Proposed);
    assert_eq!(
        r.earlier_texts,
        vec!["Bijna (concept) altijd open source".to_string()]
    );
    assert_eq!(r.earlier_rounds[0].histogram, [0, 0, 0, 1, 1]);
    assert_eq!(r.text, "Waar mogelijk: Bijna (concept) altijd open source");
    let log: Vec<&str> = workshop
        .state()
        .decision_log
        .iter()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(log, ["adopted", "reopened"]);
    same_after_reload(&mut workshop);
}

#[test]
fn adopting_without_ratings_or_with_a_large_gap_needs_a_confirmation_on_record() {
    let (mut workshop, people, _) = revealed_vote();
    go_to(&mut workshop, RULES);
    let unrated = propose(&mut workshop, F, "Elke euro één keer uitgeven");
    assert_eq!(
        decide(&mut workshop, &unrated, RuleStatus::Adopted, false),
        Err(ErrorCode::ConfirmRequired)
    );
    decide(&mut workshop, &unrated, RuleStatus::Adopted, true).unwrap();
    assert_eq!(
        public(&workshop).rules[unrated.as_str()].confirmed,
        Some(Confirmation::NoRatings)
    );
    let split = propose(
        &mut workshop,
        Sender::Participant(&people[0]),
        "Alles in de cloud",
    );
    for (who, score) in [(0, 5), (1, 5), (2, 2), (3, 1)] {
        rate(&mut workshop, &people[who], &split, score).unwrap();
    }
    assert_eq!(
        decide(&mut workshop, &split, RuleStatus::Adopted, true),
        Err(ErrorCode::WrongPhase),
        "hidden ratings are revealed before a decision"
    );
    run(&mut workshop, F, Intent::RevealVotes).unwrap();
    assert_eq!(
        decide(&mut workshop, &split, RuleStatus::Adopted, false),
        Err(ErrorCode::ConfirmRequired)
    );
    decide(&mut workshop, &split, RuleStatus::Adopted, true).unwrap();
    assert_eq!(
        public(&workshop).rules[split.as_str()].confirmed,
        Some(Confirmation::LargeGap)
    );
    let confirmed: Vec<_> = workshop
        .state()
        .decision_log
        .iter()
        .map(|e| e.confirmed)
        .collect();
    assert_eq!(
        confirmed,
        [Some(Confirmation::NoRatings), Some(Confirmation::LargeGap)]
    );
    same_after_reload(&mut workshop);
}

#[test]
fn anchors_are_added_one_by_one_by_the_author_or_the_facilitator_through_clusters() {
    let mut workshop = workshop("strategic-framework");
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    let bert = workshop.add_participant("Bert", "business").unwrap();
    go_to(&mut workshop, BRAINSTORM);
    let s1 = add(&mut workshop, &anna, "Eén loket");
    let s2 = add(&mut workshop, &bert, "Eén loket voor inwoners");
    let s3 = add(&mut workshop, &bert, "Alles digitaal");
    go_to(&mut workshop, CLUSTER);
    let cluster = run(
        &mut workshop,
        F,
        Intent::CreateCluster {
            statements: vec![s1.clone().into(), s2.clone().into()],
            title: "Eén loket".into(),
        },
    )
    .unwrap()
    .unwrap();
    go_to(&mut workshop, RULES);
    let rule = propose(&mut workshop, Sender::Participant(&anna), "Inwoners eerst");
    let link = |anchor: &str, linked: bool| Intent::LinkRule {
        rule: rule.clone().into(),
        anchor: anchor.into(),
        linked,
    };
    assert_eq!(
        run(&mut workshop, Sender::Participant(&bert), link(&s3, true)),
        Err(ErrorCode::NotOwner)
    );
    run(&mut workshop, Sender::Participant(&anna), link(&s2, true)).unwrap();
    run(&mut workshop, F, link(&s3, true)).unwrap();
    assert_eq!(
        public(&workshop).rules[rule.as_str()].anchors,
        vec![cluster.clone(), s3.clone()],
        "a statement inside a cluster anchors through its cluster; each link adds one"
    );
    run(&mut workshop, F, link(&cluster, false)).unwrap();
    assert_eq!(
        public(&workshop).rules[rule.as_str()].anchors,
        vec![s3.clone()]
    );
    decide(&mut workshop, &rule, RuleStatus::Dropped, false).unwrap();
    assert_eq!(
        run(&mut workshop, F, link(&s1, true)),
        Err(ErrorCode::Decided)
    );
    same_after_reload(&mut workshop);
}

#[test]
fn the_facilitator_writes_as_the_facilitator_counted_in_no_group() {
    let mut workshop = workshop("strategic-framework");
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    go_to(&mut workshop, BRAINSTORM);
    let s = run(
        &mut workshop,
        F,
        Intent::AddStatement {
            text: "Zoals afgesproken".into(),
        },
    )
    .unwrap()
    .unwrap();
    go_to(&mut workshop, RULES);
    let rule = propose(&mut workshop, F, "Wat de zaal afsprak");
    rate(&mut workshop, &anna, &rule, 4).unwrap();
    let v = projection::view(workshop.state(), &Presence::new(), Audience::Facilitator);
    assert!(v.statements[s.as_str()].from_facilitator);
    assert!(v.statements[s.as_str()].author.is_none());
    assert!(v.rules[rule.as_str()].from_facilitator);
    assert_eq!(v.groups["ict"].joined + v.groups["business"].joined, 1);
    assert_eq!(
        run(
            &mut workshop,
            F,
            Intent::RateRule {
                rule: rule.clone().into(),
                score: 5,
                reason: None
            }
        ),
        Err(ErrorCode::Forbidden),
        "the facilitator never rates"
    );
    same_after_reload(&mut workshop);
}

#[test]
fn clustering_answers_the_same_whether_or_not_a_statement_has_secret_dots() {
    let mut workshop = workshop("strategic-framework");
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    go_to(&mut workshop, BRAINSTORM);
    let items: Vec<String> = (0..4)
        .map(|i| add(&mut workshop, &anna, &format!("Uitspraak {i}")))
        .collect();
    go_to(&mut workshop, VOTE);
    dot(&mut workshop, &anna, &items[0]).unwrap();
    go_to(&mut workshop, CLUSTER);
    let merge = |a: &String, b: &String| Intent::CreateCluster {
        statements: vec![a.clone().into(), b.clone().into()],
        title: "Samen".into(),
    };
    // With a dot on the first statement and none on the others: the same answer for both, which
    // depends only on the public fact that voting on the level has begun.
    let with_dot = run(&mut workshop, F, merge(&items[0], &items[1]));
    let without = run(&mut workshop, F, merge(&items[2], &items[3]));
    assert_eq!(with_dot, without);
    assert_eq!(without, Err(ErrorCode::HasVotes));
}

#[test]
fn a_reason_with_a_high_rating_is_refused_not_dropped() {
    let mut workshop = workshop("strategic-framework");
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    go_to(&mut workshop, RULES);
    let rule = propose(
        &mut workshop,
        Sender::Participant(&anna),
        "Eerst hergebruiken",
    );
    let with_reason = |score| Intent::RateRule {
        rule: rule.clone().into(),
        score,
        reason: Some("omdat".into()),
    };
    assert_eq!(
        run(&mut workshop, Sender::Participant(&anna), with_reason(4)),
        Err(ErrorCode::InvalidValue)
    );
    assert!(!workshop.state().ratings.contains_key(rule.as_str()));
    run(&mut workshop, Sender::Participant(&anna), with_reason(2)).unwrap();
    assert_eq!(workshop.state().reasons[rule.as_str()][&anna], "omdat");
}

//! The whole workshop method without a socket: clustering, rule status and rating rounds,
//! reasons, group weighting, anonymity per phase, ready signals, participants without a device,
//! removal, closing, follow-up sessions and the history of a phase. Each test also checks that
//! the mirror equals the document read back (`rehydrate`), so nothing lives only in memory.
//!
//! Why this file is long: one test per part of the method, each playing a workshop through step by
//! step, and the builders (`workshop`, `run`, `reviewed_follow_up`) the other test modules and the
//! server's tests share; a scenario split across files would be harder to follow than a long file
//! of short scenarios.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::hash::Hash;

use automerge::ChangeHash;
use draagvlak_protocol::intent::{Answer, RuleStatus};
use draagvlak_protocol::view::Level;
use draagvlak_protocol::{ErrorCode, Intent, ItemId, ParticipantId};

use super::Refusal;
use super::apply::{Context, Keys, Sender, Touched, ViewTouched, apply};
use super::follow_up;
use super::new_session::NewSession;
use super::projection::{self, Audience, Presence};
use super::workshop::{Meta, State, Workshop};

pub(super) fn workshop(template_name: &str) -> Workshop {
    let meta = Meta {
        id: "0123456789abcdef".into(),
        code: "ABC234".into(),
        title: "ICT-strategie 2027".into(),
        organisation: "Gemeente Zaanstad".into(),
        language: "nl".into(),
        template: template_name.into(),
    };
    NewSession::from_template(meta).unwrap().create().unwrap()
}

pub(super) fn run(
    workshop: &mut Workshop,
    sender: Sender<'_>,
    intent: Intent,
) -> Result<Option<String>, ErrorCode> {
    run_at(workshop, sender, intent, 1_000_000)
}

pub(super) fn run_at(
    workshop: &mut Workshop,
    sender: Sender<'_>,
    intent: Intent,
    now_ms: u64,
) -> Result<Option<String>, ErrorCode> {
    let heads: Vec<ChangeHash> = workshop.heads().to_vec();
    let lookup = move |_rev: u64| -> Result<Vec<ChangeHash>, Refusal> { Ok(heads.clone()) };
    let ctx = Context::new(&lookup, now_ms);
    let before = workshop.state().clone();
    let applied = apply(workshop, sender, &intent, &ctx).map_err(|r| r.code)?;
    untouched_unchanged(&before, workshop.state(), &applied.touched, &intent);
    if let Err(e) = views_untouched_unchanged(&before, workshop.state(), &applied.views) {
        panic!("{intent:?}: {e}");
    }
    Ok(applied.created.map(|c| c.as_str().to_string()))
}

/// Nobody's private part changed but the ones the intent says it touched (the fan-out rebuilds
/// only those): checked for every intent every test applies through [`run`].
pub(super) fn untouched_unchanged(
    before: &State,
    after: &State,
    touched: &Touched,
    intent: &Intent,
) {
    if *touched == Touched::Everyone {
        return;
    }
    // Someone added by the intent (a proxy) has no private part sent yet.
    for p in before.participants.keys() {
        if *touched == Touched::One(p.clone()) {
            continue;
        }
        assert_eq!(
            projection::me(before, p),
            projection::me(after, p),
            "{intent:?} changed {p}'s private part but did not say it touched it"
        );
    }
}

/// No entry of either audience's view changed but the ones the intent says it touched (the
/// fan-out projects only those, `apply::ViewTouched`): checked for every intent every test
/// applies through [`run`], and by the property tests.
pub(super) fn views_untouched_unchanged(
    before: &State,
    after: &State,
    touched: &ViewTouched,
) -> Result<(), String> {
    let presence = Presence::new();
    for audience in [Audience::Public, Audience::Facilitator] {
        let old = projection::view(before, &presence, audience);
        let new = projection::view(after, &presence, audience);
        same_untouched(
            "statement",
            &old.statements,
            &new.statements,
            &touched.statements,
        )?;
        same_untouched("rule", &old.rules, &new.rules, &touched.rules)?;
        let none = BTreeMap::new();
        same_untouched(
            "participant",
            old.participants.as_ref().unwrap_or(&none),
            new.participants.as_ref().unwrap_or(&none),
            &touched.participants,
        )?;
        if !touched.people
            && (old.groups != new.groups || old.ready != new.ready || old.removed != new.removed)
        {
            return Err(format!(
                "changed the counts of people in the {audience:?} view but did not say so"
            ));
        }
        if !touched.assessment && old.assessment != new.assessment {
            return Err(format!(
                "changed the assessment of the {audience:?} view but did not say so"
            ));
        }
        if !touched.clusters
            && (old.clusters != new.clusters
                || old.cluster_log != new.cluster_log
                || old.suggestions != new.suggestions)
        {
            return Err(format!(
                "changed the clusters of the {audience:?} view but did not say so"
            ));
        }
    }
    Ok(())
}

fn same_untouched<K: Ord + Hash + Eq + Debug, V: PartialEq + Debug>(
    what: &str,
    old: &BTreeMap<K, V>,
    new: &BTreeMap<K, V>,
    touched: &Keys<K>,
) -> Result<(), String> {
    let Keys::Some(touched) = touched else {
        return Ok(());
    };
    for key in old.keys().chain(new.keys()) {
        if !touched.contains(key) && old.get(key) != new.get(key) {
            return Err(format!(
                "changed {what} {key:?} but did not say so: {:?} became {:?}",
                old.get(key),
                new.get(key)
            ));
        }
    }
    Ok(())
}

pub(super) const F: Sender<'static> = Sender::Facilitator;

pub(super) fn go_to(workshop: &mut Workshop, index: u32) {
    run(workshop, F, Intent::GoToPhase { index }).unwrap();
}

pub(super) fn add(workshop: &mut Workshop, who: &str, text: &str) -> String {
    run(
        workshop,
        Sender::Participant(&ParticipantId::from(who)),
        Intent::AddStatement { text: text.into() },
    )
    .unwrap()
    .unwrap()
}

pub(super) fn rate(
    workshop: &mut Workshop,
    who: &str,
    rule: &str,
    score: u8,
) -> Result<Option<String>, ErrorCode> {
    run(
        workshop,
        Sender::Participant(&ParticipantId::from(who)),
        Intent::RateRule {
            rule: rule.into(),
            score,
            reason: (score <= 2).then(|| format!("reden van {who}")),
        },
    )
}

/// Place a dot on a statement or cluster.
pub(super) fn dot(
    workshop: &mut Workshop,
    sender: Sender<'_>,
    item: impl Into<ItemId>,
) -> Result<Option<String>, ErrorCode> {
    let statement = item.into();
    run(workshop, sender, Intent::PlaceDot { statement })
}

/// Take a dot back from a statement or cluster.
#[cfg(test)]
pub(super) fn undot(
    workshop: &mut Workshop,
    sender: Sender<'_>,
    item: impl Into<ItemId>,
) -> Result<Option<String>, ErrorCode> {
    let statement = item.into();
    run(workshop, sender, Intent::RemoveDot { statement })
}

pub(super) fn same_after_reload(workshop: &mut Workshop) {
    workshop.commit();
    assert_eq!(&workshop.rehydrate().unwrap(), workshop.state());
}

pub(super) fn public(workshop: &Workshop) -> draagvlak_protocol::View {
    projection::view(workshop.state(), &Presence::new(), Audience::Public)
}

#[test]
fn clusters_merge_split_keep_their_history_and_take_the_dots() {
    let mut workshop = workshop("strategic-framework");
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    let bert = workshop.add_participant("Bert", "business").unwrap();
    go_to(&mut workshop, 1);
    let s1 = add(&mut workshop, &anna, "Eén loket");
    let s2 = add(&mut workshop, &bert, "Eén loket voor inwoners");
    let s3 = add(&mut workshop, &bert, "Alles digitaal");
    let s4 = add(&mut workshop, &anna, "Digitaal waar het kan");
    let merge = |statements: Vec<&String>| Intent::CreateCluster {
        statements: statements.into_iter().map(Into::into).collect(),
        title: "Eén loket".into(),
    };
    // Not in the brainstorm: clustering has its own phase.
    assert_eq!(
        run(&mut workshop, F, merge(vec![&s1, &s2])),
        Err(ErrorCode::WrongPhase)
    );
    go_to(&mut workshop, 2);
    let a = Sender::Participant(&anna);
    assert_eq!(
        run(&mut workshop, a, merge(vec![&s1, &s2])),
        Err(ErrorCode::Forbidden),
        "participants only once the facilitator opens clustering"
    );
    assert_eq!(
        run(&mut workshop, F, merge(vec![&s1])),
        Err(ErrorCode::InvalidValue)
    );
    assert_eq!(
        run(&mut workshop, F, merge(vec![&s1, &s1])),
        Err(ErrorCode::InvalidValue)
    );
    let c1 = run_at(&mut workshop, F, merge(vec![&s1, &s2]), 10)
        .unwrap()
        .unwrap();
    assert_eq!(
        run(&mut workshop, F, merge(vec![&s2, &s3])),
        Err(ErrorCode::Clustered),
        "a statement is in one cluster at most"
    );
    run(&mut workshop, F, Intent::SetClusteringOpen { open: true }).unwrap();
    let c2 = run_at(&mut workshop, a, merge(vec![&s3, &s4]), 20)
        .unwrap()
        .unwrap();
    run_at(
        &mut workshop,
        a,
        Intent::RenameCluster {
            cluster: c2.clone().into(),
            title: "Digitaal".into(),
        },
        30,
    )
    .unwrap();
    // Splitting: taking one out of a pair dissolves it.
    run_at(
        &mut workshop,
        a,
        Intent::RemoveFromCluster {
            statement: s4.clone().into(),
        },
        40,
    )
    .unwrap();
    assert!(!workshop.state().clusters.contains_key(c2.as_str()));
    assert_eq!(workshop.state().statements[s3.as_str()].cluster, None);
    let v = public(&workshop);
    assert_eq!(
        v.clusters[c1.as_str()].statements,
        vec![s1.clone(), s2.clone()]
    );
    assert_eq!(
        v.statements[s2.as_str()].cluster.as_deref(),
        Some(c1.as_str())
    );
    let log: Vec<(u64, &str, draagvlak_protocol::Role)> = workshop
        .state()
        .cluster_log
        .iter()
        .map(|e| (e.at_ms, e.action.as_str(), e.by))
        .collect();
    assert_eq!(
        log,
        vec![
            (10, "create", draagvlak_protocol::Role::Facilitator),
            (20, "create", draagvlak_protocol::Role::Participant),
            (30, "rename", draagvlak_protocol::Role::Participant),
            (40, "dissolve", draagvlak_protocol::Role::Participant)
        ]
    );
    same_after_reload(&mut workshop);

    // Vote: dots go to the cluster and to statements left alone, never into a cluster.
    go_to(&mut workshop, 3);
    let b = Sender::Participant(&bert);
    let dot = |item: &String| Intent::PlaceDot {
        statement: item.clone().into(),
    };
    assert_eq!(run(&mut workshop, b, dot(&s1)), Err(ErrorCode::Clustered));
    run(&mut workshop, b, dot(&c1)).unwrap();
    run(&mut workshop, b, dot(&c1)).unwrap();
    run(&mut workshop, b, dot(&s3)).unwrap();
    assert_eq!(
        run(&mut workshop, b, dot(&s4)),
        Err(ErrorCode::BudgetExhausted),
        "the budget counts dots on clusters"
    );
    let me = projection::me(workshop.state(), &bert).unwrap();
    assert_eq!(me.dots_left[&Level::Richten], 0);
    run(&mut workshop, F, Intent::RevealVotes).unwrap();
    let v = public(&workshop);
    assert_eq!(v.clusters[c1.as_str()].dots, Some(2));
    assert_eq!(v.statements[s1.as_str()].dots, Some(0));
    // A cluster with dots keeps its members.
    go_to(&mut workshop, 2);
    assert_eq!(
        run(
            &mut workshop,
            F,
            Intent::DissolveCluster {
                cluster: c1.clone().into()
            }
        ),
        Err(ErrorCode::HasVotes)
    );
    same_after_reload(&mut workshop);
}

#[test]
fn rules_have_status_rounds_reasons_anchors_and_equal_group_weight() {
    let mut workshop = workshop("strategic-framework");
    let ict: Vec<ParticipantId> = (0..3)
        .map(|i| workshop.add_participant(&format!("I{i}"), "ict").unwrap())
        .collect();
    let biz = workshop.add_participant("B0", "business").unwrap();
    go_to(&mut workshop, 1);
    let s1 = add(&mut workshop, &ict[0], "Data bij de bron");
    go_to(&mut workshop, 4);
    let r = run(
        &mut workshop,
        Sender::Participant(&biz),
        Intent::ProposeRule {
            text: "We leggen gegevens één keer vast".into(),
            anchors: vec![s1.clone().into(), "s999".into()],
        },
    );
    assert_eq!(r, Err(ErrorCode::NotFound), "anchors must exist");
    let rule = run(
        &mut workshop,
        Sender::Participant(&biz),
        Intent::ProposeRule {
            text: "We leggen gegevens één keer vast".into(),
            anchors: vec![s1.clone().into()],
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        workshop.state().rules[rule.as_str()].anchors,
        vec![s1.clone()]
    );
    // The lowest two steps need a reason.
    assert_eq!(
        run(
            &mut workshop,
            Sender::Participant(&biz),
            Intent::RateRule {
                rule: rule.clone().into(),
                score: 2,
                reason: Some("   ".into())
            }
        ),
        Err(ErrorCode::ReasonRequired)
    );
    assert_eq!(
        run(
            &mut workshop,
            Sender::Participant(&biz),
            Intent::RateRule {
                rule: rule.clone().into(),
                score: 1,
                reason: Some("x".repeat(281))
            }
        ),
        Err(ErrorCode::TextTooLong)
    );
    for p in &ict {
        rate(&mut workshop, p, &rule, 5).unwrap();
    }
    rate(&mut workshop, &biz, &rule, 1).unwrap();
    // Secret until revealed: no support, no reasons, only the count.
    let v = public(&workshop);
    assert!(v.rules[rule.as_str()].support.is_none() && v.rules[rule.as_str()].reasons.is_empty());
    assert_eq!(v.rules[rule.as_str()].raters, 4);
    assert!(!serde_json::to_string(&v).unwrap().contains("reden van"));
    run(&mut workshop, F, Intent::RevealVotes).unwrap();
    let v = public(&workshop);
    let s = v.rules[rule.as_str()].support.clone().unwrap();
    assert_eq!(s.overall, Some(0.75), "3 of 4 people agree");
    assert_eq!(s.gap, Some(1.0));
    assert_eq!(
        v.rules[rule.as_str()].reasons,
        vec![format!("reden van {biz}")]
    );
    // Each group weighs equally: (1.0 + 0.0) / 2.
    run(
        &mut workshop,
        F,
        Intent::SetEqualGroupWeight { equal: true },
    )
    .unwrap();
    let s = public(&workshop).rules[rule.as_str()]
        .support
        .clone()
        .unwrap();
    assert_eq!(s.overall, Some(0.5));
    assert!(s.equal_group_weight);
    // Revise and rate again: round 1 kept, round 2 secret until revealed.
    run(
        &mut workshop,
        F,
        Intent::SetRuleStatus {
            rule: rule.clone().into(),
            status: RuleStatus::Revise,
            confirm: false,
        },
    )
    .unwrap();
    run(
        &mut workshop,
        F,
        Intent::StartRatingRound {
            rule: rule.clone().into(),
        },
    )
    .unwrap();
    let v = public(&workshop);
    let r = &v.rules[rule.as_str()];
    assert_eq!((r.round, r.raters, r.status), (2, 0, RuleStatus::Proposed));
    assert!(r.support.is_none());
    assert_eq!(r.earlier_rounds.len(), 1);
    assert_eq!(r.earlier_rounds[0].histogram, [1, 0, 0, 0, 3]);
    assert!(
        projection::me(workshop.state(), &biz)
            .unwrap()
            .ratings
            .is_empty()
    );
    rate(&mut workshop, &biz, &rule, 4).unwrap();
    assert!(
        public(&workshop).rules[rule.as_str()].support.is_none(),
        "round 2 is secret"
    );
    run(&mut workshop, F, Intent::RevealVotes).unwrap();
    let r = public(&workshop).rules[rule.as_str()].clone();
    assert_eq!(r.support.unwrap().histogram, [0, 0, 0, 1, 0]);
    assert!(r.reasons.is_empty());
    run(
        &mut workshop,
        F,
        Intent::SetRuleStatus {
            rule: rule.clone().into(),
            status: RuleStatus::Adopted,
            confirm: false,
        },
    )
    .unwrap();
    same_after_reload(&mut workshop);
    assert_eq!(workshop.state().earlier_reasons[rule.as_str()].len(), 1);
}

#[test]
fn anonymity_per_phase_and_ready_signals() {
    let mut workshop = workshop("strategic-framework");
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    go_to(&mut workshop, 1);
    let s1 = add(&mut workshop, &anna, "Anoniem");
    run(
        &mut workshop,
        F,
        Intent::SetAnonymous {
            phase: 1,
            anonymous: false,
        },
    )
    .unwrap();
    let s2 = add(&mut workshop, &anna, "Met naam");
    let v = projection::view(workshop.state(), &Presence::new(), Audience::Facilitator);
    assert!(
        v.statements[s1.as_str()].author.is_none(),
        "stays as it was added"
    );
    assert_eq!(
        v.statements[s2.as_str()].author.as_ref().unwrap().name,
        "Anna"
    );
    assert!(!v.phases[1].anonymous);
    assert_eq!(
        run(
            &mut workshop,
            F,
            Intent::SetAnonymous {
                phase: 99,
                anonymous: true
            }
        ),
        Err(ErrorCode::NotFound)
    );
    // Rules proposed in an anonymous phase carry no author.
    run(
        &mut workshop,
        F,
        Intent::SetAnonymous {
            phase: 4,
            anonymous: true,
        },
    )
    .unwrap();
    go_to(&mut workshop, 4);
    let r = run(
        &mut workshop,
        Sender::Participant(&anna),
        Intent::ProposeRule {
            text: "Zonder naam".into(),
            anchors: Vec::new(),
        },
    )
    .unwrap()
    .unwrap();
    assert!(public(&workshop).rules[r.as_str()].author.is_none());
    // Ready: counted, per participant for the facilitator, reset by a phase change.
    run(
        &mut workshop,
        Sender::Participant(&anna),
        Intent::SetReady { ready: true },
    )
    .unwrap();
    assert_eq!(public(&workshop).ready, 1);
    let v = projection::view(workshop.state(), &Presence::new(), Audience::Facilitator);
    assert!(v.participants.unwrap()[&anna].ready);
    same_after_reload(&mut workshop);
    go_to(&mut workshop, 5);
    assert_eq!(public(&workshop).ready, 0);
}

#[test]
fn the_facilitator_enters_input_only_for_participants_without_a_device() {
    let mut workshop = workshop("strategic-framework");
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    let gerrit = run(
        &mut workshop,
        F,
        Intent::AddProxy {
            name: "Gerrit Mulder".into(),
            group: "business".into(),
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        run(
            &mut workshop,
            F,
            Intent::AddProxy {
                name: "\u{202E}x".into(),
                group: "business".into()
            }
        ),
        Err(ErrorCode::InvalidName)
    );
    assert_eq!(
        run(
            &mut workshop,
            F,
            Intent::AddProxy {
                name: "Iemand".into(),
                group: "pers".into()
            }
        ),
        Err(ErrorCode::InvalidGroup)
    );
    go_to(&mut workshop, 1);
    let s = run(
        &mut workshop,
        Sender::Proxy(&ParticipantId::from(&gerrit)),
        Intent::AddStatement {
            text: "Op papier ingeleverd".into(),
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        run(
            &mut workshop,
            Sender::Proxy(&anna),
            Intent::AddStatement {
                text: "Namens Anna".into()
            }
        ),
        Err(ErrorCode::NotProxy),
        "never as someone who has a device"
    );
    let v = projection::view(workshop.state(), &Presence::new(), Audience::Facilitator);
    assert!(v.statements[s.as_str()].by_facilitator);
    assert!(v.participants.as_ref().unwrap()[gerrit.as_str()].proxy);
    assert_eq!(v.groups["business"].joined, 1, "counted like anyone else");
    go_to(&mut workshop, 3);
    run(
        &mut workshop,
        Sender::Proxy(&ParticipantId::from(&gerrit)),
        Intent::PlaceDot {
            statement: s.clone().into(),
        },
    )
    .unwrap();
    assert_eq!(workshop.state().dots_used(&gerrit, Level::Richten), 1);
    same_after_reload(&mut workshop);
}

#[test]
fn a_removed_participant_no_longer_counts_and_a_closed_session_is_read_only() {
    let mut workshop = workshop("strategic-framework");
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    let troll = workshop.add_participant("Trol", "business").unwrap();
    go_to(&mut workshop, 1);
    let s = add(&mut workshop, &anna, "Serieus");
    go_to(&mut workshop, 4);
    let rule = run(
        &mut workshop,
        Sender::Participant(&anna),
        Intent::ProposeRule {
            text: "Regel".into(),
            anchors: Vec::new(),
        },
    )
    .unwrap()
    .unwrap();
    rate(&mut workshop, &anna, &rule, 5).unwrap();
    rate(&mut workshop, &troll, &rule, 1).unwrap();
    go_to(&mut workshop, 3);
    for who in [&anna, &troll, &troll] {
        dot(&mut workshop, Sender::Participant(who), &s).unwrap();
    }
    run(
        &mut workshop,
        F,
        Intent::RemoveParticipant {
            participant: troll.clone(),
        },
    )
    .unwrap();
    assert_eq!(
        dot(&mut workshop, Sender::Participant(&troll), &s),
        Err(ErrorCode::Removed)
    );
    run(&mut workshop, F, Intent::RevealVotes).unwrap();
    let v = projection::view(workshop.state(), &Presence::new(), Audience::Facilitator);
    assert_eq!(
        v.statements[s.as_str()].dots,
        Some(1),
        "the removed person's dots are gone"
    );
    assert_eq!(v.progress[&Level::Richten].voters, 1);
    assert!(!v.participants.unwrap().contains_key(&troll));
    assert_eq!(v.groups["business"].joined, 0);
    assert_eq!(
        v.rules[rule.as_str()].raters,
        1,
        "the removed person's rating is gone"
    );
    assert!(
        !workshop.state().reasons.contains_key(rule.as_str()),
        "and so is the reason"
    );
    assert_eq!(
        run(
            &mut workshop,
            F,
            Intent::RemoveParticipant {
                participant: troll.clone()
            }
        ),
        Err(ErrorCode::NoChange)
    );
    same_after_reload(&mut workshop);
    run(&mut workshop, F, Intent::CloseSession).unwrap();
    assert!(public(&workshop).closed);
    for (sender, intent) in [
        (F, Intent::NextPhase),
        (
            Sender::Participant(&anna),
            Intent::RemoveDot {
                statement: s.clone().into(),
            },
        ),
    ] {
        assert_eq!(
            run(&mut workshop, sender, intent),
            Err(ErrorCode::SessionClosed)
        );
    }
    same_after_reload(&mut workshop);
}

#[test]
fn a_follow_up_carries_adopted_rules_and_top_priorities_and_is_reviewed() {
    reviewed_follow_up();
}

/// A follow-up of a workshop in which one rule was adopted, reviewed by one ICT and one business
/// participant and revealed (checked along the way); the server's report tests start from it.
pub fn reviewed_follow_up() -> Workshop {
    let mut earlier = workshop("strategic-framework");
    let people: Vec<ParticipantId> = [("A", "ict"), ("B", "ict"), ("C", "business")]
        .iter()
        .map(|(n, g)| earlier.add_participant(n, g).unwrap())
        .collect();
    go_to(&mut earlier, 1);
    let texts = ["Eén", "Twee", "Drie", "Vier"];
    let ids: Vec<String> = texts
        .iter()
        .map(|t| add(&mut earlier, &people[0], t))
        .collect();
    go_to(&mut earlier, 3);
    // Dots: Twee 3, Drie 2, Vier 1, Eén 0.
    for (who, item) in [(0, 1), (1, 1), (2, 1), (0, 2), (1, 2), (2, 3)] {
        dot(&mut earlier, Sender::Participant(&people[who]), &ids[item]).unwrap();
    }
    // Not yet revealed: nothing about dots may travel.
    assert!(follow_up::top_priorities(earlier.state(), Level::Richten).is_empty());
    run(&mut earlier, F, Intent::RevealVotes).unwrap();
    go_to(&mut earlier, 4);
    let mut rules = Vec::new();
    for text in ["Aangenomen", "Vervallen"] {
        rules.push(
            run(
                &mut earlier,
                Sender::Participant(&people[0]),
                Intent::ProposeRule {
                    text: text.into(),
                    anchors: Vec::new(),
                },
            )
            .unwrap()
            .unwrap(),
        );
    }
    for (who, score) in [(0, 5), (1, 4), (2, 2)] {
        rate(&mut earlier, &people[who], &rules[0], score).unwrap();
    }
    run(&mut earlier, F, Intent::RevealVotes).unwrap();
    for (rule, status) in [(0, RuleStatus::Adopted), (1, RuleStatus::Dropped)] {
        run(
            &mut earlier,
            F,
            Intent::SetRuleStatus {
                rule: rules[rule].clone().into(),
                status,
                confirm: true,
            },
        )
        .unwrap();
    }
    let mut now = workshop("follow-up");
    follow_up::carry(earlier.state(), &mut now).unwrap();
    same_after_reload(&mut now);
    let v = public(&now);
    assert_eq!(v.follows.as_ref().unwrap().code, "ABC234");
    let carried: Vec<(&str, Option<u32>)> = {
        let mut s: Vec<_> = v.statements.values().collect();
        s.sort_by_key(|s| s.seq);
        s.into_iter()
            .map(|s| (s.text.as_str(), s.dots_then))
            .collect()
    };
    assert_eq!(
        carried,
        vec![("Twee", Some(3)), ("Drie", Some(2)), ("Vier", Some(1))]
    );
    assert_eq!(v.rules.len(), 1, "only adopted rules come along");
    let (rid, r) = v.rules.iter().next().unwrap();
    let rid = rid.clone();
    assert_eq!(r.text, "Aangenomen");
    let then = r.support_then.as_ref().unwrap();
    assert_eq!(then.by_group["ict"], Some(1.0));
    assert_eq!(then.by_group["business"], Some(0.0));
    assert_eq!(r.reviewers, Some(0));
    // The review phase: answers are secret until revealed, then counted per group.
    let x = now.add_participant("X", "ict").unwrap();
    let y = now.add_participant("Y", "business").unwrap();
    let review = |applied, still_right| Intent::ReviewRule {
        rule: rid.clone(),
        applied,
        still_right,
    };
    assert_eq!(
        run(
            &mut now,
            Sender::Participant(&x),
            review(Answer::Yes, Answer::Yes)
        ),
        Err(ErrorCode::WrongPhase)
    );
    go_to(&mut now, 1);
    run(
        &mut now,
        Sender::Participant(&x),
        review(Answer::Yes, Answer::Yes),
    )
    .unwrap();
    run(
        &mut now,
        Sender::Participant(&y),
        review(Answer::No, Answer::Partly),
    )
    .unwrap();
    let r = public(&now).rules[&rid].clone();
    assert_eq!(r.reviewers, Some(2));
    assert!(r.review.is_none());
    run(&mut now, F, Intent::RevealVotes).unwrap();
    let review = public(&now).rules[&rid].review.clone().unwrap();
    assert_eq!((review.applied.yes, review.applied.no), (1, 1));
    assert_eq!(review.applied_by_group["business"].no, 1);
    assert_eq!(review.still_right_by_group["business"].partly, 1);
    same_after_reload(&mut now);
    now
}

#[test]
fn the_history_shows_the_session_as_it_was_at_the_end_of_a_phase() {
    let mut workshop = workshop("strategic-framework");
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    run_at(&mut workshop, F, Intent::GoToPhase { index: 1 }, 100).unwrap();
    let s1 = add(&mut workshop, &anna, "Voor het einde");
    workshop.commit();
    run_at(&mut workshop, F, Intent::NextPhase, 200).unwrap();
    assert!(
        follow_up::end_of_phase(workshop.state(), 2).is_none(),
        "not ended yet"
    );
    let end = follow_up::end_of_phase(workshop.state(), 1)
        .unwrap()
        .clone();
    assert_eq!(end.at_ms, 200);
    // Changes after the end of the brainstorm are not in its history.
    run(
        &mut workshop,
        F,
        Intent::HideStatement {
            statement: s1.clone().into(),
            hidden: true,
        },
    )
    .unwrap();
    workshop.commit();
    let then = workshop.hydrate_at(&end.heads_before).unwrap();
    assert_eq!(then.current_phase, 1);
    assert!(!then.statements[s1.as_str()].hidden);
    assert!(workshop.state().statements[s1.as_str()].hidden);
    // A phase visited twice ends the last time it is left.
    run_at(&mut workshop, F, Intent::GoToPhase { index: 1 }, 300).unwrap();
    run_at(&mut workshop, F, Intent::NextPhase, 400).unwrap();
    assert_eq!(
        follow_up::end_of_phase(workshop.state(), 1).unwrap().at_ms,
        400
    );
    assert_eq!(
        follow_up::end_of_phase(workshop.state(), 0).unwrap().at_ms,
        100,
        "the lobby ended with the first phase change"
    );
}

/// Issue 13, B6: a participant fixes their own name and group; a group change after voting began
/// waits for the facilitator, who accepts or refuses it; nobody's revealed figures move.
#[test]
fn names_and_groups_change_and_a_late_group_change_waits_for_the_facilitator() {
    let mut workshop = workshop("strategic-framework");
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    let bert = workshop.add_participant("Bert", "ict").unwrap();
    let carla = workshop.add_participant("Carla", "business").unwrap();
    let (a, b, c) = (
        Sender::Participant(&anna),
        Sender::Participant(&bert),
        Sender::Participant(&carla),
    );
    let name = |n: &str| Intent::SetName { name: n.into() };
    let group = |g: &str| Intent::SetGroup { group: g.into() };
    let decide = |p: &str, accept: bool| Intent::DecideGroup {
        participant: p.into(),
        accept,
    };
    let facilitator = |workshop: &Workshop| {
        projection::view(workshop.state(), &Presence::new(), Audience::Facilitator)
            .participants
            .unwrap()
    };

    // The name: checked as at joining, one's own only.
    run(&mut workshop, a, name("Anna de Vries")).unwrap();
    assert_eq!(facilitator(&workshop)[&anna].name, "Anna de Vries");
    assert_eq!(
        run(&mut workshop, a, name("  ")),
        Err(ErrorCode::InvalidName)
    );
    assert_eq!(
        run(&mut workshop, a, name("x\u{202E}y")),
        Err(ErrorCode::InvalidName)
    );
    assert_eq!(
        run(&mut workshop, a, name("Anna de Vries")),
        Err(ErrorCode::NoChange)
    );
    assert_eq!(
        run(&mut workshop, F, name("Anna")),
        Err(ErrorCode::Forbidden)
    );
    assert_eq!(
        run(&mut workshop, b, decide(&anna, true)),
        Err(ErrorCode::Forbidden)
    );

    // Before anyone voted a group change is immediate.
    assert_eq!(
        run(&mut workshop, a, group("marketing")),
        Err(ErrorCode::InvalidGroup)
    );
    assert_eq!(
        run(&mut workshop, a, group("ict")),
        Err(ErrorCode::NoChange)
    );
    run(&mut workshop, a, group("business")).unwrap();
    assert_eq!(workshop.state().participants[&anna].group, "business");
    assert_eq!(public(&workshop).groups["business"].joined, 2);
    assert_eq!(
        run(&mut workshop, F, decide(&anna, true)),
        Err(ErrorCode::NoChange)
    );

    // Once someone voted (here Bert, not Carla), a change waits for the facilitator.
    go_to(&mut workshop, 1);
    let s1 = add(&mut workshop, &bert, "Eén loket");
    go_to(&mut workshop, 3);
    dot(&mut workshop, b, &s1).unwrap();
    run(&mut workshop, c, group("ict")).unwrap();
    assert_eq!(workshop.state().participants[&carla].group, "business");
    assert_eq!(
        facilitator(&workshop)[&carla].pending_group.as_deref(),
        Some("ict")
    );
    let me = projection::me(workshop.state(), &carla).unwrap();
    assert_eq!(
        (me.group.as_str(), me.pending_group.as_deref()),
        ("business", Some("ict"))
    );
    assert_eq!(
        public(&workshop).groups["business"].joined,
        2,
        "nothing moves yet"
    );
    assert_eq!(
        run(&mut workshop, c, group("ict")),
        Err(ErrorCode::NoChange)
    );
    // Asking for one's own group again withdraws the request.
    run(&mut workshop, c, group("business")).unwrap();
    assert_eq!(facilitator(&workshop)[&carla].pending_group, None);
    run(&mut workshop, c, group("ict")).unwrap();
    run(&mut workshop, F, decide(&carla, true)).unwrap();
    assert_eq!(workshop.state().participants[&carla].group, "ict");
    assert_eq!(facilitator(&workshop)[&carla].pending_group, None);
    // Refused: the group stays.
    run(&mut workshop, b, group("business")).unwrap();
    run(&mut workshop, F, decide(&bert, false)).unwrap();
    assert_eq!(workshop.state().participants[&bert].group, "ict");
    assert_eq!(facilitator(&workshop)[&bert].pending_group, None);
    assert_eq!(
        run(&mut workshop, F, decide("p999", true)),
        Err(ErrorCode::NotFound)
    );

    // Ratings revealed per group: a rater's group is fixed, also for a request made before.
    go_to(&mut workshop, 4);
    let rule = run(
        &mut workshop,
        b,
        Intent::ProposeRule {
            text: "Eén keer vastleggen".into(),
            anchors: Vec::new(),
        },
    )
    .unwrap()
    .unwrap();
    rate(&mut workshop, &bert, &rule, 5).unwrap();
    rate(&mut workshop, &anna, &rule, 1).unwrap();
    run(&mut workshop, a, group("ict")).unwrap();
    run(&mut workshop, F, Intent::RevealVotes).unwrap();
    let support = |workshop: &Workshop| {
        public(workshop).rules[rule.as_str()]
            .support
            .clone()
            .unwrap()
    };
    let seen = support(&workshop);
    assert_eq!(
        run(&mut workshop, b, group("business")),
        Err(ErrorCode::GroupLocked)
    );
    assert_eq!(
        run(&mut workshop, F, decide(&anna, true)),
        Err(ErrorCode::GroupLocked)
    );
    assert_eq!(support(&workshop), seen, "revealed support per group stays");
    run(&mut workshop, F, decide(&anna, false)).unwrap();
    // Carla did not rate: she may still ask, and the facilitator decide.
    run(&mut workshop, c, group("business")).unwrap();
    run(&mut workshop, F, decide(&carla, true)).unwrap();
    assert_eq!(support(&workshop), seen);
    same_after_reload(&mut workshop);
}

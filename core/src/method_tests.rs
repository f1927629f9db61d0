//! The whole workshop method without a socket: clustering, rule status and rating rounds,
//! reasons, group weighting, anonymity per phase, ready signals, participants without a device,
//! removal, closing, follow-up sessions and the history of a phase. Each test also checks that
//! the mirror equals the document read back (`rehydrate`), so nothing lives only in memory.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use automerge::ChangeHash;
use draagvlak_protocol::intent::{Answer, RuleStatus};
use draagvlak_protocol::view::Level;
use draagvlak_protocol::{ErrorCode, Intent};

use super::Refusal;
use super::apply::{Context, Sender, apply};
use super::follow_up;
use super::new_session::NewSession;
use super::projection::{self, Audience, Presence};
use super::workshop::{Meta, Workshop};

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
    ws: &mut Workshop,
    sender: Sender<'_>,
    intent: Intent,
) -> Result<Option<String>, ErrorCode> {
    run_at(ws, sender, intent, 1_000_000)
}

pub(super) fn run_at(
    ws: &mut Workshop,
    sender: Sender<'_>,
    intent: Intent,
    now_ms: u64,
) -> Result<Option<String>, ErrorCode> {
    let heads: Vec<ChangeHash> = ws.heads().to_vec();
    let lookup = move |_rev: u64| -> Result<Vec<ChangeHash>, Refusal> { Ok(heads.clone()) };
    let ctx = Context::new(&lookup, now_ms);
    apply(ws, sender, &intent, &ctx)
        .map(|a| a.created)
        .map_err(|r| r.code)
}

pub(super) const F: Sender<'static> = Sender::Facilitator;

pub(super) fn go_to(ws: &mut Workshop, index: u32) {
    run(ws, F, Intent::GoToPhase { index }).unwrap();
}

pub(super) fn add(ws: &mut Workshop, who: &str, text: &str) -> String {
    run(
        ws,
        Sender::Participant(who),
        Intent::AddStatement { text: text.into() },
    )
    .unwrap()
    .unwrap()
}

pub(super) fn rate(
    ws: &mut Workshop,
    who: &str,
    rule: &str,
    score: u8,
) -> Result<Option<String>, ErrorCode> {
    run(
        ws,
        Sender::Participant(who),
        Intent::RateRule {
            rule: rule.into(),
            score,
            reason: (score <= 2).then(|| format!("reden van {who}")),
        },
    )
}

pub(super) fn same_after_reload(ws: &mut Workshop) {
    ws.commit();
    assert_eq!(&ws.rehydrate().unwrap(), ws.state());
}

pub(super) fn public(ws: &Workshop) -> draagvlak_protocol::View {
    projection::view(ws.state(), &Presence::new(), Audience::Public)
}

#[test]
fn clusters_merge_split_keep_their_history_and_take_the_dots() {
    let mut ws = workshop("strategic-framework");
    let anna = ws.add_participant("Anna", "ict").unwrap();
    let bert = ws.add_participant("Bert", "business").unwrap();
    go_to(&mut ws, 1);
    let s1 = add(&mut ws, &anna, "Eén loket");
    let s2 = add(&mut ws, &bert, "Eén loket voor inwoners");
    let s3 = add(&mut ws, &bert, "Alles digitaal");
    let s4 = add(&mut ws, &anna, "Digitaal waar het kan");
    let merge = |statements: Vec<&String>| Intent::CreateCluster {
        statements: statements.into_iter().cloned().collect(),
        title: "Eén loket".into(),
    };
    // Not in the brainstorm: clustering has its own phase.
    assert_eq!(
        run(&mut ws, F, merge(vec![&s1, &s2])),
        Err(ErrorCode::WrongPhase)
    );
    go_to(&mut ws, 2);
    let a = Sender::Participant(&anna);
    assert_eq!(
        run(&mut ws, a, merge(vec![&s1, &s2])),
        Err(ErrorCode::Forbidden),
        "participants only once the facilitator opens clustering"
    );
    assert_eq!(
        run(&mut ws, F, merge(vec![&s1])),
        Err(ErrorCode::InvalidValue)
    );
    assert_eq!(
        run(&mut ws, F, merge(vec![&s1, &s1])),
        Err(ErrorCode::InvalidValue)
    );
    let c1 = run_at(&mut ws, F, merge(vec![&s1, &s2]), 10)
        .unwrap()
        .unwrap();
    assert_eq!(
        run(&mut ws, F, merge(vec![&s2, &s3])),
        Err(ErrorCode::Clustered),
        "a statement is in one cluster at most"
    );
    run(&mut ws, F, Intent::SetClusteringOpen { open: true }).unwrap();
    let c2 = run_at(&mut ws, a, merge(vec![&s3, &s4]), 20)
        .unwrap()
        .unwrap();
    run_at(
        &mut ws,
        a,
        Intent::RenameCluster {
            cluster: c2.clone(),
            title: "Digitaal".into(),
        },
        30,
    )
    .unwrap();
    // Splitting: taking one out of a pair dissolves it.
    run_at(
        &mut ws,
        a,
        Intent::RemoveFromCluster {
            statement: s4.clone(),
        },
        40,
    )
    .unwrap();
    assert!(!ws.state().clusters.contains_key(&c2));
    assert_eq!(ws.state().statements[&s3].cluster, None);
    let v = public(&ws);
    assert_eq!(v.clusters[&c1].statements, vec![s1.clone(), s2.clone()]);
    assert_eq!(v.statements[&s2].cluster.as_deref(), Some(c1.as_str()));
    let log: Vec<(u64, &str, &str)> = ws
        .state()
        .cluster_log
        .iter()
        .map(|e| (e.at_ms, e.action.as_str(), e.by.as_str()))
        .collect();
    assert_eq!(
        log,
        vec![
            (10, "create", "facilitator"),
            (20, "create", "participant"),
            (30, "rename", "participant"),
            (40, "dissolve", "participant")
        ]
    );
    same_after_reload(&mut ws);

    // Vote: dots go to the cluster and to statements left alone, never into a cluster.
    go_to(&mut ws, 3);
    let b = Sender::Participant(&bert);
    let dot = |item: &String| Intent::PlaceDot {
        statement: item.clone(),
    };
    assert_eq!(run(&mut ws, b, dot(&s1)), Err(ErrorCode::Clustered));
    run(&mut ws, b, dot(&c1)).unwrap();
    run(&mut ws, b, dot(&c1)).unwrap();
    run(&mut ws, b, dot(&s3)).unwrap();
    assert_eq!(
        run(&mut ws, b, dot(&s4)),
        Err(ErrorCode::BudgetExhausted),
        "the budget counts dots on clusters"
    );
    let me = projection::me(ws.state(), &bert).unwrap();
    assert_eq!(me.dots_left[&Level::Richten], 0);
    run(&mut ws, F, Intent::RevealVotes).unwrap();
    let v = public(&ws);
    assert_eq!(v.clusters[&c1].dots, Some(2));
    assert_eq!(v.statements[&s1].dots, Some(0));
    // A cluster with dots keeps its members.
    go_to(&mut ws, 2);
    assert_eq!(
        run(
            &mut ws,
            F,
            Intent::DissolveCluster {
                cluster: c1.clone()
            }
        ),
        Err(ErrorCode::HasVotes)
    );
    same_after_reload(&mut ws);
}

#[test]
fn rules_have_status_rounds_reasons_anchors_and_equal_group_weight() {
    let mut ws = workshop("strategic-framework");
    let ict: Vec<String> = (0..3)
        .map(|i| ws.add_participant(&format!("I{i}"), "ict").unwrap())
        .collect();
    let biz = ws.add_participant("B0", "business").unwrap();
    go_to(&mut ws, 1);
    let s1 = add(&mut ws, &ict[0], "Data bij de bron");
    go_to(&mut ws, 4);
    let r = run(
        &mut ws,
        Sender::Participant(&biz),
        Intent::ProposeRule {
            text: "We leggen gegevens één keer vast".into(),
            anchors: vec![s1.clone(), "s999".into()],
        },
    );
    assert_eq!(r, Err(ErrorCode::NotFound), "anchors must exist");
    let rule = run(
        &mut ws,
        Sender::Participant(&biz),
        Intent::ProposeRule {
            text: "We leggen gegevens één keer vast".into(),
            anchors: vec![s1.clone()],
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(ws.state().rules[&rule].anchors, vec![s1.clone()]);
    // The lowest two steps need a reason.
    assert_eq!(
        run(
            &mut ws,
            Sender::Participant(&biz),
            Intent::RateRule {
                rule: rule.clone(),
                score: 2,
                reason: Some("   ".into())
            }
        ),
        Err(ErrorCode::ReasonRequired)
    );
    assert_eq!(
        run(
            &mut ws,
            Sender::Participant(&biz),
            Intent::RateRule {
                rule: rule.clone(),
                score: 1,
                reason: Some("x".repeat(281))
            }
        ),
        Err(ErrorCode::TextTooLong)
    );
    for p in &ict {
        rate(&mut ws, p, &rule, 5).unwrap();
    }
    rate(&mut ws, &biz, &rule, 1).unwrap();
    // Secret until revealed: no support, no reasons, only the count.
    let v = public(&ws);
    assert!(v.rules[&rule].support.is_none() && v.rules[&rule].reasons.is_empty());
    assert_eq!(v.rules[&rule].raters, 4);
    assert!(!serde_json::to_string(&v).unwrap().contains("reden van"));
    run(&mut ws, F, Intent::RevealVotes).unwrap();
    let v = public(&ws);
    let s = v.rules[&rule].support.clone().unwrap();
    assert_eq!(s.overall, Some(0.75), "3 of 4 people agree");
    assert_eq!(s.gap, Some(1.0));
    assert_eq!(v.rules[&rule].reasons, vec![format!("reden van {biz}")]);
    // Each group weighs equally: (1.0 + 0.0) / 2.
    run(&mut ws, F, Intent::SetEqualGroupWeight { equal: true }).unwrap();
    let s = public(&ws).rules[&rule].support.clone().unwrap();
    assert_eq!(s.overall, Some(0.5));
    assert!(s.equal_group_weight);
    // Revise and rate again: round 1 kept, round 2 secret until revealed.
    run(
        &mut ws,
        F,
        Intent::SetRuleStatus {
            rule: rule.clone(),
            status: RuleStatus::Revise,
            confirm: false,
        },
    )
    .unwrap();
    run(&mut ws, F, Intent::StartRatingRound { rule: rule.clone() }).unwrap();
    let v = public(&ws);
    let r = &v.rules[&rule];
    assert_eq!((r.round, r.raters, r.status), (2, 0, RuleStatus::Proposed));
    assert!(r.support.is_none());
    assert_eq!(r.earlier_rounds.len(), 1);
    assert_eq!(r.earlier_rounds[0].histogram, [1, 0, 0, 0, 3]);
    assert!(projection::me(ws.state(), &biz).unwrap().ratings.is_empty());
    rate(&mut ws, &biz, &rule, 4).unwrap();
    assert!(
        public(&ws).rules[&rule].support.is_none(),
        "round 2 is secret"
    );
    run(&mut ws, F, Intent::RevealVotes).unwrap();
    let r = public(&ws).rules[&rule].clone();
    assert_eq!(r.support.unwrap().histogram, [0, 0, 0, 1, 0]);
    assert!(r.reasons.is_empty());
    run(
        &mut ws,
        F,
        Intent::SetRuleStatus {
            rule: rule.clone(),
            status: RuleStatus::Adopted,
            confirm: false,
        },
    )
    .unwrap();
    same_after_reload(&mut ws);
    assert_eq!(ws.state().earlier_reasons[&rule].len(), 1);
}

#[test]
fn anonymity_per_phase_and_ready_signals() {
    let mut ws = workshop("strategic-framework");
    let anna = ws.add_participant("Anna", "ict").unwrap();
    go_to(&mut ws, 1);
    let s1 = add(&mut ws, &anna, "Anoniem");
    run(
        &mut ws,
        F,
        Intent::SetAnonymous {
            phase: 1,
            anonymous: false,
        },
    )
    .unwrap();
    let s2 = add(&mut ws, &anna, "Met naam");
    let v = projection::view(ws.state(), &Presence::new(), Audience::Facilitator);
    assert!(v.statements[&s1].author.is_none(), "stays as it was added");
    assert_eq!(v.statements[&s2].author.as_ref().unwrap().name, "Anna");
    assert!(!v.phases[1].anonymous);
    assert_eq!(
        run(
            &mut ws,
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
        &mut ws,
        F,
        Intent::SetAnonymous {
            phase: 4,
            anonymous: true,
        },
    )
    .unwrap();
    go_to(&mut ws, 4);
    let r = run(
        &mut ws,
        Sender::Participant(&anna),
        Intent::ProposeRule {
            text: "Zonder naam".into(),
            anchors: Vec::new(),
        },
    )
    .unwrap()
    .unwrap();
    assert!(public(&ws).rules[&r].author.is_none());
    // Ready: counted, per participant for the facilitator, reset by a phase change.
    run(
        &mut ws,
        Sender::Participant(&anna),
        Intent::SetReady { ready: true },
    )
    .unwrap();
    assert_eq!(public(&ws).ready, 1);
    let v = projection::view(ws.state(), &Presence::new(), Audience::Facilitator);
    assert!(v.participants.unwrap()[&anna].ready);
    same_after_reload(&mut ws);
    go_to(&mut ws, 5);
    assert_eq!(public(&ws).ready, 0);
}

#[test]
fn the_facilitator_enters_input_only_for_participants_without_a_device() {
    let mut ws = workshop("strategic-framework");
    let anna = ws.add_participant("Anna", "ict").unwrap();
    let gerrit = run(
        &mut ws,
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
            &mut ws,
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
            &mut ws,
            F,
            Intent::AddProxy {
                name: "Iemand".into(),
                group: "pers".into()
            }
        ),
        Err(ErrorCode::InvalidGroup)
    );
    go_to(&mut ws, 1);
    let s = run(
        &mut ws,
        Sender::Proxy(&gerrit),
        Intent::AddStatement {
            text: "Op papier ingeleverd".into(),
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        run(
            &mut ws,
            Sender::Proxy(&anna),
            Intent::AddStatement {
                text: "Namens Anna".into()
            }
        ),
        Err(ErrorCode::NotProxy),
        "never as someone who has a device"
    );
    let v = projection::view(ws.state(), &Presence::new(), Audience::Facilitator);
    assert!(v.statements[&s].by_facilitator);
    assert!(v.participants.as_ref().unwrap()[&gerrit].proxy);
    assert_eq!(v.groups["business"].joined, 1, "counted like anyone else");
    go_to(&mut ws, 3);
    run(
        &mut ws,
        Sender::Proxy(&gerrit),
        Intent::PlaceDot {
            statement: s.clone(),
        },
    )
    .unwrap();
    assert_eq!(ws.state().dots_used(&gerrit, Level::Richten), 1);
    same_after_reload(&mut ws);
}

#[test]
fn a_removed_participant_no_longer_counts_and_a_closed_session_is_read_only() {
    let mut ws = workshop("strategic-framework");
    let anna = ws.add_participant("Anna", "ict").unwrap();
    let troll = ws.add_participant("Trol", "business").unwrap();
    go_to(&mut ws, 1);
    let s = add(&mut ws, &anna, "Serieus");
    go_to(&mut ws, 4);
    let rule = run(
        &mut ws,
        Sender::Participant(&anna),
        Intent::ProposeRule {
            text: "Regel".into(),
            anchors: Vec::new(),
        },
    )
    .unwrap()
    .unwrap();
    rate(&mut ws, &anna, &rule, 5).unwrap();
    rate(&mut ws, &troll, &rule, 1).unwrap();
    go_to(&mut ws, 3);
    for who in [&anna, &troll, &troll] {
        run(
            &mut ws,
            Sender::Participant(who),
            Intent::PlaceDot {
                statement: s.clone(),
            },
        )
        .unwrap();
    }
    run(
        &mut ws,
        F,
        Intent::RemoveParticipant {
            participant: troll.clone(),
        },
    )
    .unwrap();
    assert_eq!(
        run(
            &mut ws,
            Sender::Participant(&troll),
            Intent::PlaceDot {
                statement: s.clone()
            }
        ),
        Err(ErrorCode::Removed)
    );
    run(&mut ws, F, Intent::RevealVotes).unwrap();
    let v = projection::view(ws.state(), &Presence::new(), Audience::Facilitator);
    assert_eq!(
        v.statements[&s].dots,
        Some(1),
        "the removed person's dots are gone"
    );
    assert_eq!(v.progress[&Level::Richten].voters, 1);
    assert!(!v.participants.unwrap().contains_key(&troll));
    assert_eq!(v.groups["business"].joined, 0);
    assert_eq!(
        v.rules[&rule].raters, 1,
        "the removed person's rating is gone"
    );
    assert!(
        !ws.state().reasons.contains_key(&rule),
        "and so is the reason"
    );
    assert_eq!(
        run(
            &mut ws,
            F,
            Intent::RemoveParticipant {
                participant: troll.clone()
            }
        ),
        Err(ErrorCode::NoChange)
    );
    same_after_reload(&mut ws);
    run(&mut ws, F, Intent::CloseSession).unwrap();
    assert!(public(&ws).closed);
    for (sender, intent) in [
        (F, Intent::NextPhase),
        (
            Sender::Participant(&anna),
            Intent::RemoveDot {
                statement: s.clone(),
            },
        ),
    ] {
        assert_eq!(run(&mut ws, sender, intent), Err(ErrorCode::SessionClosed));
    }
    same_after_reload(&mut ws);
}

#[test]
fn a_follow_up_carries_adopted_rules_and_top_priorities_and_is_reviewed() {
    reviewed_follow_up();
}

/// A follow-up of a workshop in which one rule was adopted, reviewed by one ICT and one business
/// participant and revealed (checked along the way); the server's report tests start from it.
pub fn reviewed_follow_up() -> Workshop {
    let mut earlier = workshop("strategic-framework");
    let people: Vec<String> = [("A", "ict"), ("B", "ict"), ("C", "business")]
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
        run(
            &mut earlier,
            Sender::Participant(&people[who]),
            Intent::PlaceDot {
                statement: ids[item].clone(),
            },
        )
        .unwrap();
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
                rule: rules[rule].clone(),
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
    let mut ws = workshop("strategic-framework");
    let anna = ws.add_participant("Anna", "ict").unwrap();
    run_at(&mut ws, F, Intent::GoToPhase { index: 1 }, 100).unwrap();
    let s1 = add(&mut ws, &anna, "Voor het einde");
    ws.commit();
    run_at(&mut ws, F, Intent::NextPhase, 200).unwrap();
    assert!(
        follow_up::end_of_phase(ws.state(), 2).is_none(),
        "not ended yet"
    );
    let end = follow_up::end_of_phase(ws.state(), 1).unwrap().clone();
    assert_eq!(end.at_ms, 200);
    // Changes after the end of the brainstorm are not in its history.
    run(
        &mut ws,
        F,
        Intent::HideStatement {
            statement: s1.clone(),
            hidden: true,
        },
    )
    .unwrap();
    ws.commit();
    let then = ws.hydrate_at(&end.heads_before).unwrap();
    assert_eq!(then.current_phase, 1);
    assert!(!then.statements[&s1].hidden);
    assert!(ws.state().statements[&s1].hidden);
    // A phase visited twice ends the last time it is left.
    run_at(&mut ws, F, Intent::GoToPhase { index: 1 }, 300).unwrap();
    run_at(&mut ws, F, Intent::NextPhase, 400).unwrap();
    assert_eq!(follow_up::end_of_phase(ws.state(), 1).unwrap().at_ms, 400);
    assert_eq!(
        follow_up::end_of_phase(ws.state(), 0).unwrap().at_ms,
        100,
        "the lobby ended with the first phase change"
    );
}

/// Issue 13, B6: a participant fixes their own name and group; a group change after voting began
/// waits for the facilitator, who accepts or refuses it; nobody's revealed figures move.
#[test]
fn names_and_groups_change_and_a_late_group_change_waits_for_the_facilitator() {
    let mut ws = workshop("strategic-framework");
    let anna = ws.add_participant("Anna", "ict").unwrap();
    let bert = ws.add_participant("Bert", "ict").unwrap();
    let carla = ws.add_participant("Carla", "business").unwrap();
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
    let facilitator = |ws: &Workshop| {
        projection::view(ws.state(), &Presence::new(), Audience::Facilitator)
            .participants
            .unwrap()
    };

    // The name: checked as at joining, one's own only.
    run(&mut ws, a, name("Anna de Vries")).unwrap();
    assert_eq!(facilitator(&ws)[&anna].name, "Anna de Vries");
    assert_eq!(run(&mut ws, a, name("  ")), Err(ErrorCode::InvalidName));
    assert_eq!(
        run(&mut ws, a, name("x\u{202E}y")),
        Err(ErrorCode::InvalidName)
    );
    assert_eq!(
        run(&mut ws, a, name("Anna de Vries")),
        Err(ErrorCode::NoChange)
    );
    assert_eq!(run(&mut ws, F, name("Anna")), Err(ErrorCode::Forbidden));
    assert_eq!(
        run(&mut ws, b, decide(&anna, true)),
        Err(ErrorCode::Forbidden)
    );

    // Before anyone voted a group change is immediate.
    assert_eq!(
        run(&mut ws, a, group("marketing")),
        Err(ErrorCode::InvalidGroup)
    );
    assert_eq!(run(&mut ws, a, group("ict")), Err(ErrorCode::NoChange));
    run(&mut ws, a, group("business")).unwrap();
    assert_eq!(ws.state().participants[&anna].group, "business");
    assert_eq!(public(&ws).groups["business"].joined, 2);
    assert_eq!(
        run(&mut ws, F, decide(&anna, true)),
        Err(ErrorCode::NoChange)
    );

    // Once someone voted (here Bert, not Carla), a change waits for the facilitator.
    go_to(&mut ws, 1);
    let s1 = add(&mut ws, &bert, "Eén loket");
    go_to(&mut ws, 3);
    run(&mut ws, b, Intent::PlaceDot { statement: s1 }).unwrap();
    run(&mut ws, c, group("ict")).unwrap();
    assert_eq!(ws.state().participants[&carla].group, "business");
    assert_eq!(
        facilitator(&ws)[&carla].pending_group.as_deref(),
        Some("ict")
    );
    let me = projection::me(ws.state(), &carla).unwrap();
    assert_eq!(
        (me.group.as_str(), me.pending_group.as_deref()),
        ("business", Some("ict"))
    );
    assert_eq!(
        public(&ws).groups["business"].joined,
        2,
        "nothing moves yet"
    );
    assert_eq!(run(&mut ws, c, group("ict")), Err(ErrorCode::NoChange));
    // Asking for one's own group again withdraws the request.
    run(&mut ws, c, group("business")).unwrap();
    assert_eq!(facilitator(&ws)[&carla].pending_group, None);
    run(&mut ws, c, group("ict")).unwrap();
    run(&mut ws, F, decide(&carla, true)).unwrap();
    assert_eq!(ws.state().participants[&carla].group, "ict");
    assert_eq!(facilitator(&ws)[&carla].pending_group, None);
    // Refused: the group stays.
    run(&mut ws, b, group("business")).unwrap();
    run(&mut ws, F, decide(&bert, false)).unwrap();
    assert_eq!(ws.state().participants[&bert].group, "ict");
    assert_eq!(facilitator(&ws)[&bert].pending_group, None);
    assert_eq!(
        run(&mut ws, F, decide("p999", true)),
        Err(ErrorCode::NotFound)
    );

    // Ratings revealed per group: a rater's group is fixed, also for a request made before.
    go_to(&mut ws, 4);
    let rule = run(
        &mut ws,
        b,
        Intent::ProposeRule {
            text: "Eén keer vastleggen".into(),
            anchors: Vec::new(),
        },
    )
    .unwrap()
    .unwrap();
    rate(&mut ws, &bert, &rule, 5).unwrap();
    rate(&mut ws, &anna, &rule, 1).unwrap();
    run(&mut ws, a, group("ict")).unwrap();
    run(&mut ws, F, Intent::RevealVotes).unwrap();
    let support = |ws: &Workshop| public(ws).rules[&rule].support.clone().unwrap();
    let seen = support(&ws);
    assert_eq!(
        run(&mut ws, b, group("business")),
        Err(ErrorCode::GroupLocked)
    );
    assert_eq!(
        run(&mut ws, F, decide(&anna, true)),
        Err(ErrorCode::GroupLocked)
    );
    assert_eq!(support(&ws), seen, "revealed support per group stays");
    run(&mut ws, F, decide(&anna, false)).unwrap();
    // Carla did not rate: she may still ask, and the facilitator decide.
    run(&mut ws, c, group("business")).unwrap();
    run(&mut ws, F, decide(&carla, true)).unwrap();
    assert_eq!(support(&ws), seen);
    same_after_reload(&mut ws);
}

//! Workshop logic tests without a socket: intents applied to a document, checked against the
//! mirror, the stored form and the projections.

use automerge::ChangeHash;
use draagvlak_protocol::view::Level;
use draagvlak_protocol::{ErrorCode, Intent, ParticipantId, Splice};

use super::Refusal;
use super::apply::{Context, Sender, apply};
use super::projection::{self, Audience, Presence};
use super::workshop::Workshop;

use super::method_tests::{F, dot, go_to, run, undot};

fn workshop() -> Workshop {
    super::method_tests::workshop("strategic-framework")
}

#[test]
fn a_level_played_through_keeps_mirror_document_and_storage_equal() {
    let mut workshop = workshop();
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    let bert = workshop.add_participant("Bert", "business").unwrap();
    let a = Sender::Participant(&anna);
    let b = Sender::Participant(&bert);
    // Lobby: nobody can add anything.
    assert_eq!(
        run(&mut workshop, a, Intent::AddStatement { text: "x".into() }),
        Err(ErrorCode::WrongPhase)
    );
    go_to(&mut workshop, 1); // richten brainstorm
    let s1 = run(
        &mut workshop,
        a,
        Intent::AddStatement {
            text: "ICT is een strategische partner".into(),
        },
    )
    .unwrap()
    .unwrap();
    let s2 = run(
        &mut workshop,
        b,
        Intent::AddStatement {
            text: "Digitaal eerst".into(),
        },
    )
    .unwrap()
    .unwrap();
    workshop.commit();
    // Only the author edits or deletes.
    let edit = Splice {
        rev: 0,
        pos: 0,
        delete: 0,
        insert: "Ja: ".into(),
    };
    assert_eq!(
        run(
            &mut workshop,
            b,
            Intent::EditStatement {
                statement: s1.clone().into(),
                splice: edit.clone()
            }
        ),
        Err(ErrorCode::NotOwner)
    );
    run(
        &mut workshop,
        a,
        Intent::EditStatement {
            statement: s1.clone().into(),
            splice: edit,
        },
    )
    .unwrap();
    assert_eq!(
        run(
            &mut workshop,
            a,
            Intent::DeleteStatement {
                statement: s2.clone().into()
            }
        ),
        Err(ErrorCode::NotOwner)
    );
    assert_eq!(
        workshop.state().statements[s1.as_str()].text,
        "Ja: ICT is een strategische partner"
    );
    // Participants cannot steer.
    assert_eq!(
        run(&mut workshop, a, Intent::NextPhase),
        Err(ErrorCode::Forbidden)
    );
    go_to(&mut workshop, 3); // vote (past the clustering)
    dot(&mut workshop, a, &s1).unwrap();
    dot(&mut workshop, a, &s1).unwrap();
    assert_eq!(dot(&mut workshop, a, &s1), Err(ErrorCode::ItemLimit));
    dot(&mut workshop, a, &s2).unwrap();
    assert_eq!(dot(&mut workshop, a, &s2), Err(ErrorCode::BudgetExhausted));
    undot(&mut workshop, a, &s2).unwrap();
    assert_eq!(undot(&mut workshop, a, &s2), Err(ErrorCode::NoDot));
    dot(&mut workshop, b, &s2).unwrap();
    // Locked input.
    run(&mut workshop, F, Intent::SetLocked { locked: true }).unwrap();
    assert_eq!(dot(&mut workshop, b, &s1), Err(ErrorCode::InputLocked));
    run(&mut workshop, F, Intent::SetLocked { locked: false }).unwrap();
    // Hidden statements take no dots.
    run(
        &mut workshop,
        F,
        Intent::HideStatement {
            statement: s2.clone().into(),
            hidden: true,
        },
    )
    .unwrap();
    assert_eq!(dot(&mut workshop, b, &s2), Err(ErrorCode::Hidden));
    run(
        &mut workshop,
        F,
        Intent::HideStatement {
            statement: s2.clone().into(),
            hidden: false,
        },
    )
    .unwrap();
    assert_eq!(workshop.state().dots_used(&anna, Level::Richten), 2);
    run(&mut workshop, F, Intent::RevealVotes).unwrap();
    run(&mut workshop, F, Intent::NextPhase).unwrap(); // rules
    let r1 = run(
        &mut workshop,
        a,
        Intent::ProposeRule {
            text: "Eerst hergebruiken, dan kopen".into(),
            anchors: Vec::new(),
        },
    )
    .unwrap()
    .unwrap();
    workshop.commit();
    // Any participant may edit a rule's text while it is drafted (no ratings yet).
    let rev_heads = workshop.heads().to_vec();
    let lookup = move |_r: u64| -> Result<Vec<ChangeHash>, Refusal> { Ok(rev_heads.clone()) };
    apply(
        &mut workshop,
        b,
        &Intent::EditRule {
            rule: r1.clone().into(),
            splice: Splice {
                rev: 0,
                pos: 29,
                delete: 0,
                insert: " of huren".into(),
            },
        },
        &Context::new(&lookup, 0),
    )
    .unwrap();
    assert_eq!(
        workshop.state().rules[r1.as_str()].text,
        "Eerst hergebruiken, dan kopen of huren"
    );
    assert_eq!(
        run(
            &mut workshop,
            b,
            Intent::RateRule {
                rule: r1.clone().into(),
                score: 6,
                reason: None,
            }
        ),
        Err(ErrorCode::InvalidScore)
    );
    run(
        &mut workshop,
        b,
        Intent::RateRule {
            rule: r1.clone().into(),
            score: 4,
            reason: None,
        },
    )
    .unwrap();
    run(
        &mut workshop,
        a,
        Intent::RateRule {
            rule: r1.clone().into(),
            score: 2,
            reason: Some("te vaag".into()),
        },
    )
    .unwrap();
    workshop.commit();

    // The mirror equals what the document says, and what a reload from storage says.
    assert_eq!(&workshop.rehydrate().unwrap(), workshop.state());
    let saved = workshop.save();
    let loaded = Workshop::load("0123456789abcdef", &saved, std::iter::empty()).unwrap();
    assert_eq!(loaded.state(), workshop.state());
}

#[test]
fn incremental_chunks_load_to_the_same_state() {
    let mut workshop = workshop();
    let snapshot = workshop.save();
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    go_to(&mut workshop, 1);
    workshop.commit();
    let c1 = workshop.save_incremental();
    run(
        &mut workshop,
        Sender::Participant(&anna),
        Intent::AddStatement {
            text: "Eén loket".into(),
        },
    )
    .unwrap();
    workshop.commit();
    let c2 = workshop.save_incremental();
    let loaded = Workshop::load(
        "0123456789abcdef",
        &snapshot,
        [c1.as_slice(), c2.as_slice()],
    )
    .unwrap();
    assert_eq!(loaded.state(), workshop.state());
}

#[test]
fn views_hide_dots_ratings_and_anonymous_authors_until_revealed() {
    let mut workshop = workshop();
    let anna = workshop.add_participant("Anna Jansen", "ict").unwrap();
    let bert = workshop
        .add_participant("Bert de Vries", "business")
        .unwrap();
    let a = Sender::Participant(&anna);
    let b = Sender::Participant(&bert);
    go_to(&mut workshop, 1);
    let s1 = run(
        &mut workshop,
        a,
        Intent::AddStatement {
            text: "Anoniem idee".into(),
        },
    )
    .unwrap()
    .unwrap();
    go_to(&mut workshop, 3);
    dot(&mut workshop, b, &s1).unwrap();
    go_to(&mut workshop, 4);
    let r1 = run(
        &mut workshop,
        a,
        Intent::ProposeRule {
            text: "Open standaarden".into(),
            anchors: Vec::new(),
        },
    )
    .unwrap()
    .unwrap();
    run(
        &mut workshop,
        b,
        Intent::RateRule {
            rule: r1.clone().into(),
            score: 5,
            reason: None,
        },
    )
    .unwrap();
    let presence = Presence::new();
    for audience in [Audience::Public, Audience::Facilitator] {
        let v = projection::view(workshop.state(), &presence, audience);
        let json = serde_json::to_string(&v).unwrap();
        assert!(v.statements[s1.as_str()].dots.is_none(), "{audience:?}");
        assert!(
            v.statements[s1.as_str()].author.is_none(),
            "anonymous for {audience:?}"
        );
        assert!(v.rules[r1.as_str()].support.is_none());
        assert_eq!(v.rules[r1.as_str()].raters, 1);
        assert_eq!(v.progress[&Level::Richten].voters, 1);
        assert!(!json.contains("\"dots\""), "{json}");
        assert!(!json.contains("histogram"));
    }
    // Bert sees his own dot; Anna does not see it.
    assert_eq!(
        projection::me(workshop.state(), &bert).unwrap().dots[s1.as_str()],
        1
    );
    assert!(
        projection::me(workshop.state(), &anna)
            .unwrap()
            .dots
            .is_empty()
    );
    // Reveal in the rules phase reveals ratings; dots need their own reveal in the vote phase.
    run(&mut workshop, F, Intent::RevealVotes).unwrap();
    let v = projection::view(workshop.state(), &presence, Audience::Public);
    let support = v.rules[r1.as_str()].support.as_ref().unwrap();
    assert_eq!(support.histogram, [0, 0, 0, 0, 1]);
    assert_eq!(support.by_group["business"], Some(1.0));
    assert_eq!(support.by_group["ict"], None);
    assert!(v.statements[s1.as_str()].dots.is_none());
    go_to(&mut workshop, 3);
    run(&mut workshop, F, Intent::RevealVotes).unwrap();
    let v = projection::view(workshop.state(), &presence, Audience::Public);
    assert_eq!(v.statements[s1.as_str()].dots, Some(1));
}

#[test]
fn hidden_statements_are_absent_from_the_public_view_only() {
    let mut workshop = workshop();
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    go_to(&mut workshop, 1);
    let s1 = run(
        &mut workshop,
        Sender::Participant(&anna),
        Intent::AddStatement {
            text: "Weg ermee".into(),
        },
    )
    .unwrap()
    .unwrap();
    run(
        &mut workshop,
        F,
        Intent::HideStatement {
            statement: s1.clone().into(),
            hidden: true,
        },
    )
    .unwrap();
    let presence = Presence::new();
    assert!(
        !projection::view(workshop.state(), &presence, Audience::Public)
            .statements
            .contains_key(s1.as_str())
    );
    assert!(
        projection::view(workshop.state(), &presence, Audience::Facilitator).statements
            [s1.as_str()]
        .hidden
    );
}

#[test]
fn phase_navigation_bounds() {
    let mut workshop = workshop();
    assert_eq!(
        run(&mut workshop, F, Intent::PreviousPhase),
        Err(ErrorCode::NoChange)
    );
    assert_eq!(
        run(&mut workshop, F, Intent::GoToPhase { index: 99 }),
        Err(ErrorCode::NotFound)
    );
    go_to(&mut workshop, 13);
    assert_eq!(
        run(&mut workshop, F, Intent::NextPhase),
        Err(ErrorCode::NoChange)
    );
    run(&mut workshop, F, Intent::PreviousPhase).unwrap();
    assert_eq!(workshop.state().current_phase, 12);
    assert_eq!(
        run(&mut workshop, Sender::Projector, Intent::NextPhase),
        Err(ErrorCode::Forbidden)
    );
}

#[test]
fn countdown_start_pause_resume_add_and_focus() {
    let mut workshop = workshop();
    assert_eq!(
        run(&mut workshop, F, Intent::PauseTimer),
        Err(ErrorCode::NoChange)
    );
    assert_eq!(
        run(&mut workshop, F, Intent::StartTimer { seconds: 0 }),
        Err(ErrorCode::InvalidValue)
    );
    assert_eq!(
        run(&mut workshop, F, Intent::StartTimer { seconds: 7201 }),
        Err(ErrorCode::InvalidValue)
    );
    run(&mut workshop, F, Intent::StartTimer { seconds: 300 }).unwrap();
    // `run` uses a clock fixed at 1_000_000 ms.
    let t = workshop.state().timer.clone().unwrap();
    assert_eq!(
        (t.running, t.deadline, t.duration_ms),
        (true, 1_300_000, 300_000)
    );
    run(&mut workshop, F, Intent::PauseTimer).unwrap();
    assert_eq!(
        workshop.state().timer.as_ref().unwrap().remaining_ms,
        300_000
    );
    run(&mut workshop, F, Intent::AddTime { seconds: 60 }).unwrap();
    assert_eq!(
        workshop.state().timer.as_ref().unwrap().remaining_ms,
        360_000
    );
    run(&mut workshop, F, Intent::ResumeTimer).unwrap();
    assert_eq!(workshop.state().timer.as_ref().unwrap().deadline, 1_360_000);
    let v = projection::view(workshop.state(), &Presence::new(), Audience::Public);
    let tv = v.timer.unwrap();
    assert_eq!(
        (tv.running, tv.deadline, tv.remaining_ms),
        (true, Some(1_360_000), None)
    );
    run(&mut workshop, F, Intent::ClearTimer).unwrap();
    assert!(workshop.state().timer.is_none());
    // Focus on an existing item only.
    assert_eq!(
        run(
            &mut workshop,
            F,
            Intent::SetFocus {
                item: Some("s99".into())
            }
        ),
        Err(ErrorCode::NotFound)
    );
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    go_to(&mut workshop, 1);
    let s1 = run(
        &mut workshop,
        Sender::Participant(&anna),
        Intent::AddStatement {
            text: "Focus".into(),
        },
    )
    .unwrap()
    .unwrap();
    run(
        &mut workshop,
        F,
        Intent::SetFocus {
            item: Some(s1.clone().into()),
        },
    )
    .unwrap();
    assert_eq!(
        projection::view(workshop.state(), &Presence::new(), Audience::Public).focus,
        Some(Into::into(s1.clone()))
    );
    workshop.commit();
    assert_eq!(&workshop.rehydrate().unwrap(), workshop.state());
    run(&mut workshop, F, Intent::SetFocus { item: None }).unwrap();
    assert_eq!(
        projection::view(workshop.state(), &Presence::new(), Audience::Public).focus,
        None
    );
    workshop.commit();
    assert_eq!(&workshop.rehydrate().unwrap(), workshop.state());
}

#[test]
fn an_edit_against_a_revision_before_the_text_existed_is_stale() {
    let mut workshop = workshop();
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    go_to(&mut workshop, 1);
    workshop.commit();
    let before = workshop.heads().to_vec();
    let a = Sender::Participant(&anna);
    let s1 = run(
        &mut workshop,
        a,
        Intent::AddStatement {
            text: "Eén loket".into(),
        },
    )
    .unwrap()
    .unwrap();
    workshop.commit();
    let lookup = move |_r: u64| -> Result<Vec<ChangeHash>, Refusal> { Ok(before.clone()) };
    let refused = apply(
        &mut workshop,
        a,
        &Intent::EditStatement {
            statement: s1.clone().into(),
            splice: Splice {
                rev: 1,
                pos: 0,
                delete: 0,
                insert: "Altijd ".into(),
            },
        },
        &Context::new(&lookup, 0),
    )
    .map(|_| ())
    .map_err(|r| r.code);
    assert_eq!(refused, Err(ErrorCode::StaleRevision));
    assert_eq!(workshop.state().statements[s1.as_str()].text, "Eén loket");
}

/// Issue 13, bug 5: a timer belongs to the phase it was started in — a phase change or closing
/// the session clears it, so "time is up" never outlives its phase.
#[test]
fn a_timer_is_cleared_when_the_phase_changes_or_the_session_closes() {
    let mut workshop = workshop();
    go_to(&mut workshop, 1);
    run(&mut workshop, F, Intent::StartTimer { seconds: 300 }).unwrap();
    run(&mut workshop, F, Intent::NextPhase).unwrap();
    assert!(workshop.state().timer.is_none());
    let v = projection::view(workshop.state(), &Presence::new(), Audience::Public);
    assert!(v.timer.is_none());
    run(&mut workshop, F, Intent::StartTimer { seconds: 60 }).unwrap();
    run(&mut workshop, F, Intent::PreviousPhase).unwrap();
    assert!(workshop.state().timer.is_none());
    run(&mut workshop, F, Intent::StartTimer { seconds: 60 }).unwrap();
    go_to(&mut workshop, 3);
    assert!(workshop.state().timer.is_none());
    run(&mut workshop, F, Intent::StartTimer { seconds: 60 }).unwrap();
    run(&mut workshop, F, Intent::CloseSession).unwrap();
    assert!(workshop.state().timer.is_none());
    workshop.commit();
    assert_eq!(&workshop.rehydrate().unwrap(), workshop.state());
}

/// Issue 13, bug 4: someone without a device (a proxy) is present and ready by definition, so
/// "3 of 4 ready" and "1 of 2 connected" can reach the whole room.
#[test]
fn a_person_without_a_device_counts_as_connected_and_ready() {
    let mut workshop = workshop();
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    let bert = run(
        &mut workshop,
        F,
        Intent::AddProxy {
            name: "Bert".into(),
            group: "ict".into(),
        },
    )
    .unwrap()
    .unwrap();
    go_to(&mut workshop, 1);
    run(
        &mut workshop,
        Sender::Participant(&anna),
        Intent::SetReady { ready: true },
    )
    .unwrap();
    let presence: Presence = [(anna.clone(), 1)].into_iter().collect();
    for audience in [Audience::Public, Audience::Facilitator] {
        let v = projection::view(workshop.state(), &presence, audience);
        assert_eq!(v.ready, 2, "everyone is ready ({audience:?})");
        assert_eq!(v.groups["ict"].joined, 2);
        assert_eq!(v.groups["ict"].connected, 2, "the proxy is in the room");
    }
    let v = projection::view(workshop.state(), &presence, Audience::Facilitator);
    assert!(v.participants.unwrap()[bert.as_str()].ready);
}

/// Issue 13, B5: a participant says they take part remotely; only the facilitator's view shows
/// it, it survives a reload, and saying "in the room" again takes it back.
#[test]
fn a_participant_can_say_they_take_part_remotely() {
    let mut workshop = workshop();
    let anna = workshop.add_participant("Anna", "ict").unwrap();
    let bert = workshop.add_participant("Bert", "business").unwrap();
    let remote = |workshop: &mut Workshop, who: &str, remote: bool| {
        run(
            workshop,
            Sender::Participant(&ParticipantId::from(who)),
            Intent::SetRemote { remote },
        )
        .unwrap();
    };
    remote(&mut workshop, &anna, true);
    let v = projection::view(workshop.state(), &Presence::new(), Audience::Facilitator);
    let people = v.participants.unwrap();
    assert!(people[&anna].remote);
    assert!(
        !people[&bert].remote,
        "in the room until they say otherwise"
    );
    let public = serde_json::to_string(&projection::view(
        workshop.state(),
        &Presence::new(),
        Audience::Public,
    ))
    .unwrap();
    assert!(!public.contains("remote"));
    workshop.commit();
    assert_eq!(&workshop.rehydrate().unwrap(), workshop.state());
    remote(&mut workshop, &anna, false);
    assert!(!workshop.state().participants[&anna].remote);
    workshop.commit();
    assert_eq!(&workshop.rehydrate().unwrap(), workshop.state());
}

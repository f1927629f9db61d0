//! The maturity self-assessment played through the core: who may score what and when, secrecy
//! until the reveal, the means per dimension and group, and nothing changed afterwards.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use draagvlak_protocol::{ErrorCode, Intent};

use super::apply::Sender;
use super::method_tests::{F, go_to, public, run, same_after_reload, workshop};
use super::projection::{self, Audience, Presence};

fn assess(statement: &str, score: Option<u8>) -> Intent {
    Intent::Assess {
        statement: statement.into(),
        score,
    }
}

#[test]
fn an_assessment_is_secret_until_revealed_and_then_shows_means_per_group() {
    let mut w = workshop("intake");
    let anna = w.add_participant("Anna", "ict").unwrap();
    let bram = w.add_participant("Bram", "business").unwrap();
    let carla = w.add_participant("Carla", "business").unwrap();
    // Only in the assessment phase, only participants, only scores 1 to 5 or "don't know".
    assert_eq!(
        run(
            &mut w,
            Sender::Participant(&anna),
            assess("strategy.1", Some(4))
        ),
        Err(ErrorCode::WrongPhase)
    );
    go_to(&mut w, 1);
    assert_eq!(
        run(&mut w, F, assess("strategy.1", Some(4))),
        Err(ErrorCode::Forbidden)
    );
    assert_eq!(
        run(
            &mut w,
            Sender::Participant(&anna),
            assess("strategy.1", Some(6))
        ),
        Err(ErrorCode::InvalidScore)
    );
    assert_eq!(
        run(
            &mut w,
            Sender::Participant(&anna),
            assess("strategy.1", Some(0))
        ),
        Err(ErrorCode::InvalidScore)
    );
    assert_eq!(
        run(
            &mut w,
            Sender::Participant(&anna),
            assess("nope.1", Some(3))
        ),
        Err(ErrorCode::NotFound)
    );
    for (who, statement, score) in [
        (&anna, "strategy.1", Some(4)),
        (&anna, "strategy.2", Some(2)),
        (&bram, "strategy.1", Some(5)),
        (&bram, "strategy.2", None),
        (&carla, "strategy.1", Some(1)),
        // Changed her mind: the last score counts.
        (&carla, "strategy.1", Some(3)),
        (&anna, "people.3", Some(5)),
    ] {
        run(&mut w, Sender::Participant(who), assess(statement, score)).unwrap();
    }
    // The same score again is no error and changes nothing.
    run(
        &mut w,
        Sender::Participant(&carla),
        assess("strategy.1", Some(3)),
    )
    .unwrap();

    // Before the reveal: progress only, in every audience; each sees their own scores.
    for audience in [Audience::Public, Audience::Facilitator] {
        let v = projection::view(w.state(), &Presence::new(), audience);
        let a = v.assessment.unwrap();
        assert_eq!((a.respondents, a.complete, a.revealed), (3, 0, false));
        assert!(a.results.is_none(), "no results before the reveal");
        assert_eq!(a.dimensions.len(), 6);
    }
    let me = projection::me(w.state(), &bram).unwrap();
    assert_eq!(me.assessment.len(), 2);
    assert_eq!(me.assessment["strategy.2"], None, "don't know");
    assert!(
        !projection::me(w.state(), &carla)
            .unwrap()
            .assessment
            .contains_key("strategy.2"),
        "nobody sees another's scores"
    );
    same_after_reload(&mut w);

    run(&mut w, F, Intent::RevealVotes).unwrap();
    let a = public(&w).assessment.unwrap();
    let results = a.results.unwrap();
    let strategy = &results[0];
    assert_eq!(strategy.id, "strategy");
    // Scores 4, 2 (ICT) and 5, 3 (business); "don't know" apart.
    assert_eq!(strategy.overall, Some(3.5));
    assert_eq!(strategy.by_group["ict"], Some(3.0));
    assert_eq!(strategy.by_group["business"], Some(4.0));
    assert_eq!(strategy.gap, Some(1.0));
    assert_eq!((strategy.scores, strategy.dont_know), (4, 1));
    let people = results.iter().find(|r| r.id == "people").unwrap();
    assert_eq!(people.overall, Some(5.0));
    assert_eq!(people.by_group["business"], None, "no scores from business");
    assert_eq!(people.gap, None, "a gap needs two groups with scores");
    let services = results.iter().find(|r| r.id == "services").unwrap();
    assert_eq!((services.overall, services.scores), (None, 0));

    // Decided: no more scores, no second reveal.
    assert_eq!(
        run(
            &mut w,
            Sender::Participant(&anna),
            assess("strategy.1", Some(1))
        ),
        Err(ErrorCode::VoteClosed)
    );
    assert_eq!(
        run(&mut w, F, Intent::RevealVotes),
        Err(ErrorCode::NoChange)
    );
    same_after_reload(&mut w);

    // A removed participant no longer counts.
    run(
        &mut w,
        F,
        Intent::RemoveParticipant {
            participant: carla.clone(),
        },
    )
    .unwrap();
    let a = public(&w).assessment.unwrap();
    assert_eq!(a.respondents, 2);
    assert_eq!(a.results.unwrap()[0].by_group["business"], Some(5.0));
}

#[test]
fn a_session_without_an_assessment_phase_has_none() {
    let w = workshop("short");
    assert!(public(&w).assessment.is_none());
}

#[test]
fn a_follow_up_takes_the_assessment_again_and_keeps_the_results_of_then() {
    let mut intake = workshop("intake");
    let anna = intake.add_participant("Anna", "ict").unwrap();
    go_to(&mut intake, 1);
    run(
        &mut intake,
        Sender::Participant(&anna),
        assess("strategy.1", Some(2)),
    )
    .unwrap();
    run(&mut intake, F, Intent::RevealVotes).unwrap();
    let then = public(&intake).assessment.unwrap().results.unwrap();

    let meta = super::workshop::Meta {
        id: "fedcba9876543210".into(),
        code: "XYZ789".into(),
        title: "Een jaar later".into(),
        organisation: "Gemeente Zaanstad".into(),
        language: "nl".into(),
        template: "follow-up".into(),
    };
    let mut new = super::new_session::NewSession::from_template(meta).unwrap();
    new.follows = Some(intake.state());
    let mut later = new.create().unwrap();
    let kinds: Vec<_> = later
        .state()
        .phases
        .iter()
        .map(|p| p.kind.as_str())
        .collect();
    assert_eq!(kinds, ["lobby", "review", "assessment", "summary"]);
    let a = public(&later).assessment.unwrap();
    assert_eq!(
        a.then.as_ref(),
        Some(&then),
        "the results of then come along"
    );
    assert!(a.results.is_none(), "today's are secret until revealed");
    let bram = later.add_participant("Bram", "ict").unwrap();
    go_to(&mut later, 2);
    run(
        &mut later,
        Sender::Participant(&bram),
        assess("strategy.1", Some(4)),
    )
    .unwrap();
    run(&mut later, F, Intent::RevealVotes).unwrap();
    let a = public(&later).assessment.unwrap();
    assert_eq!(a.then.unwrap()[0].overall, Some(2.0));
    assert_eq!(a.results.unwrap()[0].overall, Some(4.0));
    same_after_reload(&mut later);

    // Without an assessment then, the built-in follow-up has none either.
    let plain = workshop("short");
    let meta = super::workshop::Meta {
        id: "fedcba9876543211".into(),
        code: "XYZ788".into(),
        title: "Later".into(),
        organisation: String::new(),
        language: "nl".into(),
        template: "follow-up".into(),
    };
    let mut new = super::new_session::NewSession::from_template(meta).unwrap();
    new.follows = Some(plain.state());
    assert!(public(&new.create().unwrap()).assessment.is_none());
}

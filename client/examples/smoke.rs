//! A smoke run of the client library against a running server: one facilitator, two
//! participants and a projector through brainstorm, vote and rules on the first level, with a
//! reconnect in the middle. It shows the API in use and checks the behaviour the library
//! promises (acks after deltas, pending intents resent after a reconnect, secret dots).
//!
//! `cargo run -p draagvlak-client --example smoke -- http://127.0.0.1:8080`

use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use draagvlak_client::protocol::api::CreateSession;
use draagvlak_client::protocol::{ErrorCode, Intent, JoinRequest, Level, PhaseKind, View};
use draagvlak_client::{Connection, Options, http, text};

const WAIT: Duration = Duration::from_secs(5);

fn phase(view: &View, kind: PhaseKind, level: Level) -> Result<u32> {
    let index = view
        .phases
        .iter()
        .position(|p| p.kind == kind && p.level == Some(level))
        .context("phase not on the agenda")?;
    Ok(u32::try_from(index)?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let created = http::create_session(
        &base,
        &CreateSession {
            title: "Smoke".into(),
            organisation: "Gemeente Test".into(),
            place: String::new(),
            language: "nl".into(),
            template: "strategic-framework".into(),
            agenda: None,
            follows: None,
            groups: None,
        },
    )
    .await?;
    let public = http::lookup_session(&base, &created.code).await?;
    ensure!(public.title == "Smoke");
    let missing = http::lookup_session(&base, "ZZZZZZ").await;
    ensure!(missing.err().and_then(|e| e.code()) == Some(ErrorCode::SessionNotFound));

    let ws = http::ws_url(&base)?;
    let code = created.code.clone();
    let mut fac = Connection::connect(
        &ws,
        JoinRequest::Facilitator {
            code: code.clone(),
            secret: created.facilitator_secret.clone(),
        },
    )
    .await?;
    let recording = Options {
        record_frames: true,
        ..Options::default()
    };
    let mut anna = Connection::connect_with(
        &ws,
        JoinRequest::Participant {
            code: code.clone(),
            name: "Anna".into(),
            group: "ict".into(),
            device: None,
        },
        recording.clone(),
    )
    .await?;
    let mut bert = Connection::connect(
        &ws,
        JoinRequest::Participant {
            code: code.clone(),
            name: "Bert".into(),
            group: "business".into(),
            device: None,
        },
    )
    .await?;
    let mut projector = Connection::connect_with(
        &ws,
        JoinRequest::Projector { code: code.clone() },
        recording,
    )
    .await?;
    ensure!(anna.me().is_some() && anna.resume_token().is_some());
    ensure!(projector.me().is_none());

    // A participant may not steer.
    let err = anna
        .next_phase()
        .await
        .err()
        .context("anna moved the phase")?;
    ensure!(err.code() == Some(ErrorCode::Forbidden), "{err}");

    // Brainstorm: the ack comes after the delta, so the statement is in the view at once.
    fac.go_to_phase(phase(fac.view(), PhaseKind::Brainstorm, Level::Richten)?)
        .await?;
    anna.wait_until(WAIT, |v, _| v.current_phase == 1).await?;
    let s1 = anna.add_statement("Cloud first").await?;
    ensure!(anna.view().statements[&s1].text == "Cloud first");
    anna.edit_statement(&s1, 5, 1, "-").await?;
    ensure!(anna.view().statements[&s1].text == "Cloud-first");
    let s2 = bert.add_statement("Samen met de buren 😀").await?;
    let err = anna.delete_statement(&s2).await.err().context("deleted")?;
    ensure!(err.code() == Some(ErrorCode::NotOwner), "{err}");

    // A pending intent survives a reconnect and is applied once.
    let id = anna
        .send_intent(Intent::AddStatement {
            text: "Data als bron".into(),
        })
        .await?;
    ensure!(anna.pending().len() == 1);
    anna.reconnect().await?;
    let ack = anna.wait_for(&id).await?;
    let copies = anna
        .view()
        .statements
        .values()
        .filter(|s| s.text == "Data als bron")
        .count();
    ensure!(copies == 1, "{copies} copies after resend");
    ensure!(anna.pending().is_empty() && ack.created.is_some());
    ensure!(anna.participant().map(|p| p.name.as_str()) == Some("Anna"));

    // Vote: dots are secret until reveal.
    fac.go_to_phase(phase(fac.view(), PhaseKind::Vote, Level::Richten)?)
        .await?;
    bert.wait_until(WAIT, |v, _| {
        v.phases[v.current_phase as usize].kind == PhaseKind::Vote
    })
    .await?;
    bert.place_dot(&s1).await?;
    bert.place_dot(&s1).await?;
    let err = bert.place_dot(&s1).await.err().context("third dot")?;
    ensure!(err.code() == Some(ErrorCode::ItemLimit), "{err}");
    bert.place_dot(&s2).await?;
    let err = bert.place_dot(&s2).await.err().context("fourth dot")?;
    ensure!(err.code() == Some(ErrorCode::BudgetExhausted), "{err}");
    ensure!(bert.me().map(|m| m.dots_left[&Level::Richten]) == Some(0));
    anna.wait_until(WAIT, |v, _| {
        v.progress.get(&Level::Richten).map(|p| p.voters) == Some(1)
    })
    .await?;
    for conn in [&anna, &projector] {
        ensure!(conn.view().statements.values().all(|s| s.dots.is_none()));
        for frame in conn.frames_received() {
            ensure!(!frame.contains("\"dots\":2"), "dots leaked: {frame}");
        }
    }
    fac.reveal_votes().await?;
    projector
        .wait_until(WAIT, |v, _| {
            v.statements.get(&s1).and_then(|s| s.dots) == Some(2)
        })
        .await?;

    // Rules: two people edit one rule at once; both edits survive.
    fac.go_to_phase(phase(fac.view(), PhaseKind::Rules, Level::Richten)?)
        .await?;
    anna.wait_until(WAIT, |v, _| {
        v.phases[v.current_phase as usize].kind == PhaseKind::Rules
    })
    .await?;
    let r1 = anna.propose_rule("We kiezen cloud").await?;
    bert.wait_until(WAIT, |v, _| v.rules.contains_key(&r1))
        .await?;
    let end = text::utf16_len(&bert.view().rules[&r1].text);
    let a = anna.send_intent(Intent::EditRule {
        rule: r1.clone(),
        splice: anna.splice(0, 0, "Voortaan: "),
    });
    let a = a.await?;
    let b = bert
        .send_intent(Intent::EditRule {
            rule: r1.clone(),
            splice: bert.splice(end, 0, ", tenzij"),
        })
        .await?;
    let err = bert
        .send_intent(Intent::EditRule {
            rule: r1.clone(),
            splice: bert.splice(0, 0, "x"),
        })
        .await
        .err()
        .context("second edit in flight")?;
    ensure!(matches!(
        err,
        draagvlak_client::ClientError::EditInFlight { .. }
    ));
    anna.wait_for(&a).await?;
    bert.wait_for(&b).await?;
    let want = "Voortaan: We kiezen cloud, tenzij";
    for conn in [&mut anna, &mut bert, &mut fac] {
        conn.wait_until(WAIT, |v, _| {
            v.rules.get(&r1).map(|r| r.text.as_str()) == Some(want)
        })
        .await?;
    }
    anna.rate_rule(&r1, 5, None).await?;
    bert.rate_rule(&r1, 2, Some("te vaag")).await?;
    let err = bert
        .rate_rule(&r1, 9, None)
        .await
        .err()
        .context("score 9")?;
    ensure!(err.code() == Some(ErrorCode::InvalidScore), "{err}");
    fac.reveal_votes().await?;
    projector
        .wait_until(WAIT, |v, _| {
            v.rules.get(&r1).is_some_and(|r| r.support.is_some())
        })
        .await?;
    let support = projector.view().rules[&r1]
        .support
        .clone()
        .context("support")?;
    println!("support: {support:?}");

    // Raw frames: a binary frame is answered with `binary_frame`.
    anna.send_raw_binary(vec![1, 2, 3]).await?;
    loop {
        match anna.next_event_timeout(WAIT).await? {
            draagvlak_client::Event::Error { code, .. } => {
                ensure!(code == ErrorCode::BinaryFrame);
                break;
            }
            draagvlak_client::Event::Closed(info) => bail!("closed: {info:?}"),
            _ => {}
        }
    }
    anna.ping().await?;
    anna.sync().await?;
    for conn in [&mut anna, &mut bert, &mut fac, &mut projector] {
        conn.close().await?;
    }
    println!(
        "smoke ok: {} frames seen by the projector",
        projector.frames_received().len()
    );
    Ok(())
}

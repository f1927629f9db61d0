//! The Rust client library against the real server: typed intents, live views kept by deltas,
//! a dropped connection resumed with pending intents resent and applied exactly once.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::time::Duration;

use draagvlak_client::connection::Connection;
use draagvlak_client::http;
use draagvlak_protocol::api::CreateSession;
use draagvlak_protocol::view::Level;
use draagvlak_protocol::{ErrorCode, Intent, JoinRequest, Role};
use draagvlak_tests::InProcess;

const T: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_level_played_with_the_client_library() {
    let server = InProcess::start().await;
    let created = http::create_session(
        &server.http(),
        &CreateSession {
            title: "Klantbibliotheek".into(),
            organisation: "Gemeente Zaanstad".into(),
            place: String::new(),
            language: "nl".into(),
            template: "strategic-framework".into(),
            agenda: None,
            follows: None,
            groups: None,
        },
    )
    .await
    .unwrap();
    let ws = http::ws_url(&server.http()).unwrap();
    assert_eq!(ws, server.ws());
    let code = created.code.clone();
    let mut fac = Connection::connect(
        &ws,
        JoinRequest::Facilitator {
            code: code.clone(),
            secret: created.facilitator_secret.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(fac.role(), Role::Facilitator);
    let mut anna = Connection::connect(
        &ws,
        JoinRequest::Participant {
            code: code.clone(),
            name: "Anna".into(),
            group: "ict".into(),
            device: None,
        },
    )
    .await
    .unwrap();
    let mut bert = Connection::connect(
        &ws,
        JoinRequest::Participant {
            code: code.clone(),
            name: "Bert".into(),
            group: "business".into(),
            device: None,
        },
    )
    .await
    .unwrap();
    fac.next_phase().await.unwrap();
    let s1 = anna.add_statement("Eén loket voor inwoners").await.unwrap();
    // The ack arrives after the delta: the view already has the statement.
    assert_eq!(anna.view().statements[&s1].text, "Eén loket voor inwoners");
    let err = bert.delete_statement(&s1).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::NotOwner));
    let err = bert.next_phase().await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Forbidden));
    fac.go_to_phase(3).await.unwrap(); // the vote, past the clustering
    bert.wait_until(T, |v, _| v.current_phase == 3)
        .await
        .unwrap();
    bert.place_dot(&s1).await.unwrap();
    bert.place_dot(&s1).await.unwrap();
    assert_eq!(bert.me().unwrap().dots_left[&Level::Richten], 1);
    assert_eq!(
        bert.place_dot(&s1).await.unwrap_err().code(),
        Some(ErrorCode::ItemLimit)
    );
    // Anna sees the voter count, not the dots.
    anna.wait_until(T, |v, _| v.progress[&Level::Richten].voters == 1)
        .await
        .unwrap();
    assert_eq!(anna.view().statements[&s1].dots, None);
    fac.reveal_votes().await.unwrap();
    anna.wait_until(T, |v, _| v.statements[&s1].dots == Some(2))
        .await
        .unwrap();

    // Anna loses her connection with intents in flight; she resumes and they land once.
    fac.next_phase().await.unwrap();
    anna.wait_until(T, |v, _| v.current_phase == 4)
        .await
        .unwrap();
    let a = anna
        .send_intent(Intent::ProposeRule {
            text: "Eerst hergebruiken".into(),
            anchors: Vec::new(),
        })
        .await
        .unwrap();
    let b = anna
        .send_intent(Intent::ProposeRule {
            text: "Open standaarden".into(),
            anchors: Vec::new(),
        })
        .await
        .unwrap();
    anna.close().await.unwrap();
    assert_eq!(anna.pending().len(), 2);
    anna.reconnect().await.unwrap();
    anna.wait_for(&a).await.unwrap();
    anna.wait_for(&b).await.unwrap();
    assert!(anna.pending().is_empty());
    anna.resend_pending().await.unwrap();
    fac.wait_until(T, |v, _| v.rules.len() == 2).await.unwrap();
    fac.drain(Duration::from_millis(200)).await.unwrap();
    assert_eq!(
        fac.view().rules.len(),
        2,
        "each proposal applied exactly once"
    );
    server.stop().await;
}

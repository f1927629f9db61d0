//! A connection whose outbound queue is full is never waited for: it is marked stale, gets a
//! fresh snapshot (and the replies it missed) once it has room again, or is closed with
//! `slow_consumer` after the grace period. Tested on the session actor directly, with queues
//! we control, so the outcome does not depend on kernel socket buffers.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::time::Duration;

use draagvlak_protocol::{ErrorCode, Intent, JoinRequest, ServerMessage};
use draagvlak_server::config::Limits;
use draagvlak_server::session::actor::harness::{JOIN_CODE, TestConn, TestSession, parse};

/// A session whose slow consumers are closed after `grace`, with a facilitator on a roomy queue
/// and a projector on a queue of 4 frames.
async fn setup(grace: Duration) -> (TestSession, TestConn, TestConn) {
    let limits = Limits {
        slow_consumer_grace: grace,
        ..Limits::default()
    };
    let session = TestSession::start("strategic-framework", limits)
        .await
        .unwrap();
    let fac = TestConn::new(256);
    let slow = TestConn::new(4);
    session
        .join(&fac, session.facilitator())
        .await
        .unwrap()
        .unwrap();
    let projector = JoinRequest::Projector {
        code: JOIN_CODE.into(),
    };
    session.join(&slow, projector).await.unwrap().unwrap();
    (session, fac, slow)
}

/// Send an intent as the facilitator and wait for its ack on the (fast) facilitator queue.
async fn act(session: &TestSession, fac: &mut TestConn, id: &str, intent: Intent) -> u64 {
    session.intent(fac.id, id, intent).await.unwrap();
    loop {
        if let ServerMessage::Ack { id: got, rev, .. } = fac.next().await.unwrap()
            && got == id
        {
            return rev;
        }
    }
}

#[tokio::test]
async fn a_full_queue_is_resynchronised_with_a_snapshot_when_it_has_room() {
    let (session, mut fac, mut slow) = setup(Duration::from_secs(30)).await;
    let mut last = 0;
    for i in 0..20 {
        last = act(
            &session,
            &mut fac,
            &format!("l{i}"),
            Intent::SetLocked { locked: i % 2 == 0 },
        )
        .await;
    }
    // The slow queue holds 4 frames: welcome, snapshot and two deltas. The rest was not queued.
    let mut first = Vec::new();
    while let Ok(f) = slow.rx.try_recv() {
        first.push(parse(&f).unwrap());
    }
    assert_eq!(first.len(), 4, "{first:?}");
    assert!(matches!(first[0], ServerMessage::Welcome { .. }));
    assert!(matches!(first[1], ServerMessage::Snapshot { .. }));
    // With room again, the next housekeeping round sends a snapshot of the current state.
    let frame = tokio::time::timeout(Duration::from_secs(2), slow.rx.recv())
        .await
        .expect("a resync within the housekeeping interval")
        .unwrap();
    match parse(&frame).unwrap() {
        ServerMessage::Snapshot { rev, view } => {
            assert_eq!(rev, last);
            assert!(!view.locked, "the 20th toggle unlocked");
        }
        other => panic!("expected a snapshot, got {other:?}"),
    }
    assert!(slow.close.borrow().is_none(), "not closed");
    // And it is live again: the next change arrives as a delta on top of that snapshot.
    act(
        &session,
        &mut fac,
        "l20",
        Intent::SetLocked { locked: true },
    )
    .await;
    let frame = slow.rx.recv().await.unwrap();
    assert!(matches!(parse(&frame).unwrap(), ServerMessage::Delta { base, .. } if base == last));
    session.finish().await;
}

#[tokio::test]
async fn a_queue_that_stays_full_is_closed_with_slow_consumer_and_others_go_on() {
    let (session, mut fac, mut slow) = setup(Duration::from_millis(300)).await;
    for i in 0..10 {
        act(
            &session,
            &mut fac,
            &format!("l{i}"),
            Intent::SetLocked { locked: i % 2 == 0 },
        )
        .await;
    }
    tokio::time::timeout(Duration::from_secs(5), slow.close.changed())
        .await
        .expect("closed within the grace period")
        .unwrap();
    let reason = slow.close.borrow().clone();
    assert_eq!(reason.map(|r| r.0), Some(ErrorCode::SlowConsumer));
    // The facilitator was never held up and carries on.
    act(&session, &mut fac, "after", Intent::NextPhase).await;
    drop(slow.rx);
    session.finish().await;
}

//! A connection whose outbound queue is full is never waited for: it is marked stale, gets a
//! fresh snapshot (and the replies it missed) once it has room again, or is closed with
//! `slow_consumer` after the grace period. Tested on the session actor directly, with queues
//! we control, so the outcome does not depend on kernel socket buffers.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::Arc;
use std::time::Duration;

use draagvlak_protocol::{ErrorCode, Intent, JoinRequest, ServerMessage};
use draagvlak_server::Config;
use draagvlak_server::credentials;
use draagvlak_server::registry::Registry;
use draagvlak_server::session::actor::{CloseReason, Cmd, ConnLink, SessionHandle, encode_heads};
use draagvlak_server::session::new_session::NewSession;
use draagvlak_server::session::workshop::Meta;
use draagvlak_server::store::{Chunk, SessionRow, Store};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

struct Conn {
    id: u64,
    rx: mpsc::Receiver<Arc<str>>,
    close: watch::Receiver<CloseReason>,
    link: ConnLink,
}

fn conn(id: u64, capacity: usize) -> Conn {
    let (tx, rx) = mpsc::channel(capacity);
    let (close_tx, close) = watch::channel(None);
    Conn {
        id,
        rx,
        close,
        link: ConnLink {
            id,
            tx,
            close: Arc::new(close_tx),
        },
    }
}

async fn setup(grace: Duration) -> (tempfile::TempDir, SessionHandle, String) {
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(data.path()).await.unwrap();
    let id = credentials::new_session_id();
    let code = credentials::new_join_code();
    let secret = credentials::new_secret();
    let meta = Meta {
        id: id.clone(),
        code: code.clone(),
        title: "Tegendruk".into(),
        organisation: String::new(),
        language: "nl".into(),
        template: "strategic-framework".into(),
    };
    let mut workshop = NewSession::from_template(meta).unwrap().create().unwrap();
    let snapshot = Chunk {
        rev: 0,
        heads: encode_heads(workshop.heads()),
        data: workshop.save(),
    };
    let row = SessionRow {
        id: id.clone(),
        code: code.clone(),
        title: "Tegendruk".into(),
        organisation: String::new(),
        language: "nl".into(),
        template: "strategic-framework".into(),
        status: "open".into(),
        facilitator_hash: credentials::hash_secret(&secret),
    };
    store.create_session(&row, &snapshot).await.unwrap();
    let mut config = Config::for_tests(data.path().to_path_buf());
    config.limits.slow_consumer_grace = grace;
    let registry = Registry::new(store, &config, CancellationToken::new(), TaskTracker::new());
    let handle = registry.get_or_spawn(&id);
    (data, handle, secret)
}

async fn join(handle: &SessionHandle, c: &Conn, request: JoinRequest) {
    let (reply, rx) = oneshot::channel();
    handle
        .send(Cmd::Join {
            conn: c.link.clone(),
            request,
            reply,
        })
        .await
        .unwrap();
    rx.await.unwrap().unwrap();
}

fn parse(frame: &str) -> ServerMessage {
    serde_json::from_str(frame).unwrap()
}

/// Send an intent as the facilitator and wait for its ack on the (fast) facilitator queue.
async fn act(handle: &SessionHandle, fac: &mut Conn, id: &str, intent: Intent) -> u64 {
    handle
        .send(Cmd::Intent {
            conn: fac.id,
            id: id.into(),
            intent,
            on_behalf_of: None,
        })
        .await
        .unwrap();
    loop {
        let frame = fac.rx.recv().await.unwrap();
        if let ServerMessage::Ack { id: got, rev, .. } = parse(&frame)
            && got == id
        {
            return rev;
        }
    }
}

#[tokio::test]
async fn a_full_queue_is_resynchronised_with_a_snapshot_when_it_has_room() {
    let (_data, handle, secret) = setup(Duration::from_secs(30)).await;
    let mut fac = conn(1, 256);
    let mut slow = conn(2, 4);
    join(
        &handle,
        &fac,
        JoinRequest::Facilitator {
            code: String::new(),
            secret,
        },
    )
    .await;
    join(
        &handle,
        &slow,
        JoinRequest::Projector {
            code: String::new(),
        },
    )
    .await;
    let mut last = 0;
    for i in 0..20 {
        last = act(
            &handle,
            &mut fac,
            &format!("l{i}"),
            Intent::SetLocked { locked: i % 2 == 0 },
        )
        .await;
    }
    // The slow queue holds 4 frames: welcome, snapshot and two deltas. The rest was not queued.
    let mut first = Vec::new();
    while let Ok(f) = slow.rx.try_recv() {
        first.push(parse(&f));
    }
    assert_eq!(first.len(), 4, "{first:?}");
    assert!(matches!(first[0], ServerMessage::Welcome { .. }));
    assert!(matches!(first[1], ServerMessage::Snapshot { .. }));
    // With room again, the next housekeeping round sends a snapshot of the current state.
    let frame = tokio::time::timeout(Duration::from_secs(2), slow.rx.recv())
        .await
        .expect("a resync within the housekeeping interval")
        .unwrap();
    match parse(&frame) {
        ServerMessage::Snapshot { rev, view } => {
            assert_eq!(rev, last);
            assert!(!view.locked, "the 20th toggle unlocked");
        }
        other => panic!("expected a snapshot, got {other:?}"),
    }
    assert!(slow.close.borrow().is_none(), "not closed");
    // And it is live again: the next change arrives as a delta on top of that snapshot.
    act(&handle, &mut fac, "l20", Intent::SetLocked { locked: true }).await;
    let frame = slow.rx.recv().await.unwrap();
    assert!(matches!(parse(&frame), ServerMessage::Delta { base, .. } if base == last));
}

#[tokio::test]
async fn a_queue_that_stays_full_is_closed_with_slow_consumer_and_others_go_on() {
    let (_data, handle, secret) = setup(Duration::from_millis(300)).await;
    let mut fac = conn(1, 256);
    let mut slow = conn(2, 4);
    join(
        &handle,
        &fac,
        JoinRequest::Facilitator {
            code: String::new(),
            secret,
        },
    )
    .await;
    join(
        &handle,
        &slow,
        JoinRequest::Projector {
            code: String::new(),
        },
    )
    .await;
    for i in 0..10 {
        act(
            &handle,
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
    act(&handle, &mut fac, "after", Intent::NextPhase).await;
    drop(slow.rx);
}

//! The outbox's promises, checked without a runtime: plain `#[test]`s over the connections'
//! bounded queues (`try_send` and `try_recv` need no executor) and a document changed by hand.
//! An ack follows the delta that contains its change; a full queue marks a connection stale,
//! keeps its replies and resynchronises it with a snapshot, or closes it after the grace period;
//! an audience's revision moves only when its view changes; a join whose connection went away
//! counts as a presence change.

use std::sync::Arc;
use std::time::Duration;

use draagvlak_protocol::view::Role;
use draagvlak_protocol::{ErrorCode, Intent, ParticipantId, ServerMessage};
use tokio::sync::{mpsc, oneshot, watch};

use super::{Outbox, Outgoing};
use crate::config::Limits;
use crate::metrics::Metrics;
use crate::session::actor::harness::{SESSION_ID, new_workshop};
use crate::session::actor::{CloseReason, ConnId, ConnLink};
use crate::session::apply::{self, Sender};
use crate::session::workshop::Workshop;

/// The session revision the tests start at (epoch 1).
const START: u64 = 1 << 32;

/// A connection's far end: what the writer task would read.
struct Peer {
    id: ConnId,
    rx: mpsc::Receiver<Arc<str>>,
    close: watch::Receiver<CloseReason>,
}

impl Peer {
    /// Every frame queued, parsed.
    fn frames(&mut self) -> Vec<ServerMessage> {
        let mut out = Vec::new();
        while let Ok(f) = self.rx.try_recv() {
            out.push(serde_json::from_str(&f).expect("a server message"));
        }
        out
    }
}

fn link(id: ConnId, capacity: usize) -> (ConnLink, Peer) {
    let (tx, rx) = mpsc::channel(capacity);
    let (close_tx, close) = watch::channel(None);
    let link = ConnLink {
        id,
        tx,
        close: Arc::new(close_tx),
    };
    (link, Peer { id, rx, close })
}

fn outbox(limits: Limits) -> Outbox {
    outbox_counted(limits, Metrics::new())
}

/// An outbox that counts into `metrics` (which the test keeps to read).
fn outbox_counted(limits: Limits, metrics: Metrics) -> Outbox {
    Outbox::new(Arc::from(SESSION_ID), &limits, metrics, START, START)
}

fn workshop() -> Workshop {
    new_workshop("strategic-framework").expect("workshop")
}

/// Join a connection and flush, as a durable tick with a join does; its welcome and snapshot
/// are then queued.
fn join(
    out: &mut Outbox,
    workshop: &Workshop,
    rev: u64,
    role: Role,
    participant: Option<&str>,
    capacity: usize,
) -> Peer {
    let id = 10 + out.len() as ConnId;
    let (link, peer) = link(id, capacity);
    out.add(link, role, participant.map(ParticipantId::from), None);
    let (reply, answer) = oneshot::channel();
    out.reply_join(reply, id, Ok(()));
    let _ = out.flush(workshop, rev);
    let mut answer = answer;
    assert_eq!(answer.try_recv().expect("answered"), Ok(()));
    peer
}

/// The facilitator moves the session to its next phase: every view changes.
fn next_phase(workshop: &mut Workshop, out: &mut Outbox) {
    let heads = |_: u64| Ok(Vec::new());
    let ctx = apply::Context::new(&heads, 0);
    let applied =
        apply::apply(workshop, Sender::Facilitator, &Intent::NextPhase, &ctx).expect("next phase");
    out.touch_views(applied.views);
    workshop.commit();
}

fn ack(id: &str) -> Outgoing {
    Outgoing::Ack {
        id: id.into(),
        created: None,
        placed: None,
    }
}

fn snapshot_rev(msg: &ServerMessage) -> Option<u64> {
    match msg {
        ServerMessage::Snapshot { rev, .. } => Some(*rev),
        _ => None,
    }
}

#[test]
fn a_join_gets_welcome_then_snapshot() {
    let workshop = workshop();
    let mut out = outbox(Limits::default());
    let mut fac = join(&mut out, &workshop, START, Role::Facilitator, None, 16);
    let frames = fac.frames();
    assert!(
        matches!(frames[0], ServerMessage::Welcome { .. }),
        "{frames:?}"
    );
    assert!(snapshot_rev(&frames[1]).is_some(), "{frames:?}");
    assert_eq!(frames.len(), 2);
}

#[test]
fn an_ack_waits_for_the_delta_that_contains_its_change() {
    let mut workshop = workshop();
    let mut out = outbox(Limits::default());
    let mut fac = join(&mut out, &workshop, START, Role::Facilitator, None, 16);
    let base = fac
        .frames()
        .iter()
        .find_map(snapshot_rev)
        .expect("snapshot");

    next_phase(&mut workshop, &mut out);
    out.view_changed();
    out.reply_after_views(fac.id, ack("a1"), &workshop, START + 1);
    assert!(fac.frames().is_empty(), "nothing before the fan-out");
    assert!(out.flush_due().is_some());

    assert!(!out.flush(&workshop, START + 1));
    let frames = fac.frames();
    let ServerMessage::Delta { base: b, rev, .. } = &frames[0] else {
        panic!("a delta first: {frames:?}");
    };
    assert_eq!(*b, base, "the delta continues the snapshot");
    let ServerMessage::Ack { id, rev: acked, .. } = &frames[1] else {
        panic!("then the ack: {frames:?}");
    };
    assert_eq!(
        (id.as_str(), acked),
        ("a1", rev),
        "acked at the delta's revision"
    );
    assert!(out.flush_due().is_none(), "nothing waits any more");

    // With nothing pending, a reply goes out at once.
    out.reply_after_views(fac.id, ack("a2"), &workshop, START + 1);
    assert!(matches!(&fac.frames()[..], [ServerMessage::Ack { id, .. }] if id == "a2"));
}

#[test]
fn a_view_that_did_not_change_keeps_its_revision() {
    let mut workshop = workshop();
    let mut out = outbox(Limits::default());
    let mut fac = join(&mut out, &workshop, START, Role::Facilitator, None, 16);
    let mut projector = join(&mut out, &workshop, START, Role::Projector, None, 16);
    let fac_rev = fac
        .frames()
        .iter()
        .find_map(snapshot_rev)
        .expect("snapshot");
    let public_rev = projector.frames().iter().find_map(snapshot_rev);

    // A fan-out without a change: no delta, the revision stays.
    out.view_changed();
    assert!(!out.flush(&workshop, START + 1));
    assert!(fac.frames().is_empty() && projector.frames().is_empty());
    out.sync(fac.id, &workshop, START + 1);
    assert_eq!(fac.frames().iter().find_map(snapshot_rev), Some(fac_rev));

    // A change every audience sees: one delta each, on top of what each had.
    next_phase(&mut workshop, &mut out);
    out.view_changed();
    assert!(!out.flush(&workshop, START + 2));
    for (peer, had) in [(&mut fac, Some(fac_rev)), (&mut projector, public_rev)] {
        let frames = peer.frames();
        assert!(
            matches!(&frames[..], [ServerMessage::Delta { base, .. }] if Some(*base) == had),
            "{frames:?}"
        );
    }
}

#[test]
fn a_full_queue_is_marked_stale_and_keeps_its_replies_until_there_is_room() {
    let mut workshop = workshop();
    let mut out = outbox(Limits::default());
    // Room for the welcome and the snapshot, nothing more.
    let mut slow = join(&mut out, &workshop, START, Role::Facilitator, None, 2);
    next_phase(&mut workshop, &mut out);
    out.view_changed();
    assert!(!out.flush(&workshop, START + 1));
    // The delta did not fit: the connection is stale, and a reply is kept, not dropped.
    out.reply_after_views(slow.id, ack("kept"), &workshop, START + 1);
    assert_eq!(slow.frames().len(), 2, "welcome and snapshot only");

    // A snapshot and the kept reply need 3 places; the queue has 2: nothing is sent, and
    // within the grace period the connection stays.
    assert!(!out.resync_stale(&workshop, START + 1));
    assert!(slow.frames().is_empty());
    assert!(
        slow.close.borrow().is_none(),
        "not closed within the grace period"
    );
    assert!(out.conn(slow.id).is_some());
}

#[test]
fn a_stale_connection_gets_a_snapshot_and_its_replies_when_it_has_room() {
    let mut workshop = workshop();
    let mut out = outbox(Limits::default());
    let mut slow = join(&mut out, &workshop, START, Role::Facilitator, None, 3);
    // Fill the queue: welcome, snapshot and one more frame.
    next_phase(&mut workshop, &mut out);
    out.view_changed();
    assert!(!out.flush(&workshop, START + 1));
    next_phase(&mut workshop, &mut out);
    out.view_changed();
    assert!(!out.flush(&workshop, START + 2));
    out.reply_after_views(slow.id, ack("kept"), &workshop, START + 2);
    let seen = slow.frames();
    assert_eq!(seen.len(), 3, "welcome, snapshot, first delta: {seen:?}");

    // The queue has room (3 >= snapshot + reply + 1): resynchronised.
    assert!(!out.resync_stale(&workshop, START + 2));
    let frames = slow.frames();
    let rev = snapshot_rev(&frames[0]).expect("a snapshot first");
    assert!(
        matches!(&frames[1], ServerMessage::Ack { id, rev: r, .. } if id == "kept" && *r == rev),
        "{frames:?}"
    );
    assert_eq!(frames.len(), 2);

    // Live again: the next change comes as a delta on top of that snapshot.
    next_phase(&mut workshop, &mut out);
    out.view_changed();
    assert!(!out.flush(&workshop, START + 3));
    let frames = slow.frames();
    assert!(
        matches!(&frames[..], [ServerMessage::Delta { base, .. }] if *base == rev),
        "{frames:?}"
    );
}

#[test]
fn a_connection_that_does_not_catch_up_is_closed_after_the_grace_period() {
    let mut workshop = workshop();
    let limits = Limits {
        slow_consumer_grace: Duration::ZERO,
        ..Limits::default()
    };
    let mut out = outbox(limits);
    let mut fac = join(&mut out, &workshop, START, Role::Facilitator, None, 16);
    let slow = join(&mut out, &workshop, START, Role::Participant, Some("p1"), 2);
    next_phase(&mut workshop, &mut out);
    out.view_changed();
    assert!(!out.flush(&workshop, START + 1));
    std::thread::sleep(Duration::from_millis(2));
    // A participant's connection closed: presence changed.
    assert!(out.resync_stale(&workshop, START + 1));
    let reason = slow.close.borrow().clone();
    assert_eq!(reason.map(|r| r.0), Some(ErrorCode::SlowConsumer));
    assert!(out.conn(slow.id).is_none(), "forgotten");
    // The others go on.
    assert!(fac.frames().len() >= 3);
    assert!(out.conn(fac.id).is_some());
}

#[test]
fn a_join_whose_connection_went_away_is_a_presence_change() {
    let workshop = workshop();
    let mut out = outbox(Limits::default());
    let (link, peer) = link(7, 16);
    out.add(link, Role::Participant, Some("p1".into()), None);
    let (reply, answer) = oneshot::channel();
    drop(answer);
    out.reply_join(reply, peer.id, Ok(()));
    assert!(out.flush(&workshop, START), "presence changed");
    assert!(out.is_empty());
}

#[test]
fn a_refused_join_is_answered_at_once_unless_replies_wait() {
    let workshop = workshop();
    let mut out = outbox(Limits::default());
    let refused = || crate::session::Refusal::new(ErrorCode::BadCredentials, "no");
    let (reply, mut answer) = oneshot::channel();
    out.reply_join(reply, 1, Err(refused()));
    assert_eq!(answer.try_recv().expect("at once"), Err(refused()));

    // Behind a pending view change, it waits its turn.
    out.view_changed();
    let (reply, mut answer) = oneshot::channel();
    out.reply_join(reply, 2, Err(refused()));
    assert!(answer.try_recv().is_err(), "held back");
    assert!(!out.flush(&workshop, START));
    assert_eq!(answer.try_recv().expect("after the flush"), Err(refused()));
}

/// The snapshot frame: the text of a `snapshot` message, as queued.
fn snapshot_text(peer: &mut Peer) -> Arc<str> {
    let mut found = None;
    while let Ok(f) = peer.rx.try_recv() {
        if f.contains("\"type\":\"snapshot\"") {
            found = Some(f);
        }
    }
    found.expect("a snapshot frame")
}

#[test]
fn people_joining_at_one_revision_share_one_serialised_snapshot() {
    let mut workshop = workshop();
    let metrics = Metrics::new();
    let mut out = outbox_counted(Limits::default(), metrics.clone());
    let mut first = join(
        &mut out,
        &workshop,
        START,
        Role::Participant,
        Some("p1"),
        16,
    );
    let frame = snapshot_text(&mut first);
    let once = metrics.snapshots_serialised();
    assert_eq!(once, 1, "the first join serialises the public view");
    for i in 2..=20 {
        let pid = format!("p{i}");
        let mut peer = join(
            &mut out,
            &workshop,
            START,
            Role::Participant,
            Some(&pid),
            16,
        );
        let again = snapshot_text(&mut peer);
        assert!(Arc::ptr_eq(&frame, &again), "the same bytes, not a copy");
    }
    assert_eq!(
        metrics.snapshots_serialised(),
        once,
        "nineteen more joins, no serialisation"
    );
    // A change moves the revision: the next join gets (and serialises) the new view.
    next_phase(&mut workshop, &mut out);
    out.view_changed();
    assert!(!out.flush(&workshop, START + 1));
    let mut late = join(
        &mut out,
        &workshop,
        START + 1,
        Role::Participant,
        Some("p21"),
        16,
    );
    let newer = snapshot_text(&mut late);
    assert_ne!(frame, newer);
    assert_eq!(metrics.snapshots_serialised(), once + 1);
    let view = |f: &str| match serde_json::from_str(f) {
        Ok(ServerMessage::Snapshot { view, .. }) => view.current_phase,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        view(&newer),
        view(&frame) + 1,
        "the snapshot after the change shows it"
    );
}

/// Participants `p<i>` for every i in `range` join.
fn participants(out: &mut Outbox, workshop: &Workshop, range: std::ops::Range<usize>) -> Vec<Peer> {
    range
        .map(|i| {
            let pid = format!("p{i}");
            join(out, workshop, START, Role::Participant, Some(&pid), 16)
        })
        .collect()
}

#[test]
fn the_interval_between_fan_outs_grows_with_the_room() {
    let workshop = workshop();
    let limits = Limits {
        min_delta_interval: Duration::from_millis(40),
        delta_interval_per_member: Duration::from_millis(1),
        ..Limits::default()
    };
    let mut out = outbox(limits.clone());
    let mut peers = Vec::new();
    peers.extend(participants(&mut out, &workshop, 0..10));
    assert_eq!(
        out.delta_interval(),
        Duration::from_millis(40),
        "a small room: 40 ms"
    );
    peers.extend(participants(&mut out, &workshop, 10..100));
    assert_eq!(
        out.delta_interval(),
        Duration::from_millis(100),
        "100 people: 100 ms"
    );
    // Zero means a fan-out after every tick, whatever the size.
    let mut every_tick = outbox(Limits {
        min_delta_interval: Duration::ZERO,
        ..limits
    });
    peers.extend(participants(&mut every_tick, &workshop, 0..100));
    assert_eq!(every_tick.delta_interval(), Duration::ZERO);
}

//! The outbox: everything a session sends to its connections, and in which order.
//!
//! It holds the connections as the actor sees them and what each audience was last sent, and it
//! does the fan-out: one delta per audience (serialised once, the same `Arc<str>` to every
//! member), then each participant's changed private part (`me`), then the acks and rejects. It
//! coalesces fan-outs (at most one per `min_delta_interval`), holding the replies that must
//! follow a delta until that delta is sent ([`Deferred`]); it keeps each audience's revision
//! numbering ([`AudienceRevs`]); and it never waits for a connection: a full queue marks the
//! connection stale, and [`Outbox::resync_stale`] later sends it a snapshot and the replies it
//! missed, or closes it.
//!
//! It is its own module because these promises (an ack follows the delta that contains its
//! change; a delta chain has no gaps; a full queue never silently loses state) are what clients
//! rely on, and they are easiest to check apart from the tick and the store. It is plain
//! synchronous code: it reads the document it is given, and only ever `try_send`s on the
//! connections' bounded queues, which need no runtime, so its tests (`outbox/tests.rs`) run
//! without one.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use draagvlak_protocol::message::ParticipantIdentity;
use draagvlak_protocol::view::{MeView, Role, View};
use draagvlak_protocol::{ErrorCode, PROTOCOL_VERSION, ParticipantId, ServerMessage};
use serde::Deserialize as _;
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, error, warn};

use revs::AudienceRevs;

use super::{ConnId, ConnLink, now_ms};
use crate::config::Limits;
use crate::metrics::{GaugeGuard, Metrics};
use crate::session::Refusal;
use crate::session::apply::ViewTouched;
use crate::session::incremental;
use crate::session::projection::{self, Audience, Presence, Projector};
use crate::session::text::Placed;
use crate::session::workshop::{State, Workshop};

mod private;
mod revs;
#[cfg(test)]
mod tests;

/// Most replies kept for a stale connection before it is closed.
const MAX_STALE_REPLIES: usize = 1024;

/// One connection as the actor sees it.
#[derive(Debug)]
pub(super) struct Conn {
    link: ConnLink,
    pub(super) role: Role,
    pub(super) participant: Option<ParticipantId>,
    audience: Audience,
    /// Not yet sent welcome and snapshot (joined in the current tick).
    joining: Option<Welcome>,
    stale: Option<Stale>,
    _counted: GaugeGuard,
}

impl Conn {
    /// Its queue was full: no more views until a resync, which delivers `replies` too.
    fn mark_stale(&mut self, metrics: &Metrics, replies: VecDeque<Arc<str>>) {
        metrics.slow_consumer_marked();
        warn!(
            conn = self.link.id,
            "outbound queue full; resynchronising later"
        );
        self.stale = Some(Stale::new(replies));
    }
}

#[derive(Debug)]
struct Welcome {
    resume_token: Option<String>,
}

#[derive(Debug)]
struct Stale {
    since: Instant,
    /// Replies (acks, rejects) that did not fit; delivered with the resync.
    replies: VecDeque<Arc<str>>,
}

impl Stale {
    fn new(replies: VecDeque<Arc<str>>) -> Stale {
        Stale {
            since: Instant::now(),
            replies,
        }
    }
}

/// A reply to an intent, serialised when it is sent: an ack carries the revision of the
/// receiver's audience at that moment (the first one whose view contains the change).
#[derive(Debug)]
pub(super) enum Outgoing {
    Frame(Arc<str>),
    Ack {
        id: String,
        created: Option<String>,
        /// Where a text edit's inserted text went; its position is taken when the ack is sent.
        placed: Option<Placed>,
    },
}

impl Outgoing {
    /// A reject of intent `id`.
    pub(super) fn reject(id: String, refusal: Refusal) -> Outgoing {
        Outgoing::Frame(to_frame(&ServerMessage::Reject {
            id,
            code: refusal.code,
            message: refusal.message,
        }))
    }
}

/// A join's answer to the connection task.
pub(super) type JoinReply = oneshot::Sender<Result<(), Refusal>>;

/// A reply held back until the deltas it depends on are sent (see [`Outbox::flush`]).
#[derive(Debug)]
enum Deferred {
    /// An ack or reject.
    Frame(ConnId, Outgoing),
    /// A durable join: the connection task's answer, then welcome and snapshot.
    Join {
        reply: JoinReply,
        conn: ConnId,
        result: Result<(), Refusal>,
    },
}

/// Serialise a server message once, for as many connections as need it.
pub(super) fn to_frame(msg: &ServerMessage) -> Arc<str> {
    match serde_json::to_string(msg) {
        Ok(s) => Arc::from(s),
        Err(e) => {
            // Server types always serialise; keep the connection informed regardless.
            error!(error = %e, "cannot serialise a server message");
            Arc::from(r#"{"type":"error","code":"internal","message":"unexpected server error"}"#)
        }
    }
}

/// The connections of one session and what they were sent. Methods that project or ack read
/// the document (`workshop`) and the session revision (`rev`) they are given.
#[derive(Debug)]
pub(super) struct Outbox {
    session: Arc<str>,
    min_delta_interval: Duration,
    /// How much the interval grows per connection (`Limits::delta_interval_per_member`).
    per_member: Duration,
    slow_consumer_grace: Duration,
    metrics: Metrics,
    conns: HashMap<ConnId, Conn>,
    /// Connections per participant.
    presence: Presence,
    /// The last view sent to each audience: (audience rev, JSON). Kept while an audience is
    /// empty, so that a view that did not change keeps its revision.
    views: HashMap<Audience, (u64, serde_json::Value)>,
    /// The snapshot frame of an audience's kept view, by revision: serialised once however many
    /// people join or resync at that revision. Dropped whenever the kept view is replaced.
    snapshot_frames: HashMap<Audience, (u64, Arc<str>)>,
    /// Audiences whose entry in `views` is the current projection (they had members at the last
    /// fan-out); for the others a snapshot projects again.
    current: HashSet<Audience>,
    /// Each audience's revision numbering.
    revs: HashMap<Audience, AudienceRevs>,
    /// The last private part sent per participant.
    mes: HashMap<ParticipantId, MeView>,
    /// Participants whose private part may have changed since the last fan-out
    /// (`apply::Touched`); only theirs are rebuilt and compared.
    touched: HashSet<ParticipantId>,
    /// Everyone's private part may have changed (a phase change, a new round).
    touched_everyone: bool,
    /// What of the views may have changed since the last fan-out (`apply::ViewTouched`, and
    /// the participants who connected or left): only that is projected again.
    view_touched: ViewTouched,
    /// Fan-out coalescing (`Limits::min_delta_interval`): a durable change whose deltas have
    /// not been sent yet.
    view_pending: bool,
    /// Replies held until the next fan-out, in order. An ack may only go out after the delta
    /// that contains its change, so while a fan-out is pending every reply waits here.
    deferred: Vec<Deferred>,
    /// When the last fan-out with a view change started; the next starts no earlier than
    /// this plus the minimum interval.
    last_fan_out: Option<tokio::time::Instant>,
}

impl Outbox {
    /// An outbox without connections; both audiences' numbering starts at `start` (the load
    /// epoch's first revision), at session revision `rev`.
    pub(super) fn new(
        session: Arc<str>,
        limits: &Limits,
        metrics: Metrics,
        start: u64,
        rev: u64,
    ) -> Outbox {
        Outbox {
            session,
            min_delta_interval: limits.min_delta_interval,
            per_member: limits.delta_interval_per_member,
            slow_consumer_grace: limits.slow_consumer_grace,
            metrics,
            conns: HashMap::new(),
            presence: Presence::new(),
            views: HashMap::new(),
            snapshot_frames: HashMap::new(),
            touched: HashSet::new(),
            touched_everyone: false,
            view_touched: ViewTouched::default(),
            current: HashSet::new(),
            revs: [Audience::Facilitator, Audience::Public]
                .into_iter()
                .map(|a| (a, AudienceRevs::new(start, rev)))
                .collect(),
            mes: HashMap::new(),
            view_pending: false,
            deferred: Vec::new(),
            last_fan_out: None,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.conns.is_empty()
    }

    pub(super) fn len(&self) -> usize {
        self.conns.len()
    }

    pub(super) fn conn(&self, conn: ConnId) -> Option<&Conn> {
        self.conns.get(&conn)
    }

    /// The session revision that connection `conn`'s view at its audience revision `rev` was
    /// projected at (a text edit names the revision it was made against).
    pub(super) fn session_rev(&self, conn: ConnId, rev: u64) -> Option<u64> {
        let audience = self.conns.get(&conn)?.audience;
        self.revs.get(&audience)?.session_rev(rev)
    }

    /// Register a connection that just joined; its welcome and snapshot go out with the join's
    /// answer.
    pub(super) fn add(
        &mut self,
        link: ConnLink,
        role: Role,
        participant: Option<ParticipantId>,
        resume_token: Option<String>,
    ) {
        let audience = if role == Role::Facilitator {
            Audience::Facilitator
        } else {
            Audience::Public
        };
        if let Some(pid) = &participant {
            *self.presence.entry(pid.clone()).or_default() += 1;
            self.view_touched
                .merge(ViewTouched::participant(pid.clone()));
        }
        let counted = self.metrics.connection(role);
        self.conns.insert(
            link.id,
            Conn {
                link,
                role,
                participant,
                audience,
                joining: Some(Welcome { resume_token }),
                stale: None,
                _counted: counted,
            },
        );
    }

    /// Remove a connection; returns whether presence changed.
    pub(super) fn remove(&mut self, conn: ConnId) -> bool {
        let Some(c) = self.conns.remove(&conn) else {
            return false;
        };
        if !self.conns.values().any(|o| o.audience == c.audience) {
            self.current.remove(&c.audience);
        }
        match c.participant {
            Some(pid) => {
                self.view_touched
                    .merge(ViewTouched::participant(pid.clone()));
                if let Some(n) = self.presence.get_mut(pid.as_str()) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        self.presence.remove(pid.as_str());
                        self.mes.remove(&pid);
                    }
                }
                true
            }
            None => false,
        }
    }

    /// Close, with a reason, every connection `pick` selects, and forget it.
    pub(super) fn close_where(
        &mut self,
        pick: impl Fn(&Conn) -> bool,
        code: ErrorCode,
        message: &str,
    ) {
        let picked: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| pick(c))
            .map(|(id, _)| *id)
            .collect();
        for id in picked {
            if let Some(c) = self.conns.get(&id) {
                let _ = c.link.close.send(Some((code, message.to_string())));
            }
            self.remove(id);
        }
    }

    /// Close every connection with a reason (the actor stops).
    pub(super) fn close_all(&mut self, code: ErrorCode, message: &str) {
        for (_, conn) in self.conns.drain() {
            let _ = conn.link.close.send(Some((code, message.to_string())));
        }
    }

    /// A frame straight onto a connection's queue, or nowhere (the actor is stopping).
    pub(super) fn try_send_now(&self, conn: ConnId, frame: Arc<str>) {
        if let Some(c) = self.conns.get(&conn) {
            let _ = c.link.tx.try_send(frame);
        }
    }

    /// The views may have changed (a durable tick, or presence): a fan-out is due.
    pub(super) fn view_changed(&mut self) {
        self.view_pending = true;
    }

    /// When the held-back view change and replies must go out; `None` when nothing waits.
    pub(super) fn flush_due(&self) -> Option<tokio::time::Instant> {
        if !self.view_pending && self.deferred.is_empty() {
            return None;
        }
        let now = tokio::time::Instant::now();
        if !self.view_pending {
            // Only replies wait (behind earlier ones); no broadcast, so no interval either.
            return Some(now);
        }
        Some(match self.last_fan_out {
            Some(last) => last + self.delta_interval(),
            None => now,
        })
    }

    /// The least time between two fan-outs: the configured interval, grown with the number of
    /// connections so that a big room never asks for more deliveries a second than the machine
    /// can write (zero stays zero: a fan-out after every tick).
    pub(super) fn delta_interval(&self) -> Duration {
        if self.min_delta_interval.is_zero() {
            return Duration::ZERO;
        }
        let members = u32::try_from(self.conns.len()).unwrap_or(u32::MAX);
        self.min_delta_interval
            .max(self.per_member.saturating_mul(members))
    }

    /// Send the coalesced view change (one delta per audience covering every tick since the
    /// last fan-out, then changed `me`), then the replies held back for it, in order. Returns
    /// whether presence changed (a connection went away before its join was answered); its
    /// view change then goes out with the next fan-out.
    #[must_use]
    pub(super) fn flush(&mut self, workshop: &Workshop, rev: u64) -> bool {
        if std::mem::take(&mut self.view_pending) {
            self.last_fan_out = Some(tokio::time::Instant::now());
            self.fan_out(workshop, rev);
        }
        let mut dead = Vec::new();
        for d in std::mem::take(&mut self.deferred) {
            match d {
                Deferred::Frame(conn, out) => self.send_outgoing(conn, out, workshop, rev),
                Deferred::Join {
                    reply,
                    conn,
                    result,
                } => {
                    let ok = result.is_ok();
                    if reply.send(result).is_err() && ok {
                        dead.push(conn);
                    } else if ok {
                        self.send_snapshot(conn, true, workshop, rev);
                    }
                }
            }
        }
        let mut presence_changed = false;
        for conn in dead {
            presence_changed |= self.remove(conn);
        }
        presence_changed
    }

    /// An ack or reject: sent now, unless a view change or earlier replies are waiting.
    pub(super) fn reply_after_views(
        &mut self,
        conn: ConnId,
        out: Outgoing,
        workshop: &Workshop,
        rev: u64,
    ) {
        if self.view_pending || !self.deferred.is_empty() {
            self.deferred.push(Deferred::Frame(conn, out));
        } else {
            self.send_outgoing(conn, out, workshop, rev);
        }
    }

    /// An ack or reject that waits for the next flush whatever is pending.
    pub(super) fn defer(&mut self, conn: ConnId, out: Outgoing) {
        self.deferred.push(Deferred::Frame(conn, out));
    }

    /// A join's answer: a durable join changed presence, so it waits for the fan-out (the
    /// snapshot is then taken from the view just sent); a refusal goes out at once unless
    /// replies are waiting.
    pub(super) fn reply_join(
        &mut self,
        reply: JoinReply,
        conn: ConnId,
        result: Result<(), Refusal>,
    ) {
        if result.is_ok() || self.view_pending || !self.deferred.is_empty() {
            self.deferred.push(Deferred::Join {
                reply,
                conn,
                result,
            });
        } else {
            let _ = reply.send(result);
        }
    }

    /// A client asked for a snapshot (`sync`): one without a welcome. A connection that is
    /// joining gets its snapshot with the join's answer, a stale one at resync.
    pub(super) fn sync(&mut self, conn: ConnId, workshop: &Workshop, rev: u64) {
        if let Some(c) = self.conns.get(&conn)
            && c.joining.is_none()
            && c.stale.is_none()
        {
            self.send_snapshot(conn, false, workshop, rev);
        }
    }

    /// The document was loaded again (a new load epoch that starts at `start`): forget every
    /// view sent, give every connection a snapshot of `workshop`, then send the replies held back
    /// (the snapshots hold every durable change, also those whose delta was still held back).
    /// Returns whether presence changed, as [`Outbox::flush`] does.
    #[must_use]
    pub(super) fn reloaded(&mut self, workshop: &Workshop, rev: u64, start: u64) -> bool {
        for r in self.revs.values_mut() {
            *r = AudienceRevs::new(start.max(r.rev + 1), rev);
        }
        self.views.clear();
        self.snapshot_frames.clear();
        self.current.clear();
        self.mes.clear();
        self.view_touched = ViewTouched::default();
        let ids: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.joining.is_none())
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            self.send_snapshot(id, false, workshop, rev);
        }
        self.view_pending = false;
        self.flush(workshop, rev)
    }

    /// Serialise and send a reply; an ack gets the receiver's audience revision now.
    fn send_outgoing(&mut self, conn: ConnId, out: Outgoing, workshop: &Workshop, rev: u64) {
        let frame = match out {
            Outgoing::Frame(f) => f,
            Outgoing::Ack {
                id,
                created,
                placed,
            } => {
                let Some(audience) = self.conns.get(&conn).map(|c| c.audience) else {
                    return;
                };
                let rev = self.revs.get(&audience).map(|r| r.rev).unwrap_or(rev);
                // The position in the text as the views just sent show it.
                let at = placed
                    .and_then(|p| workshop.placed_at(&p))
                    .and_then(|at| u32::try_from(at).ok());
                to_frame(&ServerMessage::Ack {
                    id,
                    rev,
                    created,
                    at,
                })
            }
        };
        self.send_reply(conn, frame);
    }

    fn project(&self, state: &State, audience: Audience) -> serde_json::Value {
        incremental::whole(&Projector::new(state, &self.presence), audience)
    }

    /// What of the views an applied intent may have changed: projected again at the next
    /// fan-out.
    pub(in crate::session::actor) fn touch_views(&mut self, touched: ViewTouched) {
        self.view_touched.merge(touched);
    }

    /// Send each audience its delta and each participant its changed private part. Each
    /// audience's kept view is patched with what the intents since the last fan-out touched
    /// (`incremental::update`); debug builds check it against the whole projection.
    fn fan_out(&mut self, workshop: &Workshop, session_rev: u64) {
        let _timer = self.metrics.fan_out();
        let touched = std::mem::take(&mut self.view_touched);
        let projector = Projector::new(workshop.state(), &self.presence);
        let mut deltas = Vec::new();
        for audience in [Audience::Facilitator, Audience::Public] {
            let members = self
                .conns
                .values()
                .any(|c| c.audience == audience && c.joining.is_none());
            if !members {
                // Nobody to tell: the kept view is compared again at the next snapshot.
                self.current.remove(&audience);
                continue;
            }
            if !self.current.contains(&audience) {
                continue;
            }
            let Some((base, kept)) = self.views.get_mut(&audience) else {
                continue;
            };
            let base = *base;
            #[cfg(debug_assertions)]
            let before = kept.clone();
            let ops = match incremental::update(kept, &projector, audience, &touched) {
                Ok(ops) => ops,
                Err(e) => {
                    // Never expected; the whole projection is always right.
                    error!(error = %e, "cannot patch a kept view; projecting it whole");
                    let new = incremental::whole(&projector, audience);
                    let ops = json_patch::diff(kept, &new).0;
                    *kept = new;
                    ops
                }
            };
            #[cfg(debug_assertions)]
            incremental::check(before, &ops, kept, &projector, audience);
            // An empty patch means the view did not change (and its revision stays).
            if ops.is_empty() {
                continue;
            }
            let Some(rev) = self.revs.get_mut(&audience).map(|r| r.bump(session_rev)) else {
                continue;
            };
            let frame = to_frame(&ServerMessage::Delta {
                base,
                rev,
                ops: json_patch::Patch(ops),
            });
            if let Some((kept_rev, _)) = self.views.get_mut(&audience) {
                *kept_rev = rev;
            }
            self.snapshot_frames.remove(&audience);
            deltas.push((audience, frame));
        }
        for (audience, frame) in deltas {
            let targets: Vec<ConnId> = self
                .conns
                .iter()
                .filter(|(_, c)| c.audience == audience && c.joining.is_none())
                .map(|(id, _)| *id)
                .collect();
            for id in targets {
                self.send_view(id, frame.clone());
            }
        }
        self.send_private_parts(workshop, session_rev);
    }

    /// The snapshot (and private part) for one connection; with the welcome if it just joined.
    fn send_snapshot(
        &mut self,
        conn: ConnId,
        welcome: bool,
        workshop: &Workshop,
        session_rev: u64,
    ) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        let audience = c.audience;
        let mut frames: Vec<Arc<str>> = Vec::new();
        if welcome {
            let identity = c.participant.as_ref().and_then(|pid| {
                workshop
                    .state()
                    .participants
                    .get(pid)
                    .map(|p| ParticipantIdentity {
                        id: pid.clone(),
                        name: p.name.clone(),
                        group: p.group.clone(),
                    })
            });
            let token = c.joining.as_ref().and_then(|w| w.resume_token.clone());
            frames.push(to_frame(&ServerMessage::Welcome {
                protocol: PROTOCOL_VERSION,
                session: self.session.to_string(),
                role: c.role,
                participant: identity,
                resume_token: token,
                server_time: now_ms(),
            }));
        }
        let participant = c.participant.clone();
        let rev = match self.views.get(&audience) {
            Some((rev, _)) if self.current.contains(&audience) => *rev,
            kept => {
                // Nobody of this audience was watching: project now; the revision moves only
                // if the view differs from the one last sent.
                let value = self.project(workshop.state(), audience);
                let rev = match kept {
                    Some((rev, old)) if *old == value => *rev,
                    _ => self
                        .revs
                        .get_mut(&audience)
                        .map(|r| r.bump(session_rev))
                        .unwrap_or(session_rev),
                };
                self.views.insert(audience, (rev, value));
                self.snapshot_frames.remove(&audience);
                self.current.insert(audience);
                rev
            }
        };
        if let Some(frame) = self.snapshot_frame(audience, rev) {
            frames.push(frame);
        }
        if let Some(pid) = &participant
            && let Some(me) = projection::me(workshop.state(), pid)
        {
            self.mes.insert(pid.clone(), me.clone());
            frames.push(to_frame(&ServerMessage::Me { rev, me }));
        }
        if let Some(c) = self.conns.get_mut(&conn) {
            c.joining = None;
            // Snapshots go out whole or not at all; a stale connection gets them at resync.
            if c.stale.is_none() && c.link.tx.capacity() >= frames.len() {
                for f in frames {
                    let _ = c.link.tx.try_send(f);
                }
            } else if c.stale.is_none() {
                self.metrics.slow_consumer_marked();
                c.stale = Some(Stale::new(VecDeque::new()));
            }
        }
    }

    /// The snapshot frame of an audience's kept view at `rev`: from the cache, or serialised now
    /// and kept for everyone else who joins or resyncs at that revision.
    fn snapshot_frame(&mut self, audience: Audience, rev: u64) -> Option<Arc<str>> {
        if let Some((cached, frame)) = self.snapshot_frames.get(&audience)
            && *cached == rev
        {
            return Some(frame.clone());
        }
        let (_, value) = self.views.get(&audience)?;
        // The kept view is the JSON that deltas are diffed against; the frame is built from it so
        // that a snapshot and the deltas after it agree to the byte. Read in place (no copy).
        let view = match View::deserialize(value) {
            Ok(view) => view,
            Err(e) => {
                error!(error = %e, "cannot rebuild a view for a snapshot");
                return None;
            }
        };
        let frame = to_frame(&ServerMessage::Snapshot {
            rev,
            view: Box::new(view),
        });
        self.snapshot_frames.insert(audience, (rev, frame.clone()));
        self.metrics.snapshot_serialised();
        Some(frame)
    }

    /// A view frame: skipped for stale connections (they get a snapshot later).
    fn send_view(&mut self, conn: ConnId, frame: Arc<str>) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if c.stale.is_some() {
            return;
        }
        match c.link.tx.try_send(frame) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => c.mark_stale(&self.metrics, VecDeque::new()),
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// An ack or reject: never dropped; kept for a stale connection.
    fn send_reply(&mut self, conn: ConnId, frame: Arc<str>) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if let Some(stale) = &mut c.stale {
            stale.replies.push_back(frame);
            return;
        }
        match c.link.tx.try_send(frame) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(frame)) => {
                c.mark_stale(&self.metrics, VecDeque::from([frame]));
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// Give stale connections a fresh snapshot when they have room, or close them after the
    /// grace period. Returns whether presence changed (a participant's connection was closed).
    #[must_use]
    pub(super) fn resync_stale(&mut self, workshop: &Workshop, rev: u64) -> bool {
        let stale: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.stale.is_some())
            .map(|(id, _)| *id)
            .collect();
        let grace = self.slow_consumer_grace;
        let mut closed = false;
        for id in stale {
            let Some(c) = self.conns.get_mut(&id) else {
                continue;
            };
            let Some(s) = &c.stale else { continue };
            let needed = s.replies.len() + 2;
            if c.link.tx.capacity() >= needed {
                let replies = c.stale.take().map(|s| s.replies).unwrap_or_default();
                self.send_snapshot(id, false, workshop, rev);
                if let Some(c) = self.conns.get_mut(&id) {
                    for r in replies {
                        let _ = c.link.tx.try_send(r);
                    }
                }
                debug!(conn = id, "resynchronised");
            } else if s.since.elapsed() > grace || s.replies.len() > MAX_STALE_REPLIES {
                warn!(conn = id, "connection cannot keep up; closing");
                self.metrics.slow_consumer_closed();
                let _ = c.link.close.send(Some((
                    ErrorCode::SlowConsumer,
                    "the connection could not keep up; reconnect to continue".into(),
                )));
                closed |= self.remove(id);
            }
        }
        closed
    }
}

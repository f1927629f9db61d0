//! The session actor: one tokio task per live session, the only owner and writer of its
//! document.
//!
//! Connections talk to it through a bounded mailbox ([`SessionHandle`]). The actor works in
//! ticks: it takes every command waiting in the mailbox, applies them to the document, commits
//! one Automerge change, writes it to the store, and only then sends the results: first the view
//! deltas (one serialisation per audience, the same bytes to every member), then each
//! participant's private part where it changed, then the acks and rejects. A client that gets an
//! ack therefore already has a view that contains its change, and an ack always means durable.
//! While a tick is being written, new commands wait in the mailbox and form the next tick, so
//! load batches itself.
//!
//! A connection whose outbound queue is full is never waited for: it is marked stale, gets no
//! more deltas, and receives a fresh snapshot (with the replies it missed) once its queue has
//! room again; if it does not catch up within the grace period it is closed with
//! `slow_consumer`.
//!
//! Revisions: every tick that may change a view bumps the session's own `rev`, and
//! `heads_by_rev` maps recent ones to document heads. What clients see is each audience's own
//! numbering (`AudienceRevs`): it moves only when that audience's view changes, so no revision
//! step tells participants or the projector that something they cannot see happened (a vote
//! before the reveal). Deltas, snapshots, `me` and acks carry the audience revision; a text edit
//! names one, which is mapped to the session revision its view was projected at, then to heads.
//! Every revision is `epoch << 32 | n`, where the epoch is counted up each time the session is
//! loaded, so revisions never repeat across a restart.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use automerge::ChangeHash;
use dashmap::DashMap;
use draagvlak_protocol::limits::{MAX_INTENT_ID_BYTES, MAX_REVISION_AGE};
use draagvlak_protocol::message::ParticipantIdentity;
use draagvlak_protocol::view::{MeView, Role};
use draagvlak_protocol::{ErrorCode, Intent, JoinRequest, PROTOCOL_VERSION, ServerMessage};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

use super::Refusal;
use super::apply::{self, Sender};
use super::projection::{self, Audience, Presence};
use super::text::{Placed, TextLimit};
use super::workshop::Workshop;
use crate::config::Limits;
use crate::credentials;
use crate::metrics::StoreOp;
use crate::store::{AppliedIntent, Chunk, Store, TickWrite, Tokens};

/// Identifies one WebSocket connection within the server.
pub type ConnId = u64;

/// Why a connection is being closed, sent to its writer task.
pub type CloseReason = Option<(ErrorCode, String)>;

/// What the actor needs to reach one connection.
#[derive(Debug, Clone)]
pub struct ConnLink {
    pub id: ConnId,
    /// Serialised frames. Bounded; the actor only ever `try_send`s.
    pub tx: mpsc::Sender<Arc<str>>,
    /// Tells the writer task to send an error and a close frame, then stop.
    pub close: Arc<watch::Sender<CloseReason>>,
}

/// A command in a session's mailbox.
#[derive(Debug)]
pub enum Cmd {
    Join {
        conn: ConnLink,
        request: JoinRequest,
        reply: oneshot::Sender<Result<(), Refusal>>,
    },
    Intent {
        conn: ConnId,
        id: String,
        intent: Intent,
        /// The facilitator acting for a participant without a device.
        on_behalf_of: Option<String>,
    },
    Sync {
        conn: ConnId,
    },
    Leave {
        conn: ConnId,
    },
    /// The facilitator secret was rotated (already stored): use the new hash and close every
    /// facilitator connection made with the old one.
    SetFacilitatorHash {
        hash: Vec<u8>,
    },
    /// Erase names (see `workshop/erase.rs`): the document and its history are rewritten in
    /// the store, the session reloads from it and everyone gets a fresh snapshot.
    Erase {
        what: Erasure,
        reply: oneshot::Sender<Result<Erased, Refusal>>,
    },
    Delete(Delete),
}

/// The facilitator deletes a closed session while people are still connected
/// (`http::sessions::delete_session`): it is deleted from the store, every connection is closed
/// with `session_not_found` and the actor stops.
#[derive(Debug)]
pub struct Delete {
    pub reply: oneshot::Sender<Result<(), Refusal>>,
}

/// Whose names an erasure takes away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Erasure {
    /// One participant's, at their request (the facilitator asks): name replaced by a label,
    /// device forgotten, resume token deleted.
    Participant(String),
    /// Everyone's, in a closed session (the retention sweep): every name replaced by a label,
    /// every resume token deleted, the session marked anonymised.
    Everyone,
}

/// What an erasure did: participant id -> the label that replaced the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    pub labels: BTreeMap<String, String>,
}

/// A cheap handle to a live session's mailbox.
#[derive(Debug, Clone)]
pub struct SessionHandle {
    pub id: Arc<str>,
    /// Distinguishes this actor from a later one for the same session (see unloading).
    pub generation: u64,
    tx: mpsc::Sender<Cmd>,
}

impl SessionHandle {
    /// Send a command, waiting while the mailbox is full. Fails when the actor has stopped.
    pub async fn send(&self, cmd: Cmd) -> Result<(), Cmd> {
        self.tx.send(cmd).await.map_err(|e| e.0)
    }
}

/// Everything an actor needs from the server.
#[derive(Clone, Debug)]
pub struct ActorContext {
    pub store: Store,
    pub sessions: Arc<DashMap<Arc<str>, SessionHandle>>,
    pub limits: Limits,
    pub idle: Duration,
    pub shutdown: CancellationToken,
    pub metrics: crate::metrics::Metrics,
}

static GENERATION: AtomicU64 = AtomicU64::new(1);

/// Create the handle and the actor for a session; the caller spawns [`run`] and publishes the
/// handle. Loading happens inside the task, so this never waits.
pub fn new(session_id: &str, ctx: ActorContext) -> (SessionHandle, Pending) {
    let (tx, rx) = mpsc::channel(ctx.limits.session_mailbox);
    let handle = SessionHandle {
        id: Arc::from(session_id),
        generation: GENERATION.fetch_add(1, Ordering::Relaxed),
        tx,
    };
    let pending = Pending {
        id: handle.id.clone(),
        generation: handle.generation,
        rx,
        ctx,
    };
    (handle, pending)
}

/// An actor that has not loaded its session yet.
#[derive(Debug)]
pub struct Pending {
    id: Arc<str>,
    generation: u64,
    rx: mpsc::Receiver<Cmd>,
    ctx: ActorContext,
}

/// One connection as the actor sees it.
#[derive(Debug)]
struct Conn {
    link: ConnLink,
    role: Role,
    participant: Option<String>,
    audience: Audience,
    /// Not yet sent welcome and snapshot (joined in the current tick).
    joining: Option<Welcome>,
    stale: Option<Stale>,
    _counted: crate::metrics::GaugeGuard,
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

/// One audience's revision numbering: it moves only when that audience's view changes.
#[derive(Debug)]
struct AudienceRevs {
    rev: u64,
    /// (audience revision, session revision its view was projected at), oldest first.
    to_session: VecDeque<(u64, u64)>,
}

impl AudienceRevs {
    fn new(start: u64, session_rev: u64) -> AudienceRevs {
        AudienceRevs {
            rev: start,
            to_session: VecDeque::from([(start, session_rev)]),
        }
    }

    /// The audience's view changed, projected at `session_rev`: the next revision.
    fn bump(&mut self, session_rev: u64) -> u64 {
        self.rev += 1;
        self.to_session.push_back((self.rev, session_rev));
        while self.to_session.len() > MAX_REVISION_AGE as usize {
            self.to_session.pop_front();
        }
        self.rev
    }

    /// The session revision the audience's view at `rev` was projected at.
    fn session_rev(&self, rev: u64) -> Option<u64> {
        if rev > self.rev {
            return None;
        }
        self.to_session
            .iter()
            .rev()
            .find(|(r, _)| *r <= rev)
            .map(|(_, s)| *s)
    }
}

/// A reply to an intent, serialised when it is sent: an ack carries the revision of the
/// receiver's audience at that moment (the first one whose view contains the change).
enum Outgoing {
    Frame(Arc<str>),
    Ack {
        id: String,
        created: Option<String>,
        /// Where a text edit's inserted text went; its position is taken when the ack is sent.
        placed: Option<Placed>,
    },
}

/// Most replies kept for a stale connection before it is closed.
const MAX_STALE_REPLIES: usize = 1024;
/// Most commands taken from the mailbox in one tick.
const MAX_TICK_COMMANDS: usize = 512;

struct Actor {
    id: Arc<str>,
    generation: u64,
    rx: mpsc::Receiver<Cmd>,
    ctx: ActorContext,
    ws: Workshop,
    facilitator_hash: Vec<u8>,
    closed: bool,
    /// token hash -> participant id
    tokens: HashMap<Vec<u8>, String>,
    /// (sender, intent id) -> (rev, created)
    applied: HashMap<(String, String), (u64, Option<String>)>,
    /// Intents applied in the current tick, not yet durable: (sender, intent id) -> created.
    /// Written to the store with the tick's change and then moved into `applied`; a repeat
    /// within the same tick (a resend, or a second connection of the same participant) gets
    /// the same ack instead of being applied twice.
    tick_applied: HashMap<(String, String), Option<String>>,
    epoch: u64,
    rev: u64,
    heads_by_rev: VecDeque<(u64, Vec<ChangeHash>)>,
    changes_since_snapshot: u32,
    conns: HashMap<ConnId, Conn>,
    presence: Presence,
    /// The last view sent to each audience: (audience rev, JSON). Kept while an audience is
    /// empty, so that a view that did not change keeps its revision.
    views: HashMap<Audience, (u64, serde_json::Value)>,
    /// Audiences whose entry in `views` is the current projection (they had members at the last
    /// fan-out); for the others a snapshot projects again.
    current: std::collections::HashSet<Audience>,
    /// Each audience's revision numbering.
    revs: HashMap<Audience, AudienceRevs>,
    /// The last private part sent per participant.
    mes: HashMap<String, MeView>,
    last_activity: Instant,
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

/// A reply held back until the deltas it depends on are sent (see `Actor::flush`).
enum Deferred {
    /// An ack or reject.
    Frame(ConnId, Outgoing),
    /// A durable join: the connection task's answer, then welcome and snapshot.
    Join {
        reply: oneshot::Sender<Result<(), Refusal>>,
        conn: ConnId,
        result: Result<(), Refusal>,
    },
}

/// Run a session actor until it unloads, fails or the server shuts down.
pub async fn run(pending: Pending) {
    let Pending {
        id,
        generation,
        mut rx,
        ctx,
    } = pending;
    let span = tracing::info_span!("session", session = %id);
    let _enter = span.enter();
    drop(_enter);
    let loaded = tracing::Instrument::instrument(load(&id, &ctx), span.clone()).await;
    match loaded {
        Ok(parts) => {
            let actor = Actor::new(id, generation, rx, ctx, parts);
            tracing::Instrument::instrument(actor.run(), span).await;
        }
        Err(e) => {
            error!(session = %id, error = %e, "cannot load session");
            ctx.sessions
                .remove_if(&id, |_, h| h.generation == generation);
            rx.close();
            let failed = || {
                Refusal::new(
                    ErrorCode::StorageFailed,
                    "the session could not be loaded; try again later",
                )
            };
            while let Some(cmd) = rx.recv().await {
                match cmd {
                    Cmd::Join { reply, .. } => {
                        let _ = reply.send(Err(failed()));
                    }
                    Cmd::Erase { reply, .. } => {
                        let _ = reply.send(Err(failed()));
                    }
                    Cmd::Delete(Delete { reply }) => {
                        let _ = reply.send(Err(failed()));
                    }
                    _ => {}
                }
            }
        }
    }
}

struct Loaded {
    ws: Workshop,
    facilitator_hash: Vec<u8>,
    closed: bool,
    tokens: HashMap<Vec<u8>, String>,
    applied: HashMap<(String, String), (u64, Option<String>)>,
    epoch: u64,
    heads_by_rev: VecDeque<(u64, Vec<ChangeHash>)>,
    last_rev: u64,
    changes: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Doc(#[from] super::workshop::DocError),
    #[error("stored changes up to revision {0} do not load to the heads stored with them")]
    Damaged(u64),
}

/// A session's durable document, read from the store and checked: the actor loads a session
/// with it, and reports and the history view read one with it (no running session needed).
pub async fn load_durable(
    store: &crate::store::Store,
    id: &str,
) -> Result<(crate::store::LoadedSession, Workshop), LoadError> {
    let stored = store.load_session(id).await?;
    let ws = Workshop::load(
        id,
        &stored.snapshot.data,
        stored.changes.iter().map(|c| c.data.as_slice()),
    )?;
    // Automerge skips data it cannot read; a damaged chunk must not load as a silently shorter
    // history. The heads stored with the last chunk say where the document must end up.
    let last = stored.changes.last().unwrap_or(&stored.snapshot);
    if !heads_match(&ws, &last.heads) {
        return Err(LoadError::Damaged(last.rev));
    }
    Ok((stored, ws))
}

async fn load(id: &str, ctx: &ActorContext) -> Result<Loaded, LoadError> {
    let started = Instant::now();
    let epoch = ctx.store.next_epoch(id).await?;
    let (stored, ws) = load_durable(&ctx.store, id).await?;
    let mut heads_by_rev = VecDeque::new();
    for chunk in std::iter::once(&stored.snapshot).chain(stored.changes.iter()) {
        heads_by_rev.push_back((chunk.rev, decode_heads(&chunk.heads)));
    }
    while heads_by_rev.len() > MAX_REVISION_AGE as usize {
        heads_by_rev.pop_front();
    }
    let last_rev = stored
        .changes
        .last()
        .map(|c| c.rev)
        .unwrap_or(stored.snapshot.rev);
    info!(
        changes = stored.changes.len(),
        epoch,
        ms = started.elapsed().as_millis() as u64,
        "session loaded"
    );
    let closed_in_doc = ws.state().closed;
    Ok(Loaded {
        ws,
        facilitator_hash: stored.row.facilitator_hash,
        closed: stored.row.status != "open" || closed_in_doc,
        tokens: stored
            .participants
            .into_iter()
            .map(|(p, h)| (h, p))
            .collect(),
        applied: stored
            .applied
            .into_iter()
            .map(|a| ((a.sender, a.intent_id), (a.rev, a.created)))
            .collect(),
        epoch,
        heads_by_rev,
        last_rev,
        changes: stored.changes.len() as u32,
    })
}

/// The heads a view revision was projected from: those of the latest recorded revision at or
/// before it.
fn lookup_heads(
    table: &VecDeque<(u64, Vec<ChangeHash>)>,
    rev_now: u64,
    rev: u64,
) -> Result<Vec<ChangeHash>, Refusal> {
    let stale = || {
        Refusal::new(
            ErrorCode::StaleRevision,
            format!("revision {rev} is unknown or too old; ask for a snapshot and edit again"),
        )
    };
    if rev > rev_now {
        return Err(stale());
    }
    table
        .iter()
        .rev()
        .find(|(r, _)| *r <= rev)
        .map(|(_, h)| h.clone())
        .ok_or_else(stale)
}

/// The server clock in milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Does a loaded document end at the heads stored with its last chunk?
pub fn heads_match(ws: &Workshop, stored: &[u8]) -> bool {
    let mut expected = decode_heads(stored);
    let mut actual = ws.heads().to_vec();
    expected.sort();
    actual.sort();
    expected == actual
}

/// Heads as stored: 32-byte hashes, concatenated.
pub fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

fn decode_heads(bytes: &[u8]) -> Vec<ChangeHash> {
    bytes
        .chunks_exact(32)
        .filter_map(|c| ChangeHash::try_from(c).ok())
        .collect()
}

fn to_frame(msg: &ServerMessage) -> Arc<str> {
    match serde_json::to_string(msg) {
        Ok(s) => Arc::from(s),
        Err(e) => {
            // Server types always serialise; keep the connection informed regardless.
            error!(error = %e, "cannot serialise a server message");
            Arc::from(r#"{"type":"error","code":"internal","message":"unexpected server error"}"#)
        }
    }
}

/// The outcome of one command in a tick, delivered after the tick is durable.
enum Reply {
    Intent {
        conn: ConnId,
        id: String,
        result: Result<(u64, Option<String>), Refusal>,
        /// Applied in this tick (not a duplicate).
        fresh: bool,
        /// Where a text edit's inserted text went.
        placed: Option<Placed>,
    },
    Join {
        reply: oneshot::Sender<Result<(), Refusal>>,
        conn: ConnId,
        result: Result<(), Refusal>,
        /// A new participant: (id, token hash).
        created: Option<NewParticipant>,
    },
}

/// A participant created by a join: (id, token hash), stored with the tick.
type NewParticipant = (String, Vec<u8>);

impl Actor {
    fn new(
        id: Arc<str>,
        generation: u64,
        rx: mpsc::Receiver<Cmd>,
        ctx: ActorContext,
        loaded: Loaded,
    ) -> Actor {
        let epoch_start = loaded.epoch << 32;
        let mut heads_by_rev = loaded.heads_by_rev;
        let heads = loaded.ws.heads().to_vec();
        heads_by_rev.push_back((epoch_start, heads));
        let rev = epoch_start.max(loaded.last_rev);
        Actor {
            revs: [Audience::Facilitator, Audience::Public]
                .into_iter()
                .map(|a| (a, AudienceRevs::new(epoch_start, rev)))
                .collect(),
            current: Default::default(),
            id,
            generation,
            rx,
            ctx,
            ws: loaded.ws,
            facilitator_hash: loaded.facilitator_hash,
            closed: loaded.closed,
            tokens: loaded.tokens,
            applied: loaded.applied,
            tick_applied: HashMap::new(),
            epoch: loaded.epoch,
            rev,
            heads_by_rev,
            changes_since_snapshot: loaded.changes,
            conns: HashMap::new(),
            presence: Presence::new(),
            views: HashMap::new(),
            mes: HashMap::new(),
            last_activity: Instant::now(),
            view_pending: false,
            deferred: Vec::new(),
            last_fan_out: None,
        }
    }

    async fn run(mut self) {
        let mut housekeeping = tokio::time::interval(Duration::from_millis(250));
        housekeeping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let shutdown = self.ctx.shutdown.clone();
        loop {
            let due = self.flush_due();
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => {
                    // Everything held back is durable: send it before closing.
                    self.flush();
                    self.stop(ErrorCode::ShuttingDown, "the server is shutting down").await;
                    return;
                }
                // A coalesced fan-out falls due (before the next tick is taken).
                _ = tokio::time::sleep_until(due.unwrap_or_else(tokio::time::Instant::now)),
                    if due.is_some() => {
                    self.flush();
                }
                cmd = self.rx.recv() => {
                    let Some(cmd) = cmd else { return };
                    let mut batch = vec![cmd];
                    while batch.len() < MAX_TICK_COMMANDS {
                        match self.rx.try_recv() {
                            Ok(cmd) => batch.push(cmd),
                            Err(_) => break,
                        }
                    }
                    self.last_activity = Instant::now();
                    if !self.tick(batch).await {
                        return;
                    }
                }
                _ = housekeeping.tick() => {
                    self.resync_stale();
                    if self.conns.is_empty() && self.last_activity.elapsed() >= self.ctx.idle {
                        self.unload().await;
                        return;
                    }
                }
            }
        }
    }

    /// Leave the registry, then answer whatever is still in the mailbox with `unavailable`
    /// so that those connections retry with a fresh actor, which loads from the store.
    async fn unload(mut self) {
        info!("session idle; unloading");
        self.ctx
            .sessions
            .remove_if(&self.id, |_, h| h.generation == self.generation);
        self.rx.close();
        let reloading = || {
            Refusal::new(
                ErrorCode::Unavailable,
                "the session is reloading; try again",
            )
        };
        while let Some(cmd) = self.rx.recv().await {
            match cmd {
                Cmd::Join { reply, .. } => {
                    let _ = reply.send(Err(reloading()));
                }
                Cmd::Erase { reply, .. } => {
                    let _ = reply.send(Err(reloading()));
                }
                Cmd::Delete(Delete { reply }) => {
                    let _ = reply.send(Err(reloading()));
                }
                _ => {}
            }
        }
    }

    /// Stop for good: refuse what is queued, close every connection with a reason.
    async fn stop(&mut self, code: ErrorCode, message: &str) {
        self.ctx
            .sessions
            .remove_if(&self.id, |_, h| h.generation == self.generation);
        self.rx.close();
        while let Some(cmd) = self.rx.recv().await {
            match cmd {
                Cmd::Join { reply, .. } => {
                    let _ = reply.send(Err(Refusal::new(code, message)));
                }
                Cmd::Intent { conn, id, .. } => {
                    let frame = to_frame(&ServerMessage::Reject {
                        id,
                        code,
                        message: message.to_string(),
                    });
                    if let Some(c) = self.conns.get(&conn) {
                        let _ = c.link.tx.try_send(frame);
                    }
                }
                Cmd::Erase { reply, .. } => {
                    let _ = reply.send(Err(Refusal::new(code, message)));
                }
                Cmd::Delete(Delete { reply }) => {
                    let _ = reply.send(Err(Refusal::new(code, message)));
                }
                Cmd::Sync { .. } | Cmd::Leave { .. } | Cmd::SetFacilitatorHash { .. } => {}
            }
        }
        for (_, conn) in self.conns.drain() {
            let _ = conn.link.close.send(Some((code, message.to_string())));
        }
    }

    /// One tick. Returns false when the actor must stop.
    async fn tick(&mut self, batch: Vec<Cmd>) -> bool {
        let _timer = self.ctx.metrics.tick(batch.len() + self.rx.len());
        self.tick_applied.clear();
        let mut replies = Vec::new();
        let mut presence_changed = false;
        // A participant was removed or the session closed: connections to settle after the write.
        let mut membership_changed = false;
        let mut syncs = Vec::new();
        let mut erasures = Vec::new();
        let mut deletes = Vec::new();
        for cmd in batch {
            match cmd {
                Cmd::Join {
                    conn,
                    request,
                    reply,
                } => {
                    let id = conn.id;
                    let (result, created) = self.join(conn, request);
                    if result.is_ok() {
                        presence_changed = true;
                    }
                    replies.push(Reply::Join {
                        reply,
                        conn: id,
                        result,
                        created,
                    });
                }
                Cmd::Intent {
                    conn,
                    id,
                    intent,
                    on_behalf_of,
                } => {
                    if let Some(reply) = self.intent(conn, id, &intent, on_behalf_of.as_deref()) {
                        if matches!(
                            (&reply, &intent),
                            (
                                Reply::Intent { fresh: true, .. },
                                Intent::RemoveParticipant { .. } | Intent::CloseSession
                            )
                        ) {
                            membership_changed = true;
                        }
                        replies.push(reply);
                    }
                }
                Cmd::Sync { conn } => syncs.push(conn),
                Cmd::SetFacilitatorHash { hash } => {
                    self.facilitator_hash = hash;
                    self.close_where(
                        |c, _| c.role == Role::Facilitator,
                        ErrorCode::BadCredentials,
                        "the facilitator secret was changed; join with the new one",
                    );
                }
                Cmd::Leave { conn } => {
                    if self.remove_conn(conn) {
                        presence_changed = true;
                    }
                }
                Cmd::Erase { what, reply } => erasures.push((what, reply)),
                Cmd::Delete(d) => deletes.push(d),
            }
        }

        // Persist.
        let doc_changed = self.ws.commit();
        let new_participants: Vec<(String, Vec<u8>)> = replies
            .iter()
            .filter_map(|r| match r {
                Reply::Join {
                    created: Some(c),
                    result: Ok(()),
                    ..
                } => Some(c.clone()),
                _ => None,
            })
            .collect();
        let dirty = doc_changed || presence_changed;
        let next_rev = if dirty { self.rev + 1 } else { self.rev };
        if doc_changed {
            let applied: Vec<AppliedIntent> = self
                .tick_applied
                .iter()
                .map(|((sender, id), created)| AppliedIntent {
                    sender: sender.clone(),
                    intent_id: id.clone(),
                    rev: next_rev,
                    created: created.clone(),
                })
                .collect();
            let write = TickWrite {
                chunk: Some(Chunk {
                    rev: next_rev,
                    heads: encode_heads(self.ws.heads()),
                    data: self.ws.save_incremental(),
                }),
                new_participants,
                applied,
            };
            if let Err(e) = self
                .ctx
                .metrics
                .store(StoreOp::Tick, self.ctx.store.append(&self.id, &write))
                .await
            {
                error!(error = %e, "cannot write tick; refusing its intents and reloading");
                return self.storage_failed(replies).await;
            }
            self.changes_since_snapshot += 1;
        }
        if dirty {
            self.rev = next_rev;
            self.heads_by_rev
                .push_back((self.rev, self.ws.heads().to_vec()));
            while self.heads_by_rev.len() > MAX_REVISION_AGE as usize {
                self.heads_by_rev.pop_front();
            }
        }

        // Bookkeeping that must follow the durable write.
        for (key, created) in self.tick_applied.drain() {
            self.applied.insert(key, (self.rev, created));
        }
        for r in &replies {
            if let Reply::Join {
                created: Some((pid, hash)),
                result: Ok(()),
                ..
            } = r
            {
                self.tokens.insert(hash.clone(), pid.clone());
            }
        }

        if membership_changed {
            self.settle_membership().await;
        }

        // Views first, then acks: the tick's view change and its replies wait for the next
        // fan-out, which may take in later ticks too (`flush`, at most one per
        // `min_delta_interval`).
        self.view_pending |= dirty;
        for conn in syncs {
            // A sync is a snapshot without a welcome; a stale connection gets one at resync.
            if let Some(c) = self.conns.get(&conn)
                && c.joining.is_none()
                && c.stale.is_none()
            {
                self.send_snapshot(conn, false);
            }
        }
        for r in replies {
            match r {
                Reply::Join {
                    reply,
                    conn,
                    result,
                    ..
                } => self.reply_join(reply, conn, result),
                Reply::Intent {
                    conn,
                    id,
                    result,
                    placed,
                    ..
                } => {
                    let out = match result {
                        Ok((_, created)) => Outgoing::Ack {
                            id,
                            created,
                            placed,
                        },
                        Err(r) => Outgoing::Frame(to_frame(&ServerMessage::Reject {
                            id,
                            code: r.code,
                            message: r.message,
                        })),
                    };
                    self.reply_after_views(conn, out);
                }
            }
        }
        if let Some(due) = self.flush_due()
            && due <= tokio::time::Instant::now()
        {
            self.flush();
        }
        self.resync_stale();
        // Erasures last: everything of this tick is durable and sent before the rewrite.
        for (what, reply) in erasures {
            let (result, running) = self.erase(what).await;
            let _ = reply.send(result);
            if !running {
                return false;
            }
        }
        if !deletes.is_empty() {
            return self.delete(deletes).await;
        }
        if self.changes_since_snapshot >= self.ctx.limits.compact_after_changes {
            self.compact().await;
        }
        true
    }

    /// Delete the session (see [`Delete`]). Returns whether the actor runs on.
    async fn delete(&mut self, asked: Vec<Delete>) -> bool {
        let refuse = |asked: Vec<Delete>, r: Refusal| {
            for d in asked {
                let _ = d.reply.send(Err(r.clone()));
            }
        };
        if !self.closed {
            let r = Refusal::new(
                ErrorCode::InvalidRequest,
                "close the session before deleting it",
            );
            refuse(asked, r);
            return true;
        }
        self.flush();
        if let Err(e) = self.ctx.store.delete_session(&self.id).await {
            error!(error = %e, "cannot delete the session");
            let r = Refusal::new(
                ErrorCode::StorageFailed,
                "the session could not be deleted; try again",
            );
            refuse(asked, r);
            return true;
        }
        info!("session deleted by its facilitator");
        self.stop(ErrorCode::SessionNotFound, "this session was deleted")
            .await;
        for d in asked {
            let _ = d.reply.send(Ok(()));
        }
        false
    }

    /// Erase names (see [`Erasure`]): rewrite the document without them and without the history
    /// that held them, store it in place of the old one, close the erased people's connections,
    /// reload and send everyone a snapshot. Returns the result and whether the actor runs on.
    async fn erase(&mut self, what: Erasure) -> (Result<Erased, Refusal>, bool) {
        let state = self.ws.state();
        let people: BTreeSet<String> = match &what {
            Erasure::Participant(p) if state.participants.contains_key(p) => {
                BTreeSet::from([p.clone()])
            }
            Erasure::Participant(_) => {
                let r = Refusal::new(ErrorCode::NotFound, "this session has no such participant");
                return (Err(r), true);
            }
            Erasure::Everyone if !self.closed => {
                let r = Refusal::new(
                    ErrorCode::InvalidRequest,
                    "only a closed session is anonymised",
                );
                return (Err(r), true);
            }
            Erasure::Everyone => state.participants.keys().cloned().collect(),
        };
        let labels: BTreeMap<String, String> = people
            .iter()
            .filter_map(|p| Some((p.clone(), super::workshop::label(state, p)?)))
            .collect();
        // Everything held back goes out first; the snapshots below replace every view.
        self.flush();
        let mut erased = match self.ws.erased(&people) {
            Ok(ws) => ws,
            Err(e) => return (Err(Refusal::internal(e)), true),
        };
        let chunk = Chunk {
            rev: self.rev,
            heads: encode_heads(erased.heads()),
            data: erased.save(),
        };
        let tokens = match &what {
            Erasure::Participant(p) => Tokens::Of(p),
            Erasure::Everyone => Tokens::AllAnonymised,
        };
        if let Err(e) = self
            .ctx
            .metrics
            .store(
                StoreOp::Compact,
                self.ctx.store.rewrite_session(&self.id, &chunk, tokens),
            )
            .await
        {
            error!(error = %e, "cannot store the session without the erased names");
            let r = Refusal::new(
                ErrorCode::StorageFailed,
                "the names could not be erased; nothing changed; try again",
            );
            return (Err(r), true);
        }
        info!(people = people.len(), "names erased");
        // Their devices no longer know them: their resume tokens are gone.
        let (code, message) = match what {
            Erasure::Participant(_) => (
                ErrorCode::Removed,
                "your name was erased from this session at your request; you cannot return to it",
            ),
            Erasure::Everyone => (
                ErrorCode::SessionClosed,
                "this session was anonymised: names are gone, and nobody returns to it as \
                 themselves",
            ),
        };
        self.close_where(
            |c, _| c.participant.as_ref().is_some_and(|p| people.contains(p)),
            code,
            message,
        );
        let running = self.reload().await;
        (Ok(Erased { labels }), running)
    }

    /// Handle a join: check credentials, maybe create a participant, register the connection.
    fn join(
        &mut self,
        link: ConnLink,
        request: JoinRequest,
    ) -> (Result<(), Refusal>, Option<NewParticipant>) {
        // A closed session is read-only: the facilitator, the projector and the people who took
        // part (resuming with their token) may still look at its results; nobody new joins,
        // since joining would change it.
        if self.closed && matches!(request, JoinRequest::Participant { .. }) {
            return (
                Err(Refusal::new(
                    ErrorCode::SessionClosed,
                    "this session is closed: it can be read by the people who took part, but \
                     nobody new joins",
                )),
                None,
            );
        }
        if self.conns.len() >= self.ctx.limits.max_connections_per_session {
            return (
                Err(Refusal::new(
                    ErrorCode::LimitReached,
                    "this session has as many connections as it can take",
                )),
                None,
            );
        }
        let (role, participant, token, created) = match request {
            JoinRequest::Facilitator { secret, .. } => {
                if !credentials::verify_secret(&secret, &self.facilitator_hash) {
                    return (
                        Err(Refusal::new(
                            ErrorCode::BadCredentials,
                            "the facilitator secret is not valid for this session",
                        )),
                        None,
                    );
                }
                (Role::Facilitator, None, None, None)
            }
            JoinRequest::Projector { .. } => (Role::Projector, None, None, None),
            JoinRequest::Resume { token, .. } => {
                match self.tokens.get(&credentials::hash_secret(&token)) {
                    Some(pid) if self.ws.state().active(pid).is_none() => {
                        return (
                            Err(Refusal::new(
                                ErrorCode::Removed,
                                "the facilitator removed you from this session",
                            )),
                            None,
                        );
                    }
                    Some(pid) => (Role::Participant, Some(pid.clone()), Some(token), None),
                    None => {
                        return (
                            Err(Refusal::new(
                                ErrorCode::BadCredentials,
                                "this resume token is not valid for this session; join again",
                            )),
                            None,
                        );
                    }
                }
            }
            JoinRequest::Participant {
                name,
                group,
                device,
                ..
            } => {
                let name = match apply::check_name(&name)
                    .and_then(|n| apply::check_group(self.ws.state(), &group).map(|()| n))
                {
                    Ok(n) => n,
                    Err(r) => return (Err(r), None),
                };
                // A device is known only by a hash that is salted with the session id, so the
                // same device cannot be followed across sessions.
                let device = device.filter(|d| !d.trim().is_empty()).map(|d| {
                    let digest = credentials::hash_secret(&format!("{}:{d}", self.id));
                    digest
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<String>()
                });
                if let Some(d) = &device
                    && self
                        .ws
                        .state()
                        .participants
                        .values()
                        .any(|p| p.removed && p.device.as_deref() == Some(d))
                {
                    return (
                        Err(Refusal::new(
                            ErrorCode::Removed,
                            "the facilitator removed you from this session; ask them to let you \
                             in again",
                        )),
                        None,
                    );
                }
                let pid = match self
                    .ws
                    .add_participant_from(name, &group, device.as_deref())
                {
                    Ok(pid) => pid,
                    Err(e) => return (Err(Refusal::internal(e)), None),
                };
                let token = credentials::new_secret();
                let hash = credentials::hash_secret(&token);
                (
                    Role::Participant,
                    Some(pid.clone()),
                    Some(token),
                    Some((pid, hash)),
                )
            }
        };
        let audience = if role == Role::Facilitator {
            Audience::Facilitator
        } else {
            Audience::Public
        };
        if let Some(pid) = &participant {
            *self.presence.entry(pid.clone()).or_default() += 1;
        }
        debug!(conn = link.id, ?role, participant = ?participant, "joined");
        self.conns.insert(
            link.id,
            Conn {
                link,
                role,
                participant,
                audience,
                joining: Some(Welcome {
                    resume_token: token,
                }),
                stale: None,
                _counted: self.ctx.metrics.connection(role),
            },
        );
        (Ok(()), created)
    }

    /// After a removal or the closing of the session is durable: close the removed people's
    /// connections, and note the closing in the sessions table.
    async fn settle_membership(&mut self) {
        self.close_where(
            |c, state| {
                c.participant
                    .as_deref()
                    .is_some_and(|p| state.active(p).is_none())
            },
            ErrorCode::Removed,
            "the facilitator removed you from this session",
        );
        if self.ws.state().closed && !self.closed {
            self.closed = true;
            if let Err(e) = self.ctx.store.set_closed(&self.id).await {
                // The document says closed, which is what the actor checks on every load.
                warn!(error = %e, "cannot mark the session closed in the sessions table");
            }
        }
    }

    /// Close, with a reason, every connection `pick` selects, and forget it.
    fn close_where(
        &mut self,
        pick: impl Fn(&Conn, &super::workshop::State) -> bool,
        code: ErrorCode,
        message: &str,
    ) {
        let picked: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| pick(c, self.ws.state()))
            .map(|(id, _)| *id)
            .collect();
        for id in picked {
            if let Some(c) = self.conns.get(&id) {
                let _ = c.link.close.send(Some((code, message.to_string())));
            }
            self.remove_conn(id);
        }
    }

    /// Handle an intent. Returns the reply to send after the tick is durable.
    fn intent(
        &mut self,
        conn: ConnId,
        id: String,
        intent: &Intent,
        on_behalf_of: Option<&str>,
    ) -> Option<Reply> {
        let c = self.conns.get(&conn)?;
        let sender_key = match (&c.role, &c.participant) {
            (Role::Facilitator, _) => "facilitator".to_string(),
            (Role::Participant, Some(p)) => p.clone(),
            _ => "projector".to_string(),
        };
        let reply = |result, fresh| Reply::Intent {
            conn,
            id: id.clone(),
            result,
            fresh,
            placed: None,
        };
        if id.is_empty() || id.len() > MAX_INTENT_ID_BYTES {
            return Some(reply(
                Err(Refusal::new(
                    ErrorCode::InvalidIntentId,
                    format!("an intent id has 1 to {MAX_INTENT_ID_BYTES} bytes"),
                )),
                false,
            ));
        }
        let key = (sender_key, id.clone());
        if let Some((rev, created)) = self.applied.get(&key) {
            return Some(reply(Ok((*rev, created.clone())), false));
        }
        if let Some(created) = self.tick_applied.get(&key) {
            // Applied earlier in this tick: the same ack, with this tick's revision.
            return Some(reply(Ok((0, created.clone())), false));
        }
        if self.closed {
            return Some(reply(
                Err(Refusal::new(
                    ErrorCode::SessionClosed,
                    "this session is closed",
                )),
                false,
            ));
        }
        let role = c.role;
        let participant = c.participant.clone();
        let sender = match (role, &participant, on_behalf_of) {
            (Role::Facilitator, _, Some(p)) => Sender::Proxy(p),
            (_, _, Some(_)) => {
                return Some(reply(
                    Err(Refusal::new(
                        ErrorCode::Forbidden,
                        "only the facilitator may enter input for someone else",
                    )),
                    false,
                ));
            }
            (Role::Facilitator, _, None) => Sender::Facilitator,
            (Role::Participant, Some(p), None) => Sender::Participant(p.as_str()),
            _ => Sender::Projector,
        };
        let rev_now = self.rev;
        let table = &self.heads_by_rev;
        // A text edit names a revision of the sender's audience: map it to the session's.
        let audience = self.conns.get(&conn).map(|c| c.audience);
        let revs = audience.and_then(|a| self.revs.get(&a));
        let lookup = |rev: u64| {
            let session_rev = revs.and_then(|r| r.session_rev(rev)).ok_or_else(|| {
                Refusal::new(
                    ErrorCode::StaleRevision,
                    format!(
                        "revision {rev} is unknown or too old; ask for a snapshot and edit again"
                    ),
                )
            })?;
            lookup_heads(table, rev_now, session_rev)
        };
        let ctx = apply::Context {
            heads_at: &lookup,
            now_ms: now_ms(),
            text_limit: TextLimit::new(self.ctx.limits.max_text_chars),
        };
        let result = apply::apply(&mut self.ws, sender, intent, &ctx);
        match result {
            Ok(applied) => {
                debug!(conn, intent = ?intent.kind(), "applied");
                self.tick_applied.insert(key, applied.created.clone());
                // rev 0 means "this tick's revision", filled in when the ack is sent.
                let mut out = reply(Ok((0, applied.created)), true);
                if let Reply::Intent { placed, .. } = &mut out {
                    *placed = applied.placed;
                }
                Some(out)
            }
            Err(refusal) => {
                debug!(conn, intent = ?intent.kind(), code = %refusal.code, "refused");
                Some(reply(Err(refusal), false))
            }
        }
    }

    /// Remove a connection; returns whether presence changed.
    fn remove_conn(&mut self, conn: ConnId) -> bool {
        let Some(c) = self.conns.remove(&conn) else {
            return false;
        };
        if !self.conns.values().any(|o| o.audience == c.audience) {
            self.current.remove(&c.audience);
        }
        match c.participant {
            Some(pid) => {
                if let Some(n) = self.presence.get_mut(&pid) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        self.presence.remove(&pid);
                        self.mes.remove(&pid);
                    }
                }
                true
            }
            None => false,
        }
    }

    /// When the held-back view change and replies must go out; `None` when nothing waits.
    fn flush_due(&self) -> Option<tokio::time::Instant> {
        if !self.view_pending && self.deferred.is_empty() {
            return None;
        }
        let now = tokio::time::Instant::now();
        if !self.view_pending {
            // Only replies wait (behind earlier ones); no broadcast, so no interval either.
            return Some(now);
        }
        Some(match self.last_fan_out {
            Some(last) => last + self.ctx.limits.min_delta_interval,
            None => now,
        })
    }

    /// Send the coalesced view change (one delta per audience covering every tick since the
    /// last fan-out, then changed `me`), then the replies held back for it, in order.
    fn flush(&mut self) {
        if std::mem::take(&mut self.view_pending) {
            self.last_fan_out = Some(tokio::time::Instant::now());
            self.fan_out();
        }
        let mut dead = Vec::new();
        for d in std::mem::take(&mut self.deferred) {
            match d {
                Deferred::Frame(conn, out) => self.send_outgoing(conn, out),
                Deferred::Join {
                    reply,
                    conn,
                    result,
                } => {
                    let ok = result.is_ok();
                    if reply.send(result).is_err() && ok {
                        dead.push(conn);
                    } else if ok {
                        self.send_snapshot(conn, true);
                    }
                }
            }
        }
        // Connections gone before their join was answered: their presence goes out with the
        // next fan-out.
        for conn in dead {
            if self.remove_conn(conn) {
                self.presence_changed();
            }
        }
    }

    /// An ack or reject: sent now, unless a view change or earlier replies are waiting.
    fn reply_after_views(&mut self, conn: ConnId, out: Outgoing) {
        if self.view_pending || !self.deferred.is_empty() {
            self.deferred.push(Deferred::Frame(conn, out));
        } else {
            self.send_outgoing(conn, out);
        }
    }

    /// Serialise and send a reply; an ack gets the receiver's audience revision now.
    fn send_outgoing(&mut self, conn: ConnId, out: Outgoing) {
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
                let rev = self.revs.get(&audience).map(|r| r.rev).unwrap_or(self.rev);
                // The position in the text as the views just sent show it.
                let at = placed
                    .and_then(|p| self.ws.placed_at(&p))
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

    /// A join's answer: a durable join changed presence, so it waits for the fan-out (the
    /// snapshot is then taken from the view just sent); a refusal goes out at once unless
    /// replies are waiting.
    fn reply_join(
        &mut self,
        reply: oneshot::Sender<Result<(), Refusal>>,
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

    /// Presence changed outside a tick (a connection closed): a new revision, sent with the
    /// next fan-out.
    fn presence_changed(&mut self) {
        self.rev += 1;
        let heads = self.ws.heads().to_vec();
        self.heads_by_rev.push_back((self.rev, heads));
        while self.heads_by_rev.len() > MAX_REVISION_AGE as usize {
            self.heads_by_rev.pop_front();
        }
        self.view_pending = true;
    }

    fn project(&self, audience: Audience) -> serde_json::Value {
        let view = projection::view(self.ws.state(), &self.presence, audience);
        serde_json::to_value(&view).unwrap_or(serde_json::Value::Null)
    }

    /// Send each audience its delta and each participant its changed private part.
    fn fan_out(&mut self) {
        let _timer = self.ctx.metrics.fan_out();
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
            let new = self.project(audience);
            let Some((base, old)) = self.views.get(&audience) else {
                continue;
            };
            // One pass: an empty patch means the view did not change (and its revision stays).
            let ops = json_patch::diff(old, &new);
            if ops.0.is_empty() {
                continue;
            }
            let base = *base;
            let session_rev = self.rev;
            let Some(rev) = self.revs.get_mut(&audience).map(|r| r.bump(session_rev)) else {
                continue;
            };
            let frame = to_frame(&ServerMessage::Delta { base, rev, ops });
            self.views.insert(audience, (rev, new));
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
        let participants: Vec<(ConnId, String)> = self
            .conns
            .iter()
            .filter(|(_, c)| c.joining.is_none())
            .filter_map(|(id, c)| c.participant.clone().map(|p| (*id, p)))
            .collect();
        // Private parts: indexed once per tick; an unchanged part is recognised without
        // building it again.
        let index = projection::MeIndex::new(self.ws.state());
        // Participants are the public audience: their private part carries its revision.
        let rev = self
            .revs
            .get(&Audience::Public)
            .map(|r| r.rev)
            .unwrap_or(self.rev);
        let mut frames: HashMap<String, Option<Arc<str>>> = HashMap::new();
        let mut sends: Vec<(ConnId, Arc<str>)> = Vec::new();
        for (conn, pid) in participants {
            let frame = frames
                .entry(pid.clone())
                .or_insert_with(|| {
                    if let Some(last) = self.mes.get(&pid)
                        && index.unchanged(&pid, last)
                    {
                        return None;
                    }
                    let me = index.me(&pid)?;
                    self.mes.insert(pid.clone(), me.clone());
                    Some(to_frame(&ServerMessage::Me { rev, me }))
                })
                .clone();
            if let Some(frame) = frame {
                sends.push((conn, frame));
            }
        }
        for (conn, frame) in sends {
            self.send_view(conn, frame);
        }
    }

    /// The snapshot (and private part) for one connection; with the welcome if it just joined.
    fn send_snapshot(&mut self, conn: ConnId, welcome: bool) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        let audience = c.audience;
        let mut frames: Vec<Arc<str>> = Vec::new();
        if welcome {
            let identity = c.participant.as_ref().and_then(|pid| {
                self.ws
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
                session: self.id.to_string(),
                role: c.role,
                participant: identity,
                resume_token: token,
                server_time: now_ms(),
            }));
        }
        let participant = c.participant.clone();
        let (rev, value) = match self.views.get(&audience) {
            Some((rev, value)) if self.current.contains(&audience) => (*rev, value.clone()),
            kept => {
                // Nobody of this audience was watching: project now; the revision moves only
                // if the view differs from the one last sent.
                let value = self.project(audience);
                let rev = match kept {
                    Some((rev, old)) if *old == value => *rev,
                    _ => {
                        let session_rev = self.rev;
                        self.revs
                            .get_mut(&audience)
                            .map(|r| r.bump(session_rev))
                            .unwrap_or(session_rev)
                    }
                };
                self.views.insert(audience, (rev, value.clone()));
                self.current.insert(audience);
                (rev, value)
            }
        };
        match serde_json::from_value(value) {
            Ok(view) => frames.push(to_frame(&ServerMessage::Snapshot {
                rev,
                view: Box::new(view),
            })),
            Err(e) => error!(error = %e, "cannot rebuild a view for a snapshot"),
        }
        if let Some(pid) = &participant
            && let Some(me) = projection::me(self.ws.state(), pid)
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
                self.ctx.metrics.slow_consumer_marked();
                c.stale = Some(Stale {
                    since: Instant::now(),
                    replies: VecDeque::new(),
                });
            }
        }
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
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.ctx.metrics.slow_consumer_marked();
                warn!(conn, "outbound queue full; resynchronising later");
                c.stale = Some(Stale {
                    since: Instant::now(),
                    replies: VecDeque::new(),
                });
            }
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
                self.ctx.metrics.slow_consumer_marked();
                warn!(conn, "outbound queue full; resynchronising later");
                c.stale = Some(Stale {
                    since: Instant::now(),
                    replies: VecDeque::from([frame]),
                });
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// Give stale connections a fresh snapshot when they have room, or close them.
    fn resync_stale(&mut self) {
        let stale: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.stale.is_some())
            .map(|(id, _)| *id)
            .collect();
        let grace = self.ctx.limits.slow_consumer_grace;
        let mut closed = false;
        for id in stale {
            let Some(c) = self.conns.get_mut(&id) else {
                continue;
            };
            let Some(s) = &c.stale else { continue };
            let needed = s.replies.len() + 2;
            if c.link.tx.capacity() >= needed {
                let replies = c.stale.take().map(|s| s.replies).unwrap_or_default();
                self.send_snapshot(id, false);
                if let Some(c) = self.conns.get_mut(&id) {
                    for r in replies {
                        let _ = c.link.tx.try_send(r);
                    }
                }
                debug!(conn = id, "resynchronised");
            } else if s.since.elapsed() > grace || s.replies.len() > MAX_STALE_REPLIES {
                warn!(conn = id, "connection cannot keep up; closing");
                self.ctx.metrics.slow_consumer_closed();
                let _ = c.link.close.send(Some((
                    ErrorCode::SlowConsumer,
                    "the connection could not keep up; reconnect to continue".into(),
                )));
                closed |= self.remove_conn(id);
            }
        }
        if closed {
            self.presence_changed();
        }
    }

    /// The write of a tick failed: nothing of it is acknowledged. Refuse its intents and joins,
    /// then reload the document from the store (the last durable state).
    async fn storage_failed(&mut self, replies: Vec<Reply>) -> bool {
        let failed = || {
            Refusal::new(
                ErrorCode::StorageFailed,
                "the change could not be saved and was not applied; try again",
            )
        };
        let mut drop_conns = Vec::new();
        for r in replies {
            match r {
                Reply::Intent {
                    conn, id, result, ..
                } => {
                    let reject = |code, message| {
                        Outgoing::Frame(to_frame(&ServerMessage::Reject {
                            id: id.clone(),
                            code,
                            message,
                        }))
                    };
                    let out = match result {
                        // A repeat of an intent applied in an earlier (durable) tick.
                        Ok((rev, created)) if rev != 0 => Outgoing::Ack {
                            id: id.clone(),
                            created,
                            placed: None,
                        },
                        Ok(_) => {
                            let f = failed();
                            reject(f.code, f.message)
                        }
                        Err(r) => reject(r.code, r.message),
                    };
                    // After the snapshots below: a repeated ack may be of an earlier tick
                    // whose delta was still held back.
                    self.deferred.push(Deferred::Frame(conn, out));
                }
                Reply::Join {
                    reply,
                    conn,
                    result,
                    ..
                } => {
                    if result.is_ok() {
                        drop_conns.push(conn);
                        let _ = reply.send(Err(failed()));
                    } else {
                        let _ = reply.send(result);
                    }
                }
            }
        }
        for conn in drop_conns {
            self.remove_conn(conn);
        }
        self.reload().await
    }

    /// Load the session again from the store (the durable state) and send everyone a snapshot
    /// of it, then the replies held back. Returns false when even that fails and the actor
    /// stopped.
    async fn reload(&mut self) -> bool {
        match load(&self.id, &self.ctx).await {
            Ok(loaded) => {
                self.ws = loaded.ws;
                self.tokens = loaded.tokens;
                self.applied = loaded.applied;
                self.epoch = loaded.epoch;
                self.rev = (self.epoch << 32).max(self.rev + 1);
                self.heads_by_rev = loaded.heads_by_rev;
                self.heads_by_rev
                    .push_back((self.rev, self.ws.heads().to_vec()));
                self.changes_since_snapshot = loaded.changes;
                // Everyone gets a fresh snapshot of the durable state, at revisions of the new
                // epoch.
                let start = self.epoch << 32;
                for r in self.revs.values_mut() {
                    *r = AudienceRevs::new(start.max(r.rev + 1), self.rev);
                }
                self.views.clear();
                self.current.clear();
                self.mes.clear();
                let ids: Vec<ConnId> = self
                    .conns
                    .iter()
                    .filter(|(_, c)| c.joining.is_none())
                    .map(|(id, _)| *id)
                    .collect();
                for id in ids {
                    self.send_snapshot(id, false);
                }
                // The snapshots hold every durable change, also those of earlier ticks whose
                // delta was still held back; now their replies (and held joins) may follow.
                self.view_pending = false;
                self.flush();
                true
            }
            Err(e) => {
                error!(error = %e, "cannot reload the session from the store; stopping it");
                self.stop(
                    ErrorCode::StorageFailed,
                    "the session's storage is failing; reconnect later",
                )
                .await;
                false
            }
        }
    }

    /// Write a snapshot and drop the change chunks it contains, so loading stays fast.
    async fn compact(&mut self) {
        let chunk = Chunk {
            rev: self.rev,
            heads: encode_heads(self.ws.heads()),
            data: self.ws.save(),
        };
        match self
            .ctx
            .metrics
            .store(StoreOp::Compact, self.ctx.store.compact(&self.id, &chunk))
            .await
        {
            Ok(()) => {
                debug!(rev = self.rev, bytes = chunk.data.len(), "compacted");
                self.changes_since_snapshot = 0;
            }
            Err(e) => warn!(error = %e, "compaction failed; will try again later"),
        }
    }
}

#[cfg(test)]
mod coalescing_tests {
    //! Fan-out coalescing: intents in separate ticks inside one `min_delta_interval` go out as
    //! fewer deltas than intents, every ack still follows the delta that contains its change,
    //! delta chains have no gaps, and the live views end equal to a fresh snapshot.

    use draagvlak_protocol::{Intent, JoinRequest, ServerMessage};
    use serde_json::Value;
    use tokio::sync::{mpsc, oneshot, watch};
    use tokio_util::sync::CancellationToken;

    use super::*;
    use crate::session::new_session::NewSession;
    use crate::session::template;
    use crate::session::workshop::Meta;
    use crate::store::SessionRow;

    const SESSION: &str = "c0a1esce0c0a1esc";
    const CODE: &str = "CLSCNG";
    const PARTICIPANTS: usize = 3;
    const STATEMENTS_EACH: usize = 8;

    struct Client {
        conn: ConnId,
        rx: mpsc::Receiver<Arc<str>>,
        view: Value,
        rev: u64,
        me: Option<Value>,
        deltas: usize,
        /// Acks received: (intent id, created statement).
        acked: Vec<(String, Option<String>)>,
    }

    impl Client {
        /// Apply every frame waiting; checks chain and ack ordering as it goes.
        fn drain(&mut self) {
            while let Ok(frame) = self.rx.try_recv() {
                match serde_json::from_str::<ServerMessage>(&frame).expect("server frame") {
                    ServerMessage::Snapshot { rev, view } => {
                        self.view = serde_json::to_value(&view).unwrap();
                        self.rev = rev;
                    }
                    ServerMessage::Delta { base, rev, ops } => {
                        assert_eq!(base, self.rev, "delta base must be the previous revision");
                        assert!(rev > base, "revisions increase");
                        json_patch::patch(&mut self.view, &ops).expect("delta applies");
                        self.rev = rev;
                        self.deltas += 1;
                    }
                    ServerMessage::Me { me, .. } => {
                        self.me = Some(serde_json::to_value(&me).unwrap())
                    }
                    ServerMessage::Ack {
                        id, rev, created, ..
                    } => {
                        assert!(
                            self.rev >= rev,
                            "ack {id} at rev {rev} arrived before its delta (view at {})",
                            self.rev
                        );
                        if let Some(created_id) = &created {
                            assert!(
                                self.view.to_string().contains(&format!("\"{created_id}\"")),
                                "ack {id}: the view does not yet contain {created_id}"
                            );
                        }
                        self.acked.push((id, created));
                    }
                    ServerMessage::Reject { id, code, .. } => panic!("{id} rejected: {code}"),
                    _ => {}
                }
            }
        }
    }

    async fn join(handle: &SessionHandle, conn: ConnId, request: JoinRequest) -> Client {
        let (tx, rx) = mpsc::channel(4096);
        let (close, _) = watch::channel(None);
        let (reply, answer) = oneshot::channel();
        let link = ConnLink {
            id: conn,
            tx,
            close: Arc::new(close),
        };
        handle
            .send(Cmd::Join {
                conn: link,
                request,
                reply,
            })
            .await
            .expect("actor runs");
        answer.await.expect("answer").expect("joined");
        let mut client = Client {
            conn,
            rx,
            view: Value::Null,
            rev: 0,
            me: None,
            deltas: 0,
            acked: Vec::new(),
        };
        // The welcome and snapshot are queued before the join is answered... or right after.
        while client.view.is_null() {
            tokio::task::yield_now().await;
            client.drain();
        }
        client
    }

    #[tokio::test]
    async fn a_burst_of_ticks_is_coalesced_and_every_ack_follows_its_delta() {
        let dir = std::env::temp_dir().join(format!(
            "draagvlak-coalescing-{}-{}",
            std::process::id(),
            GENERATION.fetch_add(1, Ordering::Relaxed)
        ));
        let store = Store::open(&dir).await.unwrap();
        let meta = Meta {
            id: SESSION.into(),
            code: CODE.into(),
            title: "Coalescing".into(),
            organisation: String::new(),
            language: "nl".into(),
            template: "strategic-framework".into(),
        };
        let mut ws = NewSession::from_template(meta)
            .and_then(NewSession::create)
            .expect("workshop");
        let secret = credentials::new_secret();
        let row = SessionRow {
            id: SESSION.into(),
            code: CODE.into(),
            title: "Coalescing".into(),
            organisation: String::new(),
            language: "nl".into(),
            template: "strategic-framework".into(),
            status: "open".into(),
            facilitator_hash: credentials::hash_secret(&secret),
        };
        let snapshot = Chunk {
            rev: 0,
            heads: encode_heads(ws.heads()),
            data: ws.save(),
        };
        store.create_session(&row, &snapshot).await.unwrap();
        let limits = Limits {
            min_delta_interval: Duration::from_millis(300),
            ..Limits::default()
        };
        let ctx = ActorContext {
            store,
            sessions: Arc::new(DashMap::new()),
            limits,
            idle: Duration::from_secs(3600),
            shutdown: CancellationToken::new(),
            metrics: Default::default(),
        };
        let (handle, pending) = new(SESSION, ctx.clone());
        let actor = tokio::spawn(run(pending));

        let mut facilitator = join(
            &handle,
            1,
            JoinRequest::Facilitator {
                code: CODE.into(),
                secret,
            },
        )
        .await;
        let mut clients = Vec::new();
        for p in 0..PARTICIPANTS {
            let request = JoinRequest::Participant {
                code: CODE.into(),
                name: format!("P{p}"),
                group: template::DEFAULT_GROUPS[p % 2].to_string(),
                device: None,
            };
            clients.push(join(&handle, 10 + p as u64, request).await);
        }
        // Lobby -> brainstorm, and wait until everyone has seen it.
        handle
            .send(Cmd::Intent {
                conn: facilitator.conn,
                id: "f1".into(),
                intent: Intent::NextPhase,
                on_behalf_of: None,
            })
            .await
            .unwrap();
        let target = loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            facilitator.drain();
            if facilitator.rev > 0 && facilitator.view.to_string().contains("brainstorm") {
                break facilitator.rev;
            }
        };
        for c in &mut clients {
            while c.rev < target {
                tokio::time::sleep(Duration::from_millis(10)).await;
                c.drain();
            }
            c.deltas = 0;
        }

        // The burst: one intent at a time, each in a tick of its own (a few ms apart), all
        // inside a couple of intervals.
        let intents = PARTICIPANTS * STATEMENTS_EACH;
        for i in 0..STATEMENTS_EACH {
            for c in &clients {
                handle
                    .send(Cmd::Intent {
                        conn: c.conn,
                        id: format!("c{}-{i}", c.conn),
                        intent: Intent::AddStatement {
                            text: format!("statement {i} of {}", c.conn),
                        },
                        on_behalf_of: None,
                    })
                    .await
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        // Every ack arrives (and is checked against the view when it does).
        let mut waited = 0;
        while clients.iter().map(|c| c.acked.len()).sum::<usize>() < intents {
            tokio::time::sleep(Duration::from_millis(10)).await;
            waited += 1;
            assert!(waited < 1000, "acks missing");
            for c in &mut clients {
                c.drain();
            }
        }
        let deltas = clients[0].deltas;
        assert!(
            deltas * 2 < intents,
            "{intents} intents in separate ticks made {deltas} deltas: not coalesced"
        );
        // The live views equal a fresh snapshot.
        for c in &mut clients {
            let (live, live_me) = (c.view.clone(), c.me.clone());
            handle.send(Cmd::Sync { conn: c.conn }).await.unwrap();
            let before = c.rev;
            let mut fresh_seen = false;
            for _ in 0..500 {
                tokio::time::sleep(Duration::from_millis(5)).await;
                let frame = match c.rx.try_recv() {
                    Ok(f) => f,
                    Err(_) => continue,
                };
                if let ServerMessage::Snapshot { rev, view } =
                    serde_json::from_str::<ServerMessage>(&frame).unwrap()
                {
                    assert_eq!(rev, before, "no change since: the same revision");
                    assert_eq!(serde_json::to_value(&view).unwrap(), live);
                    fresh_seen = true;
                    break;
                }
            }
            assert!(fresh_seen, "no snapshot after sync");
            c.drain();
            assert_eq!(c.me, live_me, "me after sync");
        }
        ctx.shutdown.cancel();
        let _ = actor.await;
        let _ = std::fs::remove_dir_all(dir);
    }
}

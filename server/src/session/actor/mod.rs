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
//! `Revisions` (`tick.rs`) maps recent ones to document heads. What clients see is each
//! audience's own numbering (`AudienceRevs`, `outbox.rs`): it moves only when that audience's
//! view changes, so no revision step tells participants or the projector that something they
//! cannot see happened (a vote before the reveal). Deltas, snapshots, `me` and acks carry the
//! audience revision; a text edit names one, which is mapped to the session revision its view
//! was projected at, then to heads. Every revision is `epoch << 32 | n`, where the epoch is
//! counted up each time the session is loaded, so revisions never repeat across a restart.
//!
//! The actor is split by concern: this module is the mailbox and the run loop (load, tick,
//! fan-out when due, housekeeping, unload, stop); `tick.rs` applies a batch, writes it and
//! keeps the exactly-once bookkeeping; `join.rs` admits connections; `outbox.rs` is everything
//! sent (fan-out, snapshots, stale connections, replies held for their delta), synchronous and
//! tested without a runtime; `recovery.rs` handles a failed write, reloading and compaction;
//! `erase.rs` erases names and deletes the session. `harness.rs` drives a real actor in tests.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use draagvlak_protocol::{ErrorCode, Intent, JoinRequest, ParticipantId, ServerMessage};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use super::Refusal;
use super::workshop::Workshop;
use crate::config::Limits;
use crate::store::{Loaded, Store};
use outbox::{Outbox, to_frame};
use tick::Revisions;

#[cfg(test)]
mod coalescing_tests;
mod erase;
#[cfg(any(test, feature = "test-support"))]
pub mod harness;
mod join;
mod outbox;
mod recovery;
mod tick;

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
        on_behalf_of: Option<ParticipantId>,
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
    /// Erase names (see `workshop/erase.rs` and `erase.rs`): the document and its history are
    /// rewritten in the store, the session reloads from it and everyone gets a fresh snapshot.
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
    Participant(ParticipantId),
    /// Everyone's, in a closed session (the retention sweep): every name replaced by a label,
    /// every resume token deleted, the session marked anonymised.
    Everyone,
}

/// What an erasure did: participant id -> the label that replaced the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    pub labels: BTreeMap<ParticipantId, String>,
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

/// Most commands taken from the mailbox in one tick.
const MAX_TICK_COMMANDS: usize = 512;

/// A live session: its document and what goes with it, and its connections.
struct Actor {
    id: Arc<str>,
    generation: u64,
    rx: mpsc::Receiver<Cmd>,
    ctx: ActorContext,
    workshop: Workshop,
    facilitator_hash: Vec<u8>,
    closed: bool,
    /// token hash -> participant id
    tokens: HashMap<Vec<u8>, ParticipantId>,
    /// (sender, intent id) -> created: every intent applied in a durable tick.
    applied: HashMap<(String, String), Option<String>>,
    /// Intents applied in the current tick, not yet durable: (sender, intent id) -> created.
    /// Written to the store with the tick's change and then moved into `applied`; a repeat
    /// within the same tick (a resend, or a second connection of the same participant) gets
    /// the same ack instead of being applied twice.
    tick_applied: HashMap<(String, String), Option<String>>,
    epoch: u64,
    /// The session's revisions and the document heads of recent ones.
    revs: Revisions,
    changes_since_snapshot: u32,
    outbox: Outbox,
    last_activity: Instant,
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
    let loaded = tracing::Instrument::instrument(ctx.store.load_live(&id), span.clone()).await;
    match loaded {
        Ok(loaded) => {
            let actor = Actor::new(id, generation, rx, ctx, loaded);
            tracing::Instrument::instrument(actor.run(), span).await;
        }
        Err(e) => {
            error!(session = %id, error = %e, "cannot load session");
            ctx.sessions
                .remove_if(&id, |_, h| h.generation == generation);
            let failed = Refusal::new(
                ErrorCode::StorageFailed,
                "the session could not be loaded; try again later",
            );
            refuse_queued(&mut rx, &failed, |_, _| {}).await;
        }
    }
}

/// Close a mailbox and answer whatever is still in it with `refusal`; `intent` is told about
/// each queued intent (connection, intent id).
async fn refuse_queued(
    rx: &mut mpsc::Receiver<Cmd>,
    refusal: &Refusal,
    mut intent: impl FnMut(ConnId, String),
) {
    rx.close();
    while let Some(cmd) = rx.recv().await {
        match cmd {
            Cmd::Join { reply, .. } => {
                let _ = reply.send(Err(refusal.clone()));
            }
            Cmd::Erase { reply, .. } => {
                let _ = reply.send(Err(refusal.clone()));
            }
            Cmd::Delete(Delete { reply }) => {
                let _ = reply.send(Err(refusal.clone()));
            }
            Cmd::Intent { conn, id, .. } => intent(conn, id),
            Cmd::Sync { .. } | Cmd::Leave { .. } | Cmd::SetFacilitatorHash { .. } => {}
        }
    }
}

/// The server clock in milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Actor {
    fn new(
        id: Arc<str>,
        generation: u64,
        rx: mpsc::Receiver<Cmd>,
        ctx: ActorContext,
        loaded: Loaded,
    ) -> Actor {
        let epoch_start = loaded.epoch << 32;
        let rev = epoch_start.max(loaded.last_rev);
        let mut revs = Revisions::new(loaded.heads_by_rev);
        revs.record(epoch_start, loaded.workshop.heads());
        revs.rev = rev;
        let outbox = Outbox::new(
            id.clone(),
            &ctx.limits,
            ctx.metrics.clone(),
            epoch_start,
            rev,
        );
        Actor {
            id,
            generation,
            rx,
            ctx,
            workshop: loaded.workshop,
            facilitator_hash: loaded.facilitator_hash,
            closed: loaded.closed,
            tokens: loaded.tokens,
            applied: loaded.applied,
            tick_applied: HashMap::new(),
            epoch: loaded.epoch,
            revs,
            changes_since_snapshot: loaded.changes,
            outbox,
            last_activity: Instant::now(),
        }
    }

    async fn run(mut self) {
        let mut housekeeping = tokio::time::interval(Duration::from_millis(250));
        housekeeping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let shutdown = self.ctx.shutdown.clone();
        loop {
            let due = self.outbox.flush_due();
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
                    if self.outbox.is_empty() && self.last_activity.elapsed() >= self.ctx.idle {
                        self.unload().await;
                        return;
                    }
                }
            }
        }
    }

    /// Send what the outbox holds back (see [`Outbox::flush`]).
    fn flush(&mut self) {
        if self.outbox.flush(&self.workshop, self.revs.rev) {
            self.presence_changed();
        }
    }

    /// Stale connections: resynchronise or close (see [`Outbox::resync_stale`]).
    fn resync_stale(&mut self) {
        if self.outbox.resync_stale(&self.workshop, self.revs.rev) {
            self.presence_changed();
        }
    }

    /// Presence changed outside a tick (a connection closed): a new revision, sent with the
    /// next fan-out.
    fn presence_changed(&mut self) {
        self.revs.bump(self.workshop.heads());
        self.outbox.view_changed();
    }

    /// Leave the registry, then answer whatever is still in the mailbox with `unavailable`
    /// so that those connections retry with a fresh actor, which loads from the store.
    async fn unload(mut self) {
        info!("session idle; unloading");
        self.ctx
            .sessions
            .remove_if(&self.id, |_, h| h.generation == self.generation);
        let reloading = Refusal::new(
            ErrorCode::Unavailable,
            "the session is reloading; try again",
        );
        refuse_queued(&mut self.rx, &reloading, |_, _| {}).await;
    }

    /// Stop for good: refuse what is queued, close every connection with a reason.
    async fn stop(&mut self, code: ErrorCode, message: &str) {
        self.ctx
            .sessions
            .remove_if(&self.id, |_, h| h.generation == self.generation);
        let outbox = &self.outbox;
        let refusal = Refusal::new(code, message);
        refuse_queued(&mut self.rx, &refusal, |conn, id| {
            let frame = to_frame(&ServerMessage::Reject {
                id,
                code,
                message: message.to_string(),
            });
            outbox.try_send_now(conn, frame);
        })
        .await;
        self.outbox.close_all(code, message);
    }
}

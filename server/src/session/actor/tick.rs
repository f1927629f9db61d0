//! One tick: apply a batch of commands to the document, write it to the store in one
//! transaction, and only then answer.
//!
//! This is the heart of the actor and of its promises: an ack means durable (the replies are
//! built while applying but handed to the outbox only after the write); an intent id is applied
//! at most once per sender, across reconnects and restarts (`applied`, written with the change)
//! and within one tick (`tick_applied`); every tick that may change a view gets a new session
//! revision, whose document heads [`Revisions`] keeps so that a text edit made against it can be
//! mapped onto the current text. A failed write goes to `recovery.rs`.

use std::collections::VecDeque;

use automerge::ChangeHash;
use draagvlak_protocol::limits::{MAX_INTENT_ID_BYTES, MAX_REVISION_AGE};
use draagvlak_protocol::view::Role;
use draagvlak_protocol::{ErrorCode, Intent, ParticipantId};
use tracing::{debug, error, warn};

use super::join::NewParticipant;
use super::outbox::{JoinReply, Outgoing};
use super::{Actor, Cmd, ConnId, now_ms};
use crate::metrics::StoreOp;
use crate::session::Refusal;
use crate::session::apply::{self, Sender};
use crate::session::text::{Placed, TextLimit};
use crate::store::{AppliedIntent, Chunk, TickWrite};

/// The session's own revision and the document heads of recent revisions.
#[derive(Debug)]
pub(super) struct Revisions {
    /// The current session revision (`epoch << 32 | n`).
    pub(super) rev: u64,
    /// (revision, heads), oldest first; at most `MAX_REVISION_AGE`.
    heads: VecDeque<(u64, Vec<ChangeHash>)>,
}

impl Revisions {
    /// The table of stored revisions (oldest first), of which the newest are kept.
    pub(super) fn new(stored: Vec<(u64, Vec<ChangeHash>)>) -> Revisions {
        let mut revs = Revisions {
            rev: 0,
            heads: stored.into(),
        };
        revs.trim();
        revs
    }

    /// Note the heads of revision `rev` (which becomes the current one if it is newer).
    pub(super) fn record(&mut self, rev: u64, heads: &[ChangeHash]) {
        self.rev = self.rev.max(rev);
        self.heads.push_back((rev, heads.to_vec()));
        self.trim();
    }

    /// A new revision at `heads`.
    pub(super) fn bump(&mut self, heads: &[ChangeHash]) {
        self.record(self.rev + 1, heads);
    }

    fn trim(&mut self) {
        while self.heads.len() > MAX_REVISION_AGE as usize {
            self.heads.pop_front();
        }
    }

    /// The heads a view revision was projected from: those of the latest recorded revision at
    /// or before it.
    fn heads_at(&self, rev: u64) -> Result<Vec<ChangeHash>, Refusal> {
        let found = if rev > self.rev {
            None
        } else {
            self.heads.iter().rev().find(|(r, _)| *r <= rev)
        };
        found.map(|(_, h)| h.clone()).ok_or_else(|| stale(rev))
    }
}

fn stale(rev: u64) -> Refusal {
    Refusal::new(
        ErrorCode::StaleRevision,
        format!("revision {rev} is unknown or too old; ask for a snapshot and edit again"),
    )
}

/// The outcome of one command in a tick, delivered after the tick is durable.
pub(super) enum Reply {
    Intent {
        conn: ConnId,
        id: String,
        result: Result<Accepted, Refusal>,
    },
    Join {
        reply: JoinReply,
        conn: ConnId,
        result: Result<(), Refusal>,
        /// A new participant, stored with the tick.
        created: Option<NewParticipant>,
    },
}

/// An intent that is (or will be, once its tick is written) applied.
pub(super) struct Accepted {
    pub(super) applied: Applied,
    /// The id of the statement, rule or cluster it created.
    pub(super) created: Option<String>,
    /// Where a text edit's inserted text went.
    pub(super) placed: Option<Placed>,
}

/// When an accepted intent was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Applied {
    /// In an earlier tick, which is durable: this is a resend.
    Before,
    /// Earlier in this tick (a resend, or the same sender on another connection).
    EarlierThisTick,
    /// By this command.
    Now,
}

impl Actor {
    /// One tick. Returns false when the actor must stop.
    pub(super) async fn tick(&mut self, batch: Vec<Cmd>) -> bool {
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
                        if let Reply::Intent { result: Ok(a), .. } = &reply
                            && a.applied == Applied::Now
                            && matches!(
                                intent,
                                Intent::RemoveParticipant { .. } | Intent::CloseSession
                            )
                        {
                            membership_changed = true;
                        }
                        replies.push(reply);
                    }
                }
                Cmd::Sync { conn } => syncs.push(conn),
                Cmd::SetFacilitatorHash { hash } => {
                    self.facilitator_hash = hash;
                    self.outbox.close_where(
                        |c| c.role == Role::Facilitator,
                        ErrorCode::BadCredentials,
                        "the facilitator secret was changed; join with the new one",
                    );
                }
                Cmd::Leave { conn } => {
                    if self.outbox.remove(conn) {
                        presence_changed = true;
                    }
                }
                Cmd::Erase { what, reply } => erasures.push((what, reply)),
                Cmd::Delete(d) => deletes.push(d),
            }
        }

        // Persist.
        let doc_changed = self.workshop.commit();
        let new_participants: Vec<NewParticipant> = replies
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
        let next_rev = if dirty {
            self.revs.rev + 1
        } else {
            self.revs.rev
        };
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
                chunk: Some(Chunk::changes(&mut self.workshop, next_rev)),
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
            self.revs.bump(self.workshop.heads());
        }

        // Bookkeeping that must follow the durable write.
        for (key, created) in self.tick_applied.drain() {
            self.applied.insert(key, created);
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
        // fan-out, which may take in later ticks too (`Outbox::flush`, at most one per
        // `min_delta_interval`).
        if dirty {
            self.outbox.view_changed();
        }
        let rev = self.revs.rev;
        for conn in syncs {
            self.outbox.sync(conn, &self.workshop, rev);
        }
        for r in replies {
            match r {
                Reply::Join {
                    reply,
                    conn,
                    result,
                    ..
                } => self.outbox.reply_join(reply, conn, result),
                Reply::Intent { conn, id, result } => {
                    let out = match result {
                        Ok(a) => Outgoing::Ack {
                            id,
                            created: a.created,
                            placed: a.placed,
                        },
                        Err(r) => Outgoing::reject(id, r),
                    };
                    self.outbox
                        .reply_after_views(conn, out, &self.workshop, rev);
                }
            }
        }
        if let Some(due) = self.outbox.flush_due()
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

    /// After a removal or the closing of the session is durable: close the removed people's
    /// connections, and note the closing in the sessions table.
    async fn settle_membership(&mut self) {
        let state = self.workshop.state();
        self.outbox.close_where(
            |c| {
                c.participant
                    .as_deref()
                    .is_some_and(|p| state.active(p).is_none())
            },
            ErrorCode::Removed,
            "the facilitator removed you from this session",
        );
        if self.workshop.state().closed && !self.closed {
            self.closed = true;
            if let Err(e) = self.ctx.store.set_closed(&self.id).await {
                // The document says closed, which is what the actor checks on every load.
                warn!(error = %e, "cannot mark the session closed in the sessions table");
            }
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
        let c = self.outbox.conn(conn)?;
        let sender_key = match (&c.role, &c.participant) {
            (Role::Facilitator, _) => "facilitator".to_string(),
            (Role::Participant, Some(p)) => p.to_string(),
            _ => "projector".to_string(),
        };
        let reply = |result| Reply::Intent {
            conn,
            id: id.clone(),
            result,
        };
        let accepted = |applied, created| Accepted {
            applied,
            created,
            placed: None,
        };
        // No control characters: they have no use in an id, and PostgreSQL's text cannot
        // hold U+0000 (the tick that stored it would fail for everyone in it).
        if id.is_empty() || id.len() > MAX_INTENT_ID_BYTES || id.chars().any(char::is_control) {
            return Some(reply(Err(Refusal::new(
                ErrorCode::InvalidIntentId,
                format!(
                    "an intent id has 1 to {MAX_INTENT_ID_BYTES} bytes and no control characters"
                ),
            ))));
        }
        let key = (sender_key, id.clone());
        if let Some(created) = self.applied.get(&key) {
            return Some(reply(Ok(accepted(Applied::Before, created.clone()))));
        }
        if let Some(created) = self.tick_applied.get(&key) {
            // The same ack, with this tick's revision.
            return Some(reply(Ok(accepted(
                Applied::EarlierThisTick,
                created.clone(),
            ))));
        }
        if self.closed {
            return Some(reply(Err(Refusal::new(
                ErrorCode::SessionClosed,
                "this session is closed",
            ))));
        }
        let sender = match (c.role, &c.participant, on_behalf_of) {
            (Role::Facilitator, _, Some(p)) => Sender::Proxy(&ParticipantId::from(p)),
            (_, _, Some(_)) => {
                return Some(reply(Err(Refusal::new(
                    ErrorCode::Forbidden,
                    "only the facilitator may enter input for someone else",
                ))));
            }
            (Role::Facilitator, _, None) => Sender::Facilitator,
            (Role::Participant, Some(p), None) => {
                Sender::Participant(&ParticipantId::from(p.as_str()))
            }
            _ => Sender::Projector,
        };
        // A text edit names a revision of the sender's audience: map it to the session's.
        let outbox = &self.outbox;
        let revs = &self.revs;
        let lookup = |rev: u64| {
            let session_rev = outbox.session_rev(conn, rev).ok_or_else(|| stale(rev))?;
            revs.heads_at(session_rev)
        };
        let ctx = apply::Context {
            heads_at: &lookup,
            now_ms: now_ms(),
            text_limit: TextLimit::new(self.ctx.limits.max_text_chars),
        };
        match apply::apply(&mut self.workshop, sender, intent, &ctx) {
            Ok(applied) => {
                debug!(conn, intent = ?intent.kind(), "applied");
                self.outbox.touch(applied.touched);
                self.outbox.touch_views(applied.views);
                let created = applied.created.map(|c| c.as_str().to_owned());
                self.tick_applied.insert(key, created.clone());
                Some(reply(Ok(Accepted {
                    applied: Applied::Now,
                    created,
                    placed: applied.placed,
                })))
            }
            Err(refusal) => {
                debug!(conn, intent = ?intent.kind(), code = %refusal.code, "refused");
                Some(reply(Err(refusal)))
            }
        }
    }
}

//! When the store fails, and keeping the stored document small.
//!
//! A tick whose write fails is not acknowledged in any part: its intents are rejected with
//! `storage_failed`, its joins refused, and the actor reloads the document from the store (the
//! last durable state) and sends everyone a snapshot of it, in a new load epoch so that no
//! revision number is reused. If even loading fails the session stops and its connections are
//! closed with a reason. Compaction writes a full snapshot after `compact_after_changes` chunks
//! and drops the chunks it contains. These paths are rare and must not tangle the tick, so they
//! live here.

use draagvlak_protocol::ErrorCode;
use tracing::{debug, error, warn};

use super::Actor;
use super::outbox::Outgoing;
use super::tick::{Applied, Reply, Revisions};
use crate::metrics::StoreOp;
use crate::session::Refusal;
use crate::store::Chunk;

impl Actor {
    /// The write of a tick failed: nothing of it is acknowledged. Refuse its intents and joins,
    /// then reload the document from the store (the last durable state).
    pub(super) async fn storage_failed(&mut self, replies: Vec<Reply>) -> bool {
        let failed = || {
            Refusal::new(
                ErrorCode::StorageFailed,
                "the change could not be saved and was not applied; try again",
            )
        };
        let mut drop_conns = Vec::new();
        for r in replies {
            match r {
                Reply::Intent { conn, id, result } => {
                    let out = match result {
                        // A repeat of an intent applied in an earlier (durable) tick.
                        Ok(a) if a.applied == Applied::Before => Outgoing::Ack {
                            id,
                            created: a.created,
                            placed: None,
                        },
                        Ok(_) => Outgoing::reject(id, failed()),
                        Err(r) => Outgoing::reject(id, r),
                    };
                    // After the snapshots below: a repeated ack may be of an earlier tick
                    // whose delta was still held back.
                    self.outbox.defer(conn, out);
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
            self.outbox.remove(conn);
        }
        self.reload().await
    }

    /// Load the session again from the store (the durable state) and send everyone a snapshot
    /// of it, then the replies held back. Returns false when even that fails and the actor
    /// stopped.
    pub(super) async fn reload(&mut self) -> bool {
        match self.ctx.store.load_live(&self.id).await {
            Ok(loaded) => {
                let rev = (loaded.epoch << 32).max(self.revs.rev + 1);
                self.workshop = loaded.workshop;
                self.tokens = loaded.tokens;
                self.applied = loaded.applied;
                self.epoch = loaded.epoch;
                self.revs = Revisions::new(loaded.heads_by_rev);
                self.revs.record(rev, self.workshop.heads());
                self.changes_since_snapshot = loaded.changes;
                // Everyone gets a fresh snapshot of the durable state, at revisions of the new
                // epoch; then the replies (and held joins) may follow.
                if self.outbox.reloaded(&self.workshop, rev, self.epoch << 32) {
                    self.presence_changed();
                }
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
    pub(super) async fn compact(&mut self) {
        let chunk = Chunk::snapshot(&mut self.workshop, self.revs.rev);
        match self
            .ctx
            .metrics
            .store(StoreOp::Compact, self.ctx.store.compact(&self.id, &chunk))
            .await
        {
            Ok(()) => {
                debug!(rev = self.revs.rev, bytes = chunk.data.len(), "compacted");
                self.changes_since_snapshot = 0;
            }
            Err(e) => warn!(error = %e, "compaction failed; will try again later"),
        }
    }
}

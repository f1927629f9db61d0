//! Taking things out of a live session: erasing names, and deleting the session.
//!
//! Both change what the store holds while people may be connected, so both go through the
//! actor's mailbox and run after the tick they arrived in is durable and sent. An erasure
//! rewrites the document without the names and without the history that held them
//! (`workshop/erase.rs`), stores it in place of the old snapshot and chunks, closes the erased
//! people's connections and reloads; a deletion (of a closed session) removes it from the store,
//! closes every connection with `session_not_found` and stops the actor.

use std::collections::{BTreeMap, BTreeSet};

use draagvlak_protocol::{ErrorCode, ParticipantId};
use tracing::{error, info};

use super::{Actor, Delete, Erased, Erasure};
use crate::metrics::StoreOp;
use crate::session::Refusal;
use crate::session::workshop;
use crate::store::{Chunk, Tokens};

impl Actor {
    /// Delete the session (see [`Delete`]). Returns whether the actor runs on.
    pub(super) async fn delete(&mut self, asked: Vec<Delete>) -> bool {
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
    pub(super) async fn erase(&mut self, what: Erasure) -> (Result<Erased, Refusal>, bool) {
        let state = self.workshop.state();
        let people: BTreeSet<ParticipantId> = match &what {
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
        let labels: BTreeMap<ParticipantId, String> = people
            .iter()
            .filter_map(|p| Some((p.clone(), workshop::label(state, p)?)))
            .collect();
        // Everything held back goes out first; the snapshots below replace every view.
        self.flush();
        let mut erased = match self.workshop.erased(&people) {
            Ok(workshop) => workshop,
            Err(e) => return (Err(Refusal::internal(e)), true),
        };
        let chunk = Chunk::snapshot(&mut erased, self.revs.rev);
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
        self.outbox.close_where(
            |c| c.participant.as_ref().is_some_and(|p| people.contains(p)),
            code,
            message,
        );
        let running = self.reload().await;
        (Ok(Erased { labels }), running)
    }
}

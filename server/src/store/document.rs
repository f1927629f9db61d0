//! A session's document as the store keeps it, and loading it back.
//!
//! The store holds one Automerge snapshot per session plus one change chunk per tick, each with
//! the document heads after it (32-byte hashes, concatenated: [`encode_heads`]). Loading reads
//! them into a [`Workshop`] and checks that the document ends at the heads stored with the last
//! chunk, since Automerge skips data it cannot read and a damaged chunk must not load as a
//! silently shorter history. This lives in the store because only the store knows how a document
//! is kept: the actor loads a live session through [`Store::load_live`], and reports, the
//! history view and the session file read the durable document through [`load_durable`].

use draagvlak_protocol::ParticipantId;
use draagvlak_protocol::api::SessionStatus;
use std::collections::HashMap;
use std::time::Instant;

use automerge::ChangeHash;
use tracing::info;

use super::{Chunk, LoadedSession, Store, StoreError};
use crate::session::workshop::{DocError, Workshop};

/// The revision of a session's first snapshot, stored with its index row before any tick.
/// Every revision a tick writes is above it (`epoch << 32 | n`, and the first load is epoch 1).
const FIRST_REV: u64 = 0;

impl Chunk {
    /// The first snapshot of a new session.
    pub fn first(workshop: &mut Workshop) -> Chunk {
        let data = workshop.save();
        Chunk::of(workshop, FIRST_REV, data)
    }

    /// The first snapshot from a document's saved bytes (a session imported from a file).
    pub fn first_from(workshop: &Workshop, data: Vec<u8>) -> Chunk {
        Chunk::of(workshop, FIRST_REV, data)
    }

    /// A whole snapshot of the document at session revision `rev` (compaction, erasure).
    pub fn snapshot(workshop: &mut Workshop, rev: u64) -> Chunk {
        let data = workshop.save();
        Chunk::of(workshop, rev, data)
    }

    /// The changes committed since the last save, written by the tick of revision `rev`.
    pub fn changes(workshop: &mut Workshop, rev: u64) -> Chunk {
        let data = workshop.save_incremental();
        Chunk::of(workshop, rev, data)
    }

    fn of(workshop: &Workshop, rev: u64, data: Vec<u8>) -> Chunk {
        Chunk {
            rev,
            heads: encode_heads(workshop.heads()),
            data,
        }
    }
}

/// Why a stored session does not load.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Doc(#[from] DocError),
    #[error("stored changes up to revision {0} do not load to the heads stored with them")]
    Damaged(u64),
}

/// A session's durable document, read from the store and checked: the actor loads a session
/// with it, and reports and the history view read one with it (no running session needed).
pub async fn load_durable(store: &Store, id: &str) -> Result<(LoadedSession, Workshop), LoadError> {
    let stored = store.load_session(id).await?;
    let workshop = Workshop::load(
        id,
        &stored.snapshot.data,
        stored.changes.iter().map(|c| c.data.as_slice()),
    )?;
    // The heads stored with the last chunk say where the document must end up.
    let last = stored.changes.last().unwrap_or(&stored.snapshot);
    if !heads_match(&workshop, &last.heads) {
        return Err(LoadError::Damaged(last.rev));
    }
    Ok((stored, workshop))
}

/// What a session actor starts from: the durable document and what goes with it.
#[derive(Debug)]
pub struct Loaded {
    pub workshop: Workshop,
    pub facilitator_hash: Vec<u8>,
    /// Closed in the sessions table or in the document.
    pub closed: bool,
    /// Token hash -> participant id.
    pub tokens: HashMap<Vec<u8>, ParticipantId>,
    /// (sender, intent id) -> the id the intent created: every intent applied so far.
    pub applied: HashMap<(String, String), Option<String>>,
    /// This load's number (see [`Store::next_epoch`]).
    pub epoch: u64,
    /// (revision, heads) of every stored chunk, oldest first.
    pub heads_by_rev: Vec<(u64, Vec<ChangeHash>)>,
    /// The revision of the last stored chunk.
    pub last_rev: u64,
    /// Change chunks stored since the snapshot.
    pub changes: u32,
}

impl Store {
    /// Load a session for its actor: a new epoch, then the durable document and what goes with
    /// it.
    pub async fn load_live(&self, id: &str) -> Result<Loaded, LoadError> {
        let started = Instant::now();
        let epoch = self.next_epoch(id).await?;
        let (stored, workshop) = load_durable(self, id).await?;
        let heads_by_rev = std::iter::once(&stored.snapshot)
            .chain(stored.changes.iter())
            .map(|chunk| (chunk.rev, decode_heads(&chunk.heads)))
            .collect();
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
        let closed_in_doc = workshop.state().closed;
        Ok(Loaded {
            workshop,
            facilitator_hash: stored.row.facilitator_hash,
            closed: stored.row.status != SessionStatus::Open || closed_in_doc,
            tokens: stored
                .participants
                .into_iter()
                .map(|(p, h)| (h, ParticipantId::from(p)))
                .collect(),
            applied: stored
                .applied
                .into_iter()
                .map(|a| ((a.sender, a.intent_id), a.created))
                .collect(),
            epoch,
            heads_by_rev,
            last_rev,
            changes: stored.changes.len() as u32,
        })
    }
}

/// Does a loaded document end at the heads stored with its last chunk?
fn heads_match(workshop: &Workshop, stored: &[u8]) -> bool {
    let mut expected = decode_heads(stored);
    let mut actual = workshop.heads().to_vec();
    expected.sort();
    actual.sort();
    expected == actual
}

/// Heads as stored: 32-byte hashes, concatenated.
pub fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

/// Heads from their stored form.
fn decode_heads(bytes: &[u8]) -> Vec<ChangeHash> {
    bytes
        .chunks_exact(32)
        .filter_map(|c| ChangeHash::try_from(c).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_survive_their_stored_form() {
        let heads = vec![ChangeHash([7; 32]), ChangeHash([9; 32])];
        assert_eq!(decode_heads(&encode_heads(&heads)), heads);
        assert!(decode_heads(&[]).is_empty());
    }
}

//! Revisions per audience: each audience's view has its own numbering, which moves only when
//! that view changes (so a hidden vote moves no public revision), mapped back to the session
//! revision it was projected at (a text edit names the revision it was made against).

use std::collections::VecDeque;

use draagvlak_protocol::limits::MAX_REVISION_AGE;

/// One audience's revision numbering: it moves only when that audience's view changes.
#[derive(Debug)]
pub(super) struct AudienceRevs {
    pub(super) rev: u64,
    /// (audience revision, session revision its view was projected at), oldest first.
    to_session: VecDeque<(u64, u64)>,
}

impl AudienceRevs {
    pub(super) fn new(start: u64, session_rev: u64) -> AudienceRevs {
        AudienceRevs {
            rev: start,
            to_session: VecDeque::from([(start, session_rev)]),
        }
    }

    /// The audience's view changed, projected at `session_rev`: the next revision.
    pub(super) fn bump(&mut self, session_rev: u64) -> u64 {
        self.rev += 1;
        self.to_session.push_back((self.rev, session_rev));
        while self.to_session.len() > MAX_REVISION_AGE as usize {
            self.to_session.pop_front();
        }
        self.rev
    }

    /// The session revision the audience's view at `rev` was projected at.
    pub(super) fn session_rev(&self, rev: u64) -> Option<u64> {
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

//! Private parts (`me`) at the fan-out: only the participants an applied intent touched
//! (`apply::Touched`) are looked at, so a tick costs no walk over everyone in a big room. Kept
//! apart from the rest of the outbox because its promise, that nobody's private part changes
//! without being sent, rests on that list being right; debug builds check it at every fan-out.

use std::collections::HashMap;
use std::sync::Arc;

use draagvlak_protocol::{ParticipantId, ServerMessage};

use super::{ConnId, Outbox, to_frame};
use crate::session::apply::Touched;
use crate::session::projection::{self, Audience};
use crate::session::workshop::Workshop;

/// Up to this many touched participants, a fan-out builds their private parts directly instead
/// of indexing the whole session first (`projection::MeIndex`).
const FEW_TOUCHED: usize = 8;

impl Outbox {
    /// Whose private part an applied intent may have changed: rebuilt at the next fan-out.
    pub(in crate::session::actor) fn touch(&mut self, touched: Touched) {
        match touched {
            Touched::Nobody => {}
            Touched::One(p) => {
                self.touched.insert(p);
            }
            Touched::Everyone => self.touched_everyone = true,
        }
    }

    /// Send each touched participant's private part if it changed, with the public audience's
    /// revision.
    pub(super) fn send_private_parts(&mut self, workshop: &Workshop, session_rev: u64) {
        // Only those of participants an intent touched since the last fan-out
        // (no walk over everyone), indexed once per fan-out; an unchanged part is recognised
        // without building it again.
        let everyone = std::mem::take(&mut self.touched_everyone);
        let touched = std::mem::take(&mut self.touched);
        let participants: Vec<(ConnId, ParticipantId)> = self
            .conns
            .iter()
            .filter(|(_, c)| c.joining.is_none())
            .filter_map(|(id, c)| c.participant.as_ref().map(|p| (*id, p)))
            .filter(|(_, p)| everyone || touched.contains(*p))
            .map(|(id, p)| (id, p.clone()))
            .collect();
        if participants.is_empty() && !cfg!(debug_assertions) {
            return;
        }
        // A few touched (the usual tick: someone's dot): their parts are built directly, each a
        // scan of the session; many (a phase change, a new round): indexed once.
        let state = workshop.state();
        #[cfg(debug_assertions)]
        self.check_untouched(&projection::MeIndex::new(state), everyone, &touched);
        let index = (participants.len() > FEW_TOUCHED).then(|| projection::MeIndex::new(state));
        // Participants are the public audience: their private part carries its revision.
        let rev = self
            .revs
            .get(&Audience::Public)
            .map(|r| r.rev)
            .unwrap_or(session_rev);
        let mut frames: HashMap<ParticipantId, Option<Arc<str>>> = HashMap::new();
        let mut sends: Vec<(ConnId, Arc<str>)> = Vec::new();
        for (conn, pid) in participants {
            let frame = frames
                .entry(pid.clone())
                .or_insert_with(|| {
                    let last = self.mes.get(&pid);
                    let me = match &index {
                        Some(index) => {
                            if last.is_some_and(|last| index.unchanged(&pid, last)) {
                                return None;
                            }
                            index.me(&pid)?
                        }
                        None => {
                            let me = projection::me(state, &pid)?;
                            if last == Some(&me) {
                                return None;
                            }
                            me
                        }
                    };
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

    /// Debug builds: every private part not marked touched is indeed unchanged (so the list in
    /// `apply::touched` misses nobody).
    #[cfg(debug_assertions)]
    fn check_untouched(
        &self,
        index: &projection::MeIndex<'_>,
        everyone: bool,
        touched: &std::collections::HashSet<ParticipantId>,
    ) {
        if everyone {
            return;
        }
        for c in self.conns.values().filter(|c| c.joining.is_none()) {
            if let Some(p) = &c.participant
                && !touched.contains(p)
                && let Some(last) = self.mes.get(p)
            {
                debug_assert!(
                    index.unchanged(p, last),
                    "{p}'s private part changed, but no intent marked it touched"
                );
            }
        }
    }
}

//! People in a view: counts per group (joined, connected), and for the facilitator the
//! participants by name (never how they voted: only on which levels) and who was removed.

use std::collections::BTreeMap;

use draagvlak_protocol::ParticipantId;
use draagvlak_protocol::view::*;

use super::*;
use crate::workshop::State;

/// Joined and connected people per group.
pub(super) fn groups(state: &State, presence: &Presence) -> BTreeMap<String, GroupCount> {
    let mut groups: BTreeMap<String, GroupCount> = state
        .groups
        .iter()
        .map(|g| (g.clone(), GroupCount::default()))
        .collect();
    for (id, p) in state.participants.iter().filter(|(_, p)| !p.removed) {
        let g = groups.entry(p.group.clone()).or_default();
        g.joined += 1;
        // Someone without a device is in the room by definition (issue 13, bug 4).
        if p.proxy || presence.get(id.as_str()).copied().unwrap_or(0) > 0 {
            g.connected += 1;
        }
    }
    groups
}

/// The participants by name, for the facilitator only.
pub(super) fn participants(
    state: &State,
    presence: &Presence,
    tally: &Tally<'_>,
    facilitator: bool,
) -> Option<BTreeMap<ParticipantId, ParticipantView>> {
    facilitator.then(|| {
        state
            .participants
            .keys()
            .filter_map(|id| Some((id.clone(), participant(state, presence, tally, id)?)))
            .collect()
    })
}

/// One participant as the facilitator sees them; `None` when unknown or removed.
pub(super) fn participant(
    state: &State,
    presence: &Presence,
    tally: &Tally<'_>,
    id: &ParticipantId,
) -> Option<ParticipantView> {
    let p = state.participants.get(id).filter(|p| !p.removed)?;
    Some(ParticipantView {
        name: p.name.clone(),
        group: p.group.clone(),
        connected: presence.get(id.as_str()).copied().unwrap_or(0) > 0,
        voted: levels(tally.voted.get(id.as_str()).copied()),
        rated: levels(tally.rated.get(id.as_str()).copied()),
        ready: p.proxy || state.is_ready(id),
        proxy: p.proxy,
        remote: p.remote,
        pending_group: p.pending_group.clone(),
    })
}

/// The removed participants, for the facilitator only.
pub(super) fn removed(
    state: &State,
    facilitator: bool,
) -> Option<BTreeMap<ParticipantId, RemovedView>> {
    facilitator.then(|| {
        state
            .participants
            .iter()
            .filter(|(_, p)| p.removed)
            .map(|(id, p)| {
                (
                    id.clone(),
                    RemovedView {
                        name: p.name.clone(),
                        group: p.group.clone(),
                        blocked: p.device.is_some(),
                    },
                )
            })
            .collect()
    })
}

pub(super) fn author(state: &State, id: &ParticipantId, anonymous: bool) -> Option<AuthorView> {
    if anonymous {
        return None;
    }
    state.participants.get(id).map(|p| AuthorView {
        id: id.clone(),
        name: p.name.clone(),
        group: p.group.clone(),
    })
}

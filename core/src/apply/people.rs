//! People: participants without a device, removal and readmission, ready and remote, and changes of
//! name and group (a late group change waits for the facilitator and never moves a revealed
//! figure).

use draagvlak_protocol::limits::MAX_PROXIES_PER_SESSION;
use draagvlak_protocol::{ErrorCode, Intent};

use super::{
    Applied, Call, Created, Outcome, check_group, check_name, doc_err, done, misrouted, not_found,
};
use crate::Refusal;
use crate::workshop::{State, Workshop};

/// Apply one of this domain's intents (the dispatcher in `apply/mod.rs` routes them here).
pub(super) fn apply(workshop: &mut Workshop, call: &Call<'_>, intent: &Intent) -> Outcome {
    let state = workshop.state();
    match intent {
        Intent::AddProxy { name, group } => {
            let name = check_name(name)?;
            check_group(state, group)?;
            let proxies = state.participants.values().filter(|p| p.proxy).count();
            if proxies >= MAX_PROXIES_PER_SESSION {
                return Err(Refusal::new(
                    ErrorCode::LimitReached,
                    format!("at most {MAX_PROXIES_PER_SESSION} participants without a device"),
                ));
            }
            let id = workshop.add_proxy(name, group).map_err(doc_err)?;
            Ok(Applied::created(Created::Participant(id)))
        }
        Intent::RemoveParticipant { participant } => {
            match state.participants.get(participant) {
                None => return Err(not_found("participant", participant)),
                Some(p) if p.removed => {
                    return Err(Refusal::new(ErrorCode::NoChange, "already removed"));
                }
                Some(_) => {}
            }
            workshop.remove_participant(participant).map_err(doc_err)?;
            done()
        }
        Intent::Readmit { participant } => {
            match state.participants.get(participant) {
                None => return Err(not_found("participant", participant)),
                Some(p) if !p.removed || p.device.is_none() => {
                    return Err(Refusal::new(
                        ErrorCode::NoChange,
                        "this participant's device is not kept out",
                    ));
                }
                Some(_) => {}
            }
            workshop.readmit(participant).map_err(doc_err)?;
            done()
        }
        Intent::DecideGroup {
            participant,
            accept,
        } => {
            let pending = match state.participants.get(participant) {
                Some(p) if !p.removed => p.pending_group.as_deref(),
                _ => return Err(not_found("participant", participant)),
            };
            let Some(group) = pending else {
                return Err(Refusal::new(
                    ErrorCode::NoChange,
                    "this participant has not asked to change group",
                ));
            };
            if *accept {
                check_group(state, group)?;
                group_fixed(state, participant)?;
                let group = group.to_string();
                workshop.set_group(participant, &group).map_err(doc_err)?;
            } else {
                workshop
                    .set_pending_group(participant, None)
                    .map_err(doc_err)?;
            }
            done()
        }
        Intent::SetReady { ready } => {
            workshop.set_ready(call.me, *ready).map_err(doc_err)?;
            done()
        }
        Intent::SetRemote { remote } => {
            workshop.set_remote(call.me, *remote).map_err(doc_err)?;
            done()
        }
        Intent::SetName { name } => {
            let name = check_name(name)?;
            if state
                .participants
                .get(call.me)
                .is_some_and(|p| p.name == name)
            {
                return Err(Refusal::new(
                    ErrorCode::NoChange,
                    "this is your name already",
                ));
            }
            workshop.set_name(call.me, name).map_err(doc_err)?;
            done()
        }
        Intent::SetGroup { group } => {
            check_group(state, group)?;
            let Some(p) = state.participants.get(call.me) else {
                return Err(not_found("participant", call.me));
            };
            if p.group == *group {
                // Back to the current group: withdraws a request that waits.
                if p.pending_group.is_none() {
                    return Err(Refusal::new(ErrorCode::NoChange, "you are in this group"));
                }
                workshop.set_pending_group(call.me, None).map_err(doc_err)?;
                return done();
            }
            group_fixed(state, call.me)?;
            if !voting_began(state) {
                workshop.set_group(call.me, group).map_err(doc_err)?;
            } else if p.pending_group.as_deref() == Some(group.as_str()) {
                return Err(Refusal::new(
                    ErrorCode::NoChange,
                    "this change waits for the facilitator already",
                ));
            } else {
                workshop
                    .set_pending_group(call.me, Some(group))
                    .map_err(doc_err)?;
            }
            done()
        }
        _ => Err(misrouted(intent)),
    }
}

/// Whether anyone in the session has voted, rated or reviewed (now or in a revealed round).
/// From then on a group change waits for the facilitator. Only public facts decide this (the
/// `voters`, `raters` and `reviewers` counts, revealed rounds), so whether a change waits says
/// nothing about whether its sender voted.
pub(super) fn voting_began(state: &State) -> bool {
    state.dots.values().flat_map(|m| m.values()).any(|n| *n > 0)
        || state.ratings.values().any(|m| !m.is_empty())
        || state
            .earlier_ratings
            .values()
            .flatten()
            .any(|m| !m.is_empty())
        || state.reviews.values().any(|m| !m.is_empty())
        || state.vote_record.values().any(|r| !r.is_empty())
}

/// Refuses a group change for someone whose input is in figures per group that the room has
/// seen and that are counted from the participant's group as it is: ratings of a revealed round
/// (current or earlier), reviews once revealed, dots of a level revealed before the record of
/// vote rounds existed. Moving them would change revealed results and show how they voted.
/// (Dots of a revealed round are frozen in the record per group, so they do not hold a group.)
pub(super) fn group_fixed(state: &State, participant: &str) -> Result<(), Refusal> {
    let rated = state.rules.iter().any(|(rid, r)| {
        let now = r.revealed()
            && state
                .ratings
                .get(rid)
                .is_some_and(|m| m.contains_key(participant));
        let before = state.earlier_ratings.get(rid).is_some_and(|rounds| {
            rounds
                .iter()
                .take(r.revealed_round as usize)
                .any(|m| m.contains_key(participant))
        });
        now || before
    });
    let reviewed =
        state.revealed_review && state.reviews.values().any(|m| m.contains_key(participant));
    let legacy_dots = state.dots.get(participant).is_some_and(|m| {
        m.iter().any(|(item, n)| {
            *n > 0
                && state.item_level(item).is_some_and(|l| {
                    state.revealed_dots.contains(&l) && state.revealed_votes(l).is_none()
                })
        })
    });
    if rated || reviewed || legacy_dots {
        return Err(Refusal::new(
            ErrorCode::GroupLocked,
            "the group can no longer change: results per group that this participant rated or reviewed are revealed, and moving them would change those results",
        ));
    }
    Ok(())
}

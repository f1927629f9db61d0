//! The agenda and the room: moving between phases, the lock, the countdown, the focus, revealing,
//! how support is weighed, anonymity per phase, closing.

use draagvlak_protocol::view::PhaseKind;
use draagvlak_protocol::{ErrorCode, Intent};

use super::{Applied, Call, MAX_TIMER_SECONDS, doc_err, misrouted, not_found};
use crate::Refusal;
use crate::workshop::{Flag, State, Timer, Workshop};

/// Apply one of this domain's intents (the dispatcher in `apply/mod.rs` routes them here).
pub(super) fn apply(
    workshop: &mut Workshop,
    call: &Call<'_>,
    intent: &Intent,
) -> Result<Applied, Refusal> {
    let Call { phase_kind, .. } = *call;
    let now = call.ctx.now_ms;
    let level = || call.level();
    let state = workshop.state();
    let none = Ok(Applied::default());
    match intent {
        Intent::NextPhase => {
            let next = state.current_phase + 1;
            if next >= state.phases.len() {
                return Err(Refusal::new(ErrorCode::NoChange, "this is the last phase"));
            }
            workshop.set_phase(next, now).map_err(doc_err)?;
            none
        }
        Intent::PreviousPhase => {
            if state.current_phase == 0 {
                return Err(Refusal::new(ErrorCode::NoChange, "this is the first phase"));
            }
            let prev = state.current_phase - 1;
            workshop.set_phase(prev, now).map_err(doc_err)?;
            none
        }
        Intent::GoToPhase { index } => {
            let index = phase_index(state, *index)?;
            workshop.set_phase(index, now).map_err(doc_err)?;
            none
        }
        Intent::SetLocked { locked } => {
            workshop.set_locked(*locked).map_err(doc_err)?;
            none
        }
        Intent::RevealVotes => {
            if phase_kind == PhaseKind::Review {
                workshop
                    .set_flag(Flag::RevealedReview, true)
                    .map_err(doc_err)?;
                return none;
            }
            let level = level()?;
            if phase_kind == PhaseKind::Vote {
                if state.revealed_dots.contains(&level) {
                    return Err(Refusal::new(
                        ErrorCode::NoChange,
                        "the votes of this round are already revealed",
                    ));
                }
                workshop.reveal_votes(level).map_err(doc_err)?;
            } else {
                workshop.reveal_ratings(level).map_err(doc_err)?;
                workshop.reveal_rounds(level).map_err(doc_err)?;
            }
            none
        }
        Intent::StartTimer { seconds } => {
            check_seconds(*seconds)?;
            let ms = u64::from(*seconds) * 1000;
            let timer = Timer {
                running: true,
                deadline: now + ms,
                remaining_ms: ms,
                duration_ms: ms,
            };
            workshop.set_timer(Some(timer)).map_err(doc_err)?;
            none
        }
        Intent::PauseTimer => {
            let Some(t) = state.timer.clone().filter(|t| t.running) else {
                return Err(Refusal::new(ErrorCode::NoChange, "no countdown is running"));
            };
            let paused = Timer {
                running: false,
                remaining_ms: t.deadline.saturating_sub(now),
                ..t
            };
            workshop.set_timer(Some(paused)).map_err(doc_err)?;
            none
        }
        Intent::ResumeTimer => {
            let Some(t) = state.timer.clone().filter(|t| !t.running) else {
                return Err(Refusal::new(ErrorCode::NoChange, "no countdown is paused"));
            };
            let running = Timer {
                running: true,
                deadline: now + t.remaining_ms,
                ..t
            };
            workshop.set_timer(Some(running)).map_err(doc_err)?;
            none
        }
        Intent::AddTime { seconds } => {
            check_seconds(*seconds)?;
            let ms = u64::from(*seconds) * 1000;
            let limit = u64::from(MAX_TIMER_SECONDS) * 1000;
            let timer = match state.timer.clone() {
                Some(t) if t.running => Timer {
                    deadline: t.deadline.max(now) + ms,
                    duration_ms: (t.duration_ms + ms).min(limit),
                    ..t
                },
                Some(t) => Timer {
                    remaining_ms: (t.remaining_ms + ms).min(limit),
                    duration_ms: (t.duration_ms + ms).min(limit),
                    ..t
                },
                None => Timer {
                    running: true,
                    deadline: now + ms,
                    remaining_ms: ms,
                    duration_ms: ms,
                },
            };
            workshop.set_timer(Some(timer)).map_err(doc_err)?;
            none
        }
        Intent::ClearTimer => {
            if state.timer.is_none() {
                return Err(Refusal::new(ErrorCode::NoChange, "there is no countdown"));
            }
            workshop.set_timer(None).map_err(doc_err)?;
            none
        }
        Intent::SetFocus { item } => {
            if let Some(id) = item
                && !state.statements.contains_key(id.as_str())
                && !state.rules.contains_key(id.as_str())
                && !state.clusters.contains_key(id.as_str())
            {
                return Err(not_found("statement, cluster or rule", id));
            }
            workshop.set_focus(item.clone()).map_err(doc_err)?;
            none
        }
        Intent::SetEqualGroupWeight { equal } => {
            workshop
                .set_flag(Flag::EqualGroupWeight, *equal)
                .map_err(doc_err)?;
            none
        }
        Intent::SetAnonymous { phase, anonymous } => {
            let index = phase_index(state, *phase)?;
            workshop
                .set_phase_anonymous(index, *anonymous)
                .map_err(doc_err)?;
            none
        }
        Intent::CloseSession => {
            if state.timer.is_some() {
                workshop.set_timer(None).map_err(doc_err)?;
            }
            workshop.set_flag(Flag::Closed, true).map_err(doc_err)?;
            none
        }
        _ => Err(misrouted(intent)),
    }
}

/// A phase of the agenda, by index.
pub(super) fn phase_index(state: &State, index: u32) -> Result<usize, Refusal> {
    let index = index as usize;
    if index >= state.phases.len() {
        return Err(Refusal::new(
            ErrorCode::NotFound,
            format!("the agenda has {} phases", state.phases.len()),
        ));
    }
    Ok(index)
}

pub(super) fn check_seconds(seconds: u32) -> Result<(), Refusal> {
    if seconds == 0 || seconds > MAX_TIMER_SECONDS {
        return Err(Refusal::new(
            ErrorCode::InvalidValue,
            format!("a countdown is 1 to {MAX_TIMER_SECONDS} seconds"),
        ));
    }
    Ok(())
}

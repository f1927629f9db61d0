//! The agenda and the room: moving between phases, the lock, the countdown, the focus, revealing,
//! how support is weighed, anonymity per phase, closing.

use draagvlak_protocol::view::PhaseKind;
use draagvlak_protocol::{ErrorCode, Intent};

use super::{Call, MAX_TIMER_SECONDS, Outcome, doc_err, done, misrouted, not_found};
use crate::Refusal;
use crate::workshop::{Flag, State, Timer, Workshop};

/// Apply one of this domain's intents (the dispatcher in `apply/mod.rs` routes them here).
pub(super) fn apply(workshop: &mut Workshop, call: &Call<'_>, intent: &Intent) -> Outcome {
    let state = workshop.state();
    match intent {
        Intent::NextPhase => {
            let next = state.current_phase + 1;
            if next >= state.phases.len() {
                return Err(Refusal::new(ErrorCode::NoChange, "this is the last phase"));
            }
            workshop.set_phase(next, call.ctx.now_ms).map_err(doc_err)?;
            done()
        }
        Intent::PreviousPhase => {
            if state.current_phase == 0 {
                return Err(Refusal::new(ErrorCode::NoChange, "this is the first phase"));
            }
            let prev = state.current_phase - 1;
            workshop.set_phase(prev, call.ctx.now_ms).map_err(doc_err)?;
            done()
        }
        Intent::GoToPhase { index } => {
            let index = phase_index(state, *index)?;
            workshop
                .set_phase(index, call.ctx.now_ms)
                .map_err(doc_err)?;
            done()
        }
        Intent::SetLocked { locked } => {
            workshop.set_locked(*locked).map_err(doc_err)?;
            done()
        }
        Intent::RevealVotes => {
            if call.phase_kind == PhaseKind::Review {
                workshop
                    .set_flag(Flag::RevealedReview, true)
                    .map_err(doc_err)?;
                return done();
            }
            if call.phase_kind == PhaseKind::Assessment {
                if state.revealed_assessment {
                    return Err(Refusal::new(
                        ErrorCode::NoChange,
                        "the results of the assessment are already revealed",
                    ));
                }
                workshop
                    .set_flag(Flag::RevealedAssessment, true)
                    .map_err(doc_err)?;
                return done();
            }
            let level = call.level()?;
            if call.phase_kind == PhaseKind::Vote {
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
            done()
        }
        Intent::StartTimer { seconds } => {
            check_seconds(*seconds)?;
            let ms = u64::from(*seconds) * 1000;
            let timer = Timer {
                running: true,
                deadline: call.ctx.now_ms + ms,
                remaining_ms: ms,
                duration_ms: ms,
            };
            workshop.set_timer(Some(timer)).map_err(doc_err)?;
            done()
        }
        Intent::PauseTimer => {
            let Some(t) = state.timer.clone().filter(|t| t.running) else {
                return Err(Refusal::new(ErrorCode::NoChange, "no countdown is running"));
            };
            let paused = Timer {
                running: false,
                remaining_ms: t.deadline.saturating_sub(call.ctx.now_ms),
                ..t
            };
            workshop.set_timer(Some(paused)).map_err(doc_err)?;
            done()
        }
        Intent::ResumeTimer => {
            let Some(t) = state.timer.clone().filter(|t| !t.running) else {
                return Err(Refusal::new(ErrorCode::NoChange, "no countdown is paused"));
            };
            let running = Timer {
                running: true,
                deadline: call.ctx.now_ms + t.remaining_ms,
                ..t
            };
            workshop.set_timer(Some(running)).map_err(doc_err)?;
            done()
        }
        Intent::AddTime { seconds } => {
            check_seconds(*seconds)?;
            let ms = u64::from(*seconds) * 1000;
            let limit = u64::from(MAX_TIMER_SECONDS) * 1000;
            let timer = match state.timer.clone() {
                Some(t) if t.running => Timer {
                    deadline: t.deadline.max(call.ctx.now_ms) + ms,
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
                    deadline: call.ctx.now_ms + ms,
                    remaining_ms: ms,
                    duration_ms: ms,
                },
            };
            workshop.set_timer(Some(timer)).map_err(doc_err)?;
            done()
        }
        Intent::ClearTimer => {
            if state.timer.is_none() {
                return Err(Refusal::new(ErrorCode::NoChange, "there is no countdown"));
            }
            workshop.set_timer(None).map_err(doc_err)?;
            done()
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
            done()
        }
        Intent::SetEqualGroupWeight { equal } => {
            workshop
                .set_flag(Flag::EqualGroupWeight, *equal)
                .map_err(doc_err)?;
            done()
        }
        Intent::SetAnonymous { phase, anonymous } => {
            let index = phase_index(state, *phase)?;
            workshop
                .set_phase_anonymous(index, *anonymous)
                .map_err(doc_err)?;
            done()
        }
        Intent::CloseSession => {
            if state.timer.is_some() {
                workshop.set_timer(None).map_err(doc_err)?;
            }
            workshop.set_flag(Flag::Closed, true).map_err(doc_err)?;
            done()
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

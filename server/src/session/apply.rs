//! Applying one intent to the workshop: the permission check from the table, then the checks
//! that depend on what the intent names, then the mutation. Plain synchronous code over the
//! document, tested without a socket.
//!
//! Every check happens before the first write, so a refused intent leaves the document as it
//! was.

use automerge::ChangeHash;
use draagvlak_protocol::limits::{MAX_RULES_PER_SESSION, MAX_STATEMENTS_PER_PARTICIPANT};
use draagvlak_protocol::view::{Level, PhaseKind, Role};
use draagvlak_protocol::{ErrorCode, Intent};

use super::Refusal;
use super::permissions;
use super::text::check_new_text;
use super::workshop::{DocError, Timer, Workshop};

/// Who sends an intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender<'a> {
    Facilitator,
    Participant(&'a str),
    Projector,
}

impl Sender<'_> {
    pub fn role(&self) -> Role {
        match self {
            Sender::Facilitator => Role::Facilitator,
            Sender::Participant(_) => Role::Participant,
            Sender::Projector => Role::Projector,
        }
    }
}

/// What an applied intent produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Id of a created statement or rule.
    pub created: Option<String>,
}

fn doc_err(e: DocError) -> Refusal {
    Refusal::internal(e.to_string())
}

/// What applying an intent needs from outside the document.
pub struct Context<'a> {
    /// Maps a view revision to the document heads it was projected from (for text edits).
    pub heads_at: &'a dyn Fn(u64) -> Result<Vec<ChangeHash>, Refusal>,
    /// The server clock, ms since the Unix epoch (for the countdown).
    pub now_ms: u64,
}

/// Longest countdown, in seconds.
pub const MAX_TIMER_SECONDS: u32 = 7200;

/// Apply `intent` from `sender`.
pub fn apply(
    ws: &mut Workshop,
    sender: Sender<'_>,
    intent: &Intent,
    ctx: &Context<'_>,
) -> Result<Applied, Refusal> {
    let heads_at = ctx.heads_at;
    let now = ctx.now_ms;
    let state = ws.state();
    let phase = state.phase();
    permissions::check(sender.role(), intent.kind(), phase.kind, state.locked)?;
    let me = match sender {
        Sender::Participant(id) => id,
        _ => "",
    };
    let phase_level = phase.level;
    let phase_kind = phase.kind;
    let level = || {
        phase_level.ok_or_else(|| Refusal::new(ErrorCode::WrongPhase, "this phase has no level"))
    };
    let none = Ok(Applied::default());
    match intent {
        Intent::NextPhase => {
            let next = state.current_phase + 1;
            if next >= state.phases.len() {
                return Err(Refusal::new(ErrorCode::NoChange, "this is the last phase"));
            }
            ws.set_phase(next, now).map_err(doc_err)?;
            none
        }
        Intent::PreviousPhase => {
            if state.current_phase == 0 {
                return Err(Refusal::new(ErrorCode::NoChange, "this is the first phase"));
            }
            let prev = state.current_phase - 1;
            ws.set_phase(prev, now).map_err(doc_err)?;
            none
        }
        Intent::GoToPhase { index } => {
            let index = *index as usize;
            if index >= state.phases.len() {
                return Err(Refusal::new(
                    ErrorCode::NotFound,
                    format!("the agenda has {} phases", state.phases.len()),
                ));
            }
            ws.set_phase(index, now).map_err(doc_err)?;
            none
        }
        Intent::SetLocked { locked } => {
            ws.set_locked(*locked).map_err(doc_err)?;
            none
        }
        Intent::RevealVotes => {
            let level = level()?;
            if phase_kind == PhaseKind::Vote {
                ws.reveal_dots(level).map_err(doc_err)?;
            } else {
                ws.reveal_ratings(level).map_err(doc_err)?;
            }
            none
        }
        Intent::HideStatement { statement, hidden } => {
            if !state.statements.contains_key(statement) {
                return Err(not_found("statement", statement));
            }
            ws.set_hidden(statement, *hidden).map_err(doc_err)?;
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
            ws.set_timer(Some(timer)).map_err(doc_err)?;
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
            ws.set_timer(Some(paused)).map_err(doc_err)?;
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
            ws.set_timer(Some(running)).map_err(doc_err)?;
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
            ws.set_timer(Some(timer)).map_err(doc_err)?;
            none
        }
        Intent::ClearTimer => {
            if state.timer.is_none() {
                return Err(Refusal::new(ErrorCode::NoChange, "there is no countdown"));
            }
            ws.set_timer(None).map_err(doc_err)?;
            none
        }
        Intent::SetFocus { item } => {
            if let Some(id) = item
                && !state.statements.contains_key(id)
                && !state.rules.contains_key(id)
            {
                return Err(not_found("statement or rule", id));
            }
            ws.set_focus(item.clone()).map_err(doc_err)?;
            none
        }
        Intent::AddStatement { text } => {
            let level = level()?;
            check_new_text(text)?;
            let own = state.statements.values().filter(|s| s.author == me).count();
            if own >= MAX_STATEMENTS_PER_PARTICIPANT {
                return Err(Refusal::new(
                    ErrorCode::LimitReached,
                    format!("at most {MAX_STATEMENTS_PER_PARTICIPANT} statements per person"),
                ));
            }
            let anonymous = phase.anonymous;
            let id = ws
                .add_statement(me, level, text, anonymous)
                .map_err(doc_err)?;
            Ok(Applied { created: Some(id) })
        }
        Intent::EditStatement { statement, splice } => {
            own_statement(ws, me, statement, level()?)?;
            let base = heads_at(splice.rev)?;
            ws.splice(false, statement, splice, &base)?;
            none
        }
        Intent::DeleteStatement { statement } => {
            own_statement(ws, me, statement, level()?)?;
            ws.delete_statement(statement).map_err(doc_err)?;
            none
        }
        Intent::PlaceDot { statement } => {
            let level = level()?;
            let s = state
                .statements
                .get(statement)
                .ok_or_else(|| not_found("statement", statement))?;
            if s.level != level {
                return Err(other_level("statement", level));
            }
            if s.hidden {
                return Err(Refusal::new(ErrorCode::Hidden, "this statement is hidden"));
            }
            let budget = phase.dot_budget;
            if state.dots_used(me, level) >= budget {
                return Err(Refusal::new(
                    ErrorCode::BudgetExhausted,
                    format!("all {budget} dots of this level are placed; take one back first"),
                ));
            }
            let on_item = dots_on(ws, me, statement);
            if on_item >= phase.max_dots_per_item {
                return Err(Refusal::new(
                    ErrorCode::ItemLimit,
                    format!("at most {} dots on one statement", phase.max_dots_per_item),
                ));
            }
            ws.set_dots(me, statement, on_item + 1).map_err(doc_err)?;
            none
        }
        Intent::RemoveDot { statement } => {
            let level = level()?;
            let s = state
                .statements
                .get(statement)
                .ok_or_else(|| not_found("statement", statement))?;
            if s.level != level {
                return Err(other_level("statement", level));
            }
            let on_item = dots_on(ws, me, statement);
            if on_item == 0 {
                return Err(Refusal::new(
                    ErrorCode::NoDot,
                    "you have no dot on this statement",
                ));
            }
            ws.set_dots(me, statement, on_item - 1).map_err(doc_err)?;
            none
        }
        Intent::ProposeRule { text } => {
            let level = level()?;
            check_new_text(text)?;
            if state.rules.len() >= MAX_RULES_PER_SESSION {
                return Err(Refusal::new(
                    ErrorCode::LimitReached,
                    format!("at most {MAX_RULES_PER_SESSION} rules per session"),
                ));
            }
            let id = ws.add_rule(me, level, text).map_err(doc_err)?;
            Ok(Applied { created: Some(id) })
        }
        Intent::EditRule { rule, splice } => {
            rule_of_level(ws, rule, level()?)?;
            let base = heads_at(splice.rev)?;
            ws.splice(true, rule, splice, &base)?;
            none
        }
        Intent::RateRule { rule, score } => {
            rule_of_level(ws, rule, level()?)?;
            if !(1..=5).contains(score) {
                return Err(Refusal::new(
                    ErrorCode::InvalidScore,
                    "a rating is 1 (strongly disagree) to 5 (strongly agree)",
                ));
            }
            ws.set_rating(rule, me, *score).map_err(doc_err)?;
            none
        }
    }
}

fn check_seconds(seconds: u32) -> Result<(), Refusal> {
    if seconds == 0 || seconds > MAX_TIMER_SECONDS {
        return Err(Refusal::new(
            ErrorCode::InvalidValue,
            format!("a countdown is 1 to {MAX_TIMER_SECONDS} seconds"),
        ));
    }
    Ok(())
}

fn not_found(what: &str, id: &str) -> Refusal {
    Refusal::new(ErrorCode::NotFound, format!("no {what} {id:?}"))
}

fn other_level(what: &str, level: Level) -> Refusal {
    Refusal::new(
        ErrorCode::WrongPhase,
        format!(
            "this {what} belongs to another level than {}",
            level.as_str()
        ),
    )
}

fn dots_on(ws: &Workshop, participant: &str, statement: &str) -> u32 {
    ws.state()
        .dots
        .get(participant)
        .and_then(|m| m.get(statement))
        .copied()
        .unwrap_or(0)
}

fn own_statement(ws: &Workshop, me: &str, statement: &str, level: Level) -> Result<(), Refusal> {
    let s = ws
        .state()
        .statements
        .get(statement)
        .ok_or_else(|| not_found("statement", statement))?;
    if s.author != me {
        return Err(Refusal::new(
            ErrorCode::NotOwner,
            "only the author may change this statement",
        ));
    }
    if s.level != level {
        return Err(other_level("statement", level));
    }
    Ok(())
}

fn rule_of_level(ws: &Workshop, rule: &str, level: Level) -> Result<(), Refusal> {
    let r = ws
        .state()
        .rules
        .get(rule)
        .ok_or_else(|| not_found("rule", rule))?;
    if r.level != level {
        return Err(other_level("rule", level));
    }
    Ok(())
}

//! Statements and dots: brainstorm input, hiding, and the vote (dots per level within the budget,
//! closed at the reveal, new vote rounds).

use draagvlak_protocol::limits::MAX_STATEMENTS_PER_PARTICIPANT;
use draagvlak_protocol::view::Level;
use draagvlak_protocol::{ErrorCode, Intent};

use super::{
    Applied, Call, Created, Outcome, Sender, doc_err, done, misrouted, not_found, other_level,
    voting_started,
};
use crate::Refusal;
use crate::text::check_new_text;
use crate::workshop::{NewStatement, State, Workshop};

/// Apply one of this domain's intents (the dispatcher in `apply/mod.rs` routes them here).
pub(super) fn apply(workshop: &mut Workshop, call: &Call<'_>, intent: &Intent) -> Outcome {
    let state = workshop.state();
    match intent {
        Intent::HideStatement { statement, hidden } => {
            if !state.statements.contains_key(statement) {
                return Err(not_found("statement", statement));
            }
            workshop.set_hidden(statement, *hidden).map_err(doc_err)?;
            done()
        }
        Intent::AddStatement { text } => {
            let level = call.level()?;
            check_new_text(text, call.ctx.text_limit)?;
            let own = state
                .statements
                .values()
                .filter(|s| s.author == *call.me)
                .count();
            if own >= MAX_STATEMENTS_PER_PARTICIPANT {
                return Err(Refusal::new(
                    ErrorCode::LimitReached,
                    format!("at most {MAX_STATEMENTS_PER_PARTICIPANT} statements per person"),
                ));
            }
            if state.voting_started(level) {
                return Err(voting_started());
            }
            let anonymous = state.phase().anonymous && call.sender != Sender::Facilitator;
            let id = workshop
                .add_statement(
                    call.me,
                    level,
                    text,
                    NewStatement {
                        anonymous,
                        by_facilitator: call.by_facilitator,
                        dots_then: None,
                    },
                )
                .map_err(doc_err)?;
            Ok(Applied::created(Created::Statement(id)))
        }
        Intent::EditStatement { statement, splice } => {
            own_statement(workshop, call.me, statement, call.level()?)?;
            if state.voting_started(call.level()?) {
                return Err(voting_started());
            }
            let base = (call.ctx.heads_at)(splice.rev)?;
            let placed = workshop.splice(
                false,
                statement,
                splice,
                &base,
                call.me,
                call.ctx.text_limit,
            )?;
            Ok(Applied {
                placed,
                ..Applied::default()
            })
        }
        Intent::DeleteStatement { statement } => {
            own_statement(workshop, call.me, statement, call.level()?)?;
            if state.voting_started(call.level()?) {
                return Err(voting_started());
            }
            workshop.delete_statement(statement).map_err(doc_err)?;
            done()
        }
        Intent::PlaceDot { statement } => {
            let level = call.level()?;
            votes_open(state, level)?;
            votable(state, statement, level)?;
            // One budget per level, the one every view shows (that of the level's first vote
            // phase; a template has at most one vote phase per level).
            let budget = state.dot_budget(level);
            if state.dots_used(call.me, level) >= budget {
                return Err(Refusal::new(
                    ErrorCode::BudgetExhausted,
                    format!("all {budget} dots of this level are placed; take one back first"),
                ));
            }
            let on_item = dots_on(workshop, call.me, statement);
            if on_item >= state.phase().max_dots_per_item {
                return Err(Refusal::new(
                    ErrorCode::ItemLimit,
                    format!(
                        "at most {} dots on one statement",
                        state.phase().max_dots_per_item
                    ),
                ));
            }
            workshop
                .set_dots(call.me, statement, on_item + 1)
                .map_err(doc_err)?;
            done()
        }
        Intent::RemoveDot { statement } => {
            let level = call.level()?;
            votes_open(state, level)?;
            match state.item_level(statement) {
                None => return Err(not_found("statement or cluster", statement)),
                Some(l) if l != level => return Err(other_level("statement", level)),
                Some(_) => {}
            }
            let on_item = dots_on(workshop, call.me, statement);
            if on_item == 0 {
                return Err(Refusal::new(
                    ErrorCode::NoDot,
                    "you have no dot on this statement",
                ));
            }
            workshop
                .set_dots(call.me, statement, on_item - 1)
                .map_err(doc_err)?;
            done()
        }
        Intent::StartVoteRound => {
            let level = call.level()?;
            if !state.revealed_dots.contains(&level) {
                return Err(Refusal::new(
                    ErrorCode::NoChange,
                    "the votes of this round are still open: reveal them first",
                ));
            }
            workshop.start_vote_round(level).map_err(doc_err)?;
            done()
        }
        _ => Err(misrouted(intent)),
    }
}

/// A statement or cluster of this level that can take a dot.
pub(super) fn votable(state: &State, item: &str, level: Level) -> Result<(), Refusal> {
    if let Some(c) = state.clusters.get(item) {
        if c.level != level {
            return Err(other_level("cluster", level));
        }
        return Ok(());
    }
    let s = state
        .statements
        .get(item)
        .ok_or_else(|| not_found("statement or cluster", item))?;
    if s.level != level {
        return Err(other_level("statement", level));
    }
    if s.hidden {
        return Err(Refusal::new(ErrorCode::Hidden, "this statement is hidden"));
    }
    if s.cluster.is_some() {
        return Err(Refusal::new(
            ErrorCode::Clustered,
            "this statement is part of a cluster: place the dot on the cluster",
        ));
    }
    Ok(())
}

/// Dots of a level move only while its vote round is open (not revealed).
pub(super) fn votes_open(state: &State, level: Level) -> Result<(), Refusal> {
    if state.revealed_dots.contains(&level) {
        return Err(Refusal::new(
            ErrorCode::VoteClosed,
            "the votes of this round are revealed and no longer change; the facilitator can \
             start a new vote round",
        ));
    }
    Ok(())
}

pub(super) fn dots_on(workshop: &Workshop, participant: &str, statement: &str) -> u32 {
    workshop
        .state()
        .dots
        .get(participant)
        .and_then(|m| m.get(statement))
        .copied()
        .unwrap_or(0)
}

pub(super) fn own_statement(
    workshop: &Workshop,
    me: &str,
    statement: &str,
    level: Level,
) -> Result<(), Refusal> {
    let s = workshop
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

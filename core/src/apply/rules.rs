//! Rules of thumb: drafting, anchoring to priorities, rating rounds with reasons, and decisions
//! (frozen text once rated, confirmations on record).

use draagvlak_protocol::intent::RuleStatus;
use draagvlak_protocol::limits::{MAX_ANCHORS_PER_RULE, MAX_REASON_CHARS, MAX_RULES_PER_SESSION};
use draagvlak_protocol::view::{Confirmation, Level};
use draagvlak_protocol::{ErrorCode, Intent, ItemId, RuleId};

use super::{
    Applied, Call, Created, LARGE_GAP, Outcome, Sender, doc_err, done, misrouted, not_found,
    other_level,
};
use crate::Refusal;
use crate::text::check_new_text;
use crate::workshop::{NewRule, State, Workshop};

/// Apply one of this domain's intents (the dispatcher in `apply/mod.rs` routes them here).
pub(super) fn apply(workshop: &mut Workshop, call: &Call<'_>, intent: &Intent) -> Outcome {
    let state = workshop.state();
    match intent {
        Intent::ProposeRule { text, anchors } => {
            let level = call.level()?;
            check_new_text(text, call.ctx.text_limit)?;
            let anchors = check_anchors(state, anchors, level)?;
            if state.rules.len() >= MAX_RULES_PER_SESSION {
                return Err(Refusal::new(
                    ErrorCode::LimitReached,
                    format!("at most {MAX_RULES_PER_SESSION} rules per session"),
                ));
            }
            let extra = NewRule {
                anonymous: state.phase().anonymous && call.sender != Sender::Facilitator,
                by_facilitator: call.by_facilitator,
                anchors,
                ..NewRule::default()
            };
            let id = workshop
                .add_rule_with(call.me, level, text, extra)
                .map_err(doc_err)?;
            Ok(Applied::created(Created::Rule(id)))
        }
        Intent::EditRule { rule, splice } => {
            rule_of_level(workshop, rule, call.level()?)?;
            let r = &state.rules[rule.as_str()];
            if r.decided() {
                return Err(Refusal::new(
                    ErrorCode::RuleFrozen,
                    "this rule is decided: its text is the text the room decided on; the \
                     facilitator can reopen it in a new round",
                ));
            }
            if r.revealed() || state.ratings.get(rule).is_some_and(|m| !m.is_empty()) {
                return Err(Refusal::new(
                    ErrorCode::RuleFrozen,
                    "this rule is being rated, so its text is frozen; to change the wording the \
                     facilitator starts a new round (the ratings so far are kept)",
                ));
            }
            let base = (call.ctx.heads_at)(splice.rev)?;
            let placed =
                workshop.splice(true, rule, splice, &base, call.me, call.ctx.text_limit)?;
            Ok(Applied {
                placed,
                ..Applied::default()
            })
        }
        Intent::LinkRule {
            rule,
            anchor,
            linked,
        } => {
            let level = call.level()?;
            rule_of_level(workshop, rule, level)?;
            let r = &state.rules[rule.as_str()];
            if r.author != *call.me && call.sender != Sender::Facilitator {
                return Err(Refusal::new(
                    ErrorCode::NotOwner,
                    "only the rule's author or the facilitator may change what it anchors",
                ));
            }
            if r.decided() {
                return Err(decided());
            }
            let item = check_anchors(state, std::slice::from_ref(anchor), level)?
                .pop()
                .unwrap_or_else(|| anchor.clone());
            let mut anchors = r.anchors.clone();
            let present = anchors.contains(&item);
            match (linked, present) {
                (true, true) => {
                    return Err(Refusal::new(ErrorCode::NoChange, "already anchored"));
                }
                (false, false) => {
                    return Err(Refusal::new(ErrorCode::NoChange, "not anchored"));
                }
                (true, false) => {
                    if anchors.len() >= MAX_ANCHORS_PER_RULE {
                        return Err(Refusal::new(
                            ErrorCode::LimitReached,
                            format!("a rule anchors at most {MAX_ANCHORS_PER_RULE} priorities"),
                        ));
                    }
                    anchors.push(item);
                }
                (false, true) => anchors.retain(|a| *a != item),
            }
            workshop.set_anchors(rule, anchors).map_err(doc_err)?;
            done()
        }
        Intent::RateRule {
            rule,
            score,
            reason,
        } => {
            rule_of_level(workshop, rule, call.level()?)?;
            let r = &state.rules[rule.as_str()];
            if r.decided() {
                return Err(decided());
            }
            if r.revealed() {
                return Err(Refusal::new(
                    ErrorCode::VoteClosed,
                    "the ratings of this round are revealed and no longer change; the facilitator \
                     can start a new round",
                ));
            }
            if !(1..=5).contains(score) {
                return Err(Refusal::new(
                    ErrorCode::InvalidScore,
                    "a rating is 1 (strongly disagree) to 5 (strongly agree)",
                ));
            }
            // The lowest two steps ask for a reason; with the others a reason is refused, not
            // silently dropped (the call.sender would think it was kept).
            if *score > 2 && reason.as_deref().is_some_and(|r| !r.trim().is_empty()) {
                return Err(Refusal::new(
                    ErrorCode::InvalidValue,
                    "a reason goes with a rating of 1 or 2; send a higher rating without one",
                ));
            }
            let reason = if *score <= 2 {
                let r = reason.as_deref().map(str::trim).unwrap_or("");
                if r.is_empty() {
                    return Err(Refusal::new(
                        ErrorCode::ReasonRequired,
                        "say briefly why you disagree (it is shown without your name)",
                    ));
                }
                check_new_text(r, call.ctx.text_limit)?;
                let chars = r.chars().count();
                if chars > MAX_REASON_CHARS {
                    return Err(Refusal::new(
                        ErrorCode::TextTooLong,
                        format!("a reason has at most {MAX_REASON_CHARS} characters"),
                    ));
                }
                Some(r)
            } else {
                None
            };
            workshop
                .set_rating(rule, call.me, *score)
                .map_err(doc_err)?;
            workshop
                .set_reason(rule, call.me, reason)
                .map_err(doc_err)?;
            done()
        }
        Intent::SetRuleStatus {
            rule,
            status,
            confirm,
        } => {
            let confirmed = check_decision(state, rule, *status, *confirm)?;
            workshop
                .decide(rule, *status, confirmed, call.ctx.now_ms)
                .map_err(doc_err)?;
            done()
        }
        Intent::StartRatingRound { rule } => {
            let r = state
                .rules
                .get(rule)
                .ok_or_else(|| not_found("rule", rule))?;
            if r.level != call.level()? {
                return Err(other_level("rule", call.level()?));
            }
            let rated = state.ratings.get(rule).is_some_and(|m| !m.is_empty());
            if !r.decided() && r.status != RuleStatus::Revise && !rated && !r.revealed() {
                return Err(Refusal::new(
                    ErrorCode::NoChange,
                    "this rule is still being drafted: its text can be edited as it is",
                ));
            }
            workshop
                .new_rule_round(rule, call.ctx.now_ms)
                .map_err(doc_err)?;
            done()
        }
        _ => Err(misrouted(intent)),
    }
}

/// Priorities a rule may anchor: statements or clusters of its level, each once.
pub(super) fn check_anchors(
    state: &State,
    anchors: &[ItemId],
    level: Level,
) -> Result<Vec<ItemId>, Refusal> {
    if anchors.len() > MAX_ANCHORS_PER_RULE {
        return Err(Refusal::new(
            ErrorCode::LimitReached,
            format!("a rule anchors at most {MAX_ANCHORS_PER_RULE} priorities"),
        ));
    }
    let mut out: Vec<ItemId> = Vec::with_capacity(anchors.len());
    for a in anchors {
        match state.item_level(a) {
            None => return Err(not_found("statement or cluster", a)),
            Some(l) if l != level => return Err(other_level("priority", level)),
            Some(_) => {}
        }
        // A statement inside a cluster anchors through its cluster.
        let item = state
            .statements
            .get(a.as_str())
            .and_then(|s| s.cluster.as_ref().map(ItemId::from))
            .unwrap_or_else(|| a.clone());
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

/// May the facilitator take this decision now? Returns the warning the decision was confirmed
/// despite, for the record.
pub(super) fn check_decision(
    state: &State,
    rule: &RuleId,
    status: RuleStatus,
    confirm: bool,
) -> Result<Option<Confirmation>, Refusal> {
    let r = state
        .rules
        .get(rule)
        .ok_or_else(|| not_found("rule", rule))?;
    if r.status == status {
        return Err(Refusal::new(
            ErrorCode::NoChange,
            format!("the rule is already {}", status.as_str()),
        ));
    }
    if r.decided() {
        return Err(decided());
    }
    if status != RuleStatus::Adopted {
        return Ok(None);
    }
    let rated = state.ratings.get(rule).is_some_and(|m| !m.is_empty());
    if rated && !r.revealed() {
        return Err(Refusal::new(
            ErrorCode::WrongPhase,
            "reveal the ratings first: the room decides on what it has seen",
        ));
    }
    let support = crate::projection::support(state, rule);
    let warning = if !rated {
        Some((
            Confirmation::NoRatings,
            "nobody rated this rule in this round",
        ))
    } else if support.gap.is_some_and(|g| g >= LARGE_GAP) {
        Some((
            Confirmation::LargeGap,
            "the groups' support for this rule differs strongly",
        ))
    } else {
        None
    };
    match warning {
        Some((_, why)) if !confirm => Err(Refusal::new(
            ErrorCode::ConfirmRequired,
            format!("{why}: send the decision again with confirm to adopt it anyway"),
        )),
        Some((c, _)) => Ok(Some(c)),
        None => Ok(None),
    }
}

pub(super) fn rule_of_level(
    workshop: &Workshop,
    rule: &RuleId,
    level: Level,
) -> Result<(), Refusal> {
    let r = workshop
        .state()
        .rules
        .get(rule)
        .ok_or_else(|| not_found("rule", rule))?;
    if r.level != level {
        return Err(other_level("rule", level));
    }
    Ok(())
}

pub(super) fn decided() -> Refusal {
    Refusal::new(
        ErrorCode::Decided,
        "this rule is decided; the facilitator can reopen it in a new round",
    )
}

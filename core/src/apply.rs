//! Applying one intent to the workshop: the permission check from the table, then the checks
//! that depend on what the intent names, then the mutation. Plain synchronous code over the
//! document, tested without a socket.
//!
//! Every check happens before the first write, so a refused intent leaves the document as it
//! was.

use automerge::ChangeHash;
use draagvlak_protocol::intent::RuleStatus;
use draagvlak_protocol::limits::{
    MAX_ANCHORS_PER_RULE, MAX_CLUSTER_TITLE_CHARS, MAX_NAME_CHARS, MAX_PROXIES_PER_SESSION,
    MAX_REASON_CHARS, MAX_RULES_PER_SESSION, MAX_STATEMENTS_PER_PARTICIPANT,
};
use draagvlak_protocol::view::{Level, PhaseKind, Role};
use draagvlak_protocol::{ErrorCode, Intent};

use super::Refusal;
use super::permissions;
use super::text::{TextLimit, check_new_text};
use super::workshop::{DocError, FACILITATOR_AUTHOR, Flag, NewRule, State, Timer, Workshop};
use draagvlak_protocol::view::Confirmation;

/// Adopting a rule while the groups' support differs by this much or more needs the facilitator's
/// confirmation, and the record marks it.
pub use draagvlak_protocol::limits::LARGE_GAP;

/// Who sends an intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender<'a> {
    Facilitator,
    Participant(&'a str),
    /// The facilitator entering input for a participant without a device (`add_proxy`). It is
    /// checked as that participant's input, and marked as entered by the facilitator.
    Proxy(&'a str),
    Projector,
}

impl Sender<'_> {
    pub fn role(&self) -> Role {
        match self {
            Sender::Facilitator => Role::Facilitator,
            Sender::Participant(_) | Sender::Proxy(_) => Role::Participant,
            Sender::Projector => Role::Projector,
        }
    }

    /// The participant id the input counts for, if any.
    pub fn participant(&self) -> Option<&str> {
        match self {
            Sender::Participant(p) | Sender::Proxy(p) => Some(p),
            _ => None,
        }
    }
}

/// A display name: 1 to [`MAX_NAME_CHARS`] characters, without control or direction characters.
/// Returns it trimmed.
pub fn check_name(name: &str) -> Result<&str, Refusal> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(unfit_in_name) {
        return Err(Refusal::new(
            ErrorCode::InvalidName,
            format!(
                "a name has 1 to {MAX_NAME_CHARS} characters, without control or direction characters"
            ),
        ));
    }
    Ok(name)
}

/// Characters a display name may not contain: control characters, and the bidirectional
/// overrides and isolates that could make a name display as someone else's.
fn unfit_in_name(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The group must be one of the session's groups.
pub fn check_group(state: &State, group: &str) -> Result<(), Refusal> {
    if !state.groups.iter().any(|g| g == group) {
        return Err(Refusal::new(
            ErrorCode::InvalidGroup,
            format!("the group must be one of: {}", state.groups.join(", ")),
        ));
    }
    Ok(())
}

/// What an applied intent produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// Id of a created statement or rule.
    pub created: Option<String>,
    /// Where a text edit's inserted text went (its ack says where that is then).
    pub placed: Option<super::text::Placed>,
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
    /// How long a statement, rule or cluster title may be on this server.
    pub text_limit: TextLimit,
}

impl<'a> Context<'a> {
    /// A context at `now_ms` with the protocol's text limit (a server passes its own).
    pub fn new(
        heads_at: &'a dyn Fn(u64) -> Result<Vec<ChangeHash>, Refusal>,
        now_ms: u64,
    ) -> Context<'a> {
        Context {
            heads_at,
            now_ms,
            text_limit: TextLimit::default(),
        }
    }
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
    if state.closed {
        return Err(Refusal::new(
            ErrorCode::SessionClosed,
            "this session is closed; it can be read but not changed",
        ));
    }
    permissions::check(sender.role(), intent.kind(), phase.kind, state.locked)?;
    // Whose text an intent writes or edits: the participant's, or the facilitator's own.
    let me = match sender {
        Sender::Facilitator => FACILITATOR_AUTHOR,
        _ => sender.participant().unwrap_or(""),
    };
    if let Some(p) = sender.participant() {
        match state.participants.get(p) {
            Some(person) if person.removed => {
                return Err(Refusal::new(
                    ErrorCode::Removed,
                    "the facilitator removed this participant from the session",
                ));
            }
            Some(person) if matches!(sender, Sender::Proxy(_)) && !person.proxy => {
                return Err(Refusal::new(
                    ErrorCode::NotProxy,
                    "the facilitator may only act for participants added without a device",
                ));
            }
            Some(_) => {}
            None => return Err(not_found("participant", p)),
        }
    }
    let by_facilitator = matches!(sender, Sender::Proxy(_));
    let by = match sender.role() {
        Role::Facilitator => "facilitator",
        _ => "participant",
    };
    if matches!(sender, Sender::Participant(_)) && is_clustering(intent) && !state.clustering_open {
        return Err(Refusal::new(
            ErrorCode::Forbidden,
            "the facilitator has not opened clustering to participants",
        ));
    }
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
            let index = phase_index(state, *index)?;
            ws.set_phase(index, now).map_err(doc_err)?;
            none
        }
        Intent::SetLocked { locked } => {
            ws.set_locked(*locked).map_err(doc_err)?;
            none
        }
        Intent::RevealVotes => {
            if phase_kind == PhaseKind::Review {
                ws.set_flag(Flag::RevealedReview, true).map_err(doc_err)?;
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
                ws.reveal_votes(level).map_err(doc_err)?;
            } else {
                ws.reveal_ratings(level).map_err(doc_err)?;
                ws.reveal_rounds(level).map_err(doc_err)?;
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
                && !state.clusters.contains_key(id)
            {
                return Err(not_found("statement, cluster or rule", id));
            }
            ws.set_focus(item.clone()).map_err(doc_err)?;
            none
        }
        Intent::SetClusteringOpen { open } => {
            ws.set_flag(Flag::ClusteringOpen, *open).map_err(doc_err)?;
            none
        }
        Intent::SetEqualGroupWeight { equal } => {
            ws.set_flag(Flag::EqualGroupWeight, *equal)
                .map_err(doc_err)?;
            none
        }
        Intent::SetAnonymous { phase, anonymous } => {
            let index = phase_index(state, *phase)?;
            ws.set_phase_anonymous(index, *anonymous).map_err(doc_err)?;
            none
        }
        Intent::SetRuleStatus {
            rule,
            status,
            confirm,
        } => {
            let confirmed = check_decision(state, rule, *status, *confirm)?;
            ws.decide(rule, *status, confirmed, now).map_err(doc_err)?;
            none
        }
        Intent::StartRatingRound { rule } => {
            let r = state
                .rules
                .get(rule)
                .ok_or_else(|| not_found("rule", rule))?;
            if r.level != level()? {
                return Err(other_level("rule", level()?));
            }
            let rated = state.ratings.get(rule).is_some_and(|m| !m.is_empty());
            if !r.decided() && r.status != RuleStatus::Revise && !rated && !r.revealed() {
                return Err(Refusal::new(
                    ErrorCode::NoChange,
                    "this rule is still being drafted: its text can be edited as it is",
                ));
            }
            ws.new_rule_round(rule, now).map_err(doc_err)?;
            none
        }
        Intent::StartVoteRound => {
            let level = level()?;
            if !state.revealed_dots.contains(&level) {
                return Err(Refusal::new(
                    ErrorCode::NoChange,
                    "the votes of this round are still open: reveal them first",
                ));
            }
            ws.start_vote_round(level).map_err(doc_err)?;
            none
        }
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
            let id = ws.add_proxy(name, group).map_err(doc_err)?;
            Ok(Applied {
                created: Some(id),
                ..Applied::default()
            })
        }
        Intent::RemoveParticipant { participant } => {
            match state.participants.get(participant) {
                None => return Err(not_found("participant", participant)),
                Some(p) if p.removed => {
                    return Err(Refusal::new(ErrorCode::NoChange, "already removed"));
                }
                Some(_) => {}
            }
            ws.remove_participant(participant).map_err(doc_err)?;
            none
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
            ws.readmit(participant).map_err(doc_err)?;
            none
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
                ws.set_group(participant, &group).map_err(doc_err)?;
            } else {
                ws.set_pending_group(participant, None).map_err(doc_err)?;
            }
            none
        }
        Intent::CloseSession => {
            if state.timer.is_some() {
                ws.set_timer(None).map_err(doc_err)?;
            }
            ws.set_flag(Flag::Closed, true).map_err(doc_err)?;
            none
        }
        Intent::CreateCluster { statements, title } => {
            let level = level()?;
            let title = check_title(title, ctx.text_limit)?;
            if statements.len() < 2 {
                return Err(Refusal::new(
                    ErrorCode::InvalidValue,
                    "a cluster merges at least two statements",
                ));
            }
            let members = free_statements(state, statements, level)?;
            let id = ws
                .create_cluster(level, title, members, now, by)
                .map_err(doc_err)?;
            Ok(Applied {
                created: Some(id),
                ..Applied::default()
            })
        }
        Intent::AddToCluster {
            cluster,
            statements,
        } => {
            let level = level()?;
            cluster_of_level(state, cluster, level)?;
            if statements.is_empty() {
                return Err(Refusal::new(ErrorCode::NoChange, "no statements named"));
            }
            let members = free_statements(state, statements, level)?;
            ws.add_to_cluster(cluster, members, now, by)
                .map_err(doc_err)?;
            none
        }
        Intent::RemoveFromCluster { statement } => {
            let s = state
                .statements
                .get(statement)
                .ok_or_else(|| not_found("statement", statement))?;
            let Some(cid) = &s.cluster else {
                return Err(Refusal::new(
                    ErrorCode::NoChange,
                    "this statement is not in a cluster",
                ));
            };
            cluster_of_level(state, cid, level()?)?;
            ws.remove_from_cluster(statement, now, by)
                .map_err(doc_err)?;
            none
        }
        Intent::DissolveCluster { cluster } => {
            cluster_of_level(state, cluster, level()?)?;
            ws.dissolve_cluster(cluster, now, by).map_err(doc_err)?;
            none
        }
        Intent::RenameCluster { cluster, title } => {
            let title = check_title(title, ctx.text_limit)?;
            if !state.clusters.contains_key(cluster) {
                return Err(not_found("cluster", cluster));
            }
            ws.rename_cluster(cluster, title, now, by)
                .map_err(doc_err)?;
            none
        }
        Intent::SetReady { ready } => {
            ws.set_ready(me, *ready).map_err(doc_err)?;
            none
        }
        Intent::SetRemote { remote } => {
            ws.set_remote(me, *remote).map_err(doc_err)?;
            none
        }
        Intent::SetName { name } => {
            let name = check_name(name)?;
            if state.participants.get(me).is_some_and(|p| p.name == name) {
                return Err(Refusal::new(
                    ErrorCode::NoChange,
                    "this is your name already",
                ));
            }
            ws.set_name(me, name).map_err(doc_err)?;
            none
        }
        Intent::SetGroup { group } => {
            check_group(state, group)?;
            let Some(p) = state.participants.get(me) else {
                return Err(not_found("participant", me));
            };
            if p.group == *group {
                // Back to the current group: withdraws a request that waits.
                if p.pending_group.is_none() {
                    return Err(Refusal::new(ErrorCode::NoChange, "you are in this group"));
                }
                ws.set_pending_group(me, None).map_err(doc_err)?;
                return none;
            }
            group_fixed(state, me)?;
            if !voting_began(state) {
                ws.set_group(me, group).map_err(doc_err)?;
            } else if p.pending_group.as_deref() == Some(group.as_str()) {
                return Err(Refusal::new(
                    ErrorCode::NoChange,
                    "this change waits for the facilitator already",
                ));
            } else {
                ws.set_pending_group(me, Some(group)).map_err(doc_err)?;
            }
            none
        }
        Intent::ReviewRule {
            rule,
            applied,
            still_right,
        } => {
            let r = state
                .rules
                .get(rule)
                .ok_or_else(|| not_found("rule", rule))?;
            if r.support_then.is_none() && state.follows.is_none() {
                return Err(Refusal::new(
                    ErrorCode::WrongPhase,
                    "only rules carried over from an earlier session are reviewed",
                ));
            }
            ws.set_review(rule, me, *applied, *still_right)
                .map_err(doc_err)?;
            none
        }
        Intent::LinkRule {
            rule,
            anchor,
            linked,
        } => {
            let level = level()?;
            rule_of_level(ws, rule, level)?;
            let r = &state.rules[rule.as_str()];
            if r.author != me && sender != Sender::Facilitator {
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
            ws.set_anchors(rule, anchors).map_err(doc_err)?;
            none
        }
        Intent::AddStatement { text } => {
            let level = level()?;
            check_new_text(text, ctx.text_limit)?;
            let own = state.statements.values().filter(|s| s.author == me).count();
            if own >= MAX_STATEMENTS_PER_PARTICIPANT {
                return Err(Refusal::new(
                    ErrorCode::LimitReached,
                    format!("at most {MAX_STATEMENTS_PER_PARTICIPANT} statements per person"),
                ));
            }
            if state.voting_started(level) {
                return Err(voting_started());
            }
            let anonymous = phase.anonymous && sender != Sender::Facilitator;
            let id = ws
                .add_statement_with(me, level, text, anonymous, by_facilitator, None)
                .map_err(doc_err)?;
            Ok(Applied {
                created: Some(id),
                ..Applied::default()
            })
        }
        Intent::EditStatement { statement, splice } => {
            own_statement(ws, me, statement, level()?)?;
            if state.voting_started(level()?) {
                return Err(voting_started());
            }
            let base = heads_at(splice.rev)?;
            let placed = ws.splice(false, statement, splice, &base, me, ctx.text_limit)?;
            Ok(Applied {
                placed,
                ..Applied::default()
            })
        }
        Intent::DeleteStatement { statement } => {
            own_statement(ws, me, statement, level()?)?;
            if state.voting_started(level()?) {
                return Err(voting_started());
            }
            ws.delete_statement(statement).map_err(doc_err)?;
            none
        }
        Intent::PlaceDot { statement } => {
            let level = level()?;
            votes_open(state, level)?;
            votable(state, statement, level)?;
            // One budget per level, the one every view shows (that of the level's first vote
            // phase; a template has at most one vote phase per level).
            let budget = state.dot_budget(level);
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
            votes_open(state, level)?;
            match state.item_level(statement) {
                None => return Err(not_found("statement or cluster", statement)),
                Some(l) if l != level => return Err(other_level("statement", level)),
                Some(_) => {}
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
        Intent::ProposeRule { text, anchors } => {
            let level = level()?;
            check_new_text(text, ctx.text_limit)?;
            let anchors = check_anchors(state, anchors, level)?;
            if state.rules.len() >= MAX_RULES_PER_SESSION {
                return Err(Refusal::new(
                    ErrorCode::LimitReached,
                    format!("at most {MAX_RULES_PER_SESSION} rules per session"),
                ));
            }
            let extra = NewRule {
                anonymous: phase.anonymous && sender != Sender::Facilitator,
                by_facilitator,
                anchors,
                ..NewRule::default()
            };
            let id = ws.add_rule_with(me, level, text, extra).map_err(doc_err)?;
            Ok(Applied {
                created: Some(id),
                ..Applied::default()
            })
        }
        Intent::EditRule { rule, splice } => {
            rule_of_level(ws, rule, level()?)?;
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
            let base = heads_at(splice.rev)?;
            let placed = ws.splice(true, rule, splice, &base, me, ctx.text_limit)?;
            Ok(Applied {
                placed,
                ..Applied::default()
            })
        }
        Intent::RateRule {
            rule,
            score,
            reason,
        } => {
            rule_of_level(ws, rule, level()?)?;
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
            // silently dropped (the sender would think it was kept).
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
                check_new_text(r, ctx.text_limit)?;
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
            ws.set_rating(rule, me, *score).map_err(doc_err)?;
            ws.set_reason(rule, me, reason).map_err(doc_err)?;
            none
        }
    }
}

/// A phase of the agenda, by index.
fn phase_index(state: &State, index: u32) -> Result<usize, Refusal> {
    let index = index as usize;
    if index >= state.phases.len() {
        return Err(Refusal::new(
            ErrorCode::NotFound,
            format!("the agenda has {} phases", state.phases.len()),
        ));
    }
    Ok(index)
}

fn is_clustering(intent: &Intent) -> bool {
    matches!(
        intent,
        Intent::CreateCluster { .. }
            | Intent::AddToCluster { .. }
            | Intent::RemoveFromCluster { .. }
            | Intent::DissolveCluster { .. }
            | Intent::RenameCluster { .. }
    )
}

fn check_title(title: &str, limit: TextLimit) -> Result<&str, Refusal> {
    let title = title.trim();
    check_new_text(title, limit)?;
    if title.chars().count() > MAX_CLUSTER_TITLE_CHARS {
        return Err(Refusal::new(
            ErrorCode::TextTooLong,
            format!("a cluster title has at most {MAX_CLUSTER_TITLE_CHARS} characters"),
        ));
    }
    Ok(title)
}

/// Statements that may join a cluster: of this level, in no cluster yet, without dots; each
/// named once.
fn free_statements(
    state: &State,
    statements: &[String],
    level: Level,
) -> Result<Vec<String>, Refusal> {
    let mut out: Vec<String> = Vec::with_capacity(statements.len());
    for sid in statements {
        let s = state
            .statements
            .get(sid)
            .ok_or_else(|| not_found("statement", sid))?;
        if s.level != level {
            return Err(other_level("statement", level));
        }
        if s.cluster.is_some() {
            return Err(Refusal::new(
                ErrorCode::Clustered,
                format!("statement {sid:?} is already in a cluster"),
            ));
        }
        if state.voting_started(level) {
            return Err(voting_started());
        }
        if out.contains(sid) {
            return Err(Refusal::new(
                ErrorCode::InvalidValue,
                format!("statement {sid:?} is named twice"),
            ));
        }
        out.push(sid.clone());
    }
    Ok(out)
}

/// A cluster of this level whose membership may still change (no dots on it).
fn cluster_of_level(state: &State, cluster: &str, level: Level) -> Result<(), Refusal> {
    let c = state
        .clusters
        .get(cluster)
        .ok_or_else(|| not_found("cluster", cluster))?;
    if c.level != level {
        return Err(other_level("cluster", level));
    }
    if state.voting_started(level) {
        return Err(voting_started());
    }
    Ok(())
}

/// A statement or cluster of this level that can take a dot.
fn votable(state: &State, item: &str, level: Level) -> Result<(), Refusal> {
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

/// Priorities a rule may anchor: statements or clusters of its level, each once.
fn check_anchors(state: &State, anchors: &[String], level: Level) -> Result<Vec<String>, Refusal> {
    if anchors.len() > MAX_ANCHORS_PER_RULE {
        return Err(Refusal::new(
            ErrorCode::LimitReached,
            format!("a rule anchors at most {MAX_ANCHORS_PER_RULE} priorities"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(anchors.len());
    for a in anchors {
        match state.item_level(a) {
            None => return Err(not_found("statement or cluster", a)),
            Some(l) if l != level => return Err(other_level("priority", level)),
            Some(_) => {}
        }
        // A statement inside a cluster anchors through its cluster.
        let item = state
            .statements
            .get(a)
            .and_then(|s| s.cluster.clone())
            .unwrap_or_else(|| a.clone());
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

/// Dots of a level move only while its vote round is open (not revealed).
fn votes_open(state: &State, level: Level) -> Result<(), Refusal> {
    if state.revealed_dots.contains(&level) {
        return Err(Refusal::new(
            ErrorCode::VoteClosed,
            "the votes of this round are revealed and no longer change; the facilitator can \
             start a new vote round",
        ));
    }
    Ok(())
}

fn voting_started() -> Refusal {
    Refusal::new(
        ErrorCode::HasVotes,
        "voting on this level has started: its statements and clusters no longer change",
    )
}

fn decided() -> Refusal {
    Refusal::new(
        ErrorCode::Decided,
        "this rule is decided; the facilitator can reopen it in a new round",
    )
}

/// May the facilitator take this decision now? Returns the warning the decision was confirmed
/// despite, for the record.
fn check_decision(
    state: &State,
    rule: &str,
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
    let support = super::projection::support(state, rule);
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

fn check_seconds(seconds: u32) -> Result<(), Refusal> {
    if seconds == 0 || seconds > MAX_TIMER_SECONDS {
        return Err(Refusal::new(
            ErrorCode::InvalidValue,
            format!("a countdown is 1 to {MAX_TIMER_SECONDS} seconds"),
        ));
    }
    Ok(())
}

/// Whether anyone in the session has voted, rated or reviewed (now or in a revealed round).
/// From then on a group change waits for the facilitator. Only public facts decide this (the
/// `voters`, `raters` and `reviewers` counts, revealed rounds), so whether a change waits says
/// nothing about whether its sender voted.
fn voting_began(state: &State) -> bool {
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
fn group_fixed(state: &State, participant: &str) -> Result<(), Refusal> {
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

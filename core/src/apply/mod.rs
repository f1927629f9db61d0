//! Applying one intent to the workshop: the permission check from the table, then the checks
//! that depend on what the intent names, then the mutation. Plain synchronous code over the
//! document, tested without a socket.
//!
//! Every check happens before the first write, so a refused intent leaves the document as it
//! was.
//!
//! [`apply`] does the checks every intent shares (closed session, the permission table, a
//! removed or wrong proxy participant, clustering opened to participants) and routes the intent
//! to its domain, one module each, the same split as the document and the projection:
//! `phases` (agenda, lock, countdown, focus, reveal, closing), `statements` (and dots),
//! `clusters`, `rules` (with ratings, rounds, reasons and decisions), `people` (proxies,
//! removal, name and group) and `reviews`.

use automerge::ChangeHash;
use draagvlak_protocol::limits::MAX_NAME_CHARS;
use draagvlak_protocol::view::{Level, PhaseKind, Role};
use draagvlak_protocol::{ClusterId, ErrorCode, Intent, ParticipantId, RuleId, StatementId};

mod assessment;
mod clusters;
mod people;
mod phases;
mod reviews;
mod rules;
mod statements;
mod touched;

pub use touched::{Keys, Touched, ViewTouched};

use super::Refusal;
use super::permissions;
use super::text::TextLimit;
use super::workshop::{DocError, FACILITATOR_AUTHOR, State, Workshop};

/// Adopting a rule while the groups' support differs by this much or more needs the facilitator's
/// confirmation, and the record marks it.
pub use draagvlak_protocol::limits::LARGE_GAP;

/// Who sends an intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender<'a> {
    Facilitator,
    Participant(&'a ParticipantId),
    /// The facilitator entering input for a participant without a device (`add_proxy`). It is
    /// checked as that participant's input, and marked as entered by the facilitator.
    Proxy(&'a ParticipantId),
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
    pub fn participant(&self) -> Option<&ParticipantId> {
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
pub(crate) fn unfit_in_name(c: char) -> bool {
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
    pub created: Option<Created>,
    /// Where a text edit's inserted text went (its ack says where that is then).
    pub placed: Option<super::text::Placed>,
    /// Whose private part may have changed.
    pub touched: Touched,
    /// What of the views may have changed beyond the parts every fan-out projects anew.
    pub views: ViewTouched,
}

impl Applied {
    /// An intent that created something.
    pub fn created(id: Created) -> Applied {
        Applied {
            created: Some(id),
            ..Applied::default()
        }
    }
}

/// The id of what an intent created: a statement, a rule, a cluster or a participant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    Statement(StatementId),
    Rule(RuleId),
    Cluster(ClusterId),
    Participant(ParticipantId),
}

impl Created {
    /// The statement it created, if it created one.
    pub fn statement(self) -> Option<StatementId> {
        match self {
            Created::Statement(id) => Some(id),
            _ => None,
        }
    }

    /// The rule it created, if it created one.
    pub fn rule(self) -> Option<RuleId> {
        match self {
            Created::Rule(id) => Some(id),
            _ => None,
        }
    }

    /// The id as the ack carries it.
    pub fn as_str(&self) -> &str {
        match self {
            Created::Statement(id) => id,
            Created::Rule(id) => id,
            Created::Cluster(id) => id,
            Created::Participant(id) => id,
        }
    }
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
    workshop: &mut Workshop,
    sender: Sender<'_>,
    intent: &Intent,
    ctx: &Context<'_>,
) -> Result<Applied, Refusal> {
    let state = workshop.state();
    let phase = state.phase();
    if state.closed {
        return Err(Refusal::new(
            ErrorCode::SessionClosed,
            "this session is closed; it can be read but not changed",
        ));
    }
    permissions::check(sender.role(), intent.kind(), phase.kind, state.locked)?;
    // Whose text an intent writes or edits: the participant's, or the facilitator's own.
    let me: &ParticipantId = match sender.participant() {
        Some(p) => p,
        None => &FACILITATOR_AUTHOR,
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
    let by = sender.role();
    if matches!(sender, Sender::Participant(_))
        && clusters::is_clustering(intent)
        && !state.clustering_open
    {
        return Err(Refusal::new(
            ErrorCode::Forbidden,
            "the facilitator has not opened clustering to participants",
        ));
    }
    let call = Call {
        sender,
        me,
        by,
        by_facilitator,
        phase_level: phase.level,
        phase_kind: phase.kind,
        ctx,
    };
    let touched = touched::touched(intent, sender);
    let applied = match intent {
        Intent::NextPhase
        | Intent::PreviousPhase
        | Intent::GoToPhase { .. }
        | Intent::SetLocked { .. }
        | Intent::RevealVotes
        | Intent::StartTimer { .. }
        | Intent::PauseTimer
        | Intent::ResumeTimer
        | Intent::AddTime { .. }
        | Intent::ClearTimer
        | Intent::SetFocus { .. }
        | Intent::SetEqualGroupWeight { .. }
        | Intent::SetAnonymous { .. }
        | Intent::CloseSession => phases::apply(workshop, &call, intent),
        Intent::HideStatement { .. }
        | Intent::AddStatement { .. }
        | Intent::EditStatement { .. }
        | Intent::DeleteStatement { .. }
        | Intent::PlaceDot { .. }
        | Intent::RemoveDot { .. }
        | Intent::StartVoteRound => statements::apply(workshop, &call, intent),
        Intent::SetClusteringOpen { .. }
        | Intent::CreateCluster { .. }
        | Intent::AddToCluster { .. }
        | Intent::RemoveFromCluster { .. }
        | Intent::DissolveCluster { .. }
        | Intent::RenameCluster { .. } => clusters::apply(workshop, &call, intent),
        Intent::ProposeRule { .. }
        | Intent::EditRule { .. }
        | Intent::LinkRule { .. }
        | Intent::RateRule { .. }
        | Intent::SetRuleStatus { .. }
        | Intent::StartRatingRound { .. } => rules::apply(workshop, &call, intent),
        Intent::AddProxy { .. }
        | Intent::RemoveParticipant { .. }
        | Intent::Readmit { .. }
        | Intent::DecideGroup { .. }
        | Intent::SetReady { .. }
        | Intent::SetRemote { .. }
        | Intent::SetName { .. }
        | Intent::SetGroup { .. } => people::apply(workshop, &call, intent),
        Intent::ReviewRule { .. } => reviews::apply(workshop, &call, intent),
        Intent::Assess { .. } => assessment::apply(workshop, &call, intent),
    }?;
    let views = touched::views(intent, sender, applied.created.as_ref());
    Ok(Applied {
        touched,
        views,
        ..applied
    })
}

/// Who sends an intent, and the phase it arrives in: what every domain's checks read besides
/// the document.
#[derive(Clone, Copy)]
pub(super) struct Call<'c> {
    pub(super) sender: Sender<'c>,
    /// Whose text the intent writes or edits: the participant's, or the facilitator's own.
    pub(super) me: &'c ParticipantId,
    /// The sender's role, for the cluster history.
    pub(super) by: Role,
    /// Entered by the facilitator for a participant without a device.
    pub(super) by_facilitator: bool,
    pub(super) phase_level: Option<Level>,
    pub(super) phase_kind: PhaseKind,
    pub(super) ctx: &'c Context<'c>,
}

impl Call<'_> {
    /// The level of the current phase; phases without one refuse level-bound intents.
    pub(super) fn level(&self) -> Result<Level, Refusal> {
        self.phase_level
            .ok_or_else(|| Refusal::new(ErrorCode::WrongPhase, "this phase has no level"))
    }
}

/// What a domain's `apply` answers.
pub(super) type Outcome = Result<Applied, Refusal>;

/// An intent applied that created nothing.
pub(super) fn done() -> Outcome {
    Ok(Applied::default())
}

/// An intent routed to a domain that does not handle it: a bug in the dispatcher above.
pub(super) fn misrouted(intent: &Intent) -> Refusal {
    Refusal::internal(format!(
        "{:?} was routed to the wrong domain",
        intent.kind()
    ))
}

pub(super) fn voting_started() -> Refusal {
    Refusal::new(
        ErrorCode::HasVotes,
        "voting on this level has started: its statements and clusters no longer change",
    )
}

pub(super) fn not_found(what: &str, id: &str) -> Refusal {
    Refusal::new(ErrorCode::NotFound, format!("no {what} {id:?}"))
}

pub(super) fn other_level(what: &str, level: Level) -> Refusal {
    Refusal::new(
        ErrorCode::WrongPhase,
        format!(
            "this {what} belongs to another level than {}",
            level.as_str()
        ),
    )
}

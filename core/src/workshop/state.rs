//! The mirror of the document: plain Rust values a check or a projection reads without touching
//! Automerge, kept equal to the document by every mutation (`hydrate` rebuilds it on load).

use std::collections::{BTreeMap, BTreeSet};

use automerge::ChangeHash;
use draagvlak_protocol::intent::{Answer, RuleStatus};
use draagvlak_protocol::view::{Confirmation, Level, PhaseKind, SupportView};
use draagvlak_protocol::{ClusterId, ItemId, ParticipantId, RuleId, StatementId};

use crate::template::PhaseSpec;

use super::*;

/// Public facts of the session, copied into the document at creation.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub id: String,
    pub code: String,
    pub title: String,
    pub organisation: String,
    pub language: String,
    pub template: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub name: String,
    pub group: String,
    pub seq: u64,
    /// Added by the facilitator for someone without a device.
    pub proxy: bool,
    /// Removed by the facilitator: no longer counted, cannot come back.
    pub removed: bool,
    /// Hash of the device the participant joined from, if it said; a removed participant's
    /// device may not join again until the facilitator readmits it (which clears this).
    pub device: Option<String>,
    /// Takes part remotely (said so); in the room otherwise.
    pub remote: bool,
    /// The group asked for after voting began, until the facilitator decides (`decide_group`).
    pub pending_group: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub seq: u64,
    pub level: Level,
    pub text: String,
    pub author: ParticipantId,
    pub anonymous: bool,
    pub hidden: bool,
    /// Entered by the facilitator for a participant without a device.
    pub by_facilitator: bool,
    /// In a follow-up session: the dots this priority had in the earlier session.
    pub dots_then: Option<u32>,
    /// The cluster it was merged into (derived from `clusters`, not stored twice).
    pub cluster: Option<ClusterId>,
}

/// Duplicate statements merged under one title.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub seq: u64,
    pub level: Level,
    pub title: String,
    pub statements: Vec<StatementId>,
}

/// One step of the clustering history.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterLogEntry {
    pub at_ms: u64,
    pub action: ClusterAction,
    pub cluster: ClusterId,
    pub statements: Vec<StatementId>,
    pub title: String,
    /// The facilitator, or a participant (clustering opened to them).
    pub by: Role,
}

/// The session a follow-up session was made from.
#[derive(Debug, Clone, PartialEq)]
pub struct Follows {
    pub code: String,
    pub title: String,
    pub created_at: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub seq: u64,
    pub level: Level,
    pub text: String,
    pub author: ParticipantId,
    pub anonymous: bool,
    pub by_facilitator: bool,
    pub status: RuleStatus,
    /// The rating round, from 1.
    pub round: u32,
    /// Rounds whose ratings are revealed (0 = none).
    pub revealed_round: u32,
    /// Statement or cluster ids this rule anchors.
    pub anchors: Vec<ItemId>,
    /// In a follow-up session: its support in the earlier session.
    pub support_then: Option<SupportView>,
    /// The text as rated in each earlier round, round 1 first.
    pub earlier_texts: Vec<String>,
    /// The warning the facilitator confirmed with the current decision.
    pub confirmed: Option<Confirmation>,
}

impl Rule {
    /// Adopted or dropped: frozen until reopened.
    pub fn decided(&self) -> bool {
        matches!(self.status, RuleStatus::Adopted | RuleStatus::Dropped)
    }

    /// The ratings of the current round are revealed.
    pub fn revealed(&self) -> bool {
        self.revealed_round >= self.round
    }
}

/// A phase change: which phase, and when (server clock, ms since the Unix epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseEntry {
    pub phase: usize,
    pub at_ms: u64,
    /// The document heads just before the change: the end of the phase that was left.
    pub heads_before: Vec<ChangeHash>,
}

/// The shared countdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timer {
    pub running: bool,
    /// Server clock, ms since the Unix epoch; meaningful while running.
    pub deadline: u64,
    /// Meaningful while paused.
    pub remaining_ms: u64,
    pub duration_ms: u64,
}

/// The mirror of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub meta: Meta,
    pub groups: Vec<String>,
    pub phases: Vec<PhaseSpec>,
    pub current_phase: usize,
    pub locked: bool,
    pub revealed_dots: BTreeSet<Level>,
    pub revealed_ratings: BTreeSet<Level>,
    pub next_seq: u64,
    pub participants: BTreeMap<ParticipantId, Participant>,
    pub statements: BTreeMap<StatementId, Statement>,
    /// participant id -> statement or cluster id -> dots
    pub dots: BTreeMap<ParticipantId, BTreeMap<ItemId, u32>>,
    pub rules: BTreeMap<RuleId, Rule>,
    /// rule id -> participant id -> score 1..=5
    pub ratings: BTreeMap<RuleId, BTreeMap<ParticipantId, u8>>,
    pub timer: Option<Timer>,
    /// A statement or rule id.
    pub focus: Option<ItemId>,
    /// Every phase change, in order.
    pub phase_log: Vec<PhaseEntry>,
    pub clusters: BTreeMap<ClusterId, Cluster>,
    pub cluster_log: Vec<ClusterLogEntry>,
    pub clustering_open: bool,
    pub equal_group_weight: bool,
    pub closed: bool,
    /// participant id -> the phase index they said they were ready with
    pub ready: BTreeMap<ParticipantId, usize>,
    /// rule id -> participant id -> reason (current round)
    pub reasons: BTreeMap<RuleId, BTreeMap<ParticipantId, String>>,
    /// rule id -> finished rounds' ratings, round 1 first
    pub earlier_ratings: BTreeMap<RuleId, Vec<BTreeMap<ParticipantId, u8>>>,
    /// rule id -> finished rounds' reasons, round 1 first
    pub earlier_reasons: BTreeMap<RuleId, Vec<BTreeMap<ParticipantId, String>>>,
    /// rule id -> participant id -> (applied, still right)
    pub reviews: BTreeMap<RuleId, BTreeMap<ParticipantId, (Answer, Answer)>>,
    pub revealed_review: bool,
    /// The maturity self-assessment's dimensions (empty: the agenda has no assessment).
    pub assessment: Vec<draagvlak_protocol::view::DimensionView>,
    /// participant id -> assessment statement id -> score 1..=5, `None` for "don't know"
    pub assessment_scores: BTreeMap<ParticipantId, BTreeMap<String, Option<u8>>>,
    pub revealed_assessment: bool,
    /// In a follow-up: the earlier session's assessment results, as revealed then.
    pub assessment_then: Option<Vec<draagvlak_protocol::view::DimensionResult>>,
    pub follows: Option<Follows>,
    /// Where the workshop takes place (`meta.place`, optional), for the report.
    pub place: String,
    /// level -> its current vote round (absent: 1)
    pub vote_rounds: BTreeMap<Level, u32>,
    /// level -> every revealed vote round, frozen at its reveal
    pub vote_record: BTreeMap<Level, Vec<VoteRecord>>,
    /// Every decision about a rule, in order.
    pub decision_log: Vec<DecisionEntry>,
    /// The last suggested clusters and what they were computed from (derived, not stored).
    pub suggestions: crate::suggest::Cache,
}

impl State {
    /// The phase the session is in.
    pub fn phase(&self) -> &PhaseSpec {
        // `current_phase` is kept in range by every mutation and checked by hydrate.
        &self.phases[self.current_phase.min(self.phases.len().saturating_sub(1))]
    }

    /// The dot budget of a level: that of the first vote phase on it.
    pub fn dot_budget(&self, level: Level) -> u32 {
        self.phases
            .iter()
            .find(|p| p.kind == PhaseKind::Vote && p.level == Some(level))
            .map(|p| p.dot_budget)
            .unwrap_or(crate::template::DEFAULT_DOT_BUDGET)
    }

    /// Dots a participant placed on statements and clusters of a level.
    pub fn dots_used(&self, participant: &str, level: Level) -> u32 {
        self.dots
            .get(participant)
            .map(|m| {
                m.iter()
                    .filter(|(id, _)| self.item_level(id) == Some(level))
                    .map(|(_, n)| *n)
                    .sum()
            })
            .unwrap_or(0)
    }

    /// The level of a statement or cluster.
    pub fn item_level(&self, id: &str) -> Option<Level> {
        self.statements
            .get(id)
            .map(|s| s.level)
            .or_else(|| self.clusters.get(id).map(|c| c.level))
    }

    /// A participant who has not been removed.
    pub fn active(&self, participant: &str) -> Option<&Participant> {
        self.participants.get(participant).filter(|p| !p.removed)
    }

    /// Whether anyone placed a dot on this statement or cluster.
    pub fn has_dots(&self, item: &str) -> bool {
        self.dots
            .values()
            .any(|m| m.get(item).is_some_and(|n| *n > 0))
    }

    /// Whether a participant said they are ready with the current phase.
    pub fn is_ready(&self, participant: &str) -> bool {
        self.ready.get(participant) == Some(&self.current_phase)
    }
}

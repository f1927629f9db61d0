//! Views: what a client is shown.
//!
//! The session document is never sent to clients. Each audience gets a projection of it: the
//! facilitator a [`View`] with the facilitator-only fields filled in, participants and the
//! projector the public [`View`], and each participant in addition a small private [`MeView`]
//! (their own dots, ratings and statements). A `snapshot` carries a whole view; a `delta` carries a
//! JSON Patch (RFC 6902) from the previous revision of that audience's view to the next.
//!
//! Collections are maps keyed by id, so a patch names the item it changes instead of an index
//! that shifts. Order for display comes from the `seq` field of each item.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::id::{ClusterId, ItemId, ParticipantId, RuleId, StatementId};
use crate::intent::{Answer, RuleStatus};

/// The three levels of the strategic framework.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Level 1: what is the role of ICT?
    Richten,
    /// Level 2: what will ICT do?
    Inrichten,
    /// Level 3: how will ICT work?
    Verrichten,
}

impl Level {
    /// All levels in workshop order.
    pub const ALL: [Level; 3] = [Level::Richten, Level::Inrichten, Level::Verrichten];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Richten => "richten",
            Level::Inrichten => "inrichten",
            Level::Verrichten => "verrichten",
        }
    }

    /// Parse a wire name.
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// The kind of a phase on the agenda.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseKind {
    Lobby,
    Brainstorm,
    Cluster,
    Vote,
    Rules,
    Review,
    /// The maturity self-assessment: everyone scores statements per dimension.
    Assessment,
    Summary,
}

impl PhaseKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseKind::Lobby => "lobby",
            PhaseKind::Brainstorm => "brainstorm",
            PhaseKind::Cluster => "cluster",
            PhaseKind::Vote => "vote",
            PhaseKind::Rules => "rules",
            PhaseKind::Review => "review",
            PhaseKind::Assessment => "assessment",
            PhaseKind::Summary => "summary",
        }
    }

    /// Parse a wire name.
    pub fn parse(s: &str) -> Option<PhaseKind> {
        [
            PhaseKind::Lobby,
            PhaseKind::Brainstorm,
            PhaseKind::Cluster,
            PhaseKind::Vote,
            PhaseKind::Rules,
            PhaseKind::Review,
            PhaseKind::Assessment,
            PhaseKind::Summary,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Who is connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Facilitator,
    Participant,
    Projector,
}

/// A step in the history of clusters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterAction {
    /// Statements merged into a new cluster.
    Create,
    /// Statements added to a cluster.
    Add,
    /// A statement taken out of a cluster.
    Remove,
    /// A cluster dissolved into its statements.
    Dissolve,
    /// A cluster renamed.
    Rename,
}

impl ClusterAction {
    const ALL: [ClusterAction; 5] = [
        ClusterAction::Create,
        ClusterAction::Add,
        ClusterAction::Remove,
        ClusterAction::Dissolve,
        ClusterAction::Rename,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterAction::Create => "create",
            ClusterAction::Add => "add",
            ClusterAction::Remove => "remove",
            ClusterAction::Dissolve => "dissolve",
            ClusterAction::Rename => "rename",
        }
    }

    /// Parse a wire name.
    pub fn parse(s: &str) -> Option<ClusterAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// A participant's group. The defaults are `ict` and `business`.
pub type Group = String;

/// A text in Dutch and English.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Localized {
    pub nl: String,
    pub en: String,
}

/// Public facts about the session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: String,
    pub code: String,
    pub title: String,
    pub organisation: String,
    pub language: String,
    pub groups: Vec<Group>,
}

/// One phase of the agenda.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseView {
    pub kind: PhaseKind,
    /// The level this phase works on; `null` for lobby and summary.
    pub level: Option<Level>,
    pub title: Localized,
    pub question: Localized,
    /// Statements added in this phase carry no author in any view.
    pub anonymous: bool,
    /// Dots each participant may place on this level (vote phases).
    pub dot_budget: u32,
    /// Dots one participant may place on one statement (vote phases).
    pub max_dots_per_item: u32,
}

/// How many people joined and are connected, per group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCount {
    pub joined: u32,
    pub connected: u32,
}

/// The author of a statement or rule, when the phase was not anonymous.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorView {
    pub id: ParticipantId,
    pub name: String,
    pub group: Group,
}

/// A brainstorm statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementView {
    /// Creation order, for display.
    pub seq: u64,
    pub level: Level,
    pub text: String,
    /// `null` when the statement was added in an anonymous phase.
    pub author: Option<AuthorView>,
    /// Only in the facilitator's view: hidden statements are absent from the public view.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// Total dots, present only once the votes of this level are revealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dots: Option<u32>,
    /// The cluster this statement was merged into, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterId>,
    /// Entered by the facilitator for a participant without a device.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_facilitator: bool,
    /// In a follow-up session: the dots this priority had in the earlier session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dots_then: Option<u32>,
    /// Dots per group, present only once the votes of this level are revealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dots_by_group: Option<BTreeMap<Group, u32>>,
    /// Written by the facilitator as the facilitator (not for a participant; counted in no group).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_facilitator: bool,
}

/// Duplicate statements merged under one title. Dots in the vote phase go to the cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterView {
    pub seq: u64,
    pub level: Level,
    pub title: String,
    /// Member statement ids, in the order they joined.
    pub statements: Vec<StatementId>,
    /// Total dots, present only once the votes of this level are revealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dots: Option<u32>,
    /// Dots per group, present only once the votes of this level are revealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dots_by_group: Option<BTreeMap<Group, u32>>,
}

/// One step of the clustering history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterEvent {
    /// Server clock, ms since the Unix epoch.
    pub at: u64,
    pub action: ClusterAction,
    pub cluster: ClusterId,
    /// The statements the step moved (empty for a rename).
    pub statements: Vec<StatementId>,
    /// The title after the step.
    pub title: String,
    /// `facilitator` or `participant`.
    pub by: Role,
}

/// Support for one rule, overall and per group, present once ratings are revealed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SupportView {
    /// How many people rated 1, 2, 3, 4 and 5.
    pub histogram: [u32; 5],
    /// Share of raters who rated 4 or 5, from 0.0 to 1.0; `null` without ratings.
    pub overall: Option<f64>,
    /// The same share per group.
    pub by_group: BTreeMap<Group, Option<f64>>,
    /// How many people of each group rated 1, 2, 3, 4 and 5: the count behind each group's share
    /// ("2 of 2") and the spread of its scores. Absent in views of older records.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub histogram_by_group: BTreeMap<Group, [u32; 5]>,
    /// The largest difference in support between two groups, from 0.0 to 1.0.
    pub gap: Option<f64>,
    /// Overall support is the mean of the groups' support (each group weighs equally).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub equal_group_weight: bool,
    /// How many of these ratings were cast by participants the facilitator removed after the
    /// reveal (they stay in the record, without identity).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub removed: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Where a rule is in its life cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleStage {
    /// Co-written: everyone in the room (and the facilitator) may edit the text.
    #[default]
    Drafting,
    /// Someone rated it in this round: the text is frozen; ratings are secret.
    Rating,
    /// The ratings of this round are revealed: a record, waiting for the decision.
    Revealed,
    /// Adopted or dropped: frozen until the facilitator reopens it.
    Decided,
}

/// Why the facilitator had to confirm a decision; the record keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confirmation {
    /// Adopted without any revealed rating.
    NoRatings,
    /// Adopted while the groups' support differed by 30 points or more.
    LargeGap,
}

/// How many people gave each answer, overall and per group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerCounts {
    pub yes: u32,
    pub partly: u32,
    pub no: u32,
}

impl AnswerCounts {
    /// Count one answer.
    pub fn add(&mut self, a: Answer) {
        match a {
            Answer::Yes => self.yes += 1,
            Answer::Partly => self.partly += 1,
            Answer::No => self.no += 1,
        }
    }
}

/// The review of a carried-over rule in a follow-up session, present once revealed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewView {
    /// "Is it applied?"
    pub applied: AnswerCounts,
    /// "Is it still right?"
    pub still_right: AnswerCounts,
    pub applied_by_group: BTreeMap<Group, AnswerCounts>,
    pub still_right_by_group: BTreeMap<Group, AnswerCounts>,
}

/// A rule of thumb.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleView {
    pub seq: u64,
    pub level: Level,
    pub text: String,
    pub author: Option<AuthorView>,
    /// How many people rated it in the current round (always shown; the ratings themselves only
    /// after reveal).
    pub raters: u32,
    /// Support in the current round, once revealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<SupportView>,
    /// The facilitator's decision.
    #[serde(default)]
    pub status: RuleStatus,
    /// Where the rule is in its life cycle (what may still change).
    #[serde(default)]
    pub stage: RuleStage,
    /// A decision the facilitator confirmed despite a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<Confirmation>,
    /// The text as it was rated in each earlier round (round 1 first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_texts: Vec<String>,
    /// Written by the facilitator as the facilitator.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_facilitator: bool,
    /// The rating round, from 1. A revised rule can be rated again in a new round.
    pub round: u32,
    /// Support in earlier rounds (round 1 first); rounds are revealed one by one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_rounds: Vec<SupportView>,
    /// Reasons given with ratings of 1 or 2 in the current round, without names, once revealed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// The priorities (statement or cluster ids) this rule anchors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anchors: Vec<ItemId>,
    /// In a follow-up session: the rule's support in the earlier session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_then: Option<SupportView>,
    /// In a follow-up session: how many people reviewed it (always shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewers: Option<u32>,
    /// In a follow-up session: the review, once revealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewView>,
}

/// Voting progress on one level: how many people voted, never how.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelProgress {
    /// Participants who placed at least one dot on this level.
    pub voters: u32,
    /// Participants who rated at least one rule on this level.
    pub raters: u32,
    /// Dots of this level are visible to everyone.
    pub dots_revealed: bool,
    /// Ratings of this level's rules are visible to everyone.
    pub ratings_revealed: bool,
    /// The vote round on this level, from 1 (a new round keeps the earlier ones in the record).
    #[serde(default = "first_round")]
    pub vote_round: u32,
    /// Revealed totals of the earlier vote rounds (round 1 first): item id -> dots.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_vote_rounds: Vec<BTreeMap<ItemId, u32>>,
}

fn first_round() -> u32 {
    1
}

/// Facilitator-only facts about one participant: who they are and whether they took part, never
/// how they voted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantView {
    pub name: String,
    pub group: Group,
    pub connected: bool,
    /// Levels on which this participant placed dots.
    pub voted: Vec<Level>,
    /// Levels on which this participant rated a rule.
    pub rated: Vec<Level>,
    /// Ready with the current phase.
    #[serde(default)]
    pub ready: bool,
    /// Added by the facilitator for someone without a device.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub proxy: bool,
    /// Takes part remotely (said so with `set_remote`); absent: in the room.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remote: bool,
    /// The group this participant asked to move to (`set_group`), waiting for the facilitator's
    /// `decide_group`; absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_group: Option<Group>,
}

/// The shared countdown. Every device shows the same deadline: clients convert `deadline`
/// (server clock) to their own clock with the offset they learned from `welcome.server_time`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerView {
    pub running: bool,
    /// When it runs out, in milliseconds since the Unix epoch (server clock); `null` while paused.
    pub deadline: Option<u64>,
    /// Time left while paused, in milliseconds; `null` while running.
    pub remaining_ms: Option<u64>,
    /// The length the countdown was started with, in milliseconds (for a progress bar).
    pub duration_ms: u64,
}

/// The projection of a session for one audience.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub session: SessionInfo,
    pub phases: Vec<PhaseView>,
    /// Index into `phases`.
    pub current_phase: u32,
    /// Participants' input is locked by the facilitator.
    pub locked: bool,
    pub groups: BTreeMap<Group, GroupCount>,
    pub statements: BTreeMap<StatementId, StatementView>,
    pub rules: BTreeMap<RuleId, RuleView>,
    pub progress: BTreeMap<Level, LevelProgress>,
    /// The shared countdown, if one is set.
    pub timer: Option<TimerView>,
    /// The statement or rule every screen highlights, if any.
    pub focus: Option<ItemId>,
    /// Merged statements, keyed by cluster id.
    #[serde(default)]
    pub clusters: BTreeMap<ClusterId, ClusterView>,
    /// Participants may cluster statements (the facilitator always may).
    #[serde(default)]
    pub clustering_open: bool,
    /// Each group weighs equally in overall support.
    #[serde(default)]
    pub equal_group_weight: bool,
    /// Participants who said they are ready with the current phase.
    #[serde(default)]
    pub ready: u32,
    /// The session is closed: read-only.
    #[serde(default)]
    pub closed: bool,
    /// For a follow-up session: the session it follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<FollowsView>,
    /// Only in the facilitator's view: the clustering history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_log: Option<Vec<ClusterEvent>>,
    /// Only in the facilitator's view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<BTreeMap<ParticipantId, ParticipantView>>,
    /// Only in the facilitator's view: participants removed from the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<BTreeMap<ParticipantId, RemovedView>>,
    /// Only in the facilitator's view, and only in a cluster phase: groups of near-duplicate
    /// statements of the phase's level that are in no cluster yet (the server's suggestions;
    /// the facilitator merges one with `create_cluster` or ignores it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestions: Option<Vec<SuggestionView>>,
    /// The maturity self-assessment, when the agenda has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment: Option<AssessmentView>,
}

/// The maturity self-assessment: its dimensions and statements, how many took it, and once the
/// facilitator revealed it the results per dimension. No one's scores are ever in a view, only
/// the means (and the own scores in `me.assessment`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssessmentView {
    pub dimensions: Vec<DimensionView>,
    /// Participants (not removed) who scored at least one statement.
    pub respondents: u32,
    /// Participants (not removed) who scored every statement (also "don't know").
    pub complete: u32,
    pub revealed: bool,
    /// Per dimension, in the order of `dimensions`; present only once revealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<Vec<DimensionResult>>,
    /// In a follow-up: the results of the earlier session's assessment (as revealed then), to
    /// put next to today's per dimension and group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub then: Option<Vec<DimensionResult>>,
}

/// One dimension of the assessment, with its statements.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DimensionView {
    pub id: String,
    pub title: Localized,
    pub statements: Vec<AssessmentStatement>,
}

/// One statement to score, 1 to 5.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentStatement {
    pub id: String,
    pub text: Localized,
}

/// The result of one dimension: the mean score (1 to 5) of its statements over everyone's
/// scores, overall and per group, and the largest difference between two groups. "Don't know"
/// counts in `dont_know`, never in a mean.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DimensionResult {
    pub id: String,
    /// `null` when nobody gave a score.
    pub overall: Option<f64>,
    /// Every group of the session (`null`: no score from that group).
    pub by_group: BTreeMap<Group, Option<f64>>,
    /// Largest difference between two groups' means, in points of the 1–5 scale.
    pub gap: Option<f64>,
    /// Scores given (1 to 5).
    pub scores: u32,
    /// "Don't know" answers.
    pub dont_know: u32,
}

/// Facilitator-only: statements that look like duplicates of each other, with a title proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestionView {
    /// Statement ids, in creation order (at least two).
    pub statements: Vec<StatementId>,
    /// A proposed cluster title: the words the statements share, from the earliest of them.
    pub title: String,
}

/// Facilitator-only: a participant who was removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedView {
    pub name: String,
    pub group: Group,
    /// Their device may not join this session again until the facilitator readmits it.
    pub blocked: bool,
}

/// The earlier session a follow-up session was created from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowsView {
    pub code: String,
    pub title: String,
    /// When the earlier session was created, ms since the Unix epoch.
    pub created_at: u64,
}

/// What only one participant sees: who they are and what they did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeView {
    pub id: ParticipantId,
    pub name: String,
    pub group: Group,
    /// Own dots per statement.
    pub dots: BTreeMap<ItemId, u32>,
    /// Dots left per level, given the budget of the level's vote phase.
    pub dots_left: BTreeMap<Level, u32>,
    /// Own rating per rule.
    pub ratings: BTreeMap<RuleId, u8>,
    /// Ids of own statements (the ones this participant may edit and delete).
    pub statements: Vec<StatementId>,
    /// Own reasons for low ratings, per rule (current round).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reasons: BTreeMap<RuleId, String>,
    /// Own review answers per carried-over rule: [applied, still right].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reviews: BTreeMap<RuleId, [Answer; 2]>,
    /// Said ready with the current phase.
    #[serde(default)]
    pub ready: bool,
    /// The group asked for with `set_group`, waiting for the facilitator; absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_group: Option<Group>,
    /// Own assessment scores per statement: 1 to 5, `null` for "don't know".
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub assessment: BTreeMap<String, Option<u8>>,
}

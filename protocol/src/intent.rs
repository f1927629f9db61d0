//! Intents: what a client asks its session to do.
//!
//! An intent travels inside [`crate::ClientMessage::Intent`] with a client-chosen id. The server
//! checks it against the sender's role and the current phase, applies it to the session document,
//! makes it durable, and answers exactly once: `ack` or `reject`. Sending the same id again is
//! safe: an intent that was applied is acknowledged again and never applied twice.

use serde::{Deserialize, Serialize};

use crate::id::{ClusterId, ItemId, ParticipantId, RuleId, StatementId};

/// A text edit: delete `delete` units at `pos`, then insert `insert` there.
///
/// Positions and lengths count UTF-16 code units, as JavaScript strings do. The edit is made
/// against the text as it was at revision `rev` (the `rev` of the view the client saw); the server
/// maps it onto the current text, so concurrent edits by other people are kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Splice {
    /// The view revision the position refers to.
    pub rev: u64,
    /// Where the edit starts.
    pub pos: u32,
    /// How many units to delete from `pos`.
    #[serde(default)]
    pub delete: u32,
    /// What to insert at `pos`.
    #[serde(default)]
    pub insert: String,
}

/// An entry of a session's decision log: a status the facilitator set, or a new rating round
/// (`reopened` when the rule had been decided).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionAction {
    Proposed,
    Adopted,
    Revise,
    Dropped,
    /// A decided rule reopened in a new round.
    Reopened,
    /// A new rating round of a rule not yet decided.
    NewRound,
}

impl DecisionAction {
    const ALL: [DecisionAction; 6] = [
        DecisionAction::Proposed,
        DecisionAction::Adopted,
        DecisionAction::Revise,
        DecisionAction::Dropped,
        DecisionAction::Reopened,
        DecisionAction::NewRound,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionAction::Proposed => "proposed",
            DecisionAction::Adopted => "adopted",
            DecisionAction::Revise => "revise",
            DecisionAction::Dropped => "dropped",
            DecisionAction::Reopened => "reopened",
            DecisionAction::NewRound => "new_round",
        }
    }

    /// Parse a wire name.
    pub fn parse(s: &str) -> Option<DecisionAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl From<RuleStatus> for DecisionAction {
    fn from(status: RuleStatus) -> DecisionAction {
        match status {
            RuleStatus::Proposed => DecisionAction::Proposed,
            RuleStatus::Adopted => DecisionAction::Adopted,
            RuleStatus::Revise => DecisionAction::Revise,
            RuleStatus::Dropped => DecisionAction::Dropped,
        }
    }
}

/// What the facilitator decided about a rule of thumb.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    /// Not decided yet.
    #[default]
    Proposed,
    /// Part of the framework.
    Adopted,
    /// To be reworded; it may be rated again in a new round.
    Revise,
    /// Not part of the framework.
    Dropped,
}

impl RuleStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Proposed => "proposed",
            RuleStatus::Adopted => "adopted",
            RuleStatus::Revise => "revise",
            RuleStatus::Dropped => "dropped",
        }
    }

    /// Parse a wire name.
    pub fn parse(s: &str) -> Option<RuleStatus> {
        [
            RuleStatus::Proposed,
            RuleStatus::Adopted,
            RuleStatus::Revise,
            RuleStatus::Dropped,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// An answer in the review of a follow-up session: "is it applied?", "is it still right?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Yes,
    Partly,
    No,
}

impl Answer {
    /// All answers, in display order.
    pub const ALL: [Answer; 3] = [Answer::Yes, Answer::Partly, Answer::No];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::Partly => "partly",
            Answer::No => "no",
        }
    }

    /// Parse a wire name.
    pub fn parse(s: &str) -> Option<Answer> {
        Answer::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The default of `link_rule`'s `linked`.
fn yes() -> bool {
    true
}

/// Everything a client can ask for. The tag `kind` names the intent on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Intent {
    // --- facilitator ---
    /// Go to the next phase of the agenda.
    NextPhase,
    /// Go back to the previous phase.
    PreviousPhase,
    /// Go to the phase with this index in the agenda.
    GoToPhase { index: u32 },
    /// Lock (`true`) or unlock (`false`) input by participants.
    SetLocked { locked: bool },
    /// Reveal the votes of the current phase: dots in a vote phase, ratings in a rules phase.
    RevealVotes,
    /// Hide a statement from participants and the projector, or show it again.
    HideStatement {
        statement: StatementId,
        hidden: bool,
    },
    /// Start the shared countdown: `seconds` from now (1 to 7200).
    StartTimer { seconds: u32 },
    /// Pause the running countdown, keeping the time left.
    PauseTimer,
    /// Resume a paused countdown.
    ResumeTimer,
    /// Add time to the countdown (running or paused); starts one if there is none.
    AddTime { seconds: u32 },
    /// Remove the countdown.
    ClearTimer,
    /// Put one statement or rule in focus on every screen, or none (`null`).
    SetFocus { item: Option<ItemId> },
    /// Let participants cluster statements too (`true`), or only the facilitator (`false`).
    SetClusteringOpen { open: bool },
    /// Decide about a rule: adopted, revise, dropped (or back to proposed). A decided rule
    /// (adopted or dropped) is frozen until it is reopened with `start_rating_round`. Adopting
    /// without revealed ratings, or while the groups' support differs by 30 points or more, is
    /// refused with `confirm_required` unless `confirm` is true; the record marks such a decision.
    SetRuleStatus {
        rule: RuleId,
        status: RuleStatus,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        confirm: bool,
    },
    /// A new round for a rule: its text becomes editable again (drafting) and it is rated anew.
    /// The earlier round keeps its text, ratings and reasons in the record. On a decided rule this
    /// reopens it (logged).
    StartRatingRound { rule: RuleId },
    /// A new vote round on the current vote phase's level: the revealed round stays in the record,
    /// everyone's dots of this level are cleared and voting opens again, secret until revealed.
    StartVoteRound,
    /// Let each group weigh equally in overall support, whatever its number of people.
    SetEqualGroupWeight { equal: bool },
    /// Make statements and rules added in a phase anonymous, or not (from now on).
    SetAnonymous { phase: u32, anonymous: bool },
    /// Add a participant who has no device; the facilitator enters their input with
    /// `on_behalf_of`. The ack's `created` holds the participant id.
    AddProxy { name: String, group: String },
    /// Remove a participant: their connections close, their dots and ratings no longer count.
    RemoveParticipant { participant: ParticipantId },
    /// Let a removed participant's device join this session again (as a new participant; the
    /// removed identity stays removed).
    Readmit { participant: ParticipantId },
    /// Accept (`true`) or refuse (`false`) a participant's pending group change (`set_group`
    /// sent after voting began). Refused with `group_locked` when the participant rated or
    /// reviewed in a round whose results are revealed.
    DecideGroup {
        participant: ParticipantId,
        accept: bool,
    },
    /// Close the session for good: read-only afterwards (reports and history stay available).
    CloseSession,
    // --- facilitator, or participants while clustering is open ---
    /// Merge statements (at least two, of the current level) into a new cluster with a title.
    /// The ack's `created` holds the cluster id.
    CreateCluster {
        statements: Vec<StatementId>,
        title: String,
    },
    /// Add statements to an existing cluster.
    AddToCluster {
        cluster: ClusterId,
        statements: Vec<StatementId>,
    },
    /// Take one statement out of its cluster (a cluster left with one statement dissolves).
    RemoveFromCluster { statement: StatementId },
    /// Split a cluster back into its statements.
    DissolveCluster { cluster: ClusterId },
    /// Give a cluster another title.
    RenameCluster { cluster: ClusterId, title: String },
    // --- participant ---
    /// Add a statement on the current level (brainstorm phase). The ack's `created` holds its id.
    AddStatement { text: String },
    /// Edit the text of one's own statement (brainstorm phase).
    EditStatement {
        statement: StatementId,
        #[serde(flatten)]
        splice: Splice,
    },
    /// Delete one's own statement (brainstorm phase).
    DeleteStatement { statement: StatementId },
    /// Place one dot on a statement or cluster (vote phase, within the level's budget). A
    /// statement inside a cluster takes no dots of its own: vote on the cluster.
    PlaceDot { statement: ItemId },
    /// Take one of one's dots back from a statement or cluster (vote phase).
    RemoveDot { statement: ItemId },
    /// Propose a rule of thumb on the current level (rules phase), optionally linked to the
    /// priorities (statements or clusters of the level) it anchors. The ack's `created` holds
    /// its id.
    ProposeRule {
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        anchors: Vec<ItemId>,
    },
    /// Add (`linked: true`, the default) or remove one priority a rule anchors (rules phase; the
    /// rule's author or the facilitator; not on a decided rule). A statement inside a cluster
    /// anchors through its cluster.
    LinkRule {
        rule: RuleId,
        anchor: ItemId,
        #[serde(default = "yes")]
        linked: bool,
    },
    /// Edit the text of any rule of thumb on the current level (rules phase).
    EditRule {
        rule: RuleId,
        #[serde(flatten)]
        splice: Splice,
    },
    /// Rate a rule on the five-step agreement scale: 1 strongly disagree … 5 strongly agree.
    /// Scores 1 and 2 need a short `reason`, shown without a name once ratings are revealed.
    RateRule {
        rule: RuleId,
        score: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Say whether you are ready with the current phase.
    SetReady { ready: bool },
    /// Say whether you take part remotely (from a call) or in the room; everyone is in the room
    /// until they say otherwise. Only the facilitator's view shows it.
    SetRemote { remote: bool },
    /// Correct one's own display name (the same rules as at joining).
    SetName { name: String },
    /// Move to another group of the session. Before anyone in the session voted, rated or
    /// reviewed it takes effect at once; afterwards it waits for the facilitator
    /// (`decide_group`), shown as `pending_group`. Asking for one's current group withdraws a
    /// pending request.
    SetGroup { group: String },
    /// Review a rule carried over from the earlier session (review phase).
    ReviewRule {
        rule: RuleId,
        applied: Answer,
        still_right: Answer,
    },
    /// Score one statement of the maturity self-assessment (assessment phase): 1 (not at all)
    /// to 5 (fully), or `null` for "don't know". Sending again changes the score until the
    /// facilitator reveals the results (`reveal_votes`); afterwards it is refused with
    /// `vote_closed`.
    Assess {
        statement: String,
        #[serde(default)]
        score: Option<u8>,
    },
}

impl Intent {
    /// The intent's wire name, used in logs and in the permission table.
    pub fn kind(&self) -> IntentKind {
        match self {
            Intent::NextPhase => IntentKind::NextPhase,
            Intent::PreviousPhase => IntentKind::PreviousPhase,
            Intent::GoToPhase { .. } => IntentKind::GoToPhase,
            Intent::SetLocked { .. } => IntentKind::SetLocked,
            Intent::RevealVotes => IntentKind::RevealVotes,
            Intent::HideStatement { .. } => IntentKind::HideStatement,
            Intent::StartTimer { .. } => IntentKind::StartTimer,
            Intent::PauseTimer => IntentKind::PauseTimer,
            Intent::ResumeTimer => IntentKind::ResumeTimer,
            Intent::AddTime { .. } => IntentKind::AddTime,
            Intent::ClearTimer => IntentKind::ClearTimer,
            Intent::SetFocus { .. } => IntentKind::SetFocus,
            Intent::AddStatement { .. } => IntentKind::AddStatement,
            Intent::EditStatement { .. } => IntentKind::EditStatement,
            Intent::DeleteStatement { .. } => IntentKind::DeleteStatement,
            Intent::PlaceDot { .. } => IntentKind::PlaceDot,
            Intent::RemoveDot { .. } => IntentKind::RemoveDot,
            Intent::ProposeRule { .. } => IntentKind::ProposeRule,
            Intent::EditRule { .. } => IntentKind::EditRule,
            Intent::RateRule { .. } => IntentKind::RateRule,
            Intent::SetClusteringOpen { .. } => IntentKind::SetClusteringOpen,
            Intent::SetRuleStatus { .. } => IntentKind::SetRuleStatus,
            Intent::StartRatingRound { .. } => IntentKind::StartRatingRound,
            Intent::StartVoteRound => IntentKind::StartVoteRound,
            Intent::SetEqualGroupWeight { .. } => IntentKind::SetEqualGroupWeight,
            Intent::SetAnonymous { .. } => IntentKind::SetAnonymous,
            Intent::AddProxy { .. } => IntentKind::AddProxy,
            Intent::RemoveParticipant { .. } => IntentKind::RemoveParticipant,
            Intent::Readmit { .. } => IntentKind::Readmit,
            Intent::DecideGroup { .. } => IntentKind::DecideGroup,
            Intent::CloseSession => IntentKind::CloseSession,
            Intent::CreateCluster { .. } => IntentKind::CreateCluster,
            Intent::AddToCluster { .. } => IntentKind::AddToCluster,
            Intent::RemoveFromCluster { .. } => IntentKind::RemoveFromCluster,
            Intent::DissolveCluster { .. } => IntentKind::DissolveCluster,
            Intent::RenameCluster { .. } => IntentKind::RenameCluster,
            Intent::LinkRule { .. } => IntentKind::LinkRule,
            Intent::SetReady { .. } => IntentKind::SetReady,
            Intent::SetRemote { .. } => IntentKind::SetRemote,
            Intent::SetName { .. } => IntentKind::SetName,
            Intent::SetGroup { .. } => IntentKind::SetGroup,
            Intent::ReviewRule { .. } => IntentKind::ReviewRule,
            Intent::Assess { .. } => IntentKind::Assess,
        }
    }
}

/// The kind of an intent without its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentKind {
    NextPhase,
    PreviousPhase,
    GoToPhase,
    SetLocked,
    RevealVotes,
    HideStatement,
    StartTimer,
    PauseTimer,
    ResumeTimer,
    AddTime,
    ClearTimer,
    SetFocus,
    AddStatement,
    EditStatement,
    DeleteStatement,
    PlaceDot,
    RemoveDot,
    ProposeRule,
    EditRule,
    RateRule,
    SetClusteringOpen,
    SetRuleStatus,
    StartRatingRound,
    StartVoteRound,
    SetEqualGroupWeight,
    SetAnonymous,
    AddProxy,
    RemoveParticipant,
    Readmit,
    DecideGroup,
    CloseSession,
    CreateCluster,
    AddToCluster,
    RemoveFromCluster,
    DissolveCluster,
    RenameCluster,
    LinkRule,
    SetReady,
    SetRemote,
    SetName,
    SetGroup,
    ReviewRule,
    Assess,
}

impl IntentKind {
    /// Every intent kind, for tables and exhaustive tests.
    pub const ALL: [IntentKind; 43] = [
        IntentKind::NextPhase,
        IntentKind::PreviousPhase,
        IntentKind::GoToPhase,
        IntentKind::SetLocked,
        IntentKind::RevealVotes,
        IntentKind::HideStatement,
        IntentKind::StartTimer,
        IntentKind::PauseTimer,
        IntentKind::ResumeTimer,
        IntentKind::AddTime,
        IntentKind::ClearTimer,
        IntentKind::SetFocus,
        IntentKind::AddStatement,
        IntentKind::EditStatement,
        IntentKind::DeleteStatement,
        IntentKind::PlaceDot,
        IntentKind::RemoveDot,
        IntentKind::ProposeRule,
        IntentKind::EditRule,
        IntentKind::RateRule,
        IntentKind::SetClusteringOpen,
        IntentKind::SetRuleStatus,
        IntentKind::StartRatingRound,
        IntentKind::StartVoteRound,
        IntentKind::SetEqualGroupWeight,
        IntentKind::SetAnonymous,
        IntentKind::AddProxy,
        IntentKind::RemoveParticipant,
        IntentKind::Readmit,
        IntentKind::DecideGroup,
        IntentKind::CloseSession,
        IntentKind::CreateCluster,
        IntentKind::AddToCluster,
        IntentKind::RemoveFromCluster,
        IntentKind::DissolveCluster,
        IntentKind::RenameCluster,
        IntentKind::LinkRule,
        IntentKind::SetReady,
        IntentKind::SetRemote,
        IntentKind::SetName,
        IntentKind::SetGroup,
        IntentKind::ReviewRule,
        IntentKind::Assess,
    ];
}

//! Intents: what a client asks its session to do.
//!
//! An intent travels inside [`crate::ClientMessage::Intent`] with a client-chosen id. The server
//! checks it against the sender's role and the current phase, applies it to the session document,
//! makes it durable, and answers exactly once: `ack` or `reject`. Sending the same id again is
//! safe: an intent that was applied is acknowledged again and never applied twice.

use serde::{Deserialize, Serialize};

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
    HideStatement { statement: String, hidden: bool },
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
    SetFocus { item: Option<String> },
    // --- participant ---
    /// Add a statement on the current level (brainstorm phase). The ack's `created` holds its id.
    AddStatement { text: String },
    /// Edit the text of one's own statement (brainstorm phase).
    EditStatement {
        statement: String,
        #[serde(flatten)]
        splice: Splice,
    },
    /// Delete one's own statement (brainstorm phase).
    DeleteStatement { statement: String },
    /// Place one dot on a statement (vote phase, within the level's budget).
    PlaceDot { statement: String },
    /// Take one of one's dots back from a statement (vote phase).
    RemoveDot { statement: String },
    /// Propose a rule of thumb on the current level (rules phase). The ack's `created` holds its id.
    ProposeRule { text: String },
    /// Edit the text of any rule of thumb on the current level (rules phase).
    EditRule {
        rule: String,
        #[serde(flatten)]
        splice: Splice,
    },
    /// Rate a rule on the five-step agreement scale: 1 strongly disagree … 5 strongly agree.
    RateRule { rule: String, score: u8 },
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
}

impl IntentKind {
    /// Every intent kind, for tables and exhaustive tests.
    pub const ALL: [IntentKind; 20] = [
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
    ];
}

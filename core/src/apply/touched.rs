//! What an applied intent touched, so that a fan-out rebuilds only that: whose private part
//! ([`Touched`]) and which entries of the views ([`ViewTouched`]).
//!
//! Both lists are exhaustive matches over the intents, so a new intent must say what it touches.
//! They are conservative (touching more than changed costs time, never correctness), and debug
//! builds check them at every fan-out against a full projection (`Outbox::fan_out` in the
//! server); the core's tests and property tests check them after every step
//! (`method_tests::views_incremental`).

use std::collections::HashSet;
use std::hash::Hash;

use draagvlak_protocol::{Intent, ParticipantId, RuleId, StatementId};

use super::{Created, Sender};

/// Whose private part an applied intent may have changed: the sender for their own input, everyone
/// for a phase change or a new round, nobody for the rest (the list is in `touched` below).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Touched {
    #[default]
    Nobody,
    One(ParticipantId),
    Everyone,
}

/// Some entries of a map in the views, or all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keys<K: Hash + Eq> {
    Some(HashSet<K>),
    All,
}

impl<K: Hash + Eq> Default for Keys<K> {
    fn default() -> Self {
        Keys::Some(HashSet::new())
    }
}

impl<K: Hash + Eq> Keys<K> {
    /// One entry.
    pub fn one(key: K) -> Keys<K> {
        Keys::Some(HashSet::from([key]))
    }

    /// Add an entry (nothing changes when all are touched already).
    pub fn insert(&mut self, key: K) {
        if let Keys::Some(keys) = self {
            keys.insert(key);
        }
    }

    /// Everything `other` touches too.
    pub fn merge(&mut self, other: Keys<K>) {
        match other {
            Keys::All => *self = Keys::All,
            Keys::Some(more) => {
                if let Keys::Some(keys) = self {
                    keys.extend(more);
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Keys::Some(keys) if keys.is_empty())
    }
}

/// What of the views an applied intent may have changed, beyond the small parts that every
/// fan-out projects anew (agenda, phase, lock, countdown, focus, progress per level): the entries
/// of the maps that grow with the session (statements, rules, participants), the clusters with
/// their log and the duplicate suggestions, and the counts of people (per group, ready, removed),
/// which take a walk over everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewTouched {
    pub statements: Keys<StatementId>,
    pub rules: Keys<RuleId>,
    pub participants: Keys<ParticipantId>,
    /// The clusters, the cluster log and the suggestions (all small, projected whole).
    pub clusters: bool,
    /// The counts of people: joined and connected per group, how many are ready, and the list
    /// of removed participants.
    pub people: bool,
    /// The maturity self-assessment (its progress and, once revealed, its results).
    pub assessment: bool,
}

impl ViewTouched {
    /// Everything: after a phase change, a reveal, a new round, or anything outside `apply`
    /// that may change any entry.
    pub fn everything() -> ViewTouched {
        ViewTouched {
            statements: Keys::All,
            rules: Keys::All,
            participants: Keys::All,
            clusters: true,
            people: true,
            assessment: true,
        }
    }

    /// Someone joined, connected or left: their entry and the counts.
    pub fn participant(p: ParticipantId) -> ViewTouched {
        ViewTouched {
            participants: Keys::one(p),
            people: true,
            ..ViewTouched::default()
        }
    }

    /// Everything `other` touches too.
    pub fn merge(&mut self, other: ViewTouched) {
        self.statements.merge(other.statements);
        self.rules.merge(other.rules);
        self.participants.merge(other.participants);
        self.clusters |= other.clusters;
        self.people |= other.people;
        self.assessment |= other.assessment;
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
            && self.rules.is_empty()
            && self.participants.is_empty()
            && !self.clusters
            && !self.people
            && !self.assessment
    }
}

/// Whose private part ([`crate::projection::me`]) an applied intent may have changed, so that the
/// fan-out rebuilds only those: the sender's own input (dots, ratings, new statements, ready,
/// name, group, reviews) touches the sender; a phase change touches everyone (`ready` is per phase), as
/// do new rounds and deleting a statement (they clear other people's dots or ratings); the
/// facilitator's decisions about one person touch that person; the rest touches nobody's.
/// Debug builds check this against a full rebuild at every fan-out (`Outbox::fan_out`).
pub(super) fn touched(intent: &Intent, sender: Sender<'_>) -> Touched {
    let own = || match sender.participant() {
        Some(p) => Touched::One(p.clone()),
        None => Touched::Nobody,
    };
    match intent {
        Intent::AddStatement { .. }
        | Intent::PlaceDot { .. }
        | Intent::RemoveDot { .. }
        | Intent::RateRule { .. }
        | Intent::SetReady { .. }
        | Intent::SetName { .. }
        | Intent::SetGroup { .. }
        | Intent::ReviewRule { .. }
        | Intent::Assess { .. } => own(),
        Intent::RemoveParticipant { participant } | Intent::DecideGroup { participant, .. } => {
            Touched::One(participant.clone())
        }
        Intent::NextPhase
        | Intent::PreviousPhase
        | Intent::GoToPhase { .. }
        | Intent::StartVoteRound
        | Intent::StartRatingRound { .. }
        | Intent::DeleteStatement { .. }
        | Intent::CloseSession => Touched::Everyone,
        // Texts are not part of anyone's private part (only the ids of their statements are),
        // and neither are rules or being remote.
        Intent::EditStatement { .. }
        | Intent::ProposeRule { .. }
        | Intent::EditRule { .. }
        | Intent::LinkRule { .. }
        | Intent::SetRemote { .. }
        | Intent::SetLocked { .. }
        | Intent::RevealVotes
        | Intent::HideStatement { .. }
        | Intent::StartTimer { .. }
        | Intent::PauseTimer
        | Intent::ResumeTimer
        | Intent::AddTime { .. }
        | Intent::ClearTimer
        | Intent::SetFocus { .. }
        | Intent::SetClusteringOpen { .. }
        | Intent::SetRuleStatus { .. }
        | Intent::SetEqualGroupWeight { .. }
        | Intent::SetAnonymous { .. }
        | Intent::AddProxy { .. }
        | Intent::Readmit { .. }
        | Intent::CreateCluster { .. }
        | Intent::AddToCluster { .. }
        | Intent::RemoveFromCluster { .. }
        | Intent::DissolveCluster { .. }
        | Intent::RenameCluster { .. } => Touched::Nobody,
    }
}

/// Which entries of the views an applied intent may have changed (see [`ViewTouched`]): its own
/// statement, rule or cluster, and the sender's participant entry for their own input. Changes
/// of a name, a group or who is in the session reach every statement and rule (authors, support
/// per group); a phase change, a reveal, a new round or deleting a statement reaches everything.
pub(super) fn views(intent: &Intent, sender: Sender<'_>, created: Option<&Created>) -> ViewTouched {
    let own = || match sender.participant() {
        Some(p) => Keys::one(p.clone()),
        None => Keys::default(),
    };
    let created_statement = || match created {
        Some(Created::Statement(id)) => Keys::one(id.clone()),
        _ => Keys::default(),
    };
    let none = ViewTouched::default();
    // Whatever a person's name, group or membership reaches: their entry, every statement and
    // rule (authors, support per group) and the clusters.
    let person = |participants: Keys<ParticipantId>| ViewTouched {
        statements: Keys::All,
        rules: Keys::All,
        participants,
        clusters: true,
        people: true,
        assessment: true,
    };
    match intent {
        Intent::NextPhase
        | Intent::PreviousPhase
        | Intent::GoToPhase { .. }
        | Intent::RevealVotes
        | Intent::StartVoteRound
        | Intent::StartRatingRound { .. }
        | Intent::DeleteStatement { .. }
        | Intent::CloseSession => ViewTouched::everything(),
        Intent::SetLocked { .. }
        | Intent::StartTimer { .. }
        | Intent::PauseTimer
        | Intent::ResumeTimer
        | Intent::AddTime { .. }
        | Intent::ClearTimer
        | Intent::SetFocus { .. } => none,
        // The suggestions read every statement's text, and a cluster lists its visible members.
        Intent::AddStatement { .. } => ViewTouched {
            statements: created_statement(),
            participants: own(),
            clusters: true,
            ..none
        },
        Intent::EditStatement { statement, .. } | Intent::HideStatement { statement, .. } => {
            ViewTouched {
                statements: Keys::one(statement.clone()),
                clusters: true,
                ..none
            }
        }
        Intent::PlaceDot { statement } | Intent::RemoveDot { statement } => ViewTouched {
            statements: statement.statement().map(Keys::one).unwrap_or_default(),
            clusters: statement.statement().is_none(),
            participants: own(),
            ..none
        },
        Intent::SetClusteringOpen { .. }
        | Intent::CreateCluster { .. }
        | Intent::AddToCluster { .. }
        | Intent::RemoveFromCluster { .. }
        | Intent::DissolveCluster { .. }
        | Intent::RenameCluster { .. } => ViewTouched {
            statements: Keys::All,
            clusters: true,
            ..none
        },
        Intent::ProposeRule { .. } => ViewTouched {
            rules: match created {
                Some(Created::Rule(id)) => Keys::one(id.clone()),
                _ => Keys::default(),
            },
            participants: own(),
            ..none
        },
        Intent::EditRule { rule, .. } => ViewTouched {
            rules: Keys::one(rule.clone()),
            ..none
        },
        Intent::RateRule { rule, .. } | Intent::ReviewRule { rule, .. } => ViewTouched {
            rules: Keys::one(rule.clone()),
            participants: own(),
            ..none
        },
        Intent::LinkRule { .. }
        | Intent::SetRuleStatus { .. }
        | Intent::SetEqualGroupWeight { .. } => ViewTouched {
            rules: Keys::All,
            ..none
        },
        Intent::SetAnonymous { .. } => ViewTouched {
            statements: Keys::All,
            rules: Keys::All,
            ..none
        },
        Intent::SetReady { .. } => ViewTouched {
            participants: own(),
            people: true,
            ..none
        },
        Intent::SetRemote { .. } => ViewTouched {
            participants: own(),
            ..none
        },
        Intent::AddProxy { .. } => ViewTouched {
            participants: match created {
                Some(Created::Participant(id)) => Keys::one(id.clone()),
                _ => Keys::default(),
            },
            people: true,
            ..none
        },
        Intent::SetName { .. } | Intent::SetGroup { .. } => person(own()),
        Intent::Assess { .. } => ViewTouched {
            assessment: true,
            ..none
        },
        Intent::RemoveParticipant { participant }
        | Intent::Readmit { participant }
        | Intent::DecideGroup { participant, .. } => person(Keys::one(participant.clone())),
    }
}

//! The report of a session as data: what the room saw and decided, as the server's report
//! builder makes it and `GET /api/sessions/{code}/report/json` serves it. Every other report
//! format (Markdown, CSV, HTML, the workbook) is written from this one model, so they agree.
//! Everything here is in the session's words (texts as typed, levels, statuses); how it is
//! worded per language is the server's business.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::intent::{DecisionAction, RuleStatus};
use crate::view::{AssessmentView, Confirmation, Level, ReviewView, SupportView};

/// Everything a report shows: the single source of every format.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub title: String,
    pub organisation: String,
    /// Where the workshop took place (may be empty).
    pub place: String,
    pub language: String,
    pub code: String,
    /// The IANA time zone of every local date and time in the report.
    pub time_zone: String,
    /// The day the workshop began (its first phase change), local, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Local time of the first phase change, and of the last phase change or decision, `HH:MM`.
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    /// Whether the names of participants are listed (see the module documentation).
    pub names_shown: bool,
    pub groups: Vec<GroupLine>,
    /// The adopted rules of every level, with the priorities they anchor.
    pub adopted: Vec<AdoptedRule>,
    pub levels: Vec<LevelReport>,
    /// Every decision about a rule, in order (adopt, drop, revise, reopen, new round).
    pub decisions: Vec<DecisionLine>,
    pub timeline: Vec<TimelineEntry>,
    /// Overall support is the mean of the groups' support (each group weighs equally).
    pub equal_group_weight: bool,
    /// For a follow-up: the earlier session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<FollowsLine>,
    /// For a follow-up: each carried rule, then and now.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comparison: Vec<Comparison>,
    /// The maturity self-assessment, when the agenda has one: its dimensions, how many took it,
    /// and once revealed the mean score per dimension overall and per group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment: Option<AssessmentView>,
    /// The organisation's logo, for the formats that show it (HTML, the policy note); never in
    /// the JSON.
    #[serde(skip)]
    pub logo: Option<ReportLogo>,
}

/// A PNG image and its size in pixels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportLogo {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FollowsLine {
    pub code: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    pub level: Level,
    pub text: String,
    /// Support in the earlier session.
    pub then: Option<SupportView>,
    pub reviewers: u32,
    /// The review in this session, once revealed.
    pub now: Option<ReviewView>,
}

/// Who took part in one group.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GroupLine {
    pub group: String,
    /// People in the group at the end (not removed), proxies included.
    pub participants: u32,
    /// Of them, added by the facilitator for someone without a device.
    pub proxies: u32,
    /// Removed by the facilitator (not counted in any figure).
    pub removed: u32,
    /// The names of the people counted in `participants`, sorted; empty when not shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

/// One decision about a rule, from the session's decision log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecisionLine {
    /// Local date and time, `YYYY-MM-DD` and `HH:MM`.
    pub date: String,
    pub time: String,
    pub level: Level,
    /// The rule's number among the rules of its level (as in the tables).
    pub number: u32,
    /// The rule's text now.
    pub rule: String,
    pub action: DecisionAction,
    /// The round the decision was about (for `reopened` and `new_round`: the round that ended).
    pub round: u32,
    /// The warning the facilitator confirmed with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<Confirmation>,
}

/// A rule on the list of adopted rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdoptedRule {
    pub level: Level,
    pub text: String,
    /// Adopted after the facilitator confirmed a warning (no ratings, or a large gap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<Confirmation>,
    /// The priorities it anchors (their texts or cluster titles).
    pub anchors: Vec<String>,
    /// Overall support in its last revealed round.
    pub support: Option<f64>,
    pub adopted_with_large_gap: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LevelReport {
    pub level: Level,
    pub name: String,
    pub dots_revealed: bool,
    /// The current vote round, from 1.
    pub vote_round: u32,
    /// Participants who had placed a dot when the current round was revealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voters: Option<u32>,
    /// Ranked by dots when revealed; in order of creation otherwise. The current vote round.
    pub priorities: Vec<Priority>,
    /// Earlier vote rounds, frozen at their reveal, round 1 first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_vote_rounds: Vec<VoteRound>,
    pub ratings_revealed: bool,
    pub rules: Vec<RuleLine>,
}

/// A revealed vote round before the current one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VoteRound {
    pub round: u32,
    pub voters: u32,
    /// The items that had dots, ranked.
    pub priorities: Vec<Priority>,
}

/// A place in a ranking: equal dots share a place (`2=`), the next place counts the tied ones
/// (1, 2=, 2=, 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rank {
    pub place: u32,
    pub tied: bool,
}

impl std::fmt::Display for Rank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.tied {
            write!(f, "{}=", self.place)
        } else {
            write!(f, "{}", self.place)
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Priority {
    /// Its place by dots; `None` while the dots are not revealed.
    pub rank: Option<Rank>,
    /// The statement, or the cluster's title.
    pub text: String,
    pub dots: Option<u32>,
    /// Dots per group (every group of the session), once revealed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dots_by_group: BTreeMap<String, u32>,
    /// For a cluster: the statements merged into it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_of: Vec<String>,
    /// In a follow-up: the dots it had in the earlier session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dots_then: Option<u32>,
    /// Written by the facilitator as the facilitator.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_facilitator: bool,
}

/// One rating round of a rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RatingRound {
    /// From 1.
    pub round: u32,
    /// The text as it was rated in this round, for an earlier round whose text the session
    /// kept (the current round's text is the rule's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub raters: u32,
    /// Support overall and per group; `None` while the round is not revealed.
    pub support: Option<SupportView>,
    /// Reasons given with ratings of 1 or 2, without names, sorted by text; once revealed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleLine {
    pub text: String,
    pub status: RuleStatus,
    /// The current round.
    pub round: u32,
    /// Raters in the current round.
    pub raters: u32,
    /// Support in the current round, once revealed.
    pub support: Option<SupportView>,
    /// Every round, round 1 first; the last is the current one.
    pub rounds: Vec<RatingRound>,
    /// The priorities it anchors (their texts or cluster titles).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anchors: Vec<String>,
    /// Adopted although the groups' support differs by [`LARGE_GAP`](crate::limits::LARGE_GAP) or more.
    pub adopted_with_large_gap: bool,
    /// The warning the facilitator confirmed with the current decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<Confirmation>,
    /// Written by the facilitator as the facilitator.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_facilitator: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// Local date, `YYYY-MM-DD`.
    pub date: String,
    /// Local time, `HH:MM`.
    pub time: String,
    /// UTC, RFC 3339.
    pub at: String,
    pub phase: usize,
    pub title: String,
}

impl Report {
    /// The names of the session's groups, in the report's order (by name).
    pub fn group_names(&self) -> Vec<String> {
        self.groups.iter().map(|g| g.group.clone()).collect()
    }

    /// Whether a group with people has its names left out (see the module documentation).
    pub fn names_withheld(&self) -> bool {
        self.groups
            .iter()
            .any(|g| g.participants > 0 && g.names.is_empty())
    }

    /// A local time, with the date when it is not the report's date.
    pub fn local_when(&self, date: &str, time: &str) -> String {
        if self.date.as_deref() == Some(date) {
            time.to_string()
        } else {
            format!("{date} {time}")
        }
    }
}

impl TimelineEntry {
    pub fn when(&self, report: &Report) -> String {
        report.local_when(&self.date, &self.time)
    }
}

impl DecisionLine {
    pub fn when(&self, report: &Report) -> String {
        report.local_when(&self.date, &self.time)
    }
}

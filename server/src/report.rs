//! Reports of a session, for the policy note: the record of what the room saw and decided. Per
//! level the priorities with their dots (overall and per group, ties shown as ties) in every vote
//! round as it was frozen at its reveal, and the rules of thumb with every rating round (the text
//! as rated, support overall and per group, reasons); a one-page list of the adopted rules with
//! the priorities they anchor; the decision log (with the warnings the facilitator confirmed:
//! adopted without ratings, or despite a large gap); who took part per group; and the timeline in
//! the session's local time. Five formats from one [`Report`]: Markdown, CSV (two dialects),
//! JSON, an HTML page that prints well to PDF (charts as inline SVG) and an `.xlsx` workbook.
//!
//! A report shows only what the room has seen: dots of a level appear (also per group) once they
//! were revealed, support and reasons of a rating round once that round was revealed. No name is
//! ever tied to a dot, a rating or a reason: reasons are listed without names, sorted by text, and
//! the names of the people in a group are listed only when the group has at least
//! [`MIN_NAMED_GROUP`] people and no vote or rules phase of the agenda was anonymous (a group of
//! one would show that person's ballot as the group's). A rule adopted while the groups' support
//! differs by [`LARGE_GAP`] or more is marked (with the confirmation on record where the session
//! has one). A follow-up session's report puts then (support in
//! the earlier session) and now (the review) side by side.
//!
//! Every percentage is rounded by [`percent`] (half away from zero, as the browser app's
//! `Intl.NumberFormat` does), and every user text goes through `report/escape.rs` for its format.

mod escape;
mod xlsx;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use draagvlak_protocol::intent::RuleStatus;
use draagvlak_protocol::view::{Confirmation, Level, PhaseKind, ReviewView, SupportView};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::session::projection::{self, Audience, Presence};
use crate::session::workshop::State;

/// The time zone of reports unless configured otherwise (`--time-zone`).
pub const DEFAULT_TIME_ZONE: &str = "Europe/Amsterdam";

/// A time zone by its IANA name (`Europe/Amsterdam`), from the time-zone database bundled
/// into the binary (so a server without system time-zone data still reports local times).
pub fn time_zone(name: &str) -> Result<TimeZone, jiff::Error> {
    TimeZone::get(name)
}

/// A CSV dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Dialect {
    /// Comma separator, decimal point, English column names, no byte-order mark: the format
    /// reports always had (`csv-en`).
    International,
    /// For a Dutch-language spreadsheet: UTF-8 with a byte-order mark, `;` separator, decimal
    /// comma, Dutch column names and values (`csv-nl`).
    Dutch,
}

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    /// CSV in a dialect; `None`: the dialect of the session's language (Dutch for `nl`).
    Csv(Option<Dialect>),
    Json,
    Html,
    Xlsx,
}

/// The names [`Format::parse`] accepts, for error messages.
pub const FORMATS: &str = "md, csv, csv-en, csv-nl, json, html, xlsx";

impl Format {
    /// `md`, `csv` (the dialect of the session's language), `csv-en`, `csv-nl`, `json`, `html`
    /// or `xlsx`.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "md" | "markdown" => Some(Format::Markdown),
            "csv" => Some(Format::Csv(None)),
            "csv-en" => Some(Format::Csv(Some(Dialect::International))),
            "csv-nl" => Some(Format::Csv(Some(Dialect::Dutch))),
            "json" => Some(Format::Json),
            "html" => Some(Format::Html),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Csv(_) => "csv",
            Format::Json => "json",
            Format::Html => "html",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Csv(_) => "text/csv; charset=utf-8",
            Format::Json => "application/json",
            Format::Html => "text/html; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// Round half away from zero to `decimals` places: 0.125 → 0.13 (two places), 2.5 → 3,
/// −2.5 → −3. The value is first snapped to nine decimals, so that a half that binary floating
/// point stores a hair below (14.499999999999998 for 0.145 × 100) still rounds up, as the
/// decimal number it stands for does.
pub fn round_half_away(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    let snapped = (x * scale * 1e9).round() / 1e9;
    // `f64::round` rounds half away from zero.
    snapped.round() / scale
}

/// A share from 0 to 1 as a whole percentage, rounded half away from zero: the one rounding
/// rule of every report format (and of the browser app).
pub fn percent(share: f64) -> i64 {
    round_half_away(share * 100.0, 0) as i64
}

/// Everything a report shows: the single source of every format.
#[derive(Debug, Clone, Serialize)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follows: Option<FollowsLine>,
    /// For a follow-up: each carried rule, then and now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub comparison: Vec<Comparison>,
}

/// A difference in support between groups from which an adopted rule is marked.
pub const LARGE_GAP: f64 = 0.3;

/// Groups with fewer people than this are counted, not named: their figures would be one
/// person's.
pub const MIN_NAMED_GROUP: u32 = 2;

#[derive(Debug, Clone, Serialize)]
pub struct FollowsLine {
    pub code: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
pub struct GroupLine {
    pub group: String,
    /// People in the group at the end (not removed), proxies included.
    pub participants: u32,
    /// Of them, added by the facilitator for someone without a device.
    pub proxies: u32,
    /// Removed by the facilitator (not counted in any figure).
    pub removed: u32,
    /// The names of the people counted in `participants`, sorted; empty when not shown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

/// One decision about a rule, from the session's decision log.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionLine {
    /// Local date and time, `YYYY-MM-DD` and `HH:MM`.
    pub date: String,
    pub time: String,
    pub level: Level,
    /// The rule's number among the rules of its level (as in the tables).
    pub number: u32,
    /// The rule's text now.
    pub rule: String,
    /// `adopted`, `dropped`, `revise`, `proposed`, `reopened` or `new_round`.
    pub action: String,
    /// The round the decision was about (for `reopened` and `new_round`: the round that ended).
    pub round: u32,
    /// The warning the facilitator confirmed with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<Confirmation>,
}

/// A rule on the list of adopted rules.
#[derive(Debug, Clone, Serialize)]
pub struct AdoptedRule {
    pub level: Level,
    pub text: String,
    /// Adopted after the facilitator confirmed a warning (no ratings, or a large gap).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<Confirmation>,
    /// The priorities it anchors (their texts or cluster titles).
    pub anchors: Vec<String>,
    /// Overall support in its last revealed round.
    pub support: Option<f64>,
    pub adopted_with_large_gap: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct LevelReport {
    pub level: Level,
    pub name: String,
    pub dots_revealed: bool,
    /// The current vote round, from 1.
    pub vote_round: u32,
    /// Participants who had placed a dot when the current round was revealed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voters: Option<u32>,
    /// Ranked by dots when revealed; in order of creation otherwise. The current vote round.
    pub priorities: Vec<Priority>,
    /// Earlier vote rounds, frozen at their reveal, round 1 first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub earlier_vote_rounds: Vec<VoteRound>,
    pub ratings_revealed: bool,
    pub rules: Vec<RuleLine>,
}

/// A revealed vote round before the current one.
#[derive(Debug, Clone, Serialize)]
pub struct VoteRound {
    pub round: u32,
    pub voters: u32,
    /// The items that had dots, ranked.
    pub priorities: Vec<Priority>,
}

/// A place in a ranking: equal dots share a place (`2=`), the next place counts the tied ones
/// (1, 2=, 2=, 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
pub struct Priority {
    /// Its place by dots; `None` while the dots are not revealed.
    pub rank: Option<Rank>,
    /// The statement, or the cluster's title.
    pub text: String,
    pub dots: Option<u32>,
    /// Dots per group (every group of the session), once revealed.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub dots_by_group: BTreeMap<String, u32>,
    /// For a cluster: the statements merged into it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cluster_of: Vec<String>,
    /// In a follow-up: the dots it had in the earlier session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dots_then: Option<u32>,
    /// Written by the facilitator as the facilitator.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub from_facilitator: bool,
}

/// One rating round of a rule.
#[derive(Debug, Clone, Serialize)]
pub struct RatingRound {
    /// From 1.
    pub round: u32,
    /// The text as it was rated in this round, for an earlier round whose text the session
    /// kept (the current round's text is the rule's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub raters: u32,
    /// Support overall and per group; `None` while the round is not revealed.
    pub support: Option<SupportView>,
    /// Reasons given with ratings of 1 or 2, without names, sorted by text; once revealed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub anchors: Vec<String>,
    /// Adopted although the groups' support differs by [`LARGE_GAP`] or more.
    pub adopted_with_large_gap: bool,
    /// The warning the facilitator confirmed with the current decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<Confirmation>,
    /// Written by the facilitator as the facilitator.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub from_facilitator: bool,
}

#[derive(Debug, Clone, Serialize)]
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

/// A local time, with the date when it is not the report's date.
fn local_when(report: &Report, date: &str, time: &str) -> String {
    if report.date.as_deref() == Some(date) {
        time.to_string()
    } else {
        format!("{date} {time}")
    }
}

impl TimelineEntry {
    fn when(&self, report: &Report) -> String {
        local_when(report, &self.date, &self.time)
    }
}

impl DecisionLine {
    fn when(&self, report: &Report) -> String {
        local_when(report, &self.date, &self.time)
    }
}

fn level_name(level: Level, en: bool) -> &'static str {
    match (level, en) {
        (Level::Richten, false) => "Richten",
        (Level::Inrichten, false) => "Inrichten",
        (Level::Verrichten, false) => "Verrichten",
        (Level::Richten, true) => "Direction (richten)",
        (Level::Inrichten, true) => "Design (inrichten)",
        (Level::Verrichten, true) => "Delivery (verrichten)",
    }
}

/// A server time (ms since the Unix epoch) in a time zone.
fn local(at_ms: u64, tz: &TimeZone) -> Option<jiff::ZonedDateTime> {
    let ms = i64::try_from(at_ms).ok()?;
    Some(
        Timestamp::from_millisecond(ms)
            .ok()?
            .to_zoned_datetime(tz.clone()),
    )
}

/// Build the report of a session from its state, with times in [`DEFAULT_TIME_ZONE`].
pub fn build(state: &State) -> Report {
    let tz = time_zone(DEFAULT_TIME_ZONE).unwrap_or(TimeZone::UTC);
    build_in(state, &tz)
}

/// Ranks by dots of priorities sorted by dots (most first): equal dots share a place.
fn ranks(dots: &[u32]) -> Vec<Rank> {
    dots.iter()
        .map(|d| Rank {
            place: 1 + dots.iter().filter(|o| *o > d).count() as u32,
            tied: dots.iter().filter(|o| *o == d).count() > 1,
        })
        .collect()
}

/// Build the report of a session from its state, with local times in `tz`.
pub fn build_in(state: &State, tz: &TimeZone) -> Report {
    let en = state.meta.language == "en";
    let view = projection::view(state, &Presence::new(), Audience::Facilitator);
    // Dots per item and group, counted now, for revealed levels only: for sessions revealed
    // before the record of vote rounds existed (otherwise the view gives the record's figures).
    let mut by_group: HashMap<&str, BTreeMap<String, u32>> = HashMap::new();
    for (pid, dots) in &state.dots {
        let Some(p) = state.participants.get(pid) else {
            continue;
        };
        for (item, n) in dots {
            if state
                .item_level(item)
                .is_some_and(|l| state.revealed_dots.contains(&l))
            {
                *by_group
                    .entry(item.as_str())
                    .or_default()
                    .entry(p.group.clone())
                    .or_default() += n;
            }
        }
    }
    let group_dots = |id: &str, revealed: bool| -> BTreeMap<String, u32> {
        if !revealed {
            return BTreeMap::new();
        }
        let mut out: BTreeMap<String, u32> = state.groups.iter().map(|g| (g.clone(), 0)).collect();
        if let Some(m) = by_group.get(id) {
            for (g, n) in m {
                *out.entry(g.clone()).or_default() += n;
            }
        }
        out
    };
    // A statement anchors through its cluster.
    let item_text = |id: &String| -> Option<String> {
        let id = state
            .statements
            .get(id)
            .and_then(|s| s.cluster.clone())
            .unwrap_or_else(|| id.clone());
        view.clusters
            .get(&id)
            .map(|c| c.title.clone())
            .or_else(|| view.statements.get(&id).map(|s| s.text.clone()))
    };
    let anchors_of = |ids: &[String]| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in ids.iter().filter_map(item_text) {
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out
    };
    let levels: Vec<LevelReport> = Level::ALL
        .into_iter()
        .map(|level| {
            let dots_revealed = state.revealed_dots.contains(&level);
            // Priorities: clusters, and the statements left alone.
            let mut priorities: Vec<(u32, u64, Priority)> = view
                .statements
                .iter()
                .filter(|(_, s)| s.level == level && !s.hidden && s.cluster.is_none())
                .map(|(id, s)| {
                    (
                        s.dots.unwrap_or(0),
                        s.seq,
                        Priority {
                            rank: None,
                            text: s.text.clone(),
                            dots: s.dots,
                            dots_by_group: s
                                .dots_by_group
                                .clone()
                                .unwrap_or_else(|| group_dots(id, s.dots.is_some())),
                            cluster_of: Vec::new(),
                            dots_then: s.dots_then,
                            from_facilitator: s.from_facilitator,
                        },
                    )
                })
                .collect();
            for (id, c) in view.clusters.iter().filter(|(_, c)| c.level == level) {
                let members = c
                    .statements
                    .iter()
                    .filter_map(|sid| view.statements.get(sid))
                    .filter(|s| !s.hidden)
                    .map(|s| s.text.clone())
                    .collect();
                priorities.push((
                    c.dots.unwrap_or(0),
                    c.seq,
                    Priority {
                        rank: None,
                        text: c.title.clone(),
                        dots: c.dots,
                        dots_by_group: c
                            .dots_by_group
                            .clone()
                            .unwrap_or_else(|| group_dots(id, c.dots.is_some())),
                        cluster_of: members,
                        dots_then: None,
                        from_facilitator: false,
                    },
                ));
            }
            priorities.sort_by_key(|(dots, seq, _)| (std::cmp::Reverse(*dots), *seq));
            let mut priorities: Vec<Priority> = priorities.into_iter().map(|(_, _, p)| p).collect();
            if dots_revealed {
                let dots: Vec<u32> = priorities.iter().map(|p| p.dots.unwrap_or(0)).collect();
                for (p, rank) in priorities.iter_mut().zip(ranks(&dots)) {
                    p.rank = Some(rank);
                }
            }
            let earlier_vote_rounds = state
                .earlier_vote_rounds(level)
                .map(|record| {
                    let mut items: Vec<(u32, u64, Priority)> = record
                        .totals
                        .iter()
                        .map(|(item, per_group)| {
                            let seq = state
                                .statements
                                .get(item)
                                .map(|s| s.seq)
                                .or_else(|| state.clusters.get(item).map(|c| c.seq))
                                .unwrap_or(u64::MAX);
                            let dots = record.total(item);
                            (
                                dots,
                                seq,
                                Priority {
                                    rank: None,
                                    text: item_text(item).unwrap_or_default(),
                                    dots: Some(dots),
                                    dots_by_group: per_group.clone(),
                                    cluster_of: Vec::new(),
                                    dots_then: None,
                                    from_facilitator: false,
                                },
                            )
                        })
                        .collect();
                    items.sort_by_key(|(dots, seq, _)| (std::cmp::Reverse(*dots), *seq));
                    let dots: Vec<u32> = items.iter().map(|(d, _, _)| *d).collect();
                    VoteRound {
                        round: record.round,
                        voters: record.voters,
                        priorities: items
                            .into_iter()
                            .zip(ranks(&dots))
                            .map(|((_, _, mut p), rank)| {
                                p.rank = Some(rank);
                                p
                            })
                            .collect(),
                    }
                })
                .collect();
            let mut rules: Vec<_> = state
                .rules
                .iter()
                .filter(|(_, r)| r.level == level)
                .collect();
            rules.sort_by_key(|(_, r)| r.seq);
            LevelReport {
                level,
                name: level_name(level, en).to_string(),
                dots_revealed,
                vote_round: state.vote_round(level),
                voters: state.revealed_votes(level).map(|r| r.voters),
                priorities,
                earlier_vote_rounds,
                ratings_revealed: state.revealed_ratings.contains(&level),
                rules: rules
                    .into_iter()
                    .map(|(id, r)| {
                        let rounds = rating_rounds(state, id, r);
                        let support = rounds.last().and_then(|x| x.support.clone());
                        RuleLine {
                            text: r.text.clone(),
                            status: r.status,
                            round: r.round,
                            raters: rounds.last().map(|x| x.raters).unwrap_or(0),
                            adopted_with_large_gap: r.status == RuleStatus::Adopted
                                && support
                                    .as_ref()
                                    .and_then(|s| s.gap)
                                    .is_some_and(|g| g >= LARGE_GAP),
                            support,
                            rounds,
                            anchors: anchors_of(&r.anchors),
                            confirmed: r.confirmed,
                            from_facilitator: r.author
                                == crate::session::workshop::FACILITATOR_AUTHOR,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let adopted = levels
        .iter()
        .flat_map(|l| {
            l.rules
                .iter()
                .filter(|r| r.status == RuleStatus::Adopted)
                .map(|r| AdoptedRule {
                    level: l.level,
                    text: r.text.clone(),
                    confirmed: r.confirmed,
                    anchors: r.anchors.clone(),
                    support: r
                        .rounds
                        .iter()
                        .rev()
                        .find_map(|x| x.support.as_ref())
                        .and_then(|s| s.overall),
                    adopted_with_large_gap: r.adopted_with_large_gap,
                })
        })
        .collect();
    let mut carried: Vec<_> = view
        .rules
        .values()
        .filter(|r| r.reviewers.is_some())
        .collect();
    carried.sort_by_key(|r| (r.level, r.seq));
    let comparison = carried
        .into_iter()
        .map(|r| Comparison {
            level: r.level,
            text: r.text.clone(),
            then: r.support_then.clone(),
            reviewers: r.reviewers.unwrap_or(0),
            now: r.review.clone(),
        })
        .collect();
    let names_shown = !state.phases.iter().any(|p| {
        p.anonymous
            && matches!(
                p.kind,
                PhaseKind::Vote | PhaseKind::Rules | PhaseKind::Review
            )
    });
    let mut groups: Vec<GroupLine> = state
        .groups
        .iter()
        .map(|g| GroupLine {
            group: g.clone(),
            participants: 0,
            proxies: 0,
            removed: 0,
            names: Vec::new(),
        })
        .collect();
    for p in state.participants.values() {
        let i = match groups.iter().position(|g| g.group == p.group) {
            Some(i) => i,
            None => {
                groups.push(GroupLine {
                    group: p.group.clone(),
                    participants: 0,
                    proxies: 0,
                    removed: 0,
                    names: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[i];
        if p.removed {
            g.removed += 1;
        } else {
            g.participants += 1;
            g.proxies += u32::from(p.proxy);
            g.names.push(p.name.clone());
        }
    }
    // By name, as the view's groups are (and as reports always listed them).
    groups.sort_by(|a, b| a.group.cmp(&b.group));
    for g in &mut groups {
        if names_shown && g.participants >= MIN_NAMED_GROUP {
            g.names.sort_by_key(|n| n.to_lowercase());
        } else {
            g.names.clear();
        }
    }
    let timeline: Vec<TimelineEntry> = state
        .phase_log
        .iter()
        .map(|e| {
            let zoned = local(e.at_ms, tz);
            TimelineEntry {
                date: zoned
                    .as_ref()
                    .map(|z| z.date().to_string())
                    .unwrap_or_default(),
                time: zoned
                    .as_ref()
                    .map(|z| z.strftime("%H:%M").to_string())
                    .unwrap_or_default(),
                at: i64::try_from(e.at_ms)
                    .ok()
                    .and_then(|ms| Timestamp::from_millisecond(ms).ok())
                    .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
                    .unwrap_or_default(),
                phase: e.phase,
                title: state
                    .phases
                    .get(e.phase)
                    .map(|p| {
                        if en {
                            p.title.en.clone()
                        } else {
                            p.title.nl.clone()
                        }
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    let decisions = state
        .decision_log
        .iter()
        .filter_map(|d| {
            let rule = state.rules.get(&d.rule)?;
            let zoned = local(d.at_ms, tz);
            Some(DecisionLine {
                date: zoned
                    .as_ref()
                    .map(|z| z.date().to_string())
                    .unwrap_or_default(),
                time: zoned
                    .as_ref()
                    .map(|z| z.strftime("%H:%M").to_string())
                    .unwrap_or_default(),
                level: rule.level,
                number: 1 + state
                    .rules
                    .values()
                    .filter(|x| x.level == rule.level && x.seq < rule.seq)
                    .count() as u32,
                rule: rule.text.clone(),
                action: d.action.clone(),
                round: d.round,
                confirmed: d.confirmed,
            })
        })
        .collect();
    Report {
        decisions,
        equal_group_weight: state.equal_group_weight,
        follows: view.follows.as_ref().map(|f| FollowsLine {
            code: f.code.clone(),
            title: f.title.clone(),
        }),
        comparison,
        title: state.meta.title.clone(),
        organisation: state.meta.organisation.clone(),
        place: state.place.clone(),
        language: state.meta.language.clone(),
        code: state.meta.code.clone(),
        time_zone: tz.iana_name().unwrap_or("UTC").to_string(),
        date: timeline.first().map(|t| t.date.clone()),
        start_time: timeline.first().map(|t| t.time.clone()),
        // The last phase change or decision, whichever came later.
        end_time: state
            .phase_log
            .iter()
            .map(|e| e.at_ms)
            .chain(state.decision_log.iter().map(|d| d.at_ms))
            .max()
            .and_then(|ms| local(ms, tz))
            .map(|z| z.strftime("%H:%M").to_string()),
        names_shown,
        groups,
        adopted,
        levels,
        timeline,
    }
}

/// Every rating round of a rule: support and reasons only for revealed rounds.
fn rating_rounds(
    state: &State,
    id: &str,
    rule: &crate::session::workshop::Rule,
) -> Vec<RatingRound> {
    let earlier_ratings = state.earlier_ratings.get(id);
    let earlier_reasons = state.earlier_reasons.get(id);
    (1..=rule.round.max(1))
        .map(|round| {
            let i = (round - 1) as usize;
            let current = round == rule.round.max(1);
            let ratings = if current {
                state.ratings.get(id)
            } else {
                earlier_ratings.and_then(|r| r.get(i))
            };
            let reasons = if current {
                state.reasons.get(id)
            } else {
                earlier_reasons.and_then(|r| r.get(i))
            };
            let revealed = rule.revealed_round >= round;
            let mut reasons: Vec<String> = if revealed {
                reasons
                    .map(|m| m.values().cloned().collect())
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            reasons.sort();
            RatingRound {
                round,
                text: if current {
                    None
                } else {
                    rule.earlier_texts.get(i).cloned()
                },
                raters: ratings.map(|m| m.len() as u32).unwrap_or(0),
                support: revealed.then(|| projection::support_of(state, ratings)),
                reasons,
            }
        })
        .collect()
}

/// Texts of the report in its session's language.
struct Words {
    participants: &'static str,
    group: &'static str,
    count: &'static str,
    proxies: &'static str,
    removed: &'static str,
    names: &'static str,
    names_hidden: &'static str,
    priorities: &'static str,
    statement: &'static str,
    dots: &'static str,
    not_revealed: &'static str,
    rules: &'static str,
    rule: &'static str,
    raters: &'static str,
    support: &'static str,
    gap: &'static str,
    timeline: &'static str,
    time: &'static str,
    phase: &'static str,
    code: &'static str,
    date: &'static str,
    place: &'static str,
    session: &'static str,
    title: &'static str,
    organisation: &'static str,
    time_zone: &'static str,
    none: &'static str,
    status: &'static str,
    statuses: [&'static str; 4],
    round: &'static str,
    reasons: &'static str,
    anchors: &'static str,
    large_gap: &'static str,
    equal_weight: &'static str,
    cluster_of: &'static str,
    follows: &'static str,
    comparison: &'static str,
    then: &'static str,
    applied: &'static str,
    still_right: &'static str,
    answers: &'static str,
    dots_then: &'static str,
    adopted: &'static str,
    level: &'static str,
    ties: &'static str,
    as_rated: &'static str,
    vote_round: &'static str,
    voters: &'static str,
    decisions: &'static str,
    decision: &'static str,
    reopened: &'static str,
    new_round: &'static str,
    confirmed_no_ratings: &'static str,
    confirmed_large_gap: &'static str,
    by_facilitator: &'static str,
    warning: &'static str,
    removed_raters: &'static str,
    weekdays: [&'static str; 7],
    months: [&'static str; 12],
}

const NL: Words = Words {
    participants: "Deelnemers",
    group: "groep",
    count: "aantal",
    proxies: "via de facilitator",
    removed: "verwijderd",
    names: "namen",
    names_hidden: "Namen worden niet vermeld bij een groep van één persoon of na een anonieme stem- of vuistregelfase.",
    priorities: "Prioriteiten",
    statement: "uitspraak",
    dots: "stippen",
    not_revealed: "niet getoond",
    rules: "Vuistregels",
    rule: "vuistregel",
    raters: "beoordeeld door",
    support: "draagvlak",
    gap: "verschil",
    timeline: "Tijdlijn",
    time: "tijd",
    phase: "fase",
    code: "Code",
    date: "Datum",
    place: "Plaats",
    session: "Sessie",
    title: "titel",
    organisation: "organisatie",
    time_zone: "tijdzone",
    none: "geen",
    status: "status",
    statuses: ["voorgesteld", "aangenomen", "herzien", "vervallen"],
    round: "ronde",
    reasons: "redenen bij lage scores",
    anchors: "verankert",
    large_gap: "aangenomen terwijl de groepen sterk verschillen",
    equal_weight: "Elke groep weegt even zwaar in het totale draagvlak.",
    cluster_of: "samengevoegd uit",
    follows: "Vervolg op",
    comparison: "Toen en nu",
    then: "draagvlak toen",
    applied: "toegepast",
    still_right: "klopt nog",
    answers: "ja / deels / nee",
    dots_then: "stippen toen",
    adopted: "Aangenomen vuistregels",
    level: "niveau",
    ties: "Een gedeelde plaats staat als 2=: evenveel stippen.",
    as_rated: "tekst zoals beoordeeld",
    vote_round: "stemronde",
    voters: "stemmers",
    decisions: "Besluiten",
    decision: "besluit",
    reopened: "heropend",
    new_round: "nieuwe ronde",
    confirmed_no_ratings: "bevestigd zonder beoordelingen",
    confirmed_large_gap: "bevestigd ondanks een groot verschil tussen de groepen",
    by_facilitator: "door de facilitator",
    warning: "waarschuwing",
    removed_raters: "van later verwijderde deelnemers",
    weekdays: [
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "zaterdag",
        "zondag",
    ],
    months: [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
};

const EN: Words = Words {
    participants: "Participants",
    group: "group",
    count: "number",
    proxies: "by proxy",
    removed: "removed",
    names: "names",
    names_hidden: "Names are not listed for a group of one, or after an anonymous vote or rules phase.",
    priorities: "Priorities",
    statement: "statement",
    dots: "dots",
    not_revealed: "not revealed",
    rules: "Rules of thumb",
    rule: "rule of thumb",
    raters: "rated by",
    support: "support",
    gap: "gap",
    timeline: "Timeline",
    time: "time",
    phase: "phase",
    code: "Code",
    date: "Date",
    place: "Place",
    session: "Session",
    title: "title",
    organisation: "organisation",
    time_zone: "time zone",
    none: "none",
    status: "status",
    statuses: ["proposed", "adopted", "revise", "dropped"],
    round: "round",
    reasons: "reasons given with low ratings",
    anchors: "anchors",
    large_gap: "adopted although the groups differ strongly",
    equal_weight: "Each group weighs equally in overall support.",
    cluster_of: "merged from",
    follows: "Follow-up of",
    comparison: "Then and now",
    then: "support then",
    applied: "applied",
    still_right: "still right",
    answers: "yes / partly / no",
    dots_then: "dots then",
    adopted: "Adopted rules of thumb",
    level: "level",
    ties: "A shared place reads 2=: equal dots.",
    as_rated: "text as rated",
    vote_round: "vote round",
    voters: "voters",
    decisions: "Decisions",
    decision: "decision",
    reopened: "reopened",
    new_round: "new round",
    confirmed_no_ratings: "confirmed without ratings",
    confirmed_large_gap: "confirmed despite a large gap between the groups",
    by_facilitator: "by the facilitator",
    warning: "warning",
    removed_raters: "by participants removed later",
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
};

fn status_word(w: &Words, status: RuleStatus) -> &'static str {
    match status {
        RuleStatus::Proposed => w.statuses[0],
        RuleStatus::Adopted => w.statuses[1],
        RuleStatus::Revise => w.statuses[2],
        RuleStatus::Dropped => w.statuses[3],
    }
}

/// A decision of the log in words: `aangenomen`, `heropend`, …
fn action_word(w: &Words, action: &str) -> String {
    match action {
        "reopened" => w.reopened.to_string(),
        "new_round" => w.new_round.to_string(),
        other => RuleStatus::parse(other)
            .map(|s| status_word(w, s).to_string())
            .unwrap_or_else(|| other.to_string()),
    }
}

/// The warning a decision carries: the one the facilitator confirmed (as the record keeps
/// it), or, for a session from before confirmations, a large gap at adoption.
fn decision_mark(
    w: &Words,
    confirmed: Option<Confirmation>,
    adopted_with_large_gap: bool,
) -> Option<&'static str> {
    match confirmed {
        Some(Confirmation::NoRatings) => Some(w.confirmed_no_ratings),
        Some(Confirmation::LargeGap) => Some(w.confirmed_large_gap),
        None if adopted_with_large_gap => Some(w.large_gap),
        None => None,
    }
}

fn counts(c: &draagvlak_protocol::view::AnswerCounts) -> String {
    format!("{} / {} / {}", c.yes, c.partly, c.no)
}

fn words(report: &Report) -> &'static Words {
    if report.language == "en" { &EN } else { &NL }
}

/// A share as shown in every format but CSV: `67%`, or `–` without one.
fn pct(share: Option<f64>) -> String {
    match share {
        Some(s) => format!("{}%", percent(s)),
        None => "–".into(),
    }
}

fn group_names(report: &Report) -> Vec<String> {
    report.groups.iter().map(|g| g.group.clone()).collect()
}

fn level_label(report: &Report, level: Level) -> &'static str {
    level_name(level, report.language == "en")
}

/// The session's date in words (`dinsdag 2 maart 2027`) with its times and time zone
/// (`09:20–10:20 (Europe/Amsterdam)`).
fn when(report: &Report) -> Option<String> {
    let w = words(report);
    let date: jiff::civil::Date = report.date.as_deref()?.parse().ok()?;
    let weekday = w.weekdays[date.weekday().to_monday_zero_offset() as usize];
    let month = w.months[(date.month() - 1) as usize];
    let mut out = format!("{weekday} {} {month} {}", date.day(), date.year());
    if let (Some(a), Some(b)) = (&report.start_time, &report.end_time) {
        let _ = write!(out, ", {a}–{b}");
    }
    let _ = write!(out, " ({})", report.time_zone);
    Some(out)
}

/// The number of people of a group, with proxies and removals.
fn group_count(w: &Words, g: &GroupLine) -> String {
    let mut out = g.participants.to_string();
    if g.proxies > 0 {
        let _ = write!(out, " ({} {})", g.proxies, w.proxies);
    }
    if g.removed > 0 {
        let _ = write!(out, "; {} {}", g.removed, w.removed);
    }
    out
}

/// The rank column: `2=`, or `–` while the dots are not revealed.
fn rank_text(p: &Priority) -> String {
    p.rank.map(|r| r.to_string()).unwrap_or_else(|| "–".into())
}

/// Support of a round in words: `50% (business 0%, ict 100%; verschil 100%)`.
fn support_words(w: &Words, groups: &[String], s: &SupportView, esc: fn(&str) -> String) -> String {
    let per_group: Vec<String> = groups
        .iter()
        .map(|g| format!("{} {}", esc(g), pct(s.by_group.get(g).copied().flatten())))
        .collect();
    let mut out = format!("{} {}", w.support, pct(s.overall));
    if !per_group.is_empty() {
        let _ = write!(out, " ({}", per_group.join(", "));
        if s.gap.is_some() {
            let _ = write!(out, "; {} {}", w.gap, pct(s.gap));
        }
        out.push(')');
    }
    out
}

/// A table of priorities (with dots per group when revealed) and the note on ties.
fn md_priorities(
    out: &mut String,
    w: &Words,
    groups: &[String],
    priorities: &[Priority],
    revealed: bool,
) {
    use escape::markdown as md;
    let then = priorities.iter().any(|p| p.dots_then.is_some());
    let mut header = format!("| # | {} | {} |", w.statement, w.dots);
    let mut line = "|---:|---|---:|".to_string();
    if revealed {
        for g in groups {
            let _ = write!(header, " {} |", md(g));
            line.push_str("---:|");
        }
    }
    if then {
        let _ = write!(header, " {} |", w.dots_then);
        line.push_str("---:|");
    }
    let _ = writeln!(out, "{header}\n{line}");
    for p in priorities {
        let dots = p
            .dots
            .map(|d| d.to_string())
            .unwrap_or_else(|| w.not_revealed.to_string());
        let mut text = md(&p.text);
        if !p.cluster_of.is_empty() {
            let members: Vec<String> = p.cluster_of.iter().map(|m| md(m)).collect();
            let _ = write!(text, " ({}: {})", w.cluster_of, members.join("; "));
        }
        if p.from_facilitator {
            let _ = write!(text, " ({})", w.by_facilitator);
        }
        let mut row = format!("| {} | {text} | {dots} |", rank_text(p));
        if revealed {
            for g in groups {
                let n = p.dots_by_group.get(g).copied().unwrap_or(0);
                let _ = write!(row, " {n} |");
            }
        }
        if then {
            let then = p.dots_then.map(|d| d.to_string()).unwrap_or_default();
            let _ = write!(row, " {then} |");
        }
        let _ = writeln!(out, "{row}");
    }
    if priorities.iter().any(|p| p.rank.is_some_and(|r| r.tied)) {
        let _ = writeln!(out, "\n{}", w.ties);
    }
}

/// Markdown, for pasting into a policy note. Every user text is escaped (see
/// `escape::markdown`).
pub fn markdown(report: &Report) -> String {
    use escape::markdown as md;
    let w = words(report);
    let groups = group_names(report);
    let mut out = String::new();
    let _ = writeln!(out, "# {}", md(&report.title));
    let organisation = md(&report.organisation);
    if !organisation.is_empty() {
        let _ = writeln!(out, "\n{organisation}");
    }
    let place = md(&report.place);
    if !place.is_empty() {
        let _ = writeln!(out, "\n{}: {place}", w.place);
    }
    let _ = writeln!(out, "\n{}: {}", w.code, md(&report.code));
    if let Some(when) = when(report) {
        // Made by the server (weekday, month, digits and the configured zone): nothing to escape.
        let _ = writeln!(out, "\n{}: {when}", w.date);
    }
    if let Some(f) = &report.follows {
        let _ = writeln!(out, "\n{}: {} ({})", w.follows, md(&f.title), md(&f.code));
    }
    let _ = writeln!(
        out,
        "\n## {}\n\n| {} | {} | {} |\n|---|---:|---|",
        w.participants, w.group, w.count, w.names
    );
    for g in &report.groups {
        let names: Vec<String> = g.names.iter().map(|n| md(n)).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            md(&g.group),
            group_count(w, g),
            names.join(", ")
        );
    }
    if report
        .groups
        .iter()
        .any(|g| g.participants > 0 && g.names.is_empty())
    {
        let _ = writeln!(out, "\n{}", w.names_hidden);
    }
    if report.equal_group_weight {
        let _ = writeln!(out, "\n{}", w.equal_weight);
    }
    let _ = writeln!(out, "\n## {}\n", w.adopted);
    if report.adopted.is_empty() {
        let _ = writeln!(out, "_{}_", w.none);
    } else {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |\n|---|---|---:|---|",
            w.level, w.rule, w.support, w.anchors
        );
        for a in &report.adopted {
            let anchors: Vec<String> = a.anchors.iter().map(|x| md(x)).collect();
            let mut support = pct(a.support);
            if let Some(mark) = decision_mark(w, a.confirmed, a.adopted_with_large_gap) {
                let _ = write!(support, " ⚠ {mark}");
            }
            let _ = writeln!(
                out,
                "| {} | {} | {support} | {} |",
                level_label(report, a.level),
                md(&a.text),
                anchors.join("; ")
            );
        }
    }
    for level in &report.levels {
        let _ = writeln!(out, "\n## {}\n\n### {}\n", level.name, w.priorities);
        if level.priorities.is_empty() {
            let _ = writeln!(out, "_{}_", w.none);
        } else {
            md_priorities(&mut out, w, &groups, &level.priorities, level.dots_revealed);
            if let Some(voters) = level.voters {
                let _ = writeln!(
                    out,
                    "\n{} {} · {voters} {}",
                    w.vote_round, level.vote_round, w.voters
                );
            }
        }
        for round in &level.earlier_vote_rounds {
            let _ = writeln!(
                out,
                "\n#### {} {} ({} {})\n",
                w.vote_round, round.round, round.voters, w.voters
            );
            md_priorities(&mut out, w, &groups, &round.priorities, true);
        }
        let _ = writeln!(out, "\n### {}\n", w.rules);
        if level.rules.is_empty() {
            let _ = writeln!(out, "_{}_", w.none);
            continue;
        }
        let mut header = format!(
            "| {} | {} | {} | {} | {} |",
            w.rule, w.status, w.round, w.raters, w.support
        );
        let mut line = "|---|---|---:|---:|---:|".to_string();
        for g in &groups {
            let _ = write!(header, " {} |", md(g));
            line.push_str("---:|");
        }
        let _ = write!(header, " {} |", w.gap);
        line.push_str("---:|");
        let _ = writeln!(out, "{header}\n{line}");
        for r in &level.rules {
            let mut status = status_word(w, r.status).to_string();
            if let Some(mark) = decision_mark(w, r.confirmed, r.adopted_with_large_gap) {
                let _ = write!(status, " ⚠ {mark}");
            }
            let mut row = format!(
                "| {} | {status} | {} | {} |",
                md(&r.text),
                r.round,
                r.raters
            );
            match &r.support {
                Some(s) => {
                    let _ = write!(row, " {} |", pct(s.overall));
                    for g in &groups {
                        let _ = write!(row, " {} |", pct(s.by_group.get(g).copied().flatten()));
                    }
                    let _ = write!(row, " {} |", pct(s.gap));
                }
                None => {
                    for _ in 0..groups.len() + 2 {
                        let _ = write!(row, " {} |", w.not_revealed);
                    }
                }
            }
            let _ = writeln!(out, "{row}");
        }
        // Each rule with its anchors and every round: support, reasons.
        out.push('\n');
        for r in &level.rules {
            if r.from_facilitator {
                let _ = writeln!(out, "- {} ({})", md(&r.text), w.by_facilitator);
            } else {
                let _ = writeln!(out, "- {}", md(&r.text));
            }
            if !r.anchors.is_empty() {
                let anchors: Vec<String> = r.anchors.iter().map(|a| md(a)).collect();
                let _ = writeln!(out, "  - {}: {}", w.anchors, anchors.join("; "));
            }
            for round in &r.rounds {
                let mut line = format!("{} {}", w.round, round.round);
                if let Some(text) = round.text.as_ref().filter(|t| **t != r.text) {
                    let _ = write!(line, " ({}: {})", w.as_rated, md(text));
                }
                match &round.support {
                    Some(s) => {
                        let _ = write!(line, ": {}", support_words(w, &groups, s, md));
                    }
                    None => {
                        let _ = write!(line, ": {}", w.not_revealed);
                    }
                }
                let _ = write!(line, "; {} {}", w.raters, round.raters);
                if let Some(n) = round.support.as_ref().map(|s| s.removed).filter(|n| *n > 0) {
                    let _ = write!(line, " ({n} {})", w.removed_raters);
                }
                let _ = writeln!(out, "  - {line}");
                if !round.reasons.is_empty() {
                    let _ = writeln!(out, "    - {}:", w.reasons);
                    for reason in &round.reasons {
                        let _ = writeln!(out, "      - {}", md(reason));
                    }
                }
            }
        }
    }
    if !report.decisions.is_empty() {
        let _ = writeln!(
            out,
            "\n## {}\n\n| {} | {} | {} | {} | {} |\n|---|---|---|---|---:|",
            w.decisions, w.time, w.level, w.rule, w.decision, w.round
        );
        for d in &report.decisions {
            let mut what = action_word(w, &d.action);
            if let Some(mark) = decision_mark(w, d.confirmed, false) {
                let _ = write!(what, " ⚠ {mark}");
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {what} | {} |",
                d.when(report),
                level_label(report, d.level),
                md(&d.rule),
                d.round
            );
        }
    }
    if !report.comparison.is_empty() {
        let _ = writeln!(out, "\n## {}\n", w.comparison);
        let mut header = format!("| {} | {} |", w.rule, w.then);
        let mut line = "|---|---:|".to_string();
        for g in &groups {
            let _ = write!(header, " {} {} |", w.then, md(g));
            line.push_str("---:|");
        }
        let _ = write!(header, " {} ({}) |", w.applied, w.answers);
        line.push_str("---:|");
        for g in &groups {
            let _ = write!(header, " {} {} |", w.applied, md(g));
            line.push_str("---:|");
        }
        let _ = write!(header, " {} ({}) |", w.still_right, w.answers);
        line.push_str("---:|");
        for g in &groups {
            let _ = write!(header, " {} {} |", w.still_right, md(g));
            line.push_str("---:|");
        }
        let _ = writeln!(out, "{header}\n{line}");
        for c in &report.comparison {
            let then = c.then.as_ref();
            let mut row = format!(
                "| {} | {} |",
                md(&c.text),
                pct(then.and_then(|s| s.overall))
            );
            for g in &groups {
                let share = then.and_then(|s| s.by_group.get(g).copied().flatten());
                let _ = write!(row, " {} |", pct(share));
            }
            match &c.now {
                Some(now) => {
                    let _ = write!(row, " {} |", counts(&now.applied));
                    for g in &groups {
                        let cell = now.applied_by_group.get(g).map(counts).unwrap_or_default();
                        let _ = write!(row, " {cell} |");
                    }
                    let _ = write!(row, " {} |", counts(&now.still_right));
                    for g in &groups {
                        let cell = now
                            .still_right_by_group
                            .get(g)
                            .map(counts)
                            .unwrap_or_default();
                        let _ = write!(row, " {cell} |");
                    }
                }
                None => {
                    for _ in 0..2 * (groups.len() + 1) {
                        let _ = write!(row, " {} |", w.not_revealed);
                    }
                }
            }
            let _ = writeln!(out, "{row}");
        }
    }
    let _ = writeln!(
        out,
        "\n## {}\n\n| {} ({}) | {} |\n|---|---|",
        w.timeline,
        w.time,
        md(&report.time_zone),
        w.phase
    );
    for t in &report.timeline {
        let _ = writeln!(
            out,
            "| {} | {}. {} |",
            t.when(report),
            t.phase + 1,
            md(&t.title)
        );
    }
    out
}

impl Dialect {
    /// The dialect of a session's language: Dutch for `nl`, international otherwise.
    pub fn of(language: &str) -> Dialect {
        if language == "nl" {
            Dialect::Dutch
        } else {
            Dialect::International
        }
    }

    fn delimiter(self) -> u8 {
        match self {
            Dialect::International => b',',
            Dialect::Dutch => b';',
        }
    }

    /// A share from 0 to 1 with three decimals (rounded half away from zero), with the
    /// dialect's decimal separator: `0.667` or `0,667`.
    fn share(self, share: Option<f64>) -> String {
        let Some(v) = share else {
            return String::new();
        };
        let text = format!("{:.3}", round_half_away(v, 3));
        match self {
            Dialect::International => text,
            Dialect::Dutch => text.replace('.', ","),
        }
    }
}

/// Column names and fixed values of a CSV dialect.
struct CsvWords {
    columns: [&'static str; 9],
    support: &'static str,
    gap: &'static str,
    dots: &'static str,
    anchors: &'static str,
    confirmed: &'static str,
    /// Time (local), participants, proxies, removed, names.
    people: [&'static str; 5],
    kinds: [&'static str; 9],
    confirmations: [&'static str; 2],
}

const CSV_EN: CsvWords = CsvWords {
    columns: [
        "kind", "level", "rank", "text", "dots", "status", "round", "raters", "support",
    ],
    support: "support",
    gap: "gap",
    dots: "dots",
    anchors: "anchors",
    confirmed: "confirmed",
    people: ["time", "participants", "proxies", "removed", "names"],
    kinds: [
        "priority",
        "rule",
        "round",
        "reason",
        "vote_round",
        "decision",
        "group",
        "phase",
        "session",
    ],
    confirmations: ["no_ratings", "large_gap"],
};

const CSV_NL: CsvWords = CsvWords {
    columns: [
        "soort",
        "niveau",
        "plaats",
        "tekst",
        "stippen",
        "status",
        "ronde",
        "beoordeeld_door",
        "draagvlak",
    ],
    support: "draagvlak",
    gap: "verschil",
    dots: "stippen",
    anchors: "verankert",
    confirmed: "bevestigd",
    people: [
        "tijd",
        "deelnemers",
        "via_facilitator",
        "verwijderd",
        "namen",
    ],
    kinds: [
        "prioriteit",
        "vuistregel",
        "ronde",
        "reden",
        "stemronde",
        "besluit",
        "groep",
        "fase",
        "sessie",
    ],
    confirmations: ["zonder beoordelingen", "groot verschil"],
};

/// CSV: one row per priority (with its vote round), per priority of an earlier vote round, per
/// rule (its current round), per earlier rating round (its text as rated), per reason and per
/// decision, and per group (who took part) and phase change, after one row for the session
/// (title, organisation and place; date and local times), for a spreadsheet. Columns: kind,
/// level, rank (`2=` for a shared place), text, dots, status (for a decision: what was decided),
/// round (for a phase: its number), raters, support, support per group, gap, dots per group,
/// anchors, confirmed (the warning the facilitator confirmed), time (local, of a decision or a
/// phase change), participants, proxies, removed, names (of a group). Shares are from 0 to 1
/// with three decimals. Every text cell goes through `escape::spreadsheet`.
pub fn csv(report: &Report, dialect: Dialect) -> Result<String, csv::Error> {
    use escape::spreadsheet as cell;
    let (cw, status_of): (&CsvWords, fn(RuleStatus) -> &'static str) = match dialect {
        Dialect::International => (&CSV_EN, |s| s.as_str()),
        Dialect::Dutch => (&CSV_NL, |s| status_word(&NL, s)),
    };
    let groups = group_names(report);
    let mut w = csv::WriterBuilder::new()
        .delimiter(dialect.delimiter())
        .from_writer(Vec::new());
    let mut header: Vec<String> = cw.columns.iter().map(|c| c.to_string()).collect();
    header.extend(groups.iter().map(|g| cell(&format!("{}_{g}", cw.support))));
    header.push(cw.gap.into());
    header.extend(groups.iter().map(|g| cell(&format!("{}_{g}", cw.dots))));
    header.push(cw.anchors.into());
    header.push(cw.confirmed.into());
    header.extend(cw.people.iter().map(|c| c.to_string()));
    w.write_record(&header)?;
    // Every row as wide as the header: the cells a kind of row does not use stay empty.
    let width = header.len();
    let put = |w: &mut csv::Writer<Vec<u8>>, mut row: Vec<String>| {
        row.resize(width, String::new());
        w.write_record(&row)
    };
    let group_columns = cw.columns.len() + 2 * groups.len() + 3;
    // The session: title, organisation and place in the text, its date and times in `time`.
    let facts: Vec<&str> = [&report.title, &report.organisation, &report.place]
        .into_iter()
        .map(|t| t.as_str())
        .filter(|t| !escape::plain(t).trim().is_empty())
        .collect();
    let mut row = vec![
        cw.kinds[8].to_string(),
        String::new(),
        String::new(),
        cell(&facts.join(" · ")),
    ];
    row.resize(group_columns, String::new());
    row.push(match (&report.date, &report.start_time, &report.end_time) {
        (Some(d), Some(a), Some(b)) => format!("{d} {a}–{b} ({})", report.time_zone),
        _ => String::new(),
    });
    put(&mut w, row)?;
    for g in &report.groups {
        let mut row = vec![
            cw.kinds[6].to_string(),
            String::new(),
            String::new(),
            cell(&g.group),
        ];
        row.resize(group_columns, String::new());
        row.extend([
            String::new(),
            g.participants.to_string(),
            g.proxies.to_string(),
            g.removed.to_string(),
            cell(&g.names.join(", ")),
        ]);
        put(&mut w, row)?;
    }
    let confirmed = |c: Option<Confirmation>| -> String {
        match c {
            Some(Confirmation::NoRatings) => cw.confirmations[0].into(),
            Some(Confirmation::LargeGap) => cw.confirmations[1].into(),
            None => String::new(),
        }
    };
    let empty_support = || -> Vec<String> { vec![String::new(); groups.len() + 2] };
    let support_cells = |s: Option<&SupportView>| -> Vec<String> {
        let mut out = vec![dialect.share(s.and_then(|s| s.overall))];
        out.extend(
            groups
                .iter()
                .map(|g| dialect.share(s.and_then(|s| s.by_group.get(g).copied().flatten()))),
        );
        out.push(dialect.share(s.and_then(|s| s.gap)));
        out
    };
    let no_dots = || -> Vec<String> { vec![String::new(); groups.len()] };
    for level in &report.levels {
        let lv = level.level.as_str().to_string();
        let rounds = std::iter::once((cw.kinds[0], level.vote_round, &level.priorities)).chain(
            level
                .earlier_vote_rounds
                .iter()
                .map(|r| (cw.kinds[4], r.round, &r.priorities)),
        );
        for (kind, round, priorities) in rounds {
            for p in priorities {
                let mut row = vec![
                    kind.to_string(),
                    lv.clone(),
                    p.rank.map(|r| r.to_string()).unwrap_or_default(),
                    cell(&p.text),
                    p.dots.map(|d| d.to_string()).unwrap_or_default(),
                    String::new(),
                    round.to_string(),
                    String::new(),
                ];
                row.extend(empty_support());
                if p.dots.is_some() {
                    row.extend(
                        groups
                            .iter()
                            .map(|g| p.dots_by_group.get(g).copied().unwrap_or(0).to_string()),
                    );
                } else {
                    row.extend(no_dots());
                }
                row.push(String::new());
                row.push(String::new());
                put(&mut w, row)?;
            }
        }
        for (i, r) in level.rules.iter().enumerate() {
            let number = (i + 1).to_string();
            let anchors: Vec<String> = r.anchors.iter().map(|a| escape::plain(a)).collect();
            let mut row = vec![
                cw.kinds[1].to_string(),
                lv.clone(),
                number.clone(),
                cell(&r.text),
                String::new(),
                status_of(r.status).to_string(),
                r.round.to_string(),
                r.raters.to_string(),
            ];
            row.extend(support_cells(r.support.as_ref()));
            row.extend(no_dots());
            row.push(cell(&anchors.join("; ")));
            row.push(confirmed(r.confirmed));
            put(&mut w, row)?;
            for round in &r.rounds {
                if round.round != r.round {
                    let mut row = vec![
                        cw.kinds[2].to_string(),
                        lv.clone(),
                        number.clone(),
                        cell(round.text.as_deref().unwrap_or(&r.text)),
                        String::new(),
                        String::new(),
                        round.round.to_string(),
                        round.raters.to_string(),
                    ];
                    row.extend(support_cells(round.support.as_ref()));
                    row.extend(no_dots());
                    row.push(String::new());
                    row.push(String::new());
                    put(&mut w, row)?;
                }
                for reason in &round.reasons {
                    let mut row = vec![
                        cw.kinds[3].to_string(),
                        lv.clone(),
                        number.clone(),
                        cell(reason),
                        String::new(),
                        String::new(),
                        round.round.to_string(),
                        String::new(),
                    ];
                    row.extend(empty_support());
                    row.extend(no_dots());
                    row.push(String::new());
                    row.push(String::new());
                    put(&mut w, row)?;
                }
            }
        }
    }
    for d in &report.decisions {
        let mut row = vec![
            cw.kinds[5].to_string(),
            d.level.as_str().to_string(),
            d.number.to_string(),
            cell(&d.rule),
            String::new(),
            match dialect {
                Dialect::International => d.action.clone(),
                Dialect::Dutch => action_word(&NL, &d.action),
            },
            d.round.to_string(),
            String::new(),
        ];
        row.extend(empty_support());
        row.extend(no_dots());
        row.push(String::new());
        row.push(confirmed(d.confirmed));
        row.push(format!("{} {}", d.date, d.time));
        put(&mut w, row)?;
    }
    for t in &report.timeline {
        let mut row = vec![
            cw.kinds[7].to_string(),
            String::new(),
            String::new(),
            cell(&t.title),
            String::new(),
            String::new(),
            (t.phase + 1).to_string(),
        ];
        row.resize(group_columns, String::new());
        row.push(format!("{} {}", t.date, t.time));
        put(&mut w, row)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Ok(match dialect {
        // The byte-order mark tells a spreadsheet the file is UTF-8.
        Dialect::Dutch => format!("\u{feff}{text}"),
        Dialect::International => text,
    })
}

/// JSON: the whole report.
pub fn json(report: &Report) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(report)
}

/// A horizontal bar as inline SVG.
fn bar(share: Option<f64>, colour: &str) -> String {
    let width = (share.unwrap_or(0.0).clamp(0.0, 1.0) * 200.0).round();
    format!(
        "<svg class=\"bar\" width=\"200\" height=\"14\" viewBox=\"0 0 200 14\" role=\"img\" aria-label=\"{}\"><rect width=\"200\" height=\"14\" fill=\"#e5e9f0\"/><rect width=\"{width}\" height=\"14\" fill=\"{colour}\"/></svg>",
        pct(share)
    )
}

/// A group's colour, as in the browser app (`client/web/assets/style.css`): by group, never by
/// its place in a list (issue 13: the report had ICT and Business the other way round).
fn group_colour(group: &str) -> &'static str {
    match group {
        "ict" => "#1d6fb8",
        "business" => "#b35200",
        _ => "#5b3a8c",
    }
}

/// A group's name as people write it (the app's `groupName`): "ICT", "Business", or the name
/// of a group of one's own as given (escaped and isolated like every user text).
fn group_label(group: &str) -> String {
    match group {
        "ict" => "ICT".to_string(),
        "business" => "Business".to_string(),
        other => escape::html_user(other),
    }
}

/// A table of priorities with bars (and dots per group when revealed), and the note on ties.
fn html_priorities(
    out: &mut String,
    w: &Words,
    groups: &[String],
    priorities: &[Priority],
    revealed: bool,
) {
    use escape::html_user as user;
    let max = priorities
        .iter()
        .filter_map(|p| p.dots)
        .max()
        .unwrap_or(0)
        .max(1);
    let _ = write!(
        out,
        "<table><tr><th>#</th><th>{}</th><th>{}</th>",
        w.statement, w.dots
    );
    if revealed {
        for g in groups {
            let _ = write!(out, "<th>{}</th>", group_label(g));
        }
    }
    out.push_str("</tr>");
    for p in priorities {
        let dots = match p.dots {
            Some(d) => format!("{}{d}", bar(Some(f64::from(d) / f64::from(max)), "#1d4e89")),
            None => w.not_revealed.to_string(),
        };
        let mut text = user(&p.text);
        if !p.cluster_of.is_empty() {
            // One statement a line: joined with "; " they ran together ("beleid.; ICT").
            let members: Vec<String> = p
                .cluster_of
                .iter()
                .map(|m| format!("<li>{}</li>", user(m)))
                .collect();
            let _ = write!(
                text,
                "<br><small>{}:</small><ul class=\"members\">{}</ul>",
                w.cluster_of,
                members.concat()
            );
        }
        if p.from_facilitator {
            let _ = write!(text, " <small>({})</small>", w.by_facilitator);
        }
        if let Some(then) = p.dots_then {
            let _ = write!(text, "<br><small>{}: {then}</small>", w.dots_then);
        }
        let _ = write!(
            out,
            "<tr><td class=\"n\">{}</td><td>{text}</td><td>{dots}</td>",
            rank_text(p)
        );
        if revealed {
            for g in groups {
                let n = p.dots_by_group.get(g).copied().unwrap_or(0);
                let _ = write!(out, "<td class=\"n\">{n}</td>");
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
    if priorities.iter().any(|p| p.rank.is_some_and(|r| r.tied)) {
        let _ = write!(out, "<p><small>{}</small></p>", w.ties);
    }
}

/// HTML: a page that prints well to PDF from the browser, with the charts as inline SVG. Every
/// user text is escaped and isolated in `<bdi>` (`escape::html_user`); the list of adopted
/// rules prints on a page of its own.
pub fn html(report: &Report) -> String {
    use escape::html_user as user;
    let w = words(report);
    let groups = group_names(report);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title><style>\
body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}}\
h1{{margin-bottom:.2rem}}table{{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}}\
th,td{{border-bottom:1px solid #ccd;padding:.35rem .5rem;text-align:left;vertical-align:top}}\
td.n{{text-align:right}}svg.bar{{vertical-align:middle;margin-right:.4rem}}\
ul.members{{margin:.2rem 0 0;padding-left:1.1rem;font-size:.9em}}\
table{{break-inside:avoid}}h2,h3{{break-after:avoid}}@media print{{body{{margin:0}}}}</style></head><body>",
        escape::html(&report.language),
        // No element can isolate text inside <title>: its bidi controls go.
        escape::html(&escape::plain(&report.title))
    );
    let _ = write!(out, "<h1>{}</h1>", user(&report.title));
    if !escape::plain(&report.organisation).trim().is_empty() {
        let _ = write!(out, "<p>{}</p>", user(&report.organisation));
    }
    if !escape::plain(&report.place).trim().is_empty() {
        let _ = write!(out, "<p>{}: {}</p>", w.place, user(&report.place));
    }
    let _ = write!(out, "<p>{}: {}</p>", w.code, escape::html(&report.code));
    if let Some(when) = when(report) {
        let _ = write!(out, "<p>{}: {}</p>", w.date, escape::html(&when));
    }
    if let Some(f) = &report.follows {
        let _ = write!(
            out,
            "<p>{}: {} ({})</p>",
            w.follows,
            user(&f.title),
            escape::html(&f.code)
        );
    }
    let _ = write!(
        out,
        "<section><h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        w.participants, w.group, w.count, w.names
    );
    for g in &report.groups {
        let names: Vec<String> = g.names.iter().map(|n| user(n)).collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            group_label(&g.group),
            group_count(w, g),
            names.join(", ")
        );
    }
    out.push_str("</table>");
    if report
        .groups
        .iter()
        .any(|g| g.participants > 0 && g.names.is_empty())
    {
        let _ = write!(out, "<p><small>{}</small></p>", w.names_hidden);
    }
    if report.equal_group_weight {
        let _ = write!(out, "<p>{}</p>", w.equal_weight);
    }
    out.push_str("</section>");
    // The adopted rules: one page for the policy note.
    let _ = write!(
        out,
        "<section style=\"break-after:page\"><h2>{}</h2>",
        w.adopted
    );
    if report.adopted.is_empty() {
        let _ = write!(out, "<p><em>{}</em></p>", w.none);
    } else {
        let _ = write!(
            out,
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            w.level, w.rule, w.support, w.anchors
        );
        for a in &report.adopted {
            let anchors: Vec<String> = a.anchors.iter().map(|x| user(x)).collect();
            let mark = decision_mark(w, a.confirmed, a.adopted_with_large_gap)
                .map(|m| format!(" <strong>⚠ {m}</strong>"))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}{mark}</td><td>{}</td></tr>",
                level_label(report, a.level),
                user(&a.text),
                pct(a.support),
                anchors.join("; ")
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");
    for level in &report.levels {
        let _ = write!(
            out,
            "<section><h2>{}</h2><h3>{}</h3>",
            escape::html(&level.name),
            w.priorities
        );
        if level.priorities.is_empty() {
            let _ = write!(out, "<p><em>{}</em></p>", w.none);
        } else {
            html_priorities(&mut out, w, &groups, &level.priorities, level.dots_revealed);
            if let Some(voters) = level.voters {
                let _ = write!(
                    out,
                    "<p><small>{} {} · {voters} {}</small></p>",
                    w.vote_round, level.vote_round, w.voters
                );
            }
        }
        for round in &level.earlier_vote_rounds {
            let _ = write!(
                out,
                "<h4>{} {} ({} {})</h4>",
                w.vote_round, round.round, round.voters, w.voters
            );
            html_priorities(&mut out, w, &groups, &round.priorities, true);
        }
        let _ = write!(out, "<h3>{}</h3>", w.rules);
        if level.rules.is_empty() {
            let _ = write!(out, "<p><em>{}</em></p>", w.none);
        }
        for r in &level.rules {
            let mut mark = decision_mark(w, r.confirmed, r.adopted_with_large_gap)
                .map(|m| format!(" <strong>⚠ {m}</strong>"))
                .unwrap_or_default();
            if r.from_facilitator {
                let _ = write!(mark, " <small>({})</small>", w.by_facilitator);
            }
            let _ = write!(
                out,
                "<table><tr><th colspan=\"2\">{} ({}: {}; {} {}; {} {}){mark}</th></tr>",
                user(&r.text),
                w.status,
                status_word(w, r.status),
                w.round,
                r.round,
                w.raters,
                r.raters
            );
            if !r.anchors.is_empty() {
                let anchors: Vec<String> = r.anchors.iter().map(|a| user(a)).collect();
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td></tr>",
                    w.anchors,
                    anchors.join("; ")
                );
            }
            for round in &r.rounds {
                let mut head = format!("{} {}", w.round, round.round);
                if let Some(text) = round.text.as_ref().filter(|t| **t != r.text) {
                    let _ = write!(head, " ({}: {})", w.as_rated, user(text));
                }
                let _ = write!(head, "; {} {}", w.raters, round.raters);
                if let Some(n) = round.support.as_ref().map(|s| s.removed).filter(|n| *n > 0) {
                    let _ = write!(head, " ({n} {})", w.removed_raters);
                }
                let _ = write!(out, "<tr><th colspan=\"2\">{head}</th></tr>");
                match &round.support {
                    Some(s) => {
                        let _ = write!(
                            out,
                            "<tr><td>{}</td><td>{}{}</td></tr>",
                            w.support,
                            bar(s.overall, "#3b3f46"),
                            pct(s.overall)
                        );
                        for g in &groups {
                            let share = s.by_group.get(g).copied().flatten();
                            let _ = write!(
                                out,
                                "<tr><td>{}</td><td>{}{}</td></tr>",
                                group_label(g),
                                bar(share, group_colour(g)),
                                pct(share)
                            );
                        }
                        let _ = write!(out, "<tr><td>{}</td><td>{}</td></tr>", w.gap, pct(s.gap));
                    }
                    None => {
                        let _ = write!(
                            out,
                            "<tr><td>{}</td><td>{}</td></tr>",
                            w.support, w.not_revealed
                        );
                    }
                }
                if !round.reasons.is_empty() {
                    let reasons: Vec<String> = round
                        .reasons
                        .iter()
                        .map(|x| format!("<li>{}</li>", user(x)))
                        .collect();
                    let _ = write!(
                        out,
                        "<tr><td>{}</td><td><ul>{}</ul></td></tr>",
                        w.reasons,
                        reasons.concat()
                    );
                }
            }
            out.push_str("</table>");
        }
        out.push_str("</section>");
    }
    if !report.decisions.is_empty() {
        let _ = write!(
            out,
            "<section><h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            w.decisions, w.time, w.level, w.rule, w.decision, w.round
        );
        for d in &report.decisions {
            let mark = decision_mark(w, d.confirmed, false)
                .map(|m| format!(" <strong>⚠ {m}</strong>"))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{mark}</td><td class=\"n\">{}</td></tr>",
                escape::html(&d.when(report)),
                level_label(report, d.level),
                user(&d.rule),
                action_word(w, &d.action),
                d.round
            );
        }
        out.push_str("</table></section>");
    }
    if !report.comparison.is_empty() {
        let _ = write!(out, "<section><h2>{}</h2>", w.comparison);
        for c in &report.comparison {
            let _ = write!(
                out,
                "<table><tr><th colspan=\"3\">{}</th></tr>",
                user(&c.text)
            );
            let _ = write!(
                out,
                "<tr><th>{}</th><th>{}</th><th>{} · {} ({})</th></tr>",
                w.group, w.then, w.applied, w.still_right, w.answers
            );
            let then = c.then.as_ref();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}{}</td><td>{}</td></tr>",
                w.support,
                bar(then.and_then(|s| s.overall), "#3b3f46"),
                pct(then.and_then(|s| s.overall)),
                c.now
                    .as_ref()
                    .map(|n| format!("{} · {}", counts(&n.applied), counts(&n.still_right)))
                    .unwrap_or_else(|| w.not_revealed.to_string())
            );
            for g in &groups {
                let share = then.and_then(|s| s.by_group.get(g).copied().flatten());
                let now = c
                    .now
                    .as_ref()
                    .map(|n| {
                        format!(
                            "{} · {}",
                            n.applied_by_group.get(g).map(counts).unwrap_or_default(),
                            n.still_right_by_group
                                .get(g)
                                .map(counts)
                                .unwrap_or_default()
                        )
                    })
                    .unwrap_or_else(|| w.not_revealed.to_string());
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}{}</td><td>{now}</td></tr>",
                    group_label(g),
                    bar(share, group_colour(g)),
                    pct(share)
                );
            }
            out.push_str("</table>");
        }
        out.push_str("</section>");
    }
    let _ = write!(
        out,
        "<section><h2>{}</h2><table><tr><th>{} ({})</th><th>{}</th></tr>",
        w.timeline,
        w.time,
        escape::html(&report.time_zone),
        w.phase
    );
    for t in &report.timeline {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}. {}</td></tr>",
            escape::html(&t.when(report)),
            t.phase + 1,
            user(&t.title)
        );
    }
    out.push_str("</table></section></body></html>\n");
    out
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// A report in one format, as the bytes of the file.
pub fn render(report: &Report, format: Format) -> Result<Vec<u8>, RenderError> {
    Ok(match format {
        Format::Markdown => markdown(report).into_bytes(),
        Format::Csv(dialect) => {
            csv(report, dialect.unwrap_or(Dialect::of(&report.language)))?.into_bytes()
        }
        Format::Json => json(report)?.into_bytes(),
        Format::Html => html(report).into_bytes(),
        Format::Xlsx => xlsx::workbook(report)?,
    })
}

/// Why a stored session could not be reported on.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("no session has the join code {0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Doc(#[from] crate::session::workshop::DocError),
    #[error("the stored session is damaged: it does not load to the heads stored with it")]
    Damaged,
}

/// The durable state of a session, read from the store (no running session needed).
pub async fn load(
    store: &crate::store::Store,
    code: &str,
) -> Result<(crate::store::SessionRow, crate::session::workshop::Workshop), ReportError> {
    let code = crate::credentials::normalise_code(code);
    let row = store
        .session_by_code(&code)
        .await?
        .ok_or_else(|| ReportError::NotFound(code.clone()))?;
    let (_, ws) = crate::session::actor::load_durable(store, &row.id)
        .await
        .map_err(|e| match e {
            crate::session::actor::LoadError::Store(e) => ReportError::Store(e),
            crate::session::actor::LoadError::Doc(e) => ReportError::Doc(e),
            crate::session::actor::LoadError::Damaged(_) => ReportError::Damaged,
        })?;
    Ok((row, ws))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_half_away_from_zero() {
        // `format!("{:.0}")` rounds half to even: 12.5 became 12, 0.5 became 0, 2.5 became 2.
        for (share, shown) in [
            (0.125, 13),
            (0.005, 1),
            (0.025, 3),
            (0.035, 4),
            (0.145, 15),
            (0.5, 50),
            (2.0 / 3.0, 67),
            (1.0 / 3.0, 33),
            (0.875, 88),
            (1.0, 100),
            (0.0, 0),
            (-0.125, -13),
        ] {
            assert_eq!(percent(share), shown, "{share}");
        }
        assert_eq!(pct(Some(0.125)), "13%");
        assert_eq!(pct(None), "–");
        assert_eq!(round_half_away(0.0125, 3), 0.013);
        assert_eq!(round_half_away(-2.5, 0), -3.0);
        assert_eq!(Dialect::Dutch.share(Some(0.6665)), "0,667");
        assert_eq!(Dialect::International.share(Some(0.0005)), "0.001");
    }

    #[test]
    fn equal_dots_share_a_place() {
        let shown =
            |dots: &[u32]| -> Vec<String> { ranks(dots).iter().map(|r| r.to_string()).collect() };
        assert_eq!(shown(&[12, 2, 2, 2]), ["1", "2=", "2=", "2="]);
        assert_eq!(shown(&[5, 5, 3, 1, 1]), ["1=", "1=", "3", "4=", "4="]);
        assert_eq!(shown(&[0]), ["1"]);
    }

    #[test]
    fn formats_parse_with_their_csv_dialects() {
        assert_eq!(Format::parse("csv"), Some(Format::Csv(None)));
        assert_eq!(
            Format::parse("csv-en"),
            Some(Format::Csv(Some(Dialect::International)))
        );
        assert_eq!(
            Format::parse("csv-nl"),
            Some(Format::Csv(Some(Dialect::Dutch)))
        );
        assert_eq!(Format::parse("xlsx").map(Format::extension), Some("xlsx"));
        assert_eq!(Format::parse("pdf"), None);
        assert_eq!(Dialect::of("nl"), Dialect::Dutch);
        assert_eq!(Dialect::of("en"), Dialect::International);
    }
}

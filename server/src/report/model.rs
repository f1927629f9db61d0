//! The report's model: what the room saw and decided, built once from a session's [`State`]
//! and read by every format. Keeping one model is what makes the formats agree: a figure, a rank
//! or a hidden name is decided here, never in a renderer, so that the Markdown, the spreadsheet
//! and the printed page cannot tell different stories about the same session. Everything here is
//! data in the session's words (texts as typed, levels, statuses); how it is written per language
//! and format is in `words.rs` and the format modules.

use std::collections::{BTreeMap, HashMap};

use draagvlak_protocol::intent::RuleStatus;
use draagvlak_protocol::view::{Confirmation, Level, PhaseKind, ReviewView, SupportView, View};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::{DEFAULT_TIME_ZONE, time_zone, words};
use crate::session::projection::{self, Audience, Presence};
use crate::session::workshop::{FACILITATOR_AUTHOR, Rule, State};

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
#[derive(Debug, Clone, Default, Serialize)]
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

#[derive(Debug, Clone, Default, Serialize)]
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

impl Report {
    /// The names of the session's groups, in the report's order (by name).
    pub(super) fn group_names(&self) -> Vec<String> {
        self.groups.iter().map(|g| g.group.clone()).collect()
    }

    /// Whether a group with people has its names left out (see the module documentation).
    pub(super) fn names_withheld(&self) -> bool {
        self.groups
            .iter()
            .any(|g| g.participants > 0 && g.names.is_empty())
    }

    /// A local time, with the date when it is not the report's date.
    fn local_when(&self, date: &str, time: &str) -> String {
        if self.date.as_deref() == Some(date) {
            time.to_string()
        } else {
            format!("{date} {time}")
        }
    }
}

impl TimelineEntry {
    pub(super) fn when(&self, report: &Report) -> String {
        report.local_when(&self.date, &self.time)
    }
}

impl DecisionLine {
    pub(super) fn when(&self, report: &Report) -> String {
        report.local_when(&self.date, &self.time)
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

/// A server time as a local date (`YYYY-MM-DD`) and time (`HH:MM`); empty when out of range.
fn local_date_time(at_ms: u64, tz: &TimeZone) -> (String, String) {
    local(at_ms, tz)
        .map(|z| (z.date().to_string(), z.strftime("%H:%M").to_string()))
        .unwrap_or_default()
}

/// Build the report of a session from its state, with times in [`DEFAULT_TIME_ZONE`].
pub fn build(state: &State) -> Report {
    let tz = time_zone(DEFAULT_TIME_ZONE).unwrap_or(TimeZone::UTC);
    build_in(state, &tz)
}

/// Ranks by dots of priorities sorted by dots (most first): equal dots share a place.
pub(super) fn ranks(dots: &[u32]) -> Vec<Rank> {
    dots.iter()
        .map(|d| Rank {
            place: 1 + dots.iter().filter(|o| *o > d).count() as u32,
            tied: dots.iter().filter(|o| *o == d).count() > 1,
        })
        .collect()
}

/// Priorities with their dots and order of creation, sorted by dots (most first, then the
/// oldest), ranked when their dots were revealed.
fn ranked(mut items: Vec<(u32, u64, Priority)>, revealed: bool) -> Vec<Priority> {
    items.sort_by_key(|(dots, seq, _)| (std::cmp::Reverse(*dots), *seq));
    let dots: Vec<u32> = items.iter().map(|(d, _, _)| *d).collect();
    let mut priorities: Vec<Priority> = items.into_iter().map(|(_, _, p)| p).collect();
    if revealed {
        for (p, rank) in priorities.iter_mut().zip(ranks(&dots)) {
            p.rank = Some(rank);
        }
    }
    priorities
}

/// What the report is built from: the session's state, the facilitator's view of it, and the
/// dots per item and group counted from the state.
struct Source<'a> {
    state: &'a State,
    view: View,
    /// Dots per item and group, counted now, for revealed levels only: for sessions revealed
    /// before the record of vote rounds existed (otherwise the view gives the record's figures).
    by_group: HashMap<&'a str, BTreeMap<String, u32>>,
}

impl<'a> Source<'a> {
    fn new(state: &'a State) -> Source<'a> {
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
        Source {
            state,
            view: projection::view(state, &Presence::new(), Audience::Facilitator),
            by_group,
        }
    }

    /// Dots per group of an item (every group of the session), once revealed.
    fn group_dots(&self, id: &str, revealed: bool) -> BTreeMap<String, u32> {
        if !revealed {
            return BTreeMap::new();
        }
        let mut out: BTreeMap<String, u32> =
            self.state.groups.iter().map(|g| (g.clone(), 0)).collect();
        if let Some(m) = self.by_group.get(id) {
            for (g, n) in m {
                *out.entry(g.clone()).or_default() += n;
            }
        }
        out
    }

    /// An item's text: a statement's, or its cluster's title (a statement anchors through its
    /// cluster).
    fn item_text(&self, id: &String) -> Option<String> {
        let id = self
            .state
            .statements
            .get(id)
            .and_then(|s| s.cluster.clone())
            .unwrap_or_else(|| id.clone());
        self.view
            .clusters
            .get(&id)
            .map(|c| c.title.clone())
            .or_else(|| self.view.statements.get(&id).map(|s| s.text.clone()))
    }

    /// The texts of the priorities a rule anchors, each once.
    fn anchors_of(&self, ids: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in ids.iter().filter_map(|id| self.item_text(id)) {
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }

    fn level(&self, level: Level, en: bool) -> LevelReport {
        let state = self.state;
        let dots_revealed = state.revealed_dots.contains(&level);
        let mut rules: Vec<_> = state
            .rules
            .iter()
            .filter(|(_, r)| r.level == level)
            .collect();
        rules.sort_by_key(|(_, r)| r.seq);
        LevelReport {
            level,
            name: words::level_name(level, en).to_string(),
            dots_revealed,
            vote_round: state.vote_round(level),
            voters: state.revealed_votes(level).map(|r| r.voters),
            priorities: ranked(self.priorities(level), dots_revealed),
            earlier_vote_rounds: self.earlier_vote_rounds(level),
            ratings_revealed: state.revealed_ratings.contains(&level),
            rules: rules.into_iter().map(|(id, r)| self.rule(id, r)).collect(),
        }
    }

    /// The priorities of a level's current vote round: clusters, and the statements left
    /// alone, with their dots and order of creation.
    fn priorities(&self, level: Level) -> Vec<(u32, u64, Priority)> {
        let view = &self.view;
        let mut priorities: Vec<(u32, u64, Priority)> = view
            .statements
            .iter()
            .filter(|(_, s)| s.level == level && !s.hidden && s.cluster.is_none())
            .map(|(id, s)| {
                (
                    s.dots.unwrap_or(0),
                    s.seq,
                    Priority {
                        text: s.text.clone(),
                        dots: s.dots,
                        dots_by_group: s
                            .dots_by_group
                            .clone()
                            .unwrap_or_else(|| self.group_dots(id, s.dots.is_some())),
                        dots_then: s.dots_then,
                        from_facilitator: s.from_facilitator,
                        ..Priority::default()
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
                    text: c.title.clone(),
                    dots: c.dots,
                    dots_by_group: c
                        .dots_by_group
                        .clone()
                        .unwrap_or_else(|| self.group_dots(id, c.dots.is_some())),
                    cluster_of: members,
                    ..Priority::default()
                },
            ));
        }
        priorities
    }

    /// A level's revealed vote rounds before the current one, from the record.
    fn earlier_vote_rounds(&self, level: Level) -> Vec<VoteRound> {
        let state = self.state;
        state
            .earlier_vote_rounds(level)
            .map(|record| {
                let items = record
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
                        let priority = Priority {
                            text: self.item_text(item).unwrap_or_default(),
                            dots: Some(dots),
                            dots_by_group: per_group.clone(),
                            ..Priority::default()
                        };
                        (dots, seq, priority)
                    })
                    .collect();
                VoteRound {
                    round: record.round,
                    voters: record.voters,
                    priorities: ranked(items, true),
                }
            })
            .collect()
    }

    fn rule(&self, id: &str, r: &Rule) -> RuleLine {
        let rounds = rating_rounds(self.state, id, r);
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
            anchors: self.anchors_of(&r.anchors),
            confirmed: r.confirmed,
            from_facilitator: r.author == FACILITATOR_AUTHOR,
        }
    }
}

/// Build the report of a session from its state, with local times in `tz`.
pub fn build_in(state: &State, tz: &TimeZone) -> Report {
    let en = state.meta.language == "en";
    let source = Source::new(state);
    let levels: Vec<LevelReport> = Level::ALL
        .into_iter()
        .map(|level| source.level(level, en))
        .collect();
    let names_shown = !state.phases.iter().any(|p| {
        p.anonymous
            && matches!(
                p.kind,
                PhaseKind::Vote | PhaseKind::Rules | PhaseKind::Review
            )
    });
    let timeline = timeline(state, tz, en);
    Report {
        decisions: decisions(state, tz),
        equal_group_weight: state.equal_group_weight,
        follows: source.view.follows.as_ref().map(|f| FollowsLine {
            code: f.code.clone(),
            title: f.title.clone(),
        }),
        comparison: comparison(&source.view),
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
        groups: groups(state, names_shown),
        adopted: adopted(&levels),
        levels,
        timeline,
    }
}

/// The adopted rules of every level, with the support of their last revealed round.
fn adopted(levels: &[LevelReport]) -> Vec<AdoptedRule> {
    levels
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
        .collect()
}

/// For a follow-up: each carried rule, then and now.
fn comparison(view: &View) -> Vec<Comparison> {
    let mut carried: Vec<_> = view
        .rules
        .values()
        .filter(|r| r.reviewers.is_some())
        .collect();
    carried.sort_by_key(|r| (r.level, r.seq));
    carried
        .into_iter()
        .map(|r| Comparison {
            level: r.level,
            text: r.text.clone(),
            then: r.support_then.clone(),
            reviewers: r.reviewers.unwrap_or(0),
            now: r.review.clone(),
        })
        .collect()
}

/// Who took part per group, by group name; names only where they may be shown.
fn groups(state: &State, names_shown: bool) -> Vec<GroupLine> {
    let line = |group: &String| GroupLine {
        group: group.clone(),
        ..GroupLine::default()
    };
    let mut groups: Vec<GroupLine> = state.groups.iter().map(line).collect();
    for p in state.participants.values() {
        let i = match groups.iter().position(|g| g.group == p.group) {
            Some(i) => i,
            None => {
                groups.push(line(&p.group));
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
    groups
}

/// Every phase change, in local time.
fn timeline(state: &State, tz: &TimeZone, en: bool) -> Vec<TimelineEntry> {
    state
        .phase_log
        .iter()
        .map(|e| {
            let (date, time) = local_date_time(e.at_ms, tz);
            TimelineEntry {
                date,
                time,
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
        .collect()
}

/// Every decision about a rule, in order, in local time.
fn decisions(state: &State, tz: &TimeZone) -> Vec<DecisionLine> {
    state
        .decision_log
        .iter()
        .filter_map(|d| {
            let rule = state.rules.get(&d.rule)?;
            let (date, time) = local_date_time(d.at_ms, tz);
            Some(DecisionLine {
                date,
                time,
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
        .collect()
}

/// Every rating round of a rule: support and reasons only for revealed rounds.
fn rating_rounds(state: &State, id: &str, rule: &Rule) -> Vec<RatingRound> {
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

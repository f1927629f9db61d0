//! Building the report's model from a session's `State`: the facilitator's view of the session
//! (so that the report shows what the room was shown, and what was revealed comes from the
//! record frozen at the reveal), the state for what no view holds (earlier rating rounds and
//! their texts, the decision log, who was removed), and the rules of what a report may say
//! (names only for groups of [`MIN_NAMED_GROUP`] or more and never after an anonymous phase; a
//! large gap from [`LARGE_GAP`]). Times become local in the report's time zone here, once.

use std::collections::{BTreeMap, HashMap};

use draagvlak_protocol::ItemId;
use draagvlak_protocol::intent::RuleStatus;
use draagvlak_protocol::view::{Level, PhaseKind, View};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{
    AdoptedRule, Comparison, DecisionLine, FollowsLine, GroupLine, LARGE_GAP, LevelReport,
    MIN_NAMED_GROUP, Priority, Rank, RatingRound, Report, RuleLine, TimelineEntry, VoteRound,
};
use crate::report::{DEFAULT_TIME_ZONE, time_zone, words};
use crate::session::projection::{self, Audience, Presence};
use crate::session::workshop::{FACILITATOR_AUTHOR, Rule, State};

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
fn ranks(dots: &[u32]) -> Vec<Rank> {
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
    fn item_text(&self, id: &ItemId) -> Option<String> {
        let id = self
            .state
            .statements
            .get(id.as_str())
            .and_then(|s| s.cluster.as_ref().map(ItemId::from))
            .unwrap_or_else(|| id.clone());
        self.view
            .clusters
            .get(id.as_str())
            .map(|c| c.title.clone())
            .or_else(|| {
                self.view
                    .statements
                    .get(id.as_str())
                    .map(|s| s.text.clone())
            })
    }

    /// The texts of the priorities a rule anchors, each once.
    fn anchors_of(&self, ids: &[ItemId]) -> Vec<String> {
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
                            .get(item.as_str())
                            .map(|s| s.seq)
                            .or_else(|| state.clusters.get(item.as_str()).map(|c| c.seq))
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
            from_facilitator: r.author == *FACILITATOR_AUTHOR,
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
        assessment: source.view.assessment.clone(),
        logo: None,
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
    // In the session's order, as the facilitator named them and as the app shows them.
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
                action: d.action,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_dots_share_a_place() {
        let shown =
            |dots: &[u32]| -> Vec<String> { ranks(dots).iter().map(|r| r.to_string()).collect() };
        assert_eq!(shown(&[12, 2, 2, 2]), ["1", "2=", "2=", "2="]);
        assert_eq!(shown(&[5, 5, 3, 1, 1]), ["1=", "1=", "3", "4=", "4="]);
        assert_eq!(shown(&[0]), ["1"]);
    }
}

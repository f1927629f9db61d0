//! Statements and dots in a view: who voted on which level, the revealed dots of an item
//! (from the record frozen at the reveal), hidden statements only for the facilitator.

use std::collections::{BTreeMap, HashMap};

use draagvlak_protocol::StatementId;
use draagvlak_protocol::view::*;

use super::*;
use crate::workshop::{FACILITATOR_AUTHOR, State};

/// The dots of a session counted once per view: totals per item, and who voted or rated on
/// which level (a bit per level: no allocation per participant, since this runs every tick).
pub(super) struct Tally<'a> {
    pub(super) totals: HashMap<&'a str, u32>,
    pub(super) voted: HashMap<&'a str, u8>,
    pub(super) rated: HashMap<&'a str, u8>,
}

impl<'a> Tally<'a> {
    pub(super) fn of(state: &'a State) -> Tally<'a> {
        // Total dots per statement, and who voted / rated on which level (a bit per level: no
        // allocation per participant, since this runs every tick).
        let mut totals: HashMap<&str, u32> = HashMap::new();
        let mut voted: HashMap<&str, u8> = HashMap::new();
        for (pid, dots) in &state.dots {
            for (item, n) in dots {
                if let Some(level) = state.item_level(item) {
                    *totals.entry(item.as_str()).or_default() += n;
                    if *n > 0 {
                        *voted.entry(pid.as_str()).or_default() |= level_bit(level);
                    }
                }
            }
        }
        let mut rated: HashMap<&str, u8> = HashMap::new();
        for (rid, ratings) in &state.ratings {
            if let Some(r) = state.rules.get(rid) {
                for pid in ratings.keys() {
                    *rated.entry(pid.as_str()).or_default() |= level_bit(r.level);
                }
            }
        }
        Tally {
            totals,
            voted,
            rated,
        }
    }
}

/// The statements of a view.
pub(super) fn statements(
    state: &State,
    facilitator: bool,
    tally: &Tally<'_>,
) -> BTreeMap<StatementId, StatementView> {
    state
        .statements
        .keys()
        .filter_map(|id| Some((id.clone(), statement(state, id, facilitator, tally)?)))
        .collect()
}

/// One statement of a view; `None` when it does not exist or is hidden from this audience.
pub(super) fn statement(
    state: &State,
    id: &StatementId,
    facilitator: bool,
    tally: &Tally<'_>,
) -> Option<StatementView> {
    let s = state
        .statements
        .get(id)
        .filter(|s| facilitator || !s.hidden)?;
    let (dots, dots_by_group) = revealed_dots(state, s.level, id, &tally.totals);
    Some(StatementView {
        seq: s.seq,
        level: s.level,
        text: s.text.clone(),
        author: author(state, &s.author, s.anonymous),
        hidden: s.hidden,
        dots,
        cluster: s.cluster.clone(),
        by_facilitator: s.by_facilitator,
        dots_then: s.dots_then,
        dots_by_group,
        from_facilitator: s.author == *FACILITATOR_AUTHOR,
    })
}

/// The revealed dots of an item (total and per group), from the record frozen at the reveal;
/// `None` while the level's round is open. Documents revealed before the record existed count
/// the dots as they are.
pub(super) fn revealed_dots(
    state: &State,
    level: Level,
    item: &str,
    totals: &HashMap<&str, u32>,
) -> (Option<u32>, Option<BTreeMap<String, u32>>) {
    if !state.revealed_dots.contains(&level) {
        return (None, None);
    }
    match state.revealed_votes(level) {
        Some(record) => {
            let by_group = record
                .totals
                .get(item)
                .cloned()
                .unwrap_or_else(|| state.groups.iter().map(|g| (g.clone(), 0)).collect());
            (Some(record.total(item)), Some(by_group))
        }
        None => (Some(totals.get(item).copied().unwrap_or(0)), None),
    }
}

pub(super) fn visible_statement(state: &State, id: &str, facilitator: bool) -> bool {
    state
        .statements
        .get(id)
        .is_some_and(|s| facilitator || !s.hidden)
}

//! The agenda and the progress per level in a view: how many voted and rated (never who
//! voted what), what is revealed, the vote rounds.

use std::collections::BTreeMap;

use draagvlak_protocol::view::*;

use super::*;
use crate::workshop::State;

/// Progress per level.
pub(super) fn progress(state: &State, tally: &Tally<'_>) -> BTreeMap<Level, LevelProgress> {
    let mut progress: BTreeMap<Level, LevelProgress> = Level::ALL
        .into_iter()
        .map(|l| {
            (
                l,
                LevelProgress {
                    voters: 0,
                    raters: 0,
                    dots_revealed: state.revealed_dots.contains(&l),
                    ratings_revealed: state.revealed_ratings.contains(&l),
                    vote_round: state.vote_round(l),
                    earlier_vote_rounds: state
                        .earlier_vote_rounds(l)
                        .map(|r| {
                            r.totals
                                .keys()
                                .map(|item| (item.clone(), r.total(item)))
                                .collect()
                        })
                        .collect(),
                },
            )
        })
        .collect();
    for (l, p) in progress.iter_mut() {
        let bit = level_bit(*l);
        p.voters = tally.voted.values().filter(|b| **b & bit != 0).count() as u32;
        p.raters = tally.rated.values().filter(|b| **b & bit != 0).count() as u32;
    }
    progress
}

pub(super) fn level_bit(level: Level) -> u8 {
    match level {
        Level::Richten => 1,
        Level::Inrichten => 2,
        Level::Verrichten => 4,
    }
}

/// The levels whose bit is set, in workshop order.
pub(super) fn levels<T: FromIterator<Level>>(bits: Option<u8>) -> T {
    let bits = bits.unwrap_or(0);
    Level::ALL
        .into_iter()
        .filter(|l| bits & level_bit(*l) != 0)
        .collect()
}

//! Clusters in a view, and (for the facilitator) the log of who merged what.

use std::collections::BTreeMap;

use draagvlak_protocol::ClusterId;
use draagvlak_protocol::view::*;

use super::*;
use crate::workshop::State;

/// The clusters of a view, with their visible members and revealed dots.
pub(super) fn clusters(
    state: &State,
    facilitator: bool,
    tally: &Tally<'_>,
) -> BTreeMap<ClusterId, ClusterView> {
    state
        .clusters
        .iter()
        .map(|(id, c)| {
            let (dots, dots_by_group) = revealed_dots(state, c.level, id, &tally.totals);
            let members = c
                .statements
                .iter()
                .filter(|sid| visible_statement(state, sid, facilitator))
                .cloned()
                .collect();
            (
                id.clone(),
                ClusterView {
                    seq: c.seq,
                    level: c.level,
                    title: c.title.clone(),
                    statements: members,
                    dots,
                    dots_by_group,
                },
            )
        })
        .collect()
}

/// The cluster log, for the facilitator only.
pub(super) fn log(state: &State, facilitator: bool) -> Option<Vec<ClusterEvent>> {
    facilitator.then(|| {
        state
            .cluster_log
            .iter()
            .map(|e| ClusterEvent {
                at: e.at_ms,
                action: e.action,
                cluster: e.cluster.clone(),
                statements: e.statements.clone(),
                title: e.title.clone(),
                by: e.by,
            })
            .collect()
    })
}

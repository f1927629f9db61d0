//! Clusters: merging statements that say the same, until voting on their level begins.

use draagvlak_protocol::limits::MAX_CLUSTER_TITLE_CHARS;
use draagvlak_protocol::view::Level;
use draagvlak_protocol::{ClusterId, ErrorCode, Intent, StatementId};

use super::{
    Applied, Call, Created, Outcome, doc_err, done, misrouted, not_found, other_level,
    voting_started,
};
use crate::Refusal;
use crate::text::{TextLimit, check_new_text};
use crate::workshop::{Flag, State, Workshop};

/// Apply one of this domain's intents (the dispatcher in `apply/mod.rs` routes them here).
pub(super) fn apply(workshop: &mut Workshop, call: &Call<'_>, intent: &Intent) -> Outcome {
    let state = workshop.state();
    match intent {
        Intent::SetClusteringOpen { open } => {
            workshop
                .set_flag(Flag::ClusteringOpen, *open)
                .map_err(doc_err)?;
            done()
        }
        Intent::CreateCluster { statements, title } => {
            let level = call.level()?;
            let title = check_title(title, call.ctx.text_limit)?;
            if statements.len() < 2 {
                return Err(Refusal::new(
                    ErrorCode::InvalidValue,
                    "a cluster merges at least two statements",
                ));
            }
            let members = free_statements(state, statements, level)?;
            let id = workshop
                .create_cluster(level, title, members, call.ctx.now_ms, call.by)
                .map_err(doc_err)?;
            Ok(Applied::created(Created::Cluster(id)))
        }
        Intent::AddToCluster {
            cluster,
            statements,
        } => {
            let level = call.level()?;
            cluster_of_level(state, cluster, level)?;
            if statements.is_empty() {
                return Err(Refusal::new(ErrorCode::NoChange, "no statements named"));
            }
            let members = free_statements(state, statements, level)?;
            workshop
                .add_to_cluster(cluster, members, call.ctx.now_ms, call.by)
                .map_err(doc_err)?;
            done()
        }
        Intent::RemoveFromCluster { statement } => {
            let s = state
                .statements
                .get(statement)
                .ok_or_else(|| not_found("statement", statement))?;
            let Some(cid) = &s.cluster else {
                return Err(Refusal::new(
                    ErrorCode::NoChange,
                    "this statement is not in a cluster",
                ));
            };
            cluster_of_level(state, cid, call.level()?)?;
            workshop
                .remove_from_cluster(statement, call.ctx.now_ms, call.by)
                .map_err(doc_err)?;
            done()
        }
        Intent::DissolveCluster { cluster } => {
            cluster_of_level(state, cluster, call.level()?)?;
            workshop
                .dissolve_cluster(cluster, call.ctx.now_ms, call.by)
                .map_err(doc_err)?;
            done()
        }
        Intent::RenameCluster { cluster, title } => {
            let title = check_title(title, call.ctx.text_limit)?;
            if !state.clusters.contains_key(cluster) {
                return Err(not_found("cluster", cluster));
            }
            workshop
                .rename_cluster(cluster, title, call.ctx.now_ms, call.by)
                .map_err(doc_err)?;
            done()
        }
        _ => Err(misrouted(intent)),
    }
}

pub(super) fn is_clustering(intent: &Intent) -> bool {
    matches!(
        intent,
        Intent::CreateCluster { .. }
            | Intent::AddToCluster { .. }
            | Intent::RemoveFromCluster { .. }
            | Intent::DissolveCluster { .. }
            | Intent::RenameCluster { .. }
    )
}

pub(super) fn check_title(title: &str, limit: TextLimit) -> Result<&str, Refusal> {
    let title = title.trim();
    check_new_text(title, limit)?;
    if title.chars().count() > MAX_CLUSTER_TITLE_CHARS {
        return Err(Refusal::new(
            ErrorCode::TextTooLong,
            format!("a cluster title has at most {MAX_CLUSTER_TITLE_CHARS} characters"),
        ));
    }
    Ok(title)
}

/// Statements that may join a cluster: of this level, in no cluster yet, without dots; each
/// named once.
pub(super) fn free_statements(
    state: &State,
    statements: &[StatementId],
    level: Level,
) -> Result<Vec<StatementId>, Refusal> {
    let mut out: Vec<StatementId> = Vec::with_capacity(statements.len());
    for sid in statements {
        let s = state
            .statements
            .get(sid)
            .ok_or_else(|| not_found("statement", sid))?;
        if s.level != level {
            return Err(other_level("statement", level));
        }
        if s.cluster.is_some() {
            return Err(Refusal::new(
                ErrorCode::Clustered,
                format!("statement {sid:?} is already in a cluster"),
            ));
        }
        if state.voting_started(level) {
            return Err(voting_started());
        }
        if out.contains(sid) {
            return Err(Refusal::new(
                ErrorCode::InvalidValue,
                format!("statement {sid:?} is named twice"),
            ));
        }
        out.push(sid.clone());
    }
    Ok(out)
}

/// A cluster of this level whose membership may still change (no dots on it).
pub(super) fn cluster_of_level(
    state: &State,
    cluster: &ClusterId,
    level: Level,
) -> Result<(), Refusal> {
    let c = state
        .clusters
        .get(cluster)
        .ok_or_else(|| not_found("cluster", cluster))?;
    if c.level != level {
        return Err(other_level("cluster", level));
    }
    if state.voting_started(level) {
        return Err(voting_started());
    }
    Ok(())
}

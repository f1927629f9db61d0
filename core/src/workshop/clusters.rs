//! Mutations of clusters: merging statements, with a log of who merged what and when.

use automerge::transaction::Transactable as _;
use automerge::{ObjType, ROOT, ReadDoc as _, Value};
use draagvlak_protocol::view::Level;

use super::*;

impl Workshop {
    /// Merge statements into a new cluster; returns its id.
    pub fn create_cluster(
        &mut self,
        level: Level,
        title: &str,
        statements: Vec<StatementId>,
        at_ms: u64,
        by: Role,
    ) -> Result<ClusterId, DocError> {
        let seq = self.take_seq()?;
        let id = ClusterId::from_seq(seq);
        let o = self
            .doc
            .put_object(&self.objs.clusters, id.as_str(), ObjType::Map)?;
        self.doc.put(&o, "seq", seq)?;
        self.doc.put(&o, "level", level.as_str())?;
        self.doc.put(&o, "title", title)?;
        self.doc
            .put(&o, "statements", statements.join(",").as_str())?;
        for sid in &statements {
            if let Some(s) = self.state.statements.get_mut(sid) {
                s.cluster = Some(id.clone());
            }
        }
        self.state.clusters.insert(
            id.clone(),
            Cluster {
                seq,
                level,
                title: title.to_string(),
                statements: statements.clone(),
            },
        );
        self.log_cluster(at_ms, ClusterAction::Create, &id, statements, by)?;
        Ok(id)
    }

    /// Add statements to a cluster.
    pub fn add_to_cluster(
        &mut self,
        cluster: &ClusterId,
        statements: Vec<StatementId>,
        at_ms: u64,
        by: Role,
    ) -> Result<(), DocError> {
        let mut members = self
            .state
            .clusters
            .get(cluster)
            .map(|c| c.statements.clone())
            .unwrap_or_default();
        members.extend(statements.iter().cloned());
        self.set_members(cluster, members)?;
        self.log_cluster(at_ms, ClusterAction::Add, cluster, statements, by)
    }

    /// Take a statement out of its cluster; a cluster left with one statement dissolves.
    pub fn remove_from_cluster(
        &mut self,
        statement: &StatementId,
        at_ms: u64,
        by: Role,
    ) -> Result<(), DocError> {
        let Some(cid) = self
            .state
            .statements
            .get(statement)
            .and_then(|s| s.cluster.clone())
        else {
            return Ok(());
        };
        let rest: Vec<StatementId> = self
            .state
            .clusters
            .get(&cid)
            .map(|c| {
                c.statements
                    .iter()
                    .filter(|s| *s != statement)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        if rest.len() < 2 {
            return self.dissolve_cluster(&cid, at_ms, by);
        }
        self.set_members(&cid, rest)?;
        self.log_cluster(
            at_ms,
            ClusterAction::Remove,
            &cid,
            vec![statement.clone()],
            by,
        )
    }

    /// Split a cluster back into its statements.
    pub fn dissolve_cluster(
        &mut self,
        cluster: &ClusterId,
        at_ms: u64,
        by: Role,
    ) -> Result<(), DocError> {
        let members = self
            .state
            .clusters
            .get(cluster)
            .map(|c| c.statements.clone())
            .unwrap_or_default();
        self.log_cluster(at_ms, ClusterAction::Dissolve, cluster, members, by)?;
        self.delete_cluster(cluster)
    }

    pub fn rename_cluster(
        &mut self,
        cluster: &ClusterId,
        title: &str,
        at_ms: u64,
        by: Role,
    ) -> Result<(), DocError> {
        let o = self.child(&self.objs.clusters.clone(), cluster.as_str())?;
        self.doc.put(&o, "title", title)?;
        if let Some(c) = self.state.clusters.get_mut(cluster) {
            c.title = title.to_string();
        }
        self.log_cluster(at_ms, ClusterAction::Rename, cluster, Vec::new(), by)
    }

    pub(super) fn delete_cluster(&mut self, cluster: &ClusterId) -> Result<(), DocError> {
        if let Some(c) = self.state.clusters.remove(cluster) {
            for sid in &c.statements {
                if let Some(s) = self.state.statements.get_mut(sid) {
                    s.cluster = None;
                }
            }
        }
        self.doc.delete(&self.objs.clusters, cluster.as_str())?;
        let item = ItemId::from(cluster);
        let holders: Vec<ParticipantId> = self
            .state
            .dots
            .iter()
            .filter(|(_, m)| m.contains_key(&item))
            .map(|(p, _)| p.clone())
            .collect();
        for participant in holders {
            self.set_dots(&participant, &item, 0)?;
        }
        Ok(())
    }

    pub(super) fn set_members(
        &mut self,
        cluster: &ClusterId,
        members: Vec<StatementId>,
    ) -> Result<(), DocError> {
        let o = self.child(&self.objs.clusters.clone(), cluster.as_str())?;
        self.doc.put(&o, "statements", members.join(",").as_str())?;
        for s in self.state.statements.values_mut() {
            if s.cluster.as_ref() == Some(cluster) {
                s.cluster = None;
            }
        }
        for sid in &members {
            if let Some(s) = self.state.statements.get_mut(sid) {
                s.cluster = Some(cluster.clone());
            }
        }
        if let Some(c) = self.state.clusters.get_mut(cluster) {
            c.statements = members;
        }
        Ok(())
    }

    fn log_cluster(
        &mut self,
        at_ms: u64,
        action: ClusterAction,
        cluster: &ClusterId,
        statements: Vec<StatementId>,
        by: Role,
    ) -> Result<(), DocError> {
        let log = match self.doc.get(ROOT, "cluster_log")? {
            Some((Value::Object(ObjType::List), id)) => id,
            _ => self.doc.put_object(ROOT, "cluster_log", ObjType::List)?,
        };
        let title = self
            .state
            .clusters
            .get(cluster)
            .map(|c| c.title.clone())
            .unwrap_or_default();
        let n = self.doc.length(&log);
        let e = self.doc.insert_object(&log, n, ObjType::Map)?;
        self.doc.put(&e, "at", at_ms)?;
        self.doc.put(&e, "action", action.as_str())?;
        self.doc.put(&e, "cluster", cluster.as_str())?;
        self.doc
            .put(&e, "statements", statements.join(",").as_str())?;
        self.doc.put(&e, "title", title.as_str())?;
        self.doc.put(&e, "by", role_name(by))?;
        self.state.cluster_log.push(ClusterLogEntry {
            at_ms,
            action,
            cluster: cluster.clone(),
            statements,
            title,
            by,
        });
        Ok(())
    }
}

/// How the cluster log stores who took a step (the names it always had).
pub(super) fn role_name(role: Role) -> &'static str {
    match role {
        Role::Facilitator => "facilitator",
        _ => "participant",
    }
}

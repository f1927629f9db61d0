//! Mutations of statements and dots.

use automerge::transaction::Transactable as _;
use automerge::{ObjType, ReadDoc as _, Value};
use draagvlak_protocol::view::Level;

use super::*;

impl Workshop {
    /// Add a statement; returns its id.
    pub fn add_statement(
        &mut self,
        author: &ParticipantId,
        level: Level,
        text: &str,
        extra: NewStatement,
    ) -> Result<StatementId, DocError> {
        let NewStatement {
            anonymous,
            by_facilitator,
            dots_then,
        } = extra;
        let seq = self.take_seq()?;
        let id = StatementId::from_seq(seq);
        let o = self
            .doc
            .put_object(&self.objs.statements, id.as_str(), ObjType::Map)?;
        self.doc.put(&o, "seq", seq)?;
        self.doc.put(&o, "level", level.as_str())?;
        let t = self.doc.put_object(&o, "text", ObjType::Text)?;
        self.doc.splice_text(&t, 0, 0, text)?;
        self.doc.put(&o, "author", author.as_str())?;
        self.doc.put(&o, "anonymous", anonymous)?;
        self.doc.put(&o, "hidden", false)?;
        if by_facilitator {
            self.doc.put(&o, "by_facilitator", true)?;
        }
        if let Some(n) = dots_then {
            self.doc.put(&o, "dots_then", u64::from(n))?;
        }
        self.state.statements.insert(
            id.clone(),
            Statement {
                seq,
                level,
                text: text.to_string(),
                author: author.clone(),
                anonymous,
                hidden: false,
                by_facilitator,
                dots_then,
                cluster: None,
            },
        );
        self.touched.insert(id.to_string());
        Ok(id)
    }

    pub fn set_hidden(&mut self, statement: &StatementId, hidden: bool) -> Result<(), DocError> {
        let o = self.child(&self.objs.statements.clone(), statement.as_str())?;
        self.doc.put(&o, "hidden", hidden)?;
        if let Some(s) = self.state.statements.get_mut(statement) {
            s.hidden = hidden;
        }
        Ok(())
    }

    /// Delete a statement and every dot on it (and take it out of its cluster).
    pub fn delete_statement(&mut self, statement: &StatementId) -> Result<(), DocError> {
        if let Some(cid) = self
            .state
            .statements
            .get(statement)
            .and_then(|s| s.cluster.clone())
            && let Some(c) = self.state.clusters.get(&cid)
        {
            let rest: Vec<StatementId> = c
                .statements
                .iter()
                .filter(|s| *s != statement)
                .cloned()
                .collect();
            if rest.is_empty() {
                self.delete_cluster(&cid)?;
            } else {
                self.set_members(&cid, rest)?;
            }
        }
        self.doc.delete(&self.objs.statements, statement.as_str())?;
        self.state.statements.remove(statement);
        let item = ItemId::from(statement);
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

    /// Set a participant's dots on a statement or cluster (0 removes the entry).
    pub fn set_dots(
        &mut self,
        participant: &ParticipantId,
        item: &ItemId,
        n: u32,
    ) -> Result<(), DocError> {
        let dots = self.objs.dots.clone();
        let map = match self.doc.get(&dots, participant.as_str())? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => self
                .doc
                .put_object(&dots, participant.as_str(), ObjType::Map)?,
        };
        if n == 0 {
            self.doc.delete(&map, item.as_str())?;
            if let Some(m) = self.state.dots.get_mut(participant) {
                m.remove(item);
                if m.is_empty() {
                    self.state.dots.remove(participant);
                }
            }
        } else {
            self.doc.put(&map, item.as_str(), n as u64)?;
            self.state
                .dots
                .entry(participant.clone())
                .or_default()
                .insert(item.clone(), n);
        }
        Ok(())
    }
}

/// The optional parts of a new statement.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewStatement {
    /// Shown without its author (an anonymous phase).
    pub anonymous: bool,
    /// Entered by the facilitator for a participant without a device.
    pub by_facilitator: bool,
    /// Carried over from an earlier session: the dots it had there.
    pub dots_then: Option<u32>,
}

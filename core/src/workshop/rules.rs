//! Mutations of rules of thumb: proposing, collaborative text edits, ratings with reasons, status,
//! anchors, revealing and new rounds.

use automerge::transaction::Transactable as _;
use automerge::{ChangeHash, ObjId, ObjType, ROOT, ReadDoc as _, Value};
use draagvlak_protocol::intent::RuleStatus;
use draagvlak_protocol::view::{Level, SupportView};
use draagvlak_protocol::{ErrorCode, Splice};

use crate::Refusal;
use crate::text;

use super::*;

impl Workshop {
    pub fn reveal_ratings(&mut self, level: Level) -> Result<(), DocError> {
        self.doc
            .put(&self.objs.revealed_ratings, level.as_str(), true)?;
        self.state.revealed_ratings.insert(level);
        Ok(())
    }

    /// Add a rule of thumb; returns its id.
    pub fn add_rule(
        &mut self,
        author: &ParticipantId,
        level: Level,
        text: &str,
    ) -> Result<RuleId, DocError> {
        self.add_rule_with(author, level, text, NewRule::default())
    }

    /// Add a rule of thumb with the optional parts; returns its id.
    pub fn add_rule_with(
        &mut self,
        author: &ParticipantId,
        level: Level,
        text: &str,
        extra: NewRule,
    ) -> Result<RuleId, DocError> {
        let seq = self.take_seq()?;
        let id = RuleId::from_seq(seq);
        let o = self
            .doc
            .put_object(&self.objs.rules, id.as_str(), ObjType::Map)?;
        self.doc.put(&o, "seq", seq)?;
        self.doc.put(&o, "level", level.as_str())?;
        let t = self.doc.put_object(&o, "text", ObjType::Text)?;
        self.doc.splice_text(&t, 0, 0, text)?;
        self.doc.put(&o, "author", author.as_str())?;
        if extra.anonymous {
            self.doc.put(&o, "anonymous", true)?;
        }
        if extra.by_facilitator {
            self.doc.put(&o, "by_facilitator", true)?;
        }
        if extra.status != RuleStatus::Proposed {
            self.doc.put(&o, "status", extra.status.as_str())?;
        }
        if !extra.anchors.is_empty() {
            self.doc
                .put(&o, "anchors", extra.anchors.join(",").as_str())?;
        }
        if let Some(then) = &extra.support_then {
            let json = serde_json::to_string(then).map_err(|e| DocError::Shape(e.to_string()))?;
            self.doc.put(&o, "support_then", json.as_str())?;
        }
        self.doc
            .put_object(&self.objs.ratings, id.as_str(), ObjType::Map)?;
        self.state.rules.insert(
            id.clone(),
            Rule {
                seq,
                level,
                text: text.to_string(),
                author: author.clone(),
                anonymous: extra.anonymous,
                by_facilitator: extra.by_facilitator,
                status: extra.status,
                round: 1,
                revealed_round: 0,
                anchors: extra.anchors,
                support_then: extra.support_then,
                earlier_texts: Vec::new(),
                confirmed: None,
            },
        );
        self.touched.insert(id.to_string());
        Ok(id)
    }

    /// Set (or with `None` clear) the reason given with a low rating in the current round.
    pub fn set_reason(
        &mut self,
        rule: &RuleId,
        participant: &ParticipantId,
        reason: Option<&str>,
    ) -> Result<(), DocError> {
        let reasons = self.objs.reasons.clone();
        let map = match self.doc.get(&reasons, rule.as_str())? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => self.doc.put_object(&reasons, rule.as_str(), ObjType::Map)?,
        };
        match reason {
            Some(r) => {
                self.doc.put(&map, participant.as_str(), r)?;
                self.state
                    .reasons
                    .entry(rule.clone())
                    .or_default()
                    .insert(participant.clone(), r.to_string());
            }
            None => {
                if self
                    .state
                    .reasons
                    .get(rule)
                    .is_some_and(|m| m.contains_key(participant))
                {
                    self.doc.delete(&map, participant.as_str())?;
                }
                if let Some(m) = self.state.reasons.get_mut(rule) {
                    m.remove(participant);
                    if m.is_empty() {
                        self.state.reasons.remove(rule);
                    }
                }
            }
        }
        Ok(())
    }

    pub fn set_rating(
        &mut self,
        rule: &RuleId,
        participant: &ParticipantId,
        score: u8,
    ) -> Result<(), DocError> {
        let ratings = self.objs.ratings.clone();
        let map = match self.doc.get(&ratings, rule.as_str())? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => self.doc.put_object(&ratings, rule.as_str(), ObjType::Map)?,
        };
        self.doc.put(&map, participant.as_str(), score as u64)?;
        self.state
            .ratings
            .entry(rule.clone())
            .or_default()
            .insert(participant.clone(), score);
        Ok(())
    }

    /// Edit the text of a statement (`rules == false`) or rule, against the view at `base`, as
    /// typed by participant `typist`.
    pub fn splice(
        &mut self,
        rules: bool,
        id: &str,
        splice: &Splice,
        base: &[ChangeHash],
        typist: &str,
        limit: text::TextLimit,
    ) -> Result<Option<text::Placed>, Refusal> {
        let internal = |e: DocError| Refusal::internal(e.to_string());
        if self.touched.contains(id) {
            // Cursors are taken at committed heads; an edit of the same text earlier in this
            // tick must be part of a commit first.
            self.commit();
        }
        let container = if rules {
            self.objs.rules.clone()
        } else {
            self.objs.statements.clone()
        };
        let item = self.child(&container, id).map_err(internal)?;
        let text_obj = self.child(&item, "text").map_err(internal)?;
        // Positions are counted in the text as it was at `splice.rev`; a text that did not
        // exist yet then has no positions to map.
        let existed = self
            .doc
            .get_at(&item, "text", base)
            .map_err(|e| internal(e.into()))?
            .is_some();
        if !existed {
            return Err(Refusal::new(
                ErrorCode::StaleRevision,
                format!(
                    "this text did not exist yet at revision {}; ask for a snapshot and edit again",
                    splice.rev
                ),
            ));
        }
        let (new_text, placed) = text::apply_splice(
            &mut self.doc,
            &text_obj,
            splice,
            base,
            (typist, &mut self.runs),
            limit,
        )?;
        if rules {
            if let Some(r) = self.state.rules.get_mut(id) {
                r.text = new_text;
            }
        } else if let Some(s) = self.state.statements.get_mut(id) {
            s.text = new_text;
        }
        self.touched.insert(id.to_string());
        Ok(placed)
    }

    /// Where the text an edit inserted begins now (see [`text::Placed`]).
    pub fn placed_at(&self, placed: &text::Placed) -> Option<usize> {
        placed.position(&self.doc)
    }

    // --- the whole workshop method -------------------------------------------------------

    fn rule_obj(&self, rule: &RuleId) -> Result<ObjId, DocError> {
        self.child(&self.objs.rules.clone(), rule)
    }

    pub fn set_rule_status(&mut self, rule: &RuleId, status: RuleStatus) -> Result<(), DocError> {
        let o = self.rule_obj(rule)?;
        self.doc.put(&o, "status", status.as_str())?;
        if let Some(r) = self.state.rules.get_mut(rule) {
            r.status = status;
        }
        Ok(())
    }

    pub fn set_anchors(&mut self, rule: &RuleId, anchors: Vec<ItemId>) -> Result<(), DocError> {
        let o = self.rule_obj(rule)?;
        self.doc.put(&o, "anchors", anchors.join(",").as_str())?;
        if let Some(r) = self.state.rules.get_mut(rule) {
            r.anchors = anchors;
        }
        Ok(())
    }

    /// Reveal the ratings of every rule of a level, in its current round.
    pub fn reveal_rounds(&mut self, level: Level) -> Result<(), DocError> {
        let ids: Vec<(RuleId, u32)> = self
            .state
            .rules
            .iter()
            .filter(|(_, r)| r.level == level && r.revealed_round < r.round)
            .map(|(id, r)| (id.clone(), r.round))
            .collect();
        for (id, round) in ids {
            let o = self.rule_obj(&id)?;
            self.doc.put(&o, "revealed_round", u64::from(round))?;
            if let Some(r) = self.state.rules.get_mut(&id) {
                r.revealed_round = round;
            }
        }
        Ok(())
    }

    /// Start a new rating round: the current ratings and reasons become an earlier round.
    pub fn start_round(&mut self, rule: &RuleId) -> Result<(), DocError> {
        let ratings = self.state.ratings.remove(rule).unwrap_or_default();
        let reasons = self.state.reasons.remove(rule).unwrap_or_default();
        for (key, source) in [("earlier_ratings", 0), ("earlier_reasons", 1)] {
            let root = match self.doc.get(ROOT, key)? {
                Some((Value::Object(ObjType::Map), id)) => id,
                _ => self.doc.put_object(ROOT, key, ObjType::Map)?,
            };
            let list = match self.doc.get(&root, rule.as_str())? {
                Some((Value::Object(ObjType::List), id)) => id,
                _ => self.doc.put_object(&root, rule.as_str(), ObjType::List)?,
            };
            let n = self.doc.length(&list);
            let m = self.doc.insert_object(&list, n, ObjType::Map)?;
            if source == 0 {
                for (pid, score) in &ratings {
                    self.doc.put(&m, pid.as_str(), u64::from(*score))?;
                }
            } else {
                for (pid, text) in &reasons {
                    self.doc.put(&m, pid.as_str(), text.as_str())?;
                }
            }
        }
        self.doc
            .put_object(&self.objs.ratings, rule.as_str(), ObjType::Map)?;
        self.doc
            .put_object(&self.objs.reasons, rule.as_str(), ObjType::Map)?;
        self.state
            .earlier_ratings
            .entry(rule.clone())
            .or_default()
            .push(ratings);
        self.state
            .earlier_reasons
            .entry(rule.clone())
            .or_default()
            .push(reasons);
        let o = self.rule_obj(rule)?;
        let round = self.state.rules.get(rule).map(|r| r.round + 1).unwrap_or(2);
        self.doc.put(&o, "round", u64::from(round))?;
        self.doc.put(&o, "status", RuleStatus::Proposed.as_str())?;
        if let Some(r) = self.state.rules.get_mut(rule) {
            r.round = round;
            r.status = RuleStatus::Proposed;
        }
        Ok(())
    }
}

/// The optional parts of a new rule.
#[derive(Debug, Clone, Default)]
pub struct NewRule {
    pub anonymous: bool,
    pub by_facilitator: bool,
    pub status: RuleStatus,
    pub anchors: Vec<ItemId>,
    pub support_then: Option<SupportView>,
}

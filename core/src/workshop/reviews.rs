//! Mutations of reviews in a follow-up session.

use automerge::transaction::Transactable as _;
use automerge::{ObjType, ReadDoc as _, Value};
use draagvlak_protocol::intent::Answer;

use super::*;

impl Workshop {
    pub fn set_review(
        &mut self,
        rule: &RuleId,
        participant: &ParticipantId,
        applied: Answer,
        still_right: Answer,
    ) -> Result<(), DocError> {
        let reviews = self.objs.reviews.clone();
        let map = match self.doc.get(&reviews, rule.as_str())? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => self.doc.put_object(&reviews, rule.as_str(), ObjType::Map)?,
        };
        let value = format!("{}/{}", applied.as_str(), still_right.as_str());
        self.doc.put(&map, participant.as_str(), value.as_str())?;
        self.state
            .reviews
            .entry(rule.clone())
            .or_default()
            .insert(participant.clone(), (applied, still_right));
        Ok(())
    }
}

//! The maturity self-assessment in the document: its dimensions, written once as JSON text when
//! the session is made (they never change, so one scalar is enough and keeps the history small),
//! and everyone's scores, one map per participant (0 stands for "don't know").

use std::collections::BTreeMap;

use automerge::transaction::Transactable as _;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc as _, Value};
use draagvlak_protocol::view::{DimensionResult, DimensionView};

use super::*;

const DIMENSIONS: &str = "assessment_dimensions";
const SCORES: &str = "assessment_scores";
const THEN: &str = "assessment_then";

/// Write the dimensions and an empty map of scores into a new document.
pub(super) fn create(doc: &mut AutoCommit, dimensions: &[DimensionView]) -> Result<(), DocError> {
    let json = serde_json::to_string(dimensions)
        .map_err(|e| DocError::Shape(format!("assessment dimensions: {e}")))?;
    doc.put(ROOT, DIMENSIONS, json)?;
    doc.put_object(ROOT, SCORES, ObjType::Map)?;
    Ok(())
}

/// The dimensions and the scores (both empty when the document has no assessment).
#[allow(clippy::type_complexity)]
pub(super) fn hydrate(
    doc: &AutoCommit,
) -> Result<
    (
        Vec<DimensionView>,
        BTreeMap<ParticipantId, BTreeMap<String, Option<u8>>>,
    ),
    DocError,
> {
    let Some(json) = opt_string(doc, &ROOT, DIMENSIONS) else {
        return Ok((Vec::new(), BTreeMap::new()));
    };
    let dimensions: Vec<DimensionView> = serde_json::from_str(&json)
        .map_err(|e| DocError::Shape(format!("assessment dimensions: {e}")))?;
    let mut scores = BTreeMap::new();
    if let Some(all) = opt_obj(doc, &ROOT, SCORES) {
        for pid in doc.keys(&all).collect::<Vec<_>>() {
            let Some(mine) = opt_obj(doc, &all, &pid) else {
                continue;
            };
            let mut own = BTreeMap::new();
            for sid in doc.keys(&mine).collect::<Vec<_>>() {
                let score = opt_uint(doc, &mine, &sid).unwrap_or(0);
                let score = u8::try_from(score).ok().filter(|s| (1..=5).contains(s));
                own.insert(sid, score);
            }
            scores.insert(ParticipantId::from(pid), own);
        }
    }
    Ok((dimensions, scores))
}

/// The earlier session's results of a follow-up, if any.
pub(super) fn hydrate_then(doc: &AutoCommit) -> Result<Option<Vec<DimensionResult>>, DocError> {
    opt_string(doc, &ROOT, THEN)
        .map(|json| {
            serde_json::from_str(&json)
                .map_err(|e| DocError::Shape(format!("assessment then: {e}")))
        })
        .transpose()
}

impl Workshop {
    /// For a follow-up: take the earlier session's dimensions (so today's scores are on the same
    /// statements) and keep its revealed results to compare with. Written once, when the
    /// follow-up is made.
    pub fn carry_assessment(
        &mut self,
        dimensions: &[DimensionView],
        then: Option<&[DimensionResult]>,
    ) -> Result<(), DocError> {
        if !self.state.assessment.is_empty() {
            let json = serde_json::to_string(dimensions)
                .map_err(|e| DocError::Shape(format!("assessment dimensions: {e}")))?;
            self.doc.put(ROOT, DIMENSIONS, json)?;
            self.state.assessment = dimensions.to_vec();
        }
        if let Some(then) = then {
            let json = serde_json::to_string(then)
                .map_err(|e| DocError::Shape(format!("assessment then: {e}")))?;
            self.doc.put(ROOT, THEN, json)?;
            self.state.assessment_then = Some(then.to_vec());
        }
        Ok(())
    }

    /// Set one participant's score on one assessment statement (`None`: "don't know").
    pub fn set_assessment_score(
        &mut self,
        participant: &ParticipantId,
        statement: &str,
        score: Option<u8>,
    ) -> Result<(), DocError> {
        let all = match self.doc.get(ROOT, SCORES)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => self.doc.put_object(ROOT, SCORES, ObjType::Map)?,
        };
        let mine = match self.doc.get(&all, participant.as_str())? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => self
                .doc
                .put_object(&all, participant.as_str(), ObjType::Map)?,
        };
        self.doc
            .put(&mine, statement, u64::from(score.unwrap_or(0)))?;
        self.state
            .assessment_scores
            .entry(participant.clone())
            .or_default()
            .insert(statement.to_string(), score);
        Ok(())
    }
}

//! Erasing names: a participant's name replaced by a neutral label ("ICT 3"), in the document
//! *and* in its history.
//!
//! An Automerge document keeps every value it ever held: putting a new name over the old one
//! leaves the old one in the change history, readable by anyone who loads the stored bytes. And
//! changes are chained by hash, so an old change cannot be edited either. So erasing builds a new
//! document: the same content under the same actor, with a short history of its own that keeps
//! only what the app reads from the history: the session as it was at the end of each phase
//! (the history view, `follow_up::end_of_phase`). One change per such checkpoint, each writing only
//! what differs from the one before, and the phase log's heads pointing at the new changes. Every
//! checkpoint is written with the labels already in place, so no old name enters the new history.
//! The store then replaces the session's snapshot and chunks by the new document in one
//! transaction (`Store::rewrite_session`).
//!
//! The copy is generic (maps, lists, texts and scalars as they are), so it needs no change when
//! the document layout grows; only two fields are rewritten: `participants.{id}.name` (the label)
//! and `participants.{id}.device` (forgotten: it would link the label to a device), and the
//! phase log's `heads`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use automerge::transaction::Transactable as _;
use automerge::{AutoCommit, ChangeHash, ObjId, ObjType, ROOT, ReadDoc as _, ScalarValue, Value};

use super::{DocError, ParticipantId, State, TEXT_ENCODING, Workshop, actor_for, encode_hashes};

/// The neutral label of a participant: their group's name and their number in that group, in
/// the order people joined ("ICT 3", "Business 2"); without a group, "Deelnemer 3" or
/// "Participant 3" in the session's language. The same participant always gets the same label,
/// so erasing one name and later anonymising the whole session agree.
pub fn label(state: &State, participant: &str) -> Option<String> {
    let p = state.participants.get(participant)?;
    let number = state
        .participants
        .values()
        .filter(|o| o.group == p.group && o.seq <= p.seq)
        .count();
    let group = match p.group.as_str() {
        "ict" => "ICT",
        "business" => "Business",
        "" if state.meta.language == "en" => "Participant",
        "" => "Deelnemer",
        other => other,
    };
    Some(format!("{group} {number}"))
}

/// A plain copy of one value of the document.
#[derive(Debug, Clone, PartialEq)]
enum Tree {
    Scalar(ScalarValue),
    Map(BTreeMap<String, Tree>),
    List(Vec<Tree>),
    Text(String),
}

impl Workshop {
    /// This document with the names of `participants` replaced by their labels and a history
    /// without the old names (see the module docs). The returned workshop is committed; store it
    /// with `save()` as the session's only snapshot.
    pub fn erased(&mut self, participants: &BTreeSet<ParticipantId>) -> Result<Workshop, DocError> {
        let labels: HashMap<&str, String> = participants
            .iter()
            .filter_map(|p| Some((p.as_str(), label(&self.state, p)?)))
            .collect();
        // The checkpoints: the end of every phase that was left, then now.
        let mut checkpoints: Vec<Vec<ChangeHash>> = Vec::new();
        for entry in &self.state.phase_log {
            if !entry.heads_before.is_empty() && checkpoints.last() != Some(&entry.heads_before) {
                checkpoints.push(entry.heads_before.clone());
            }
        }
        checkpoints.push(self.doc.get_heads());

        let mut doc =
            AutoCommit::new_with_encoding(TEXT_ENCODING).with_actor(actor_for(&self.state.meta.id));
        let mut new_heads: HashMap<String, String> = HashMap::new();
        let mut before: Option<BTreeMap<String, Tree>> = None;
        for heads in checkpoints {
            let Tree::Map(mut root) = read(&self.doc, &ROOT, &heads)? else {
                return Err(DocError::Shape("root".into()));
            };
            scrub(&mut root, &labels, &new_heads);
            write_map(&mut doc, &ROOT, before.as_ref(), &root)?;
            doc.commit();
            new_heads.insert(encode_hashes(&heads), encode_hashes(&doc.get_heads()));
            before = Some(root);
        }
        let mut workshop = Workshop::from_doc(doc)?;
        workshop.commit();
        Ok(workshop)
    }
}

/// Put the labels in, forget the erased people's devices, and point the phase log at the new
/// history.
fn scrub(
    root: &mut BTreeMap<String, Tree>,
    labels: &HashMap<&str, String>,
    new_heads: &HashMap<String, String>,
) {
    if let Some(Tree::Map(people)) = root.get_mut("participants") {
        for (id, person) in people.iter_mut() {
            if let (Some(label), Tree::Map(fields)) = (labels.get(id.as_str()), person) {
                fields.insert("name".into(), Tree::Scalar(label.as_str().into()));
                fields.remove("device");
            }
        }
    }
    if let Some(Tree::List(log)) = root.get_mut("phase_log") {
        for entry in log {
            if let Tree::Map(fields) = entry
                && let Some(Tree::Scalar(ScalarValue::Str(heads))) = fields.get("heads")
            {
                // A checkpoint not seen (cannot happen: the log only grows) loses its history.
                let mapped = new_heads.get(heads.as_str()).cloned().unwrap_or_default();
                fields.insert("heads".into(), Tree::Scalar(mapped.into()));
            }
        }
    }
}

/// Read one object of `doc` as of `heads`.
fn read(doc: &AutoCommit, obj: &ObjId, heads: &[ChangeHash]) -> Result<Tree, DocError> {
    let value = |v: Value<'_>, id: ObjId| -> Result<Tree, DocError> {
        match v {
            Value::Scalar(s) => Ok(Tree::Scalar(s.into_owned())),
            Value::Object(_) => read(doc, &id, heads),
        }
    };
    Ok(match doc.object_type(obj)? {
        ObjType::Map | ObjType::Table => {
            let mut map = BTreeMap::new();
            for key in doc.keys_at(obj, heads) {
                if let Some((v, id)) = doc.get_at(obj, key.as_str(), heads)? {
                    map.insert(key, value(v, id)?);
                }
            }
            Tree::Map(map)
        }
        ObjType::List => {
            let mut list = Vec::new();
            for i in 0..doc.length_at(obj, heads) {
                if let Some((v, id)) = doc.get_at(obj, i, heads)? {
                    list.push(value(v, id)?);
                }
            }
            Tree::List(list)
        }
        ObjType::Text => Tree::Text(doc.text_at(obj, heads)?),
    })
}

/// Make the map `obj` (which holds `before`) hold `after`, writing only what differs.
fn write_map(
    doc: &mut AutoCommit,
    obj: &ObjId,
    before: Option<&BTreeMap<String, Tree>>,
    after: &BTreeMap<String, Tree>,
) -> Result<(), DocError> {
    for key in before.into_iter().flat_map(|b| b.keys()) {
        if !after.contains_key(key) {
            doc.delete(obj, key.as_str())?;
        }
    }
    for (key, new) in after {
        let old = before.and_then(|b| b.get(key));
        if old == Some(new) {
            continue;
        }
        let child = match doc.get(obj, key.as_str())? {
            Some((Value::Object(_), id)) => Some(id),
            _ => None,
        };
        match (old, new, child) {
            (Some(Tree::Map(old)), Tree::Map(new), Some(id)) => {
                write_map(doc, &id, Some(old), new)?
            }
            (Some(Tree::List(old)), Tree::List(new), Some(id)) if new.starts_with(old) => {
                for (i, item) in new.iter().enumerate().skip(old.len()) {
                    insert(doc, &id, i, item)?;
                }
            }
            (Some(Tree::Text(_)), Tree::Text(new), Some(id)) => doc.update_text(&id, new)?,
            (_, Tree::Scalar(s), _) => doc.put(obj, key.as_str(), s.clone())?,
            (_, Tree::Map(m), _) => {
                let id = doc.put_object(obj, key.as_str(), ObjType::Map)?;
                write_map(doc, &id, None, m)?;
            }
            (_, Tree::List(l), _) => {
                let id = doc.put_object(obj, key.as_str(), ObjType::List)?;
                for (i, item) in l.iter().enumerate() {
                    insert(doc, &id, i, item)?;
                }
            }
            (_, Tree::Text(t), _) => {
                let id = doc.put_object(obj, key.as_str(), ObjType::Text)?;
                doc.splice_text(&id, 0, 0, t)?;
            }
        }
    }
    Ok(())
}

/// Insert a new element into a list.
fn insert(doc: &mut AutoCommit, list: &ObjId, index: usize, item: &Tree) -> Result<(), DocError> {
    match item {
        Tree::Scalar(s) => doc.insert(list, index, s.clone())?,
        Tree::Map(m) => {
            let id = doc.insert_object(list, index, ObjType::Map)?;
            write_map(doc, &id, None, m)?;
        }
        Tree::List(l) => {
            let id = doc.insert_object(list, index, ObjType::List)?;
            for (i, item) in l.iter().enumerate() {
                insert(doc, &id, i, item)?;
            }
        }
        Tree::Text(t) => {
            let id = doc.insert_object(list, index, ObjType::Text)?;
            doc.splice_text(&id, 0, 0, t)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use draagvlak_protocol::ItemId;
    use draagvlak_protocol::view::Level;

    use super::*;
    use crate::workshop::NewStatement;

    const NAME: &str = "Zwaantje-Erasmus";

    fn contains(haystack: &[u8], needle: &str) -> bool {
        haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    }

    /// A session played through a few phases, with a name changed nowhere but stored in the
    /// history many times over.
    fn played() -> (Workshop, ParticipantId) {
        let mut workshop = crate::method_tests::workshop("strategic-framework");
        let anna = workshop.add_participant("Anna", "ict").unwrap();
        let zw = workshop
            .add_participant_from(NAME, "ict", Some("devicehash"))
            .unwrap();
        workshop.add_proxy("Bert", "business").unwrap();
        workshop.commit();
        workshop.set_phase(1, 1_000).unwrap();
        let s = workshop
            .add_statement(&zw, Level::Richten, "Eén loket", NewStatement::default())
            .unwrap();
        workshop
            .add_statement(&anna, Level::Richten, "Open data", NewStatement::default())
            .unwrap();
        workshop.commit();
        workshop.set_phase(2, 2_000).unwrap();
        workshop.set_phase(3, 3_000).unwrap();
        workshop.set_dots(&zw, &ItemId::from(&s), 2).unwrap();
        workshop.commit();
        (workshop, zw)
    }

    #[test]
    fn an_erased_name_is_a_label_now_and_in_every_phase_of_the_history() {
        let (mut workshop, zw) = played();
        assert!(contains(&workshop.doc.save_nocompress(), NAME));
        let mut erased = workshop.erased(&BTreeSet::from([zw.clone()])).unwrap();

        // Now: everything as it was, but the name and the device.
        let mut expected = workshop.state().clone();
        if let Some(p) = expected.participants.get_mut(zw.as_str()) {
            p.name = "ICT 2".into();
            p.device = None;
        }
        let mut got = erased.state().clone();
        assert_eq!(got.phase_log.len(), expected.phase_log.len());
        for (e, g) in expected.phase_log.iter_mut().zip(got.phase_log.iter_mut()) {
            assert_eq!((e.phase, e.at_ms), (g.phase, g.at_ms));
            e.heads_before.clear();
            g.heads_before.clear();
        }
        assert_eq!(got, expected);
        assert_eq!(erased.rehydrate().unwrap(), *erased.state());

        // The history: the end of each phase reads as it did, with the label.
        for (old, new) in workshop
            .state()
            .phase_log
            .clone()
            .iter()
            .zip(erased.state().phase_log.clone())
        {
            let mut then = workshop.hydrate_at(&old.heads_before).unwrap();
            let now = erased.hydrate_at(&new.heads_before).unwrap();
            if let Some(p) = then.participants.get_mut(zw.as_str()) {
                p.name = "ICT 2".into();
                p.device = None;
            }
            assert_eq!(then.statements, now.statements);
            assert_eq!(then.participants, now.participants);
            assert_eq!(then.current_phase, now.current_phase);
        }

        // Not a byte of the name is left, compressed or not; it loads from its own snapshot.
        assert!(!contains(&erased.doc.save_nocompress(), NAME));
        let saved = erased.save();
        let loaded = Workshop::load("0123456789abcdef", &saved, []).unwrap();
        assert_eq!(loaded.state(), erased.state());
        // Other names stay.
        assert!(
            erased
                .state()
                .participants
                .values()
                .any(|p| p.name == "Anna")
        );
    }

    #[test]
    fn labels_number_people_within_their_group_in_joining_order() {
        let (workshop, zw) = played();
        let state = workshop.state();
        let by_name = |n: &str| {
            state
                .participants
                .iter()
                .find(|(_, p)| p.name == n)
                .map(|(id, _)| id.clone())
                .unwrap()
        };
        assert_eq!(label(state, &by_name("Anna")).as_deref(), Some("ICT 1"));
        assert_eq!(label(state, &zw).as_deref(), Some("ICT 2"));
        assert_eq!(
            label(state, &by_name("Bert")).as_deref(),
            Some("Business 1")
        );
        assert_eq!(label(state, "p999"), None);
    }
}

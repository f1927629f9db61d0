//! Views kept up to date part by part: a fan-out projects only what the applied intents touched
//! (`apply::ViewTouched`: single statements, rules and participants, the clusters) and the small
//! parts every fan-out projects anew (agenda, phase, counts, progress), and patches the JSON view
//! it keeps per audience in place. The patch it returns is the one a client applies to the view
//! it was sent, so nothing is diffed whole and a tick's cost follows what it changed, not the
//! size of the room (at 10,000 participants the facilitator's view alone took 25 ms to project
//! and diff whole).
//!
//! The whole projection stays the reference: debug builds compare the patched view with it at
//! every fan-out (`Outbox::fan_out` in the actor), and the outbox tests and property tests run in debug
//! builds. It is its own module, apart from the outbox that calls it, because this is where a wrong entry in the
//! touched lists would show, and because its promise (the patched view equals the whole
//! projection) is easiest to read and test on its own.

use json_patch::{Patch, PatchOperation};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::session::apply::{Keys, ViewTouched};
use crate::session::projection::{Audience, Projector};

/// The view's maps that a fan-out patches entry by entry.
const STATEMENTS: &str = "statements";
const RULES: &str = "rules";
const PARTICIPANTS: &str = "participants";
/// The parts projected whole only when the clusters are touched.
const CLUSTER_PARTS: [&str; 3] = ["clusters", "cluster_log", "suggestions"];
/// The parts projected only when the counts of people are touched (each a walk over everyone).
const PEOPLE_PARTS: [&str; 3] = ["groups", "ready", "removed"];
/// The maturity self-assessment, projected only when touched (its results walk every score).
const ASSESSMENT: &str = "assessment";

/// Why a kept view could not be patched in place (the caller then projects it whole).
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    #[error("cannot serialise a view: {0}")]
    Serialise(#[from] serde_json::Error),
    #[error("the kept view has no object at {0:?}")]
    Shape(&'static str),
}

/// Bring `kept`, the JSON view last sent to `audience`, up to date with the state `projector`
/// reads, projecting only the parts `touched` names and the small ones. Returns the operations
/// that do the same to a client's copy (empty when the view did not change). On an error `kept`
/// may be half updated: the caller replaces it with a whole projection.
pub fn update(
    kept: &mut Value,
    projector: &Projector<'_>,
    audience: Audience,
    touched: &ViewTouched,
) -> Result<Vec<PatchOperation>, PatchError> {
    let Value::Object(new) = serde_json::to_value(projector.view(audience, touched))? else {
        return Err(PatchError::Shape("the view"));
    };
    let Value::Object(old) = kept else {
        return Err(PatchError::Shape("the view"));
    };
    let mut ops = Vec::new();
    let whole = |field: &str| match field {
        STATEMENTS => touched.statements == Keys::All,
        RULES => touched.rules == Keys::All,
        PARTICIPANTS => touched.participants == Keys::All,
        f if CLUSTER_PARTS.contains(&f) => touched.clusters,
        f if PEOPLE_PARTS.contains(&f) => touched.people,
        ASSESSMENT => touched.assessment,
        _ => true,
    };
    // The parts projected whole: every field either side has (an absent optional part is an
    // absent field).
    let mut fields: Vec<String> = old.keys().chain(new.keys()).cloned().collect();
    fields.sort_unstable();
    fields.dedup();
    let mut new = new;
    for field in fields.into_iter().filter(|f| whole(f)) {
        let after = new.remove(&field);
        let before = old.remove(&field);
        if let Some(after) = patch_at(&[&field], before, after, &mut ops) {
            old.insert(field, after);
        }
    }
    // The maps patched entry by entry.
    if let Keys::Some(ids) = &touched.statements {
        for id in ids {
            let entry = projector.statement(id, audience);
            patch_entry(old, STATEMENTS, id, entry, &mut ops)?;
        }
    }
    if let Keys::Some(ids) = &touched.rules {
        for id in ids {
            patch_entry(old, RULES, id, projector.rule(id), &mut ops)?;
        }
    }
    if let Keys::Some(ids) = &touched.participants {
        for id in ids {
            let entry = projector.participant(id, audience);
            patch_entry(old, PARTICIPANTS, id, entry, &mut ops)?;
        }
    }
    Ok(ops)
}

/// Patch one entry of a map of the view (the map is absent from an audience's view that does
/// not show it: then there is nothing to patch).
fn patch_entry<T: Serialize>(
    view: &mut Map<String, Value>,
    map: &'static str,
    id: &str,
    entry: Option<T>,
    ops: &mut Vec<PatchOperation>,
) -> Result<(), PatchError> {
    let after = entry.map(serde_json::to_value).transpose()?;
    let Some(container) = view.get_mut(map) else {
        return match after {
            None => Ok(()),
            Some(_) => Err(PatchError::Shape(map)),
        };
    };
    let Value::Object(entries) = container else {
        return Err(PatchError::Shape(map));
    };
    let before = entries.remove(id);
    if let Some(after) = patch_at(&[map, id], before, after, ops) {
        entries.insert(id.to_owned(), after);
    }
    Ok(())
}

/// The operations that turn `before` into `after` at `path` (either may be absent), appended to
/// `ops`; returns `after` for the kept view. The values are nested in objects along the path and
/// diffed there, so json-patch writes the paths (and escapes them).
fn patch_at(
    path: &[&str],
    before: Option<Value>,
    after: Option<Value>,
    ops: &mut Vec<PatchOperation>,
) -> Option<Value> {
    if before == after {
        return after;
    }
    let before = nest(path, before);
    let after = nest(path, after);
    let Patch(found) = json_patch::diff(&before, &after);
    ops.extend(found);
    unnest(path, after)
}

fn nest(path: &[&str], leaf: Option<Value>) -> Value {
    let mut value = Value::Object(Map::new());
    let Some((last, outer)) = path.split_last() else {
        return value;
    };
    if let Some(leaf) = leaf {
        value = Value::Object(Map::from_iter([((*last).to_owned(), leaf)]));
    }
    for key in outer.iter().rev() {
        value = Value::Object(Map::from_iter([((*key).to_owned(), value)]));
    }
    value
}

fn unnest(path: &[&str], mut value: Value) -> Option<Value> {
    for key in path {
        value = match value {
            Value::Object(mut map) => map.remove(*key)?,
            _ => return None,
        };
    }
    Some(value)
}

/// The whole projection as JSON: the reference, and what a snapshot starts from.
pub fn whole(projector: &Projector<'_>, audience: Audience) -> Value {
    serde_json::to_value(projector.view(audience, &ViewTouched::everything()))
        .unwrap_or(Value::Null)
}

/// Debug builds: the view patched part by part equals the whole projection (so the touched
/// lists in `apply` and the outbox miss nothing), and the operations sent turn the view the
/// clients had into it.
#[cfg(debug_assertions)]
pub fn check(
    mut before: Value,
    ops: &[PatchOperation],
    kept: &Value,
    projector: &Projector<'_>,
    audience: Audience,
) {
    let whole = whole(projector, audience);
    if *kept != whole {
        let missed = json_patch::diff(kept, &whole);
        panic!(
            "the {audience:?} view patched by parts differs from the whole projection: {}",
            serde_json::to_string(&missed).unwrap_or_default()
        );
    }
    if let Err(e) = json_patch::patch(&mut before, ops) {
        panic!("the {audience:?} delta does not apply to the view it was made for: {e}");
    }
    if before != whole {
        panic!("the {audience:?} delta does not turn the last view into the new one");
    }
}

#[cfg(test)]
mod tests;

//! The client's copy of its view: snapshots, deltas and the private part, without any I/O.
//!
//! The server sends a whole view (`snapshot`), then JSON Patches (`delta {base, rev, ops}`) that
//! apply to the JSON form of that view. [`ViewState`] keeps both forms: the JSON value the patches
//! apply to, and the typed [`View`] callers read. A delta applies only when its `base` is the
//! revision held; otherwise something was missed, and the state asks for a `sync` and ignores
//! every delta until the next snapshot. A patch that does not apply, or that produces something
//! that is not a [`View`], is treated the same way: the view is never left half-patched.
//!
//! The private part (`me`) is not patched: each `me` message replaces it whole.
//!
//! This module is plain synchronous code so it can be tested without a socket.

use draagvlak_protocol::{MeView, View};
use serde::Deserialize;
use serde_json::Value;

use crate::error::ClientError;

/// What [`ViewState::apply_delta`] did with a delta.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeltaOutcome {
    /// The delta applied; the view is now at its `rev`.
    Applied,
    /// The delta is older than the view held (it was already covered by a snapshot); ignored.
    Stale,
    /// A `sync` was already asked for; deltas are ignored until the snapshot comes.
    AwaitingSnapshot,
    /// The delta's base is not the revision held, or the patch did not apply: the caller must send
    /// `sync`. The state now waits for a snapshot.
    NeedSync { reason: String },
}

/// A view at a revision, plus the participant's private part.
#[derive(Clone, Debug)]
pub struct ViewState {
    /// Revision of `view` (the last snapshot or applied delta).
    rev: u64,
    /// The view as JSON: what the server's patches are computed against.
    json: Value,
    /// The same view, typed.
    view: View,
    /// The private part and the revision it was sent at; participants only.
    me: Option<(u64, MeView)>,
    /// A `sync` was sent (or must be sent) and no snapshot has arrived since.
    awaiting_snapshot: bool,
}

impl ViewState {
    /// A state from the first snapshot. `view` is the snapshot's `view` field as JSON.
    pub fn from_snapshot(rev: u64, view: Value) -> Result<ViewState, ClientError> {
        let typed = parse_view(&view)?;
        Ok(ViewState {
            rev,
            json: view,
            view: typed,
            me: None,
            awaiting_snapshot: false,
        })
    }

    /// Replace the view with a snapshot. Ends any wait for a snapshot.
    pub fn apply_snapshot(&mut self, rev: u64, view: Value) -> Result<(), ClientError> {
        self.view = parse_view(&view)?;
        self.json = view;
        self.rev = rev;
        self.awaiting_snapshot = false;
        Ok(())
    }

    /// Apply a delta if it follows the revision held; see [`DeltaOutcome`].
    pub fn apply_delta(&mut self, base: u64, rev: u64, ops: &json_patch::Patch) -> DeltaOutcome {
        if self.awaiting_snapshot {
            return DeltaOutcome::AwaitingSnapshot;
        }
        if rev <= self.rev {
            return DeltaOutcome::Stale;
        }
        if base != self.rev {
            self.awaiting_snapshot = true;
            return DeltaOutcome::NeedSync {
                reason: format!("delta from {base} to {rev}, view is at {}", self.rev),
            };
        }
        let mut next = self.json.clone();
        let result = json_patch::patch(&mut next, ops)
            .map_err(|e| e.to_string())
            .and_then(|()| View::deserialize(&next).map_err(|e| e.to_string()));
        match result {
            Ok(view) => {
                self.json = next;
                self.view = view;
                self.rev = rev;
                DeltaOutcome::Applied
            }
            Err(e) => {
                self.awaiting_snapshot = true;
                DeltaOutcome::NeedSync {
                    reason: format!("delta from {base} to {rev} does not apply: {e}"),
                }
            }
        }
    }

    /// Replace the private part.
    pub fn apply_me(&mut self, rev: u64, me: MeView) {
        self.me = Some((rev, me));
    }

    /// Mark that a `sync` was sent (for example by the caller after a reconnect or on request):
    /// deltas are ignored until the next snapshot.
    pub fn expect_snapshot(&mut self) {
        self.awaiting_snapshot = true;
    }

    /// The revision of the view held.
    pub fn rev(&self) -> u64 {
        self.rev
    }

    /// The view held.
    pub fn view(&self) -> &View {
        &self.view
    }

    /// The view held, as the JSON the server's patches apply to.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The private part, if one was received.
    pub fn me(&self) -> Option<&MeView> {
        self.me.as_ref().map(|(_, me)| me)
    }

    /// The revision the private part was sent at.
    pub fn me_rev(&self) -> Option<u64> {
        self.me.as_ref().map(|(rev, _)| *rev)
    }

    /// True between a detected gap (or [`ViewState::expect_snapshot`]) and the next snapshot.
    pub fn awaiting_snapshot(&self) -> bool {
        self.awaiting_snapshot
    }
}

fn parse_view(view: &Value) -> Result<View, ClientError> {
    View::deserialize(view).map_err(|e| ClientError::Protocol(format!("snapshot view: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use serde_json::json;

    fn view_json(title: &str) -> Value {
        json!({
            "session": {"id": "s1", "code": "ABC123", "title": title, "organisation": "",
                        "language": "nl", "groups": ["ict", "business"]},
            "phases": [],
            "current_phase": 0,
            "locked": false,
            "groups": {"ict": {"joined": 1, "connected": 1}},
            "statements": {},
            "rules": {},
            "progress": {}
        })
    }

    fn patch(ops: Value) -> json_patch::Patch {
        serde_json::from_value(ops).unwrap()
    }

    fn me(dots: u32) -> MeView {
        serde_json::from_value(json!({
            "id": "p1", "name": "Anna", "group": "ict",
            "dots": {"st1": dots}, "dots_left": {"richten": 5 - dots},
            "ratings": {}, "statements": []
        }))
        .unwrap()
    }

    #[test]
    fn snapshot_then_deltas_in_order() {
        let mut s = ViewState::from_snapshot(10, view_json("Start")).unwrap();
        assert_eq!(s.rev(), 10);
        assert_eq!(s.view().session.title, "Start");

        let add = patch(json!([
            {"op": "add", "path": "/statements/st1", "value":
                {"seq": 1, "level": "richten", "text": "Cloud first", "author": null}},
            {"op": "replace", "path": "/locked", "value": true}
        ]));
        assert_eq!(s.apply_delta(10, 11, &add), DeltaOutcome::Applied);
        assert_eq!(s.rev(), 11);
        assert!(s.view().locked);
        assert_eq!(s.view().statements["st1"].text, "Cloud first");
        assert_eq!(s.json()["statements"]["st1"]["text"], "Cloud first");

        let edit = patch(json!([
            {"op": "replace", "path": "/statements/st1/text", "value": "Cloud first!"}
        ]));
        assert_eq!(s.apply_delta(11, 14, &edit), DeltaOutcome::Applied);
        assert_eq!(s.rev(), 14);
        assert_eq!(s.view().statements["st1"].text, "Cloud first!");
    }

    #[test]
    fn a_gap_asks_for_sync_and_ignores_deltas_until_the_snapshot() {
        let mut s = ViewState::from_snapshot(10, view_json("Start")).unwrap();
        let lock = patch(json!([{"op": "replace", "path": "/locked", "value": true}]));
        assert!(matches!(
            s.apply_delta(11, 12, &lock),
            DeltaOutcome::NeedSync { .. }
        ));
        assert!(s.awaiting_snapshot());
        assert_eq!(s.rev(), 10);
        // Even a delta that would fit is ignored now: the snapshot decides.
        assert_eq!(s.apply_delta(10, 11, &lock), DeltaOutcome::AwaitingSnapshot);
        assert!(!s.view().locked);

        s.apply_snapshot(12, view_json("Later")).unwrap();
        assert!(!s.awaiting_snapshot());
        assert_eq!(s.rev(), 12);
        assert_eq!(s.view().session.title, "Later");
        assert_eq!(s.apply_delta(12, 13, &lock), DeltaOutcome::Applied);
        assert!(s.view().locked);
    }

    #[test]
    fn deltas_already_covered_by_a_snapshot_are_stale() {
        let mut s = ViewState::from_snapshot(20, view_json("Start")).unwrap();
        let lock = patch(json!([{"op": "replace", "path": "/locked", "value": true}]));
        assert_eq!(s.apply_delta(18, 19, &lock), DeltaOutcome::Stale);
        assert_eq!(s.apply_delta(19, 20, &lock), DeltaOutcome::Stale);
        assert!(!s.awaiting_snapshot());
        assert!(!s.view().locked);
    }

    #[test]
    fn a_patch_that_does_not_apply_leaves_the_view_whole_and_asks_for_sync() {
        let mut s = ViewState::from_snapshot(1, view_json("Start")).unwrap();
        // The first op applies, the second fails: nothing of it may stay.
        let bad = patch(json!([
            {"op": "replace", "path": "/locked", "value": true},
            {"op": "remove", "path": "/statements/missing"}
        ]));
        assert!(matches!(
            s.apply_delta(1, 2, &bad),
            DeltaOutcome::NeedSync { .. }
        ));
        assert!(!s.view().locked);
        assert_eq!(s.json()["locked"], false);
        assert_eq!(s.rev(), 1);

        // A patch that applies but yields something that is not a View is refused too.
        let mut s = ViewState::from_snapshot(1, view_json("Start")).unwrap();
        let wrong = patch(json!([{"op": "replace", "path": "/locked", "value": "yes"}]));
        assert!(matches!(
            s.apply_delta(1, 2, &wrong),
            DeltaOutcome::NeedSync { .. }
        ));
        assert_eq!(s.json()["locked"], false);
    }

    #[test]
    fn me_is_replaced_whole() {
        let mut s = ViewState::from_snapshot(1, view_json("Start")).unwrap();
        assert!(s.me().is_none());
        s.apply_me(1, me(1));
        assert_eq!(s.me().unwrap().dots["st1"], 1);
        s.apply_me(3, me(2));
        assert_eq!(s.me().unwrap().dots["st1"], 2);
        assert_eq!(s.me().unwrap().dots_left.len(), 1);
        assert_eq!(s.me_rev(), Some(3));
    }

    #[test]
    fn a_snapshot_that_is_not_a_view_is_a_protocol_error() {
        let err = ViewState::from_snapshot(1, json!({"session": 3})).unwrap_err();
        assert!(matches!(err, ClientError::Protocol(_)));
    }
}

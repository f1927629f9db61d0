//! The workshop document: one Automerge document per session, and a plain Rust mirror of it.
//!
//! The Automerge document is the record: it is what is stored, what a history view replays and
//! what several nodes would exchange. Reading it for every check and every projection would be
//! slow and verbose, so every mutation here writes the document *and* the mirror ([`State`]) in the
//! same method, and [`Workshop::load`] rebuilds the mirror from the document (`hydrate`). A test
//! checks that a mirror kept up by mutations equals the one hydrated from the same document.
//!
//! Document layout (root map):
//! `meta` {id, code, title, organisation, language, template}, `groups` [str], `phases`
//! [{kind, level, title_nl, title_en, question_nl, question_en, anonymous, dot_budget,
//! max_dots_per_item}], `current_phase` uint, `locked` bool, `revealed_dots` {level: true},
//! `revealed_ratings` {level: true}, `next_seq` uint, `participants` {pid: {name, group, seq}},
//! `statements` {sid: {seq, level, text: Text, author, anonymous, hidden}}, `dots`
//! {pid: {item id: uint}} (an item is a statement or a cluster), `rules` {rid: {seq, level,
//! text: Text, author, anonymous?, by_facilitator?, status?, round?, revealed_round?, anchors?,
//! support_then?}}, `ratings` {rid: {pid: uint}} (the current round), `timer` {running, deadline,
//! remaining_ms, duration_ms} (absent when none), `focus` str (absent when none), `phase_log`
//! [{phase, at, heads}].
//!
//! Added with the whole workshop method (all optional, so older documents still load):
//! participants' `proxy`, `removed`, `remote` and `pending_group`; statements' `by_facilitator` and `dots_then`;
//! `clusters` {cid: {seq, level, title, statements: "s1,s2"}}, `cluster_log` [{at, action,
//! cluster, statements, title, by}], `clustering_open`, `equal_group_weight`, `closed`, `ready`
//! {pid: phase index}, `reasons` {rid: {pid: str}}, `earlier_ratings` / `earlier_reasons`
//! {rid: [{pid: …}]} (one map per finished round), `reviews` {rid: {pid: "applied/still_right"}},
//! `revealed_review`, `follows` {code, title, created_at}; for a maturity self-assessment
//! `assessment_dimensions` (the dimensions as JSON text, written once when the session is made),
//! `assessment_scores` {pid: {statement: 0..=5, 0 for "don't know"}} and `revealed_assessment`.
//! Id lists are stored as
//! comma-separated strings: ids are made by the server and never contain a comma.
//!
//! The mirror's types are in `state.rs`, reading the document into it in `hydrate.rs`; the
//! mutations are split by domain like `apply` and the projection: `phases.rs`, `people.rs`,
//! `statements.rs` (and dots), `clusters.rs`, `rules.rs` (ratings, reasons, rounds), `reviews.rs`,
//! `assessment.rs`, `record.rs` (what a reveal or a decision freezes) and `erase.rs` (erasing a name).

use std::collections::HashSet;

use automerge::transaction::Transactable as _;
use automerge::{
    ActorId, AutoCommit, AutomergeError, ChangeHash, LoadOptions, ObjId, ObjType, ROOT,
    ReadDoc as _, TextEncoding, Value,
};
use draagvlak_protocol::view::{ClusterAction, Level, PhaseKind, Role};
use draagvlak_protocol::{ClusterId, ItemId, ParticipantId, RuleId, StatementId};

use super::template::PhaseSpec;
use super::text;

mod assessment;
mod clusters;
mod erase;
mod hydrate;
mod people;
mod phases;
mod record;
mod reviews;
mod rules;
mod state;
mod statements;
pub use erase::label;
use hydrate::*;
pub use record::{DecisionEntry, VoteRecord};
pub use rules::NewRule;
pub use state::*;
pub use statements::NewStatement;

/// The author id of statements and rules the facilitator writes as the facilitator (participant
/// ids are `p<n>`, so it never names a participant). Such texts count in no group.
pub static FACILITATOR_AUTHOR: std::sync::LazyLock<ParticipantId> =
    std::sync::LazyLock::new(|| ParticipantId::from("facilitator"));

/// The document could not be built, read or loaded.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("automerge: {0}")]
    Automerge(#[from] AutomergeError),
    #[error("document is missing or has a wrong {0}")]
    Shape(String),
}

/// Ids of the container objects, looked up once.
#[derive(Debug, Clone)]
struct Objs {
    clusters: ObjId,
    ready: ObjId,
    reasons: ObjId,
    reviews: ObjId,
    revealed_dots: ObjId,
    revealed_ratings: ObjId,
    participants: ObjId,
    statements: ObjId,
    dots: ObjId,
    rules: ObjId,
    ratings: ObjId,
}

/// A session's document with its mirror.
#[derive(Debug)]
pub struct Workshop {
    doc: AutoCommit,
    objs: Objs,
    state: State,
    /// Text objects (statement or rule ids) changed since the last commit. A splice on one of
    /// them commits first, so that cursors are always taken at committed heads.
    touched: HashSet<String>,
    /// Heads of the last commit.
    heads: Vec<ChangeHash>,
    /// Who is typing where, so a run of typing stays together (`text::Runs`).
    runs: text::Runs,
}

const TEXT_ENCODING: TextEncoding = TextEncoding::Utf16CodeUnit;

/// The actor id of a session: derived from the session id, so every load writes as the same
/// actor and the history has one actor for the life of the session.
fn actor_for(session_id: &str) -> ActorId {
    ActorId::from(session_id.as_bytes())
}

impl Workshop {
    /// A new session document from a template.
    pub fn create(meta: Meta, groups: &[&str], phases: &[PhaseSpec]) -> Result<Workshop, DocError> {
        let mut doc = AutoCommit::new_with_encoding(TEXT_ENCODING).with_actor(actor_for(&meta.id));
        let m = doc.put_object(ROOT, "meta", ObjType::Map)?;
        doc.put(&m, "id", meta.id.as_str())?;
        doc.put(&m, "code", meta.code.as_str())?;
        doc.put(&m, "title", meta.title.as_str())?;
        doc.put(&m, "organisation", meta.organisation.as_str())?;
        doc.put(&m, "language", meta.language.as_str())?;
        doc.put(&m, "template", meta.template.as_str())?;
        let g = doc.put_object(ROOT, "groups", ObjType::List)?;
        for (i, group) in groups.iter().enumerate() {
            doc.insert(&g, i, *group)?;
        }
        let list = doc.put_object(ROOT, "phases", ObjType::List)?;
        for (i, p) in phases.iter().enumerate() {
            let o = doc.insert_object(&list, i, ObjType::Map)?;
            doc.put(&o, "kind", p.kind.as_str())?;
            doc.put(&o, "level", p.level.map(Level::as_str).unwrap_or(""))?;
            doc.put(&o, "title_nl", p.title.nl.as_str())?;
            doc.put(&o, "title_en", p.title.en.as_str())?;
            doc.put(&o, "question_nl", p.question.nl.as_str())?;
            doc.put(&o, "question_en", p.question.en.as_str())?;
            doc.put(&o, "anonymous", p.anonymous)?;
            doc.put(&o, "dot_budget", p.dot_budget as u64)?;
            doc.put(&o, "max_dots_per_item", p.max_dots_per_item as u64)?;
        }
        doc.put(ROOT, "current_phase", 0u64)?;
        doc.put(ROOT, "locked", false)?;
        doc.put(ROOT, "next_seq", 1u64)?;
        for key in [
            "revealed_dots",
            "revealed_ratings",
            "participants",
            "statements",
            "dots",
            "rules",
            "ratings",
        ] {
            doc.put_object(ROOT, key, ObjType::Map)?;
        }
        ensure_method_objects(&mut doc)?;
        if phases.iter().any(|p| p.kind == PhaseKind::Assessment) {
            assessment::create(&mut doc, &crate::assessment::default_dimensions())?;
        }
        doc.commit();
        Workshop::from_doc(doc)
    }

    /// Load from a snapshot and the change chunks written after it.
    pub fn load<'a>(
        session_id: &str,
        snapshot: &[u8],
        changes: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Workshop, DocError> {
        let mut doc = AutoCommit::load_with_options(
            snapshot,
            LoadOptions::new().text_encoding(TEXT_ENCODING),
        )?;
        // One call for all chunks: Automerge re-indexes the document after each call, so
        // feeding 500 chunks one by one costs ten times as much (BENCHMARKS.md, loading).
        let all: Vec<u8> = changes.into_iter().flatten().copied().collect();
        if !all.is_empty() {
            doc.load_incremental(&all)?;
        }
        doc.set_actor(actor_for(session_id));
        Workshop::from_doc(doc)
    }

    fn from_doc(mut doc: AutoCommit) -> Result<Workshop, DocError> {
        ensure_method_objects(&mut doc)?;
        let (state, objs) = hydrate(&doc)?;
        let heads = doc.get_heads();
        Ok(Workshop {
            doc,
            objs,
            state,
            touched: HashSet::new(),
            runs: text::Runs::default(),
            heads,
        })
    }

    /// The mirror, for checks and projections.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Heads of the last commit.
    pub fn heads(&self) -> &[ChangeHash] {
        &self.heads
    }

    /// Close the open change, if any. Returns whether there was one.
    pub fn commit(&mut self) -> bool {
        self.touched.clear();
        let committed = self.doc.commit().is_some();
        if committed {
            self.heads = self.doc.get_heads();
        }
        committed
    }

    /// The changes since the last call (commit first).
    pub fn save_incremental(&mut self) -> Vec<u8> {
        self.doc.save_incremental()
    }

    /// The whole document, compressed (commit first).
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// Read the document as of `heads` (for tests and history).
    pub fn hydrate_at(&mut self, heads: &[ChangeHash]) -> Result<State, DocError> {
        let forked = self.doc.fork_at(heads)?;
        Ok(hydrate(&forked)?.0)
    }

    /// Rebuild the mirror from the document (tests check it equals the kept mirror).
    pub fn rehydrate(&self) -> Result<State, DocError> {
        Ok(hydrate(&self.doc)?.0)
    }

    fn take_seq(&mut self) -> Result<u64, DocError> {
        let seq = self.state.next_seq;
        self.state.next_seq += 1;
        self.doc.put(ROOT, "next_seq", self.state.next_seq)?;
        Ok(seq)
    }

    pub fn set_flag(&mut self, flag: Flag, on: bool) -> Result<(), DocError> {
        let (key, field) = match flag {
            Flag::ClusteringOpen => ("clustering_open", &mut self.state.clustering_open),
            Flag::EqualGroupWeight => ("equal_group_weight", &mut self.state.equal_group_weight),
            Flag::Closed => ("closed", &mut self.state.closed),
            Flag::RevealedReview => ("revealed_review", &mut self.state.revealed_review),
            Flag::RevealedAssessment => {
                ("revealed_assessment", &mut self.state.revealed_assessment)
            }
        };
        *field = on;
        self.doc.put(ROOT, key, on)?;
        Ok(())
    }

    /// Note the session a follow-up was made from.
    /// Where the workshop takes place, kept with the session's facts.
    pub fn set_place(&mut self, place: &str) -> Result<(), DocError> {
        let meta = obj(&self.doc, &ROOT, "meta")?;
        self.doc.put(&meta, "place", place)?;
        self.state.place = place.to_string();
        Ok(())
    }

    pub fn set_follows(&mut self, follows: Follows) -> Result<(), DocError> {
        let o = self.doc.put_object(ROOT, "follows", ObjType::Map)?;
        self.doc.put(&o, "code", follows.code.as_str())?;
        self.doc.put(&o, "title", follows.title.as_str())?;
        self.doc.put(&o, "created_at", follows.created_at)?;
        self.state.follows = Some(follows);
        Ok(())
    }

    fn child(&self, parent: &ObjId, key: &str) -> Result<ObjId, DocError> {
        match self.doc.get(parent, key)? {
            Some((Value::Object(_), id)) => Ok(id),
            _ => Err(DocError::Shape(key.to_string())),
        }
    }
}

/// The session-wide switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    ClusteringOpen,
    EqualGroupWeight,
    Closed,
    RevealedReview,
    RevealedAssessment,
}

/// The maps added with the whole workshop method, created when a document lacks them.
fn ensure_method_objects(doc: &mut AutoCommit) -> Result<(), DocError> {
    for key in ["clusters", "ready", "reasons", "reviews"] {
        if !matches!(doc.get(ROOT, key)?, Some((Value::Object(ObjType::Map), _))) {
            doc.put_object(ROOT, key, ObjType::Map)?;
        }
    }
    Ok(())
}

fn encode_hashes(heads: &[ChangeHash]) -> String {
    heads
        .iter()
        .map(|h| h.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn decode_hashes(s: &str) -> Vec<ChangeHash> {
    s.split(',').filter_map(|h| h.parse().ok()).collect()
}

fn split_ids<T: for<'a> From<&'a str>>(s: &str) -> Vec<T> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(T::from)
        .collect()
}

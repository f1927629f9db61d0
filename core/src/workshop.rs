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
//! `revealed_review`, `follows` {code, title, created_at}. Id lists are stored as
//! comma-separated strings: ids are made by the server and never contain a comma.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use automerge::transaction::Transactable as _;
use automerge::{
    ActorId, AutoCommit, AutomergeError, ChangeHash, LoadOptions, ObjId, ObjType, ROOT,
    ReadDoc as _, ScalarValue, TextEncoding, Value,
};
use draagvlak_protocol::intent::{Answer, RuleStatus};
use draagvlak_protocol::view::{Confirmation, Level, Localized, PhaseKind, SupportView};
use draagvlak_protocol::{ErrorCode, Splice};

use super::Refusal;
use super::template::PhaseSpec;
use super::text;

mod erase;
mod record;
pub use erase::label;
pub use record::{DecisionEntry, VoteRecord};

/// The author id of statements and rules the facilitator writes as the facilitator (participant
/// ids are `p<n>`, so it never names a participant). Such texts count in no group.
pub const FACILITATOR_AUTHOR: &str = "facilitator";

/// The document could not be built, read or loaded.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("automerge: {0}")]
    Automerge(#[from] AutomergeError),
    #[error("document is missing or has a wrong {0}")]
    Shape(String),
}

/// Public facts of the session, copied into the document at creation.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub id: String,
    pub code: String,
    pub title: String,
    pub organisation: String,
    pub language: String,
    pub template: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub name: String,
    pub group: String,
    pub seq: u64,
    /// Added by the facilitator for someone without a device.
    pub proxy: bool,
    /// Removed by the facilitator: no longer counted, cannot come back.
    pub removed: bool,
    /// Hash of the device the participant joined from, if it said; a removed participant's
    /// device may not join again until the facilitator readmits it (which clears this).
    pub device: Option<String>,
    /// Takes part remotely (said so); in the room otherwise.
    pub remote: bool,
    /// The group asked for after voting began, until the facilitator decides (`decide_group`).
    pub pending_group: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub seq: u64,
    pub level: Level,
    pub text: String,
    pub author: String,
    pub anonymous: bool,
    pub hidden: bool,
    /// Entered by the facilitator for a participant without a device.
    pub by_facilitator: bool,
    /// In a follow-up session: the dots this priority had in the earlier session.
    pub dots_then: Option<u32>,
    /// The cluster it was merged into (derived from `clusters`, not stored twice).
    pub cluster: Option<String>,
}

/// Duplicate statements merged under one title.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub seq: u64,
    pub level: Level,
    pub title: String,
    pub statements: Vec<String>,
}

/// One step of the clustering history.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterLogEntry {
    pub at_ms: u64,
    pub action: String,
    pub cluster: String,
    pub statements: Vec<String>,
    pub title: String,
    /// `facilitator` or `participant`.
    pub by: String,
}

/// The session a follow-up session was made from.
#[derive(Debug, Clone, PartialEq)]
pub struct Follows {
    pub code: String,
    pub title: String,
    pub created_at: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub seq: u64,
    pub level: Level,
    pub text: String,
    pub author: String,
    pub anonymous: bool,
    pub by_facilitator: bool,
    pub status: RuleStatus,
    /// The rating round, from 1.
    pub round: u32,
    /// Rounds whose ratings are revealed (0 = none).
    pub revealed_round: u32,
    /// Statement or cluster ids this rule anchors.
    pub anchors: Vec<String>,
    /// In a follow-up session: its support in the earlier session.
    pub support_then: Option<SupportView>,
    /// The text as rated in each earlier round, round 1 first.
    pub earlier_texts: Vec<String>,
    /// The warning the facilitator confirmed with the current decision.
    pub confirmed: Option<Confirmation>,
}

impl Rule {
    /// Adopted or dropped: frozen until reopened.
    pub fn decided(&self) -> bool {
        matches!(self.status, RuleStatus::Adopted | RuleStatus::Dropped)
    }

    /// The ratings of the current round are revealed.
    pub fn revealed(&self) -> bool {
        self.revealed_round >= self.round
    }
}

/// A phase change: which phase, and when (server clock, ms since the Unix epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseEntry {
    pub phase: usize,
    pub at_ms: u64,
    /// The document heads just before the change: the end of the phase that was left.
    pub heads_before: Vec<ChangeHash>,
}

/// The shared countdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timer {
    pub running: bool,
    /// Server clock, ms since the Unix epoch; meaningful while running.
    pub deadline: u64,
    /// Meaningful while paused.
    pub remaining_ms: u64,
    pub duration_ms: u64,
}

/// The mirror of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub meta: Meta,
    pub groups: Vec<String>,
    pub phases: Vec<PhaseSpec>,
    pub current_phase: usize,
    pub locked: bool,
    pub revealed_dots: BTreeSet<Level>,
    pub revealed_ratings: BTreeSet<Level>,
    pub next_seq: u64,
    pub participants: BTreeMap<String, Participant>,
    pub statements: BTreeMap<String, Statement>,
    /// participant id -> statement id -> dots
    pub dots: BTreeMap<String, BTreeMap<String, u32>>,
    pub rules: BTreeMap<String, Rule>,
    /// rule id -> participant id -> score 1..=5
    pub ratings: BTreeMap<String, BTreeMap<String, u8>>,
    pub timer: Option<Timer>,
    /// A statement or rule id.
    pub focus: Option<String>,
    /// Every phase change, in order.
    pub phase_log: Vec<PhaseEntry>,
    pub clusters: BTreeMap<String, Cluster>,
    pub cluster_log: Vec<ClusterLogEntry>,
    pub clustering_open: bool,
    pub equal_group_weight: bool,
    pub closed: bool,
    /// participant id -> the phase index they said they were ready with
    pub ready: BTreeMap<String, usize>,
    /// rule id -> participant id -> reason (current round)
    pub reasons: BTreeMap<String, BTreeMap<String, String>>,
    /// rule id -> finished rounds' ratings, round 1 first
    pub earlier_ratings: BTreeMap<String, Vec<BTreeMap<String, u8>>>,
    /// rule id -> finished rounds' reasons, round 1 first
    pub earlier_reasons: BTreeMap<String, Vec<BTreeMap<String, String>>>,
    /// rule id -> participant id -> (applied, still right)
    pub reviews: BTreeMap<String, BTreeMap<String, (Answer, Answer)>>,
    pub revealed_review: bool,
    pub follows: Option<Follows>,
    /// Where the workshop takes place (`meta.place`, optional), for the report.
    pub place: String,
    /// level -> its current vote round (absent: 1)
    pub vote_rounds: BTreeMap<Level, u32>,
    /// level -> every revealed vote round, frozen at its reveal
    pub vote_record: BTreeMap<Level, Vec<VoteRecord>>,
    /// Every decision about a rule, in order.
    pub decision_log: Vec<DecisionEntry>,
    /// The last suggested clusters and what they were computed from (derived, not stored).
    pub suggestions: super::suggest::Cache,
}

impl State {
    /// The phase the session is in.
    pub fn phase(&self) -> &PhaseSpec {
        // `current_phase` is kept in range by every mutation and checked by hydrate.
        &self.phases[self.current_phase.min(self.phases.len().saturating_sub(1))]
    }

    /// The dot budget of a level: that of the first vote phase on it.
    pub fn dot_budget(&self, level: Level) -> u32 {
        self.phases
            .iter()
            .find(|p| p.kind == PhaseKind::Vote && p.level == Some(level))
            .map(|p| p.dot_budget)
            .unwrap_or(super::template::DEFAULT_DOT_BUDGET)
    }

    /// Dots a participant placed on statements and clusters of a level.
    pub fn dots_used(&self, participant: &str, level: Level) -> u32 {
        self.dots
            .get(participant)
            .map(|m| {
                m.iter()
                    .filter(|(id, _)| self.item_level(id) == Some(level))
                    .map(|(_, n)| *n)
                    .sum()
            })
            .unwrap_or(0)
    }

    /// The level of a statement or cluster.
    pub fn item_level(&self, id: &str) -> Option<Level> {
        self.statements
            .get(id)
            .map(|s| s.level)
            .or_else(|| self.clusters.get(id).map(|c| c.level))
    }

    /// A participant who has not been removed.
    pub fn active(&self, participant: &str) -> Option<&Participant> {
        self.participants.get(participant).filter(|p| !p.removed)
    }

    /// Whether anyone placed a dot on this statement or cluster.
    pub fn has_dots(&self, item: &str) -> bool {
        self.dots
            .values()
            .any(|m| m.get(item).is_some_and(|n| *n > 0))
    }

    /// Whether a participant said they are ready with the current phase.
    pub fn is_ready(&self, participant: &str) -> bool {
        self.ready.get(participant) == Some(&self.current_phase)
    }
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

    /// Go to a phase, and note when in the phase log (for the report's timeline and the
    /// history view: the entry keeps the heads at the end of the phase that is left).
    pub fn set_phase(&mut self, index: usize, at_ms: u64) -> Result<(), DocError> {
        self.commit();
        let heads_before = self.heads.clone();
        self.doc.put(ROOT, "current_phase", index as u64)?;
        let log = match self.doc.get(ROOT, "phase_log")? {
            Some((Value::Object(ObjType::List), id)) => id,
            _ => self.doc.put_object(ROOT, "phase_log", ObjType::List)?,
        };
        let n = self.doc.length(&log);
        let entry = self.doc.insert_object(&log, n, ObjType::Map)?;
        self.doc.put(&entry, "phase", index as u64)?;
        self.doc.put(&entry, "at", at_ms)?;
        self.doc
            .put(&entry, "heads", encode_hashes(&heads_before).as_str())?;
        self.state.current_phase = index;
        // A timer belongs to the phase it was started in (issue 13, bug 5).
        if self.state.timer.is_some() {
            self.set_timer(None)?;
        }
        self.state.phase_log.push(PhaseEntry {
            phase: index,
            at_ms,
            heads_before,
        });
        Ok(())
    }

    pub fn set_locked(&mut self, locked: bool) -> Result<(), DocError> {
        self.doc.put(ROOT, "locked", locked)?;
        self.state.locked = locked;
        Ok(())
    }

    pub fn set_timer(&mut self, timer: Option<Timer>) -> Result<(), DocError> {
        match &timer {
            Some(t) => {
                let o = self.doc.put_object(ROOT, "timer", ObjType::Map)?;
                self.doc.put(&o, "running", t.running)?;
                self.doc.put(&o, "deadline", t.deadline)?;
                self.doc.put(&o, "remaining_ms", t.remaining_ms)?;
                self.doc.put(&o, "duration_ms", t.duration_ms)?;
            }
            None => self.doc.delete(ROOT, "timer")?,
        }
        self.state.timer = timer;
        Ok(())
    }

    pub fn set_focus(&mut self, focus: Option<String>) -> Result<(), DocError> {
        match &focus {
            Some(id) => self.doc.put(ROOT, "focus", id.as_str())?,
            None => self.doc.delete(ROOT, "focus")?,
        }
        self.state.focus = focus;
        Ok(())
    }

    pub fn reveal_dots(&mut self, level: Level) -> Result<(), DocError> {
        self.doc
            .put(&self.objs.revealed_dots, level.as_str(), true)?;
        self.state.revealed_dots.insert(level);
        Ok(())
    }

    pub fn reveal_ratings(&mut self, level: Level) -> Result<(), DocError> {
        self.doc
            .put(&self.objs.revealed_ratings, level.as_str(), true)?;
        self.state.revealed_ratings.insert(level);
        Ok(())
    }

    /// Add a participant; returns its id. A proxy is someone without a device, whose input the
    /// facilitator enters.
    pub fn add_participant(&mut self, name: &str, group: &str) -> Result<String, DocError> {
        self.add_person(name, group, false, None)
    }

    /// Add a participant who joined from a device with this (hashed) id; returns its id.
    pub fn add_participant_from(
        &mut self,
        name: &str,
        group: &str,
        device: Option<&str>,
    ) -> Result<String, DocError> {
        self.add_person(name, group, false, device)
    }

    /// Let a removed participant's device join again: forget its hash.
    pub fn readmit(&mut self, participant: &str) -> Result<(), DocError> {
        let o = self.child(&self.objs.participants.clone(), participant)?;
        self.doc.delete(&o, "device")?;
        if let Some(p) = self.state.participants.get_mut(participant) {
            p.device = None;
        }
        Ok(())
    }

    /// Add a participant without a device (entered by the facilitator); returns its id.
    pub fn add_proxy(&mut self, name: &str, group: &str) -> Result<String, DocError> {
        self.add_person(name, group, true, None)
    }

    fn add_person(
        &mut self,
        name: &str,
        group: &str,
        proxy: bool,
        device: Option<&str>,
    ) -> Result<String, DocError> {
        let seq = self.take_seq()?;
        let id = format!("p{seq}");
        let o = self
            .doc
            .put_object(&self.objs.participants, id.as_str(), ObjType::Map)?;
        self.doc.put(&o, "name", name)?;
        self.doc.put(&o, "group", group)?;
        self.doc.put(&o, "seq", seq)?;
        if proxy {
            self.doc.put(&o, "proxy", true)?;
        }
        if let Some(d) = device {
            self.doc.put(&o, "device", d)?;
        }
        self.state.participants.insert(
            id.clone(),
            Participant {
                name: name.to_string(),
                group: group.to_string(),
                seq,
                proxy,
                removed: false,
                device: device.map(str::to_string),
                remote: false,
                pending_group: None,
            },
        );
        Ok(id)
    }

    /// Add a statement; returns its id.
    pub fn add_statement(
        &mut self,
        author: &str,
        level: Level,
        text: &str,
        extra: NewStatement,
    ) -> Result<String, DocError> {
        let NewStatement {
            anonymous,
            by_facilitator,
            dots_then,
        } = extra;
        let seq = self.take_seq()?;
        let id = format!("s{seq}");
        let o = self
            .doc
            .put_object(&self.objs.statements, id.as_str(), ObjType::Map)?;
        self.doc.put(&o, "seq", seq)?;
        self.doc.put(&o, "level", level.as_str())?;
        let t = self.doc.put_object(&o, "text", ObjType::Text)?;
        self.doc.splice_text(&t, 0, 0, text)?;
        self.doc.put(&o, "author", author)?;
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
                author: author.to_string(),
                anonymous,
                hidden: false,
                by_facilitator,
                dots_then,
                cluster: None,
            },
        );
        self.touched.insert(id.clone());
        Ok(id)
    }

    pub fn set_hidden(&mut self, statement: &str, hidden: bool) -> Result<(), DocError> {
        let o = self.child(&self.objs.statements.clone(), statement)?;
        self.doc.put(&o, "hidden", hidden)?;
        if let Some(s) = self.state.statements.get_mut(statement) {
            s.hidden = hidden;
        }
        Ok(())
    }

    /// Delete a statement and every dot on it (and take it out of its cluster).
    pub fn delete_statement(&mut self, statement: &str) -> Result<(), DocError> {
        if let Some(cid) = self
            .state
            .statements
            .get(statement)
            .and_then(|s| s.cluster.clone())
            && let Some(c) = self.state.clusters.get(&cid)
        {
            let rest: Vec<String> = c
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
        self.doc.delete(&self.objs.statements, statement)?;
        self.state.statements.remove(statement);
        let holders: Vec<String> = self
            .state
            .dots
            .iter()
            .filter(|(_, m)| m.contains_key(statement))
            .map(|(p, _)| p.clone())
            .collect();
        for participant in holders {
            self.set_dots(&participant, statement, 0)?;
        }
        Ok(())
    }

    /// Set a participant's dots on a statement (0 removes the entry).
    pub fn set_dots(&mut self, participant: &str, statement: &str, n: u32) -> Result<(), DocError> {
        let dots = self.objs.dots.clone();
        let map = match self.doc.get(&dots, participant)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => self.doc.put_object(&dots, participant, ObjType::Map)?,
        };
        if n == 0 {
            self.doc.delete(&map, statement)?;
            if let Some(m) = self.state.dots.get_mut(participant) {
                m.remove(statement);
                if m.is_empty() {
                    self.state.dots.remove(participant);
                }
            }
        } else {
            self.doc.put(&map, statement, n as u64)?;
            self.state
                .dots
                .entry(participant.to_string())
                .or_default()
                .insert(statement.to_string(), n);
        }
        Ok(())
    }

    /// Add a rule of thumb; returns its id.
    pub fn add_rule(&mut self, author: &str, level: Level, text: &str) -> Result<String, DocError> {
        self.add_rule_with(author, level, text, NewRule::default())
    }

    /// Add a rule of thumb with the optional parts; returns its id.
    pub fn add_rule_with(
        &mut self,
        author: &str,
        level: Level,
        text: &str,
        extra: NewRule,
    ) -> Result<String, DocError> {
        let seq = self.take_seq()?;
        let id = format!("r{seq}");
        let o = self
            .doc
            .put_object(&self.objs.rules, id.as_str(), ObjType::Map)?;
        self.doc.put(&o, "seq", seq)?;
        self.doc.put(&o, "level", level.as_str())?;
        let t = self.doc.put_object(&o, "text", ObjType::Text)?;
        self.doc.splice_text(&t, 0, 0, text)?;
        self.doc.put(&o, "author", author)?;
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
                author: author.to_string(),
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
        self.touched.insert(id.clone());
        Ok(id)
    }

    /// Set (or with `None` clear) the reason given with a low rating in the current round.
    pub fn set_reason(
        &mut self,
        rule: &str,
        participant: &str,
        reason: Option<&str>,
    ) -> Result<(), DocError> {
        let reasons = self.objs.reasons.clone();
        let map = match self.doc.get(&reasons, rule)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => self.doc.put_object(&reasons, rule, ObjType::Map)?,
        };
        match reason {
            Some(r) => {
                self.doc.put(&map, participant, r)?;
                self.state
                    .reasons
                    .entry(rule.to_string())
                    .or_default()
                    .insert(participant.to_string(), r.to_string());
            }
            None => {
                if self
                    .state
                    .reasons
                    .get(rule)
                    .is_some_and(|m| m.contains_key(participant))
                {
                    self.doc.delete(&map, participant)?;
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

    pub fn set_rating(&mut self, rule: &str, participant: &str, score: u8) -> Result<(), DocError> {
        let ratings = self.objs.ratings.clone();
        let map = match self.doc.get(&ratings, rule)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => self.doc.put_object(&ratings, rule, ObjType::Map)?,
        };
        self.doc.put(&map, participant, score as u64)?;
        self.state
            .ratings
            .entry(rule.to_string())
            .or_default()
            .insert(participant.to_string(), score);
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

    fn rule_obj(&self, rule: &str) -> Result<ObjId, DocError> {
        self.child(&self.objs.rules.clone(), rule)
    }

    pub fn set_rule_status(&mut self, rule: &str, status: RuleStatus) -> Result<(), DocError> {
        let o = self.rule_obj(rule)?;
        self.doc.put(&o, "status", status.as_str())?;
        if let Some(r) = self.state.rules.get_mut(rule) {
            r.status = status;
        }
        Ok(())
    }

    pub fn set_anchors(&mut self, rule: &str, anchors: Vec<String>) -> Result<(), DocError> {
        let o = self.rule_obj(rule)?;
        self.doc.put(&o, "anchors", anchors.join(",").as_str())?;
        if let Some(r) = self.state.rules.get_mut(rule) {
            r.anchors = anchors;
        }
        Ok(())
    }

    /// Reveal the ratings of every rule of a level, in its current round.
    pub fn reveal_rounds(&mut self, level: Level) -> Result<(), DocError> {
        let ids: Vec<(String, u32)> = self
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
    pub fn start_round(&mut self, rule: &str) -> Result<(), DocError> {
        let ratings = self.state.ratings.remove(rule).unwrap_or_default();
        let reasons = self.state.reasons.remove(rule).unwrap_or_default();
        for (key, source) in [("earlier_ratings", 0), ("earlier_reasons", 1)] {
            let root = match self.doc.get(ROOT, key)? {
                Some((Value::Object(ObjType::Map), id)) => id,
                _ => self.doc.put_object(ROOT, key, ObjType::Map)?,
            };
            let list = match self.doc.get(&root, rule)? {
                Some((Value::Object(ObjType::List), id)) => id,
                _ => self.doc.put_object(&root, rule, ObjType::List)?,
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
            .put_object(&self.objs.ratings, rule, ObjType::Map)?;
        self.doc
            .put_object(&self.objs.reasons, rule, ObjType::Map)?;
        self.state
            .earlier_ratings
            .entry(rule.to_string())
            .or_default()
            .push(ratings);
        self.state
            .earlier_reasons
            .entry(rule.to_string())
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

    pub fn set_flag(&mut self, flag: Flag, on: bool) -> Result<(), DocError> {
        let (key, field) = match flag {
            Flag::ClusteringOpen => ("clustering_open", &mut self.state.clustering_open),
            Flag::EqualGroupWeight => ("equal_group_weight", &mut self.state.equal_group_weight),
            Flag::Closed => ("closed", &mut self.state.closed),
            Flag::RevealedReview => ("revealed_review", &mut self.state.revealed_review),
        };
        *field = on;
        self.doc.put(ROOT, key, on)?;
        Ok(())
    }

    pub fn set_phase_anonymous(&mut self, phase: usize, anonymous: bool) -> Result<(), DocError> {
        let list = obj(&self.doc, &ROOT, "phases")?;
        let p = match self.doc.get(&list, phase)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => return Err(DocError::Shape("phases".into())),
        };
        self.doc.put(&p, "anonymous", anonymous)?;
        if let Some(spec) = self.state.phases.get_mut(phase) {
            spec.anonymous = anonymous;
        }
        Ok(())
    }

    pub fn set_ready(&mut self, participant: &str, ready: bool) -> Result<(), DocError> {
        let objs = self.objs.ready.clone();
        if ready {
            let phase = self.state.current_phase;
            self.doc.put(&objs, participant, phase as u64)?;
            self.state.ready.insert(participant.to_string(), phase);
        } else if self.state.ready.remove(participant).is_some() {
            self.doc.delete(&objs, participant)?;
        }
        Ok(())
    }

    /// A participant says they take part remotely, or in the room (the default: no key).
    pub fn set_remote(&mut self, participant: &str, remote: bool) -> Result<(), DocError> {
        let o = self.child(&self.objs.participants.clone(), participant)?;
        if remote {
            self.doc.put(&o, "remote", true)?;
        } else if self
            .state
            .participants
            .get(participant)
            .is_some_and(|p| p.remote)
        {
            self.doc.delete(&o, "remote")?;
        }
        if let Some(p) = self.state.participants.get_mut(participant) {
            p.remote = remote;
        }
        Ok(())
    }

    /// A participant's display name (checked by the caller).
    pub fn set_name(&mut self, participant: &str, name: &str) -> Result<(), DocError> {
        let o = self.child(&self.objs.participants.clone(), participant)?;
        self.doc.put(&o, "name", name)?;
        if let Some(p) = self.state.participants.get_mut(participant) {
            p.name = name.to_string();
        }
        Ok(())
    }

    /// Move a participant to a group (checked by the caller); a pending request ends with it.
    pub fn set_group(&mut self, participant: &str, group: &str) -> Result<(), DocError> {
        let o = self.child(&self.objs.participants.clone(), participant)?;
        self.doc.put(&o, "group", group)?;
        if let Some(p) = self.state.participants.get_mut(participant) {
            p.group = group.to_string();
        }
        self.set_pending_group(participant, None)
    }

    /// Record (or, with `None`, drop) the group a participant asked for, waiting for the
    /// facilitator.
    pub fn set_pending_group(
        &mut self,
        participant: &str,
        group: Option<&str>,
    ) -> Result<(), DocError> {
        let o = self.child(&self.objs.participants.clone(), participant)?;
        let had = self
            .state
            .participants
            .get(participant)
            .is_some_and(|p| p.pending_group.is_some());
        match group {
            Some(g) => self.doc.put(&o, "pending_group", g)?,
            None if had => self.doc.delete(&o, "pending_group")?,
            None => {}
        }
        if let Some(p) = self.state.participants.get_mut(participant) {
            p.pending_group = group.map(str::to_string);
        }
        Ok(())
    }

    pub fn set_review(
        &mut self,
        rule: &str,
        participant: &str,
        applied: Answer,
        still_right: Answer,
    ) -> Result<(), DocError> {
        let reviews = self.objs.reviews.clone();
        let map = match self.doc.get(&reviews, rule)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => self.doc.put_object(&reviews, rule, ObjType::Map)?,
        };
        let value = format!("{}/{}", applied.as_str(), still_right.as_str());
        self.doc.put(&map, participant, value.as_str())?;
        self.state
            .reviews
            .entry(rule.to_string())
            .or_default()
            .insert(participant.to_string(), (applied, still_right));
        Ok(())
    }

    /// Remove a participant. What they wrote stays (the facilitator can hide it). Their input that
    /// is still secret goes: dots of levels not revealed, ratings and reasons of rounds not
    /// revealed, reviews not revealed, the ready signal. What was revealed is part of the record
    /// and stays, counted as cast by a participant who was later removed: removing someone never
    /// changes a revealed result (and so never shows, by the difference, how they voted).
    pub fn remove_participant(&mut self, participant: &str) -> Result<(), DocError> {
        let o = self.child(&self.objs.participants.clone(), participant)?;
        self.doc.put(&o, "removed", true)?;
        if let Some(p) = self.state.participants.get_mut(participant) {
            p.removed = true;
        }
        let secret_dots: Vec<String> = self
            .state
            .dots
            .get(participant)
            .map(|m| {
                m.keys()
                    .filter(|item| {
                        self.state
                            .item_level(item)
                            .is_none_or(|l| !self.state.revealed_dots.contains(&l))
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for item in secret_dots {
            self.set_dots(participant, &item, 0)?;
        }
        let secret_rounds: Vec<String> = self
            .state
            .rules
            .iter()
            .filter(|(_, r)| !r.revealed())
            .map(|(id, _)| id.clone())
            .collect();
        let keep = |rid: &String| !secret_rounds.contains(rid);
        forget_participant(
            &mut self.doc,
            &self.objs.ratings,
            &mut self.state.ratings,
            participant,
            keep,
        )?;
        forget_participant(
            &mut self.doc,
            &self.objs.reasons,
            &mut self.state.reasons,
            participant,
            keep,
        )?;
        if !self.state.revealed_review {
            forget_participant(
                &mut self.doc,
                &self.objs.reviews,
                &mut self.state.reviews,
                participant,
                |_| false,
            )?;
        }
        // Earlier rounds that were never revealed: the removed person's ratings there go too.
        let earlier: Vec<(String, usize)> = self
            .state
            .earlier_ratings
            .iter()
            .flat_map(|(rid, rounds)| {
                let revealed = self
                    .state
                    .rules
                    .get(rid)
                    .map(|r| r.revealed_round)
                    .unwrap_or(0);
                rounds
                    .iter()
                    .enumerate()
                    .filter(move |(i, m)| (*i as u32) >= revealed && m.contains_key(participant))
                    .map(|(i, _)| (rid.clone(), i))
                    .collect::<Vec<_>>()
            })
            .collect();
        for (rid, i) in earlier {
            let root = obj(&self.doc, &ROOT, "earlier_ratings")?;
            let list = obj(&self.doc, &root, &rid)?;
            if let Some((Value::Object(ObjType::Map), m)) = self.doc.get(&list, i)? {
                self.doc.delete(&m, participant)?;
            }
            if let Some(m) = self
                .state
                .earlier_ratings
                .get_mut(&rid)
                .and_then(|r| r.get_mut(i))
            {
                m.remove(participant);
            }
        }
        self.set_ready(participant, false)?;
        Ok(())
    }

    /// Merge statements into a new cluster; returns its id.
    pub fn create_cluster(
        &mut self,
        level: Level,
        title: &str,
        statements: Vec<String>,
        at_ms: u64,
        by: &str,
    ) -> Result<String, DocError> {
        let seq = self.take_seq()?;
        let id = format!("c{seq}");
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
        self.log_cluster(at_ms, "create", &id, statements, by)?;
        Ok(id)
    }

    /// Add statements to a cluster.
    pub fn add_to_cluster(
        &mut self,
        cluster: &str,
        statements: Vec<String>,
        at_ms: u64,
        by: &str,
    ) -> Result<(), DocError> {
        let mut members = self
            .state
            .clusters
            .get(cluster)
            .map(|c| c.statements.clone())
            .unwrap_or_default();
        members.extend(statements.iter().cloned());
        self.set_members(cluster, members)?;
        self.log_cluster(at_ms, "add", cluster, statements, by)
    }

    /// Take a statement out of its cluster; a cluster left with one statement dissolves.
    pub fn remove_from_cluster(
        &mut self,
        statement: &str,
        at_ms: u64,
        by: &str,
    ) -> Result<(), DocError> {
        let Some(cid) = self
            .state
            .statements
            .get(statement)
            .and_then(|s| s.cluster.clone())
        else {
            return Ok(());
        };
        let rest: Vec<String> = self
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
        self.log_cluster(at_ms, "remove", &cid, vec![statement.to_string()], by)
    }

    /// Split a cluster back into its statements.
    pub fn dissolve_cluster(
        &mut self,
        cluster: &str,
        at_ms: u64,
        by: &str,
    ) -> Result<(), DocError> {
        let members = self
            .state
            .clusters
            .get(cluster)
            .map(|c| c.statements.clone())
            .unwrap_or_default();
        self.log_cluster(at_ms, "dissolve", cluster, members, by)?;
        self.delete_cluster(cluster)
    }

    pub fn rename_cluster(
        &mut self,
        cluster: &str,
        title: &str,
        at_ms: u64,
        by: &str,
    ) -> Result<(), DocError> {
        let o = self.child(&self.objs.clusters.clone(), cluster)?;
        self.doc.put(&o, "title", title)?;
        if let Some(c) = self.state.clusters.get_mut(cluster) {
            c.title = title.to_string();
        }
        self.log_cluster(at_ms, "rename", cluster, Vec::new(), by)
    }

    fn delete_cluster(&mut self, cluster: &str) -> Result<(), DocError> {
        if let Some(c) = self.state.clusters.remove(cluster) {
            for sid in &c.statements {
                if let Some(s) = self.state.statements.get_mut(sid) {
                    s.cluster = None;
                }
            }
        }
        self.doc.delete(&self.objs.clusters, cluster)?;
        let holders: Vec<String> = self
            .state
            .dots
            .iter()
            .filter(|(_, m)| m.contains_key(cluster))
            .map(|(p, _)| p.clone())
            .collect();
        for participant in holders {
            self.set_dots(&participant, cluster, 0)?;
        }
        Ok(())
    }

    fn set_members(&mut self, cluster: &str, members: Vec<String>) -> Result<(), DocError> {
        let o = self.child(&self.objs.clusters.clone(), cluster)?;
        self.doc.put(&o, "statements", members.join(",").as_str())?;
        for s in self.state.statements.values_mut() {
            if s.cluster.as_deref() == Some(cluster) {
                s.cluster = None;
            }
        }
        for sid in &members {
            if let Some(s) = self.state.statements.get_mut(sid) {
                s.cluster = Some(cluster.to_string());
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
        action: &str,
        cluster: &str,
        statements: Vec<String>,
        by: &str,
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
        self.doc.put(&e, "action", action)?;
        self.doc.put(&e, "cluster", cluster)?;
        self.doc
            .put(&e, "statements", statements.join(",").as_str())?;
        self.doc.put(&e, "title", title.as_str())?;
        self.doc.put(&e, "by", by)?;
        self.state.cluster_log.push(ClusterLogEntry {
            at_ms,
            action: action.to_string(),
            cluster: cluster.to_string(),
            statements,
            title,
            by: by.to_string(),
        });
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

/// The optional parts of a new rule.
#[derive(Debug, Clone, Default)]
pub struct NewRule {
    pub anonymous: bool,
    pub by_facilitator: bool,
    pub status: RuleStatus,
    pub anchors: Vec<String>,
    pub support_then: Option<SupportView>,
}

/// The session-wide switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    ClusteringOpen,
    EqualGroupWeight,
    Closed,
    RevealedReview,
}

/// Delete a participant's entries from a `{item: {participant: …}}` map, in the document and in
/// its mirror (inner maps left empty are dropped from the mirror, as hydrate does), except for
/// the items `keep` names.
fn forget_participant<T>(
    doc: &mut AutoCommit,
    root: &ObjId,
    mirror: &mut BTreeMap<String, BTreeMap<String, T>>,
    participant: &str,
    keep: impl Fn(&String) -> bool,
) -> Result<(), DocError> {
    for (item, per) in mirror.iter_mut() {
        if !keep(item)
            && per.remove(participant).is_some()
            && let Some((Value::Object(ObjType::Map), m)) = doc.get(root, item.as_str())?
        {
            doc.delete(&m, participant)?;
        }
    }
    mirror.retain(|_, per| !per.is_empty());
    Ok(())
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

fn split_ids(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Reading the document into the mirror.

fn hydrate(doc: &AutoCommit) -> Result<(State, Objs), DocError> {
    let meta_obj = obj(doc, &ROOT, "meta")?;
    let meta = Meta {
        id: string(doc, &meta_obj, "id")?,
        code: string(doc, &meta_obj, "code")?,
        title: string(doc, &meta_obj, "title")?,
        organisation: string(doc, &meta_obj, "organisation")?,
        language: string(doc, &meta_obj, "language")?,
        template: string(doc, &meta_obj, "template")?,
    };
    let groups = string_list(doc, &obj(doc, &ROOT, "groups")?, "groups")?;
    let phases_obj = obj(doc, &ROOT, "phases")?;
    let mut phases = Vec::new();
    for i in 0..doc.length(&phases_obj) {
        let p = match doc.get(&phases_obj, i)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => return Err(DocError::Shape("phases".into())),
        };
        let kind = PhaseKind::parse(&string(doc, &p, "kind")?)
            .ok_or_else(|| DocError::Shape("phase kind".into()))?;
        let level = string(doc, &p, "level")?;
        phases.push(PhaseSpec {
            kind,
            level: Level::parse(&level),
            title: Localized {
                nl: string(doc, &p, "title_nl")?,
                en: string(doc, &p, "title_en")?,
            },
            question: Localized {
                nl: string(doc, &p, "question_nl")?,
                en: string(doc, &p, "question_en")?,
            },
            anonymous: boolean(doc, &p, "anonymous")?,
            dot_budget: uint(doc, &p, "dot_budget")? as u32,
            max_dots_per_item: uint(doc, &p, "max_dots_per_item")? as u32,
        });
    }
    if phases.is_empty() {
        return Err(DocError::Shape("phases (empty)".into()));
    }
    let current_phase = uint(doc, &ROOT, "current_phase")? as usize;
    if current_phase >= phases.len() {
        return Err(DocError::Shape("current_phase".into()));
    }
    // Absent in a historical fork taken before the maps existed: read as empty (never written).
    let optional = |key: &str| opt_obj(doc, &ROOT, key).unwrap_or(ROOT);
    let objs = Objs {
        clusters: optional("clusters"),
        ready: optional("ready"),
        reasons: optional("reasons"),
        reviews: optional("reviews"),
        revealed_dots: obj(doc, &ROOT, "revealed_dots")?,
        revealed_ratings: obj(doc, &ROOT, "revealed_ratings")?,
        participants: obj(doc, &ROOT, "participants")?,
        statements: obj(doc, &ROOT, "statements")?,
        dots: obj(doc, &ROOT, "dots")?,
        rules: obj(doc, &ROOT, "rules")?,
        ratings: obj(doc, &ROOT, "ratings")?,
    };
    let levels_in =
        |o: &ObjId| -> BTreeSet<Level> { doc.keys(o).filter_map(|k| Level::parse(&k)).collect() };
    let mut participants = BTreeMap::new();
    for id in doc.keys(&objs.participants).collect::<Vec<_>>() {
        let p = obj(doc, &objs.participants, &id)?;
        participants.insert(
            id,
            Participant {
                name: string(doc, &p, "name")?,
                group: string(doc, &p, "group")?,
                seq: uint(doc, &p, "seq")?,
                proxy: opt_bool(doc, &p, "proxy"),
                removed: opt_bool(doc, &p, "removed"),
                device: opt_string(doc, &p, "device"),
                remote: opt_bool(doc, &p, "remote"),
                pending_group: opt_string(doc, &p, "pending_group"),
            },
        );
    }
    let mut statements = BTreeMap::new();
    for id in doc.keys(&objs.statements).collect::<Vec<_>>() {
        let s = obj(doc, &objs.statements, &id)?;
        let t = obj(doc, &s, "text")?;
        statements.insert(
            id,
            Statement {
                seq: uint(doc, &s, "seq")?,
                level: Level::parse(&string(doc, &s, "level")?)
                    .ok_or_else(|| DocError::Shape("statement level".into()))?,
                text: doc.text(&t)?,
                author: string(doc, &s, "author")?,
                anonymous: boolean(doc, &s, "anonymous")?,
                hidden: boolean(doc, &s, "hidden")?,
                by_facilitator: opt_bool(doc, &s, "by_facilitator"),
                dots_then: opt_uint(doc, &s, "dots_then").map(|n| n as u32),
                cluster: None,
            },
        );
    }
    let mut dots = BTreeMap::new();
    for pid in doc.keys(&objs.dots).collect::<Vec<_>>() {
        let m = obj(doc, &objs.dots, &pid)?;
        let mut per = BTreeMap::new();
        for sid in doc.keys(&m).collect::<Vec<_>>() {
            per.insert(sid.clone(), uint(doc, &m, &sid)? as u32);
        }
        if !per.is_empty() {
            dots.insert(pid, per);
        }
    }
    let mut rules = BTreeMap::new();
    for id in doc.keys(&objs.rules).collect::<Vec<_>>() {
        let r = obj(doc, &objs.rules, &id)?;
        let t = obj(doc, &r, "text")?;
        rules.insert(
            id,
            Rule {
                seq: uint(doc, &r, "seq")?,
                level: Level::parse(&string(doc, &r, "level")?)
                    .ok_or_else(|| DocError::Shape("rule level".into()))?,
                text: doc.text(&t)?,
                author: string(doc, &r, "author")?,
                anonymous: opt_bool(doc, &r, "anonymous"),
                by_facilitator: opt_bool(doc, &r, "by_facilitator"),
                status: opt_string(doc, &r, "status")
                    .and_then(|s| RuleStatus::parse(&s))
                    .unwrap_or_default(),
                round: opt_uint(doc, &r, "round").unwrap_or(1) as u32,
                revealed_round: opt_uint(doc, &r, "revealed_round").unwrap_or(0) as u32,
                anchors: opt_string(doc, &r, "anchors")
                    .map(|a| split_ids(&a))
                    .unwrap_or_default(),
                support_then: opt_string(doc, &r, "support_then")
                    .and_then(|j| serde_json::from_str(&j).ok()),
                earlier_texts: record::earlier_texts(doc, &r)?,
                confirmed: opt_string(doc, &r, "confirmed")
                    .and_then(|c| record::parse_confirmation(&c)),
            },
        );
    }
    let mut ratings = BTreeMap::new();
    for rid in doc.keys(&objs.ratings).collect::<Vec<_>>() {
        let m = obj(doc, &objs.ratings, &rid)?;
        let mut per = BTreeMap::new();
        for pid in doc.keys(&m).collect::<Vec<_>>() {
            per.insert(pid.clone(), uint(doc, &m, &pid)? as u8);
        }
        if !per.is_empty() {
            ratings.insert(rid, per);
        }
    }
    let timer = match doc.get(ROOT, "timer")? {
        Some((Value::Object(ObjType::Map), t)) => Some(Timer {
            running: boolean(doc, &t, "running")?,
            deadline: uint(doc, &t, "deadline")?,
            remaining_ms: uint(doc, &t, "remaining_ms")?,
            duration_ms: uint(doc, &t, "duration_ms")?,
        }),
        _ => None,
    };
    let focus = match doc.get(ROOT, "focus")? {
        Some((Value::Scalar(v), _)) => v.as_str().map(str::to_string),
        _ => None,
    };
    let mut phase_log = Vec::new();
    if let Some((Value::Object(ObjType::List), log)) = doc.get(ROOT, "phase_log")? {
        for i in 0..doc.length(&log) {
            if let Some((Value::Object(ObjType::Map), e)) = doc.get(&log, i)? {
                phase_log.push(PhaseEntry {
                    phase: uint(doc, &e, "phase")? as usize,
                    at_ms: uint(doc, &e, "at")?,
                    heads_before: opt_string(doc, &e, "heads")
                        .map(|h| decode_hashes(&h))
                        .unwrap_or_default(),
                });
            }
        }
    }
    let mut clusters = BTreeMap::new();
    for id in doc.keys(&objs.clusters).collect::<Vec<_>>() {
        let c = obj(doc, &objs.clusters, &id)?;
        let members = split_ids(&string(doc, &c, "statements")?);
        for sid in &members {
            if let Some(s) = statements.get_mut(sid) {
                s.cluster = Some(id.clone());
            }
        }
        clusters.insert(
            id,
            Cluster {
                seq: uint(doc, &c, "seq")?,
                level: Level::parse(&string(doc, &c, "level")?)
                    .ok_or_else(|| DocError::Shape("cluster level".into()))?,
                title: string(doc, &c, "title")?,
                statements: members,
            },
        );
    }
    let mut cluster_log = Vec::new();
    if let Some(log) = opt_obj(doc, &ROOT, "cluster_log") {
        for i in 0..doc.length(&log) {
            if let Some((Value::Object(ObjType::Map), e)) = doc.get(&log, i)? {
                cluster_log.push(ClusterLogEntry {
                    at_ms: uint(doc, &e, "at")?,
                    action: string(doc, &e, "action")?,
                    cluster: string(doc, &e, "cluster")?,
                    statements: split_ids(&string(doc, &e, "statements")?),
                    title: string(doc, &e, "title")?,
                    by: string(doc, &e, "by")?,
                });
            }
        }
    }
    let mut ready = BTreeMap::new();
    for pid in doc.keys(&objs.ready).collect::<Vec<_>>() {
        if let Some(n) = opt_uint(doc, &objs.ready, &pid) {
            ready.insert(pid, n as usize);
        }
    }
    let reasons = string_maps(doc, &objs.reasons)?;
    let mut reviews: BTreeMap<String, BTreeMap<String, (Answer, Answer)>> = BTreeMap::new();
    for (rid, m) in string_maps(doc, &objs.reviews)? {
        let parsed: BTreeMap<String, (Answer, Answer)> = m
            .into_iter()
            .filter_map(|(pid, v)| {
                let (a, b) = v.split_once('/')?;
                Some((pid, (Answer::parse(a)?, Answer::parse(b)?)))
            })
            .collect();
        if !parsed.is_empty() {
            reviews.insert(rid, parsed);
        }
    }
    let earlier_ratings =
        finished_rounds(
            doc,
            "earlier_ratings",
            |m, pid| Ok(uint(doc, m, pid)? as u8),
        )?;
    let earlier_reasons = finished_rounds(doc, "earlier_reasons", |m, pid| string(doc, m, pid))?;
    let follows = match opt_obj(doc, &ROOT, "follows") {
        Some(f) => Some(Follows {
            code: string(doc, &f, "code")?,
            title: string(doc, &f, "title")?,
            created_at: uint(doc, &f, "created_at")?,
        }),
        None => None,
    };
    let record = record::hydrate(doc)?;
    let state = State {
        place: opt_string(doc, &meta_obj, "place").unwrap_or_default(),
        vote_rounds: record.vote_rounds,
        vote_record: record.vote_record,
        decision_log: record.decision_log,
        suggestions: Default::default(),
        clusters,
        cluster_log,
        clustering_open: opt_bool(doc, &ROOT, "clustering_open"),
        equal_group_weight: opt_bool(doc, &ROOT, "equal_group_weight"),
        closed: opt_bool(doc, &ROOT, "closed"),
        ready,
        reasons,
        earlier_ratings,
        earlier_reasons,
        reviews,
        revealed_review: opt_bool(doc, &ROOT, "revealed_review"),
        follows,
        meta,
        groups,
        phases,
        current_phase,
        locked: boolean(doc, &ROOT, "locked")?,
        revealed_dots: levels_in(&objs.revealed_dots),
        revealed_ratings: levels_in(&objs.revealed_ratings),
        next_seq: uint(doc, &ROOT, "next_seq")?,
        participants,
        statements,
        dots,
        rules,
        ratings,
        timer,
        focus,
        phase_log,
    };
    Ok((state, objs))
}

/// `{rule: [{participant: value}, …]}` under `key` (absent: empty), one map per finished round.
fn finished_rounds<T>(
    doc: &AutoCommit,
    key: &str,
    read: impl Fn(&ObjId, &str) -> Result<T, DocError>,
) -> Result<BTreeMap<String, Vec<BTreeMap<String, T>>>, DocError> {
    let mut out = BTreeMap::new();
    let Some(root) = opt_obj(doc, &ROOT, key) else {
        return Ok(out);
    };
    for rid in doc.keys(&root).collect::<Vec<_>>() {
        let list = obj(doc, &root, &rid)?;
        let mut rounds = Vec::new();
        for i in 0..doc.length(&list) {
            let mut per = BTreeMap::new();
            if let Some((Value::Object(ObjType::Map), m)) = doc.get(&list, i)? {
                for pid in doc.keys(&m).collect::<Vec<_>>() {
                    let value = read(&m, &pid)?;
                    per.insert(pid, value);
                }
            }
            rounds.push(per);
        }
        out.insert(rid, rounds);
    }
    Ok(out)
}

/// A list of strings; `what` names it in the error.
fn string_list(doc: &AutoCommit, list: &ObjId, what: &str) -> Result<Vec<String>, DocError> {
    let mut out = Vec::new();
    for i in 0..doc.length(list) {
        match doc.get(list, i)? {
            Some((v, _)) => out.push(
                v.as_str()
                    .ok_or_else(|| DocError::Shape(what.into()))?
                    .to_string(),
            ),
            None => return Err(DocError::Shape(what.into())),
        }
    }
    Ok(out)
}

fn opt_obj(doc: &AutoCommit, parent: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(parent, key) {
        Ok(Some((Value::Object(_), id))) => Some(id),
        _ => None,
    }
}

fn opt_bool(doc: &AutoCommit, parent: &ObjId, key: &str) -> bool {
    boolean(doc, parent, key).unwrap_or(false)
}

fn opt_uint(doc: &AutoCommit, parent: &ObjId, key: &str) -> Option<u64> {
    uint(doc, parent, key).ok()
}

fn opt_string(doc: &AutoCommit, parent: &ObjId, key: &str) -> Option<String> {
    string(doc, parent, key).ok()
}

/// {id: {id: str}} as nested maps, empty inner maps left out.
fn string_maps(
    doc: &AutoCommit,
    root: &ObjId,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, DocError> {
    let mut out = BTreeMap::new();
    if *root == ROOT {
        return Ok(out);
    }
    for id in doc.keys(root).collect::<Vec<_>>() {
        let m = obj(doc, root, &id)?;
        let mut per = BTreeMap::new();
        for k in doc.keys(&m).collect::<Vec<_>>() {
            per.insert(k.clone(), string(doc, &m, &k)?);
        }
        if !per.is_empty() {
            out.insert(id, per);
        }
    }
    Ok(out)
}

fn obj(doc: &AutoCommit, parent: &ObjId, key: &str) -> Result<ObjId, DocError> {
    match doc.get(parent, key)? {
        Some((Value::Object(_), id)) => Ok(id),
        _ => Err(DocError::Shape(key.to_string())),
    }
}

fn scalar(doc: &AutoCommit, parent: &ObjId, key: &str) -> Result<ScalarValue, DocError> {
    match doc.get(parent, key)? {
        Some((Value::Scalar(s), _)) => Ok(s.into_owned()),
        _ => Err(DocError::Shape(key.to_string())),
    }
}

fn string(doc: &AutoCommit, parent: &ObjId, key: &str) -> Result<String, DocError> {
    match scalar(doc, parent, key)? {
        ScalarValue::Str(s) => Ok(s.to_string()),
        _ => Err(DocError::Shape(key.to_string())),
    }
}

fn uint(doc: &AutoCommit, parent: &ObjId, key: &str) -> Result<u64, DocError> {
    match scalar(doc, parent, key)? {
        ScalarValue::Uint(n) => Ok(n),
        ScalarValue::Int(n) if n >= 0 => Ok(n as u64),
        _ => Err(DocError::Shape(key.to_string())),
    }
}

fn boolean(doc: &AutoCommit, parent: &ObjId, key: &str) -> Result<bool, DocError> {
    match scalar(doc, parent, key)? {
        ScalarValue::Boolean(b) => Ok(b),
        _ => Err(DocError::Shape(key.to_string())),
    }
}

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
//! {pid: {sid: uint}}, `rules` {rid: {seq, level, text: Text, author}}, `ratings`
//! {rid: {pid: uint}}, `timer` {running, deadline, remaining_ms, duration_ms} (absent when
//! none), `focus` str (absent when none).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use automerge::transaction::Transactable as _;
use automerge::{
    ActorId, AutoCommit, AutomergeError, ChangeHash, LoadOptions, ObjId, ObjType, ROOT,
    ReadDoc as _, ScalarValue, TextEncoding, Value,
};
use draagvlak_protocol::Splice;
use draagvlak_protocol::view::{Level, Localized, PhaseKind};

use super::Refusal;
use super::template::PhaseSpec;
use super::text;

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
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub seq: u64,
    pub level: Level,
    pub text: String,
    pub author: String,
    pub anonymous: bool,
    pub hidden: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub seq: u64,
    pub level: Level,
    pub text: String,
    pub author: String,
}

/// A phase change: which phase, and when (server clock, ms since the Unix epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseEntry {
    pub phase: usize,
    pub at_ms: u64,
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

    /// Dots a participant placed on statements of a level.
    pub fn dots_used(&self, participant: &str, level: Level) -> u32 {
        self.dots
            .get(participant)
            .map(|m| {
                m.iter()
                    .filter(|(sid, _)| self.statements.get(*sid).map(|s| s.level) == Some(level))
                    .map(|(_, n)| *n)
                    .sum()
            })
            .unwrap_or(0)
    }
}

/// Ids of the container objects, looked up once.
#[derive(Debug, Clone)]
struct Objs {
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
        let (state, objs) = hydrate(&doc)?;
        let heads = doc.get_heads();
        Ok(Workshop {
            doc,
            objs,
            state,
            touched: HashSet::new(),
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

    /// Go to a phase, and note when in the phase log (for the report's timeline).
    pub fn set_phase(&mut self, index: usize, at_ms: u64) -> Result<(), DocError> {
        self.doc.put(ROOT, "current_phase", index as u64)?;
        let log = match self.doc.get(ROOT, "phase_log")? {
            Some((Value::Object(ObjType::List), id)) => id,
            _ => self.doc.put_object(ROOT, "phase_log", ObjType::List)?,
        };
        let n = self.doc.length(&log);
        let entry = self.doc.insert_object(&log, n, ObjType::Map)?;
        self.doc.put(&entry, "phase", index as u64)?;
        self.doc.put(&entry, "at", at_ms)?;
        self.state.current_phase = index;
        self.state.phase_log.push(PhaseEntry {
            phase: index,
            at_ms,
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

    /// Add a participant; returns its id.
    pub fn add_participant(&mut self, name: &str, group: &str) -> Result<String, DocError> {
        let seq = self.take_seq()?;
        let id = format!("p{seq}");
        let o = self
            .doc
            .put_object(&self.objs.participants, id.as_str(), ObjType::Map)?;
        self.doc.put(&o, "name", name)?;
        self.doc.put(&o, "group", group)?;
        self.doc.put(&o, "seq", seq)?;
        self.state.participants.insert(
            id.clone(),
            Participant {
                name: name.to_string(),
                group: group.to_string(),
                seq,
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
        anonymous: bool,
    ) -> Result<String, DocError> {
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
        self.state.statements.insert(
            id.clone(),
            Statement {
                seq,
                level,
                text: text.to_string(),
                author: author.to_string(),
                anonymous,
                hidden: false,
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

    /// Delete a statement and every dot on it.
    pub fn delete_statement(&mut self, statement: &str) -> Result<(), DocError> {
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
        self.doc
            .put_object(&self.objs.ratings, id.as_str(), ObjType::Map)?;
        self.state.rules.insert(
            id.clone(),
            Rule {
                seq,
                level,
                text: text.to_string(),
                author: author.to_string(),
            },
        );
        self.touched.insert(id.clone());
        Ok(id)
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

    /// Edit the text of a statement (`rules == false`) or rule, against the view at `base`.
    pub fn splice(
        &mut self,
        rules: bool,
        id: &str,
        splice: &Splice,
        base: &[ChangeHash],
    ) -> Result<(), Refusal> {
        let internal = |e: DocError| Refusal::internal(e.to_string());
        if self.touched.contains(id) {
            // Cursors are taken at committed heads; an edit of the same text earlier in this
            // tick must be part of a commit first.
            self.commit();
        }
        let base_is_current = base == self.heads.as_slice();
        let container = if rules {
            self.objs.rules.clone()
        } else {
            self.objs.statements.clone()
        };
        let item = self.child(&container, id).map_err(internal)?;
        let text_obj = self.child(&item, "text").map_err(internal)?;
        let new_text = text::apply_splice(&mut self.doc, &text_obj, splice, base, base_is_current)?;
        if rules {
            if let Some(r) = self.state.rules.get_mut(id) {
                r.text = new_text;
            }
        } else if let Some(s) = self.state.statements.get_mut(id) {
            s.text = new_text;
        }
        self.touched.insert(id.to_string());
        Ok(())
    }

    fn child(&self, parent: &ObjId, key: &str) -> Result<ObjId, DocError> {
        match self.doc.get(parent, key)? {
            Some((Value::Object(_), id)) => Ok(id),
            _ => Err(DocError::Shape(key.to_string())),
        }
    }
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
    let groups_obj = obj(doc, &ROOT, "groups")?;
    let mut groups = Vec::new();
    for i in 0..doc.length(&groups_obj) {
        match doc.get(&groups_obj, i)? {
            Some((v, _)) => groups.push(
                v.as_str()
                    .ok_or_else(|| DocError::Shape("groups".into()))?
                    .to_string(),
            ),
            None => return Err(DocError::Shape("groups".into())),
        }
    }
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
    let objs = Objs {
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
                });
            }
        }
    }
    let state = State {
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

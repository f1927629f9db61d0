//! The record: what was decided stays decided.
//!
//! A revealed vote round is frozen here at the moment of the reveal (dots per item and per group),
//! so that nothing that happens afterwards — a late dot, a removed participant, a deleted
//! statement — can change the figures the room saw. A rule's earlier rounds keep the text as it
//! was rated, and every decision about a rule (adopt, drop, revise, reopen, new round) is logged
//! with the warning the facilitator confirmed, if any. The views and the reports read these.
//!
//! Document layout (all optional, so older documents still load): `vote_rounds` {level: uint},
//! `vote_record` {level: [{round, voters, totals: {item: {group: uint}}}]}, `decision_log`
//! [{at, rule, action, round, confirmed?}], and per rule `earlier_texts` [str] and `confirmed`.

use std::collections::BTreeMap;

use automerge::transaction::Transactable as _;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc as _, Value};
use draagvlak_protocol::intent::{DecisionAction, RuleStatus};
use draagvlak_protocol::view::{Confirmation, Level};
use draagvlak_protocol::{ItemId, ParticipantId, RuleId};

use super::{
    DocError, State, Workshop, obj, opt_obj, opt_string, opt_uint, string, string_list, uint,
};

/// One revealed vote round of a level, frozen at the reveal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoteRecord {
    /// The round, from 1.
    pub round: u32,
    /// How many participants had placed a dot.
    pub voters: u32,
    /// Item (statement or cluster) id -> group -> dots. Every group of the session is present.
    pub totals: BTreeMap<ItemId, BTreeMap<String, u32>>,
}

impl VoteRecord {
    /// Total dots on an item in this round.
    pub fn total(&self, item: &str) -> u32 {
        self.totals.get(item).map(|g| g.values().sum()).unwrap_or(0)
    }
}

/// One decision about a rule, in the order taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionEntry {
    /// Server clock, ms since the Unix epoch.
    pub at_ms: u64,
    pub rule: RuleId,
    pub action: DecisionAction,
    /// The rule's round the decision was about (for `reopened` / `new_round`: the round that
    /// ended).
    pub round: u32,
    pub confirmed: Option<Confirmation>,
}

impl State {
    /// The vote round of a level, from 1.
    pub fn vote_round(&self, level: Level) -> u32 {
        self.vote_rounds.get(&level).copied().unwrap_or(1)
    }

    /// The revealed result of the current vote round of a level, if it is revealed.
    pub fn revealed_votes(&self, level: Level) -> Option<&VoteRecord> {
        if !self.revealed_dots.contains(&level) {
            return None;
        }
        let round = self.vote_round(level);
        self.vote_record
            .get(&level)
            .and_then(|rounds| rounds.iter().rev().find(|r| r.round == round))
    }

    /// Revealed totals of the vote rounds before the current one.
    pub fn earlier_vote_rounds(&self, level: Level) -> impl Iterator<Item = &VoteRecord> {
        let round = self.vote_round(level);
        self.vote_record
            .get(&level)
            .into_iter()
            .flatten()
            .filter(move |r| r.round < round)
    }

    /// Whether voting on a level has begun: someone placed a dot (the public `voters` count says
    /// so too), or a round of it was revealed. From then on the statements and clusters of the
    /// level no longer change. This depends only on what everyone may know, never on whose dots
    /// are where (no oracle for secret votes).
    pub fn voting_started(&self, level: Level) -> bool {
        self.revealed_dots.contains(&level)
            || self.vote_record.get(&level).is_some_and(|r| !r.is_empty())
            || self.dots.values().any(|m| {
                m.iter()
                    .any(|(item, n)| *n > 0 && self.item_level(item) == Some(level))
            })
    }

    /// The dots of the current round of a level per item and group, counted now.
    fn count_votes(&self, level: Level) -> VoteRecord {
        let mut record = VoteRecord {
            round: self.vote_round(level),
            ..VoteRecord::default()
        };
        for (pid, dots) in &self.dots {
            let group = self
                .participants
                .get(pid)
                .map(|p| p.group.clone())
                .unwrap_or_default();
            let mut voted = false;
            for (item, n) in dots {
                if *n == 0 || self.item_level(item) != Some(level) {
                    continue;
                }
                voted = true;
                let per = record
                    .totals
                    .entry(item.clone())
                    .or_insert_with(|| self.groups.iter().map(|g| (g.clone(), 0)).collect());
                *per.entry(group.clone()).or_default() += n;
            }
            record.voters += u32::from(voted);
        }
        record
    }
}

impl Workshop {
    /// Reveal the current vote round of a level and freeze its result in the record.
    pub fn reveal_votes(&mut self, level: Level) -> Result<(), DocError> {
        let record = self.state.count_votes(level);
        let root = map_at(&mut self.doc, &ROOT, "vote_record")?;
        let list = match self.doc.get(&root, level.as_str())? {
            Some((Value::Object(ObjType::List), id)) => id,
            _ => self.doc.put_object(&root, level.as_str(), ObjType::List)?,
        };
        let n = self.doc.length(&list);
        let o = self.doc.insert_object(&list, n, ObjType::Map)?;
        self.doc.put(&o, "round", u64::from(record.round))?;
        self.doc.put(&o, "voters", u64::from(record.voters))?;
        let totals = self.doc.put_object(&o, "totals", ObjType::Map)?;
        for (item, per) in &record.totals {
            let m = self.doc.put_object(&totals, item.as_str(), ObjType::Map)?;
            for (group, dots) in per {
                self.doc.put(&m, group.as_str(), u64::from(*dots))?;
            }
        }
        self.state
            .vote_record
            .entry(level)
            .or_default()
            .push(record);
        self.reveal_dots(level)
    }

    /// Start a new vote round on a level: its dots are cleared and hidden again; the revealed
    /// rounds stay in the record.
    pub fn start_vote_round(&mut self, level: Level) -> Result<(), DocError> {
        let holders: Vec<(ParticipantId, ItemId)> = self
            .state
            .dots
            .iter()
            .flat_map(|(pid, m)| {
                m.keys()
                    .filter(|item| self.state.item_level(item) == Some(level))
                    .map(|item| (pid.clone(), item.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        for (pid, item) in holders {
            self.set_dots(&pid, &item, 0)?;
        }
        if self.state.revealed_dots.remove(&level) {
            self.doc.delete(&self.objs.revealed_dots, level.as_str())?;
        }
        let round = self.state.vote_round(level) + 1;
        let rounds = map_at(&mut self.doc, &ROOT, "vote_rounds")?;
        self.doc.put(&rounds, level.as_str(), u64::from(round))?;
        self.state.vote_rounds.insert(level, round);
        Ok(())
    }

    /// Decide about a rule (or take the decision back to undecided / revise), and log it.
    pub fn decide(
        &mut self,
        rule: &RuleId,
        status: RuleStatus,
        confirmed: Option<Confirmation>,
        at_ms: u64,
    ) -> Result<(), DocError> {
        self.set_rule_status(rule, status)?;
        self.set_confirmed(rule, confirmed)?;
        let round = self.state.rules.get(rule).map(|r| r.round).unwrap_or(1);
        self.log_decision(DecisionEntry {
            at_ms,
            rule: rule.clone(),
            action: status.into(),
            round,
            confirmed,
        })
    }

    /// Start a new round of a rule: the text of the round that ends is kept with its ratings and
    /// reasons; the rule is drafted again. On a decided rule this is a reopening (logged so).
    pub fn new_rule_round(&mut self, rule: &RuleId, at_ms: u64) -> Result<(), DocError> {
        let Some(r) = self.state.rules.get(rule).cloned() else {
            return Err(DocError::Shape(format!("rule {rule}")));
        };
        let o = self.child(&self.objs.rules.clone(), rule)?;
        let list = match self.doc.get(&o, "earlier_texts")? {
            Some((Value::Object(ObjType::List), id)) => id,
            _ => self.doc.put_object(&o, "earlier_texts", ObjType::List)?,
        };
        let n = self.doc.length(&list);
        self.doc.insert(&list, n, r.text.as_str())?;
        if let Some(rule) = self.state.rules.get_mut(rule) {
            rule.earlier_texts.push(r.text.clone());
        }
        self.start_round(rule)?;
        self.set_confirmed(rule, None)?;
        let decided = matches!(r.status, RuleStatus::Adopted | RuleStatus::Dropped);
        self.log_decision(DecisionEntry {
            at_ms,
            rule: rule.clone(),
            action: if decided {
                DecisionAction::Reopened
            } else {
                DecisionAction::NewRound
            },
            round: r.round,
            confirmed: None,
        })
    }

    fn set_confirmed(
        &mut self,
        rule: &RuleId,
        confirmed: Option<Confirmation>,
    ) -> Result<(), DocError> {
        let o = self.child(&self.objs.rules.clone(), rule)?;
        match confirmed {
            Some(c) => self.doc.put(&o, "confirmed", confirmation_str(c))?,
            None => {
                if self
                    .state
                    .rules
                    .get(rule)
                    .is_some_and(|r| r.confirmed.is_some())
                {
                    self.doc.delete(&o, "confirmed")?;
                }
            }
        }
        if let Some(r) = self.state.rules.get_mut(rule) {
            r.confirmed = confirmed;
        }
        Ok(())
    }

    fn log_decision(&mut self, entry: DecisionEntry) -> Result<(), DocError> {
        let log = match self.doc.get(ROOT, "decision_log")? {
            Some((Value::Object(ObjType::List), id)) => id,
            _ => self.doc.put_object(ROOT, "decision_log", ObjType::List)?,
        };
        let n = self.doc.length(&log);
        let e = self.doc.insert_object(&log, n, ObjType::Map)?;
        self.doc.put(&e, "at", entry.at_ms)?;
        self.doc.put(&e, "rule", entry.rule.as_str())?;
        self.doc.put(&e, "action", entry.action.as_str())?;
        self.doc.put(&e, "round", u64::from(entry.round))?;
        if let Some(c) = entry.confirmed {
            self.doc.put(&e, "confirmed", confirmation_str(c))?;
        }
        self.state.decision_log.push(entry);
        Ok(())
    }
}

/// The map under `key` in `parent`, created when absent.
fn map_at(doc: &mut AutoCommit, parent: &ObjId, key: &str) -> Result<ObjId, DocError> {
    match doc.get(parent, key)? {
        Some((Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Ok(doc.put_object(parent, key, ObjType::Map)?),
    }
}

pub(super) fn confirmation_str(c: Confirmation) -> &'static str {
    match c {
        Confirmation::NoRatings => "no_ratings",
        Confirmation::LargeGap => "large_gap",
    }
}

pub(super) fn parse_confirmation(s: &str) -> Option<Confirmation> {
    match s {
        "no_ratings" => Some(Confirmation::NoRatings),
        "large_gap" => Some(Confirmation::LargeGap),
        _ => None,
    }
}

/// What the record adds to the mirror, read from the document.
pub(super) struct Hydrated {
    pub vote_rounds: BTreeMap<Level, u32>,
    pub vote_record: BTreeMap<Level, Vec<VoteRecord>>,
    pub decision_log: Vec<DecisionEntry>,
}

pub(super) fn hydrate(doc: &AutoCommit) -> Result<Hydrated, DocError> {
    let mut vote_rounds = BTreeMap::new();
    if let Some(m) = opt_obj(doc, &ROOT, "vote_rounds") {
        for key in doc.keys(&m).collect::<Vec<_>>() {
            if let (Some(level), Some(n)) = (Level::parse(&key), opt_uint(doc, &m, &key)) {
                vote_rounds.insert(level, n as u32);
            }
        }
    }
    let mut vote_record: BTreeMap<Level, Vec<VoteRecord>> = BTreeMap::new();
    if let Some(root) = opt_obj(doc, &ROOT, "vote_record") {
        for key in doc.keys(&root).collect::<Vec<_>>() {
            let Some(level) = Level::parse(&key) else {
                continue;
            };
            let list = obj(doc, &root, &key)?;
            for i in 0..doc.length(&list) {
                let Some((Value::Object(ObjType::Map), o)) = doc.get(&list, i)? else {
                    return Err(DocError::Shape("vote_record".into()));
                };
                let mut record = VoteRecord {
                    round: uint(doc, &o, "round")? as u32,
                    voters: uint(doc, &o, "voters")? as u32,
                    totals: BTreeMap::new(),
                };
                let totals = obj(doc, &o, "totals")?;
                for item in doc.keys(&totals).collect::<Vec<_>>() {
                    let m = obj(doc, &totals, &item)?;
                    let mut per = BTreeMap::new();
                    for g in doc.keys(&m).collect::<Vec<_>>() {
                        per.insert(g.clone(), uint(doc, &m, &g)? as u32);
                    }
                    record.totals.insert(ItemId::from(item), per);
                }
                vote_record.entry(level).or_default().push(record);
            }
        }
    }
    let mut decision_log = Vec::new();
    if let Some(log) = opt_obj(doc, &ROOT, "decision_log") {
        for i in 0..doc.length(&log) {
            if let Some((Value::Object(ObjType::Map), e)) = doc.get(&log, i)? {
                decision_log.push(DecisionEntry {
                    at_ms: uint(doc, &e, "at")?,
                    rule: string(doc, &e, "rule")?.into(),
                    action: {
                        let action = string(doc, &e, "action")?;
                        DecisionAction::parse(&action).ok_or_else(|| {
                            DocError::Shape(format!("decision log action {action:?}"))
                        })?
                    },
                    round: uint(doc, &e, "round")? as u32,
                    confirmed: opt_string(doc, &e, "confirmed")
                        .and_then(|c| parse_confirmation(&c)),
                });
            }
        }
    }
    Ok(Hydrated {
        vote_rounds,
        vote_record,
        decision_log,
    })
}

/// A rule's earlier texts (round 1 first), read from its map.
pub(super) fn earlier_texts(doc: &AutoCommit, rule: &ObjId) -> Result<Vec<String>, DocError> {
    match opt_obj(doc, rule, "earlier_texts") {
        Some(list) => string_list(doc, &list, "earlier_texts"),
        None => Ok(Vec::new()),
    }
}

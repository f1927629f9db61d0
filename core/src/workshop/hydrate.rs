//! Reading the document into the mirror: on load, for a history view at earlier heads, and in the
//! test that a mirror kept up by mutations equals the one read back.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc as _, ScalarValue, Value};
use draagvlak_protocol::intent::{Answer, RuleStatus};
use draagvlak_protocol::view::{Level, Localized, PhaseKind};

use crate::template::PhaseSpec;

use super::*;

pub(super) fn hydrate(doc: &AutoCommit) -> Result<(State, Objs), DocError> {
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
            ParticipantId::from(id),
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
            StatementId::from(id),
            Statement {
                seq: uint(doc, &s, "seq")?,
                level: Level::parse(&string(doc, &s, "level")?)
                    .ok_or_else(|| DocError::Shape("statement level".into()))?,
                text: doc.text(&t)?,
                author: string(doc, &s, "author")?.into(),
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
            per.insert(ItemId::from(sid.as_str()), uint(doc, &m, &sid)? as u32);
        }
        if !per.is_empty() {
            dots.insert(ParticipantId::from(pid), per);
        }
    }
    let mut rules = BTreeMap::new();
    for id in doc.keys(&objs.rules).collect::<Vec<_>>() {
        let r = obj(doc, &objs.rules, &id)?;
        let t = obj(doc, &r, "text")?;
        rules.insert(
            RuleId::from(id),
            Rule {
                seq: uint(doc, &r, "seq")?,
                level: Level::parse(&string(doc, &r, "level")?)
                    .ok_or_else(|| DocError::Shape("rule level".into()))?,
                text: doc.text(&t)?,
                author: string(doc, &r, "author")?.into(),
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
            per.insert(
                ParticipantId::from(pid.as_str()),
                uint(doc, &m, &pid)? as u8,
            );
        }
        if !per.is_empty() {
            ratings.insert(RuleId::from(rid), per);
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
        Some((Value::Scalar(v), _)) => v.as_str().map(ItemId::from),
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
        let id = ClusterId::from(id);
        let members: Vec<StatementId> = split_ids(&string(doc, &c, "statements")?);
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
                let action = string(doc, &e, "action")?;
                cluster_log.push(ClusterLogEntry {
                    at_ms: uint(doc, &e, "at")?,
                    action: ClusterAction::parse(&action)
                        .ok_or_else(|| DocError::Shape(format!("cluster log action {action:?}")))?,
                    cluster: string(doc, &e, "cluster")?.into(),
                    statements: split_ids(&string(doc, &e, "statements")?),
                    title: string(doc, &e, "title")?,
                    by: if string(doc, &e, "by")? == "facilitator" {
                        Role::Facilitator
                    } else {
                        Role::Participant
                    },
                });
            }
        }
    }
    let mut ready = BTreeMap::new();
    for pid in doc.keys(&objs.ready).collect::<Vec<_>>() {
        if let Some(n) = opt_uint(doc, &objs.ready, &pid) {
            ready.insert(ParticipantId::from(pid), n as usize);
        }
    }
    let reasons = string_maps(doc, &objs.reasons)?;
    let mut reviews: BTreeMap<RuleId, BTreeMap<ParticipantId, (Answer, Answer)>> = BTreeMap::new();
    for (rid, m) in string_maps::<RuleId, ParticipantId>(doc, &objs.reviews)? {
        let parsed: BTreeMap<ParticipantId, (Answer, Answer)> = m
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
    let (assessment, assessment_scores) = assessment::hydrate(doc)?;
    let state = State {
        assessment_then: assessment::hydrate_then(doc)?,
        assessment,
        assessment_scores,
        revealed_assessment: opt_bool(doc, &ROOT, "revealed_assessment"),
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
pub(super) fn finished_rounds<T>(
    doc: &AutoCommit,
    key: &str,
    read: impl Fn(&ObjId, &str) -> Result<T, DocError>,
) -> Result<BTreeMap<RuleId, Vec<BTreeMap<ParticipantId, T>>>, DocError> {
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
                    per.insert(ParticipantId::from(pid), value);
                }
            }
            rounds.push(per);
        }
        out.insert(RuleId::from(rid), rounds);
    }
    Ok(out)
}

/// A list of strings; `what` names it in the error.
pub(super) fn string_list(
    doc: &AutoCommit,
    list: &ObjId,
    what: &str,
) -> Result<Vec<String>, DocError> {
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

pub(super) fn opt_obj(doc: &AutoCommit, parent: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(parent, key) {
        Ok(Some((Value::Object(_), id))) => Some(id),
        _ => None,
    }
}

pub(super) fn opt_bool(doc: &AutoCommit, parent: &ObjId, key: &str) -> bool {
    boolean(doc, parent, key).unwrap_or(false)
}

pub(super) fn opt_uint(doc: &AutoCommit, parent: &ObjId, key: &str) -> Option<u64> {
    uint(doc, parent, key).ok()
}

pub(super) fn opt_string(doc: &AutoCommit, parent: &ObjId, key: &str) -> Option<String> {
    string(doc, parent, key).ok()
}

/// {id: {id: str}} as nested maps, empty inner maps left out.
pub(super) fn string_maps<K: From<String> + Ord, V: From<String> + Ord>(
    doc: &AutoCommit,
    root: &ObjId,
) -> Result<BTreeMap<K, BTreeMap<V, String>>, DocError> {
    let mut out = BTreeMap::new();
    if *root == ROOT {
        return Ok(out);
    }
    for id in doc.keys(root).collect::<Vec<_>>() {
        let m = obj(doc, root, &id)?;
        let mut per = BTreeMap::new();
        for k in doc.keys(&m).collect::<Vec<_>>() {
            per.insert(V::from(k.clone()), string(doc, &m, &k)?);
        }
        if !per.is_empty() {
            out.insert(K::from(id), per);
        }
    }
    Ok(out)
}

pub(super) fn obj(doc: &AutoCommit, parent: &ObjId, key: &str) -> Result<ObjId, DocError> {
    match doc.get(parent, key)? {
        Some((Value::Object(_), id)) => Ok(id),
        _ => Err(DocError::Shape(key.to_string())),
    }
}

pub(super) fn scalar(doc: &AutoCommit, parent: &ObjId, key: &str) -> Result<ScalarValue, DocError> {
    match doc.get(parent, key)? {
        Some((Value::Scalar(s), _)) => Ok(s.into_owned()),
        _ => Err(DocError::Shape(key.to_string())),
    }
}

pub(super) fn string(doc: &AutoCommit, parent: &ObjId, key: &str) -> Result<String, DocError> {
    match scalar(doc, parent, key)? {
        ScalarValue::Str(s) => Ok(s.to_string()),
        _ => Err(DocError::Shape(key.to_string())),
    }
}

pub(super) fn uint(doc: &AutoCommit, parent: &ObjId, key: &str) -> Result<u64, DocError> {
    match scalar(doc, parent, key)? {
        ScalarValue::Uint(n) => Ok(n),
        ScalarValue::Int(n) if n >= 0 => Ok(n as u64),
        _ => Err(DocError::Shape(key.to_string())),
    }
}

pub(super) fn boolean(doc: &AutoCommit, parent: &ObjId, key: &str) -> Result<bool, DocError> {
    match scalar(doc, parent, key)? {
        ScalarValue::Boolean(b) => Ok(b),
        _ => Err(DocError::Shape(key.to_string())),
    }
}

//! Mutations of the people in a session: participants and people without a device, removal (their
//! secret input forgotten, revealed input kept) and readmission, ready and remote, name and group.

use std::collections::BTreeMap;

use automerge::transaction::Transactable as _;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc as _, Value};

use super::*;

impl Workshop {
    /// Add a participant; returns its id. A proxy is someone without a device, whose input the
    /// facilitator enters.
    pub fn add_participant(&mut self, name: &str, group: &str) -> Result<ParticipantId, DocError> {
        self.add_person(name, group, false, None)
    }

    /// Add a participant who joined from a device with this (hashed) id; returns its id.
    pub fn add_participant_from(
        &mut self,
        name: &str,
        group: &str,
        device: Option<&str>,
    ) -> Result<ParticipantId, DocError> {
        self.add_person(name, group, false, device)
    }

    /// Let a removed participant's device join again: forget its hash.
    pub fn readmit(&mut self, participant: &ParticipantId) -> Result<(), DocError> {
        let o = self.child(&self.objs.participants.clone(), participant)?;
        self.doc.delete(&o, "device")?;
        if let Some(p) = self.state.participants.get_mut(participant) {
            p.device = None;
        }
        Ok(())
    }

    /// Add a participant without a device (entered by the facilitator); returns its id.
    pub fn add_proxy(&mut self, name: &str, group: &str) -> Result<ParticipantId, DocError> {
        self.add_person(name, group, true, None)
    }

    fn add_person(
        &mut self,
        name: &str,
        group: &str,
        proxy: bool,
        device: Option<&str>,
    ) -> Result<ParticipantId, DocError> {
        let seq = self.take_seq()?;
        let id = ParticipantId::from_seq(seq);
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

    pub fn set_ready(&mut self, participant: &ParticipantId, ready: bool) -> Result<(), DocError> {
        let objs = self.objs.ready.clone();
        if ready {
            let phase = self.state.current_phase;
            self.doc.put(&objs, participant.as_str(), phase as u64)?;
            self.state.ready.insert(participant.clone(), phase);
        } else if self.state.ready.remove(participant).is_some() {
            self.doc.delete(&objs, participant.as_str())?;
        }
        Ok(())
    }

    /// A participant says they take part remotely, or in the room (the default: no key).
    pub fn set_remote(
        &mut self,
        participant: &ParticipantId,
        remote: bool,
    ) -> Result<(), DocError> {
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
    pub fn set_name(&mut self, participant: &ParticipantId, name: &str) -> Result<(), DocError> {
        let o = self.child(&self.objs.participants.clone(), participant)?;
        self.doc.put(&o, "name", name)?;
        if let Some(p) = self.state.participants.get_mut(participant) {
            p.name = name.to_string();
        }
        Ok(())
    }

    /// Move a participant to a group (checked by the caller); a pending request ends with it.
    pub fn set_group(&mut self, participant: &ParticipantId, group: &str) -> Result<(), DocError> {
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
        participant: &ParticipantId,
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

    /// Remove a participant. What they wrote stays (the facilitator can hide it). Their input that
    /// is still secret goes: dots of levels not revealed, ratings and reasons of rounds not
    /// revealed, reviews not revealed, the ready signal. What was revealed is part of the record
    /// and stays, counted as cast by a participant who was later removed: removing someone never
    /// changes a revealed result (and so never shows, by the difference, how they voted).
    pub fn remove_participant(&mut self, participant: &ParticipantId) -> Result<(), DocError> {
        let o = self.child(&self.objs.participants.clone(), participant)?;
        self.doc.put(&o, "removed", true)?;
        if let Some(p) = self.state.participants.get_mut(participant) {
            p.removed = true;
        }
        let secret_dots: Vec<ItemId> = self
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
        let secret_rounds: Vec<RuleId> = self
            .state
            .rules
            .iter()
            .filter(|(_, r)| !r.revealed())
            .map(|(id, _)| id.clone())
            .collect();
        let keep = |rid: &RuleId| !secret_rounds.contains(rid);
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
        let earlier: Vec<(RuleId, usize)> = self
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
            let list = obj(&self.doc, &root, rid.as_str())?;
            if let Some((Value::Object(ObjType::Map), m)) = self.doc.get(&list, i)? {
                self.doc.delete(&m, participant.as_str())?;
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
}

/// Delete a participant's entries from a `{item: {participant: …}}` map, in the document and in
/// its mirror (inner maps left empty are dropped from the mirror, as hydrate does), except for
/// the items `keep` names.
fn forget_participant<T>(
    doc: &mut AutoCommit,
    root: &ObjId,
    mirror: &mut BTreeMap<RuleId, BTreeMap<ParticipantId, T>>,
    participant: &ParticipantId,
    keep: impl Fn(&RuleId) -> bool,
) -> Result<(), DocError> {
    for (item, per) in mirror.iter_mut() {
        if !keep(item)
            && per.remove(participant).is_some()
            && let Some((Value::Object(ObjType::Map), m)) = doc.get(root, item.as_str())?
        {
            doc.delete(&m, participant.as_str())?;
        }
    }
    mirror.retain(|_, per| !per.is_empty());
    Ok(())
}

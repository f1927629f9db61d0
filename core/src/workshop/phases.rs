//! Mutations of the agenda and the room: the current phase (with its end in the phase log), the
//! lock, the countdown, the focus, revealing dots, anonymity per phase.

use automerge::transaction::Transactable as _;
use automerge::{ObjType, ROOT, ReadDoc as _, Value};
use draagvlak_protocol::view::Level;

use super::*;

impl Workshop {
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

    pub fn set_focus(&mut self, focus: Option<ItemId>) -> Result<(), DocError> {
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
}

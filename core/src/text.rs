//! Collaborative text edits: a splice made against an older revision, mapped onto the current
//! text with Automerge cursors.
//!
//! A client sends `(rev, pos, delete, insert)` where `pos` and `delete` count UTF-16 code units
//! of the text as it was at `rev`. The server takes a cursor at that position in the old version
//! (`get_cursor` with the old heads) and asks where that cursor is now (`get_cursor_position`
//! without heads). Text that others inserted before the position moves the edit along; text
//! they deleted shrinks the range; nobody's edit is lost and the history stays linear because
//! the session actor is the only writer.
//!
//! **A run of typing is anchored to the character before it**, not to a position or to the end of
//! the text. Two people typing at the same spot at the same moment must each keep their run
//! together ("(ICT)" and "(business)", never "((IbuCTsi)ness)"). A thin client only sees strings,
//! so when someone else's text appears next to its own unacknowledged typing it cannot tell which
//! of two equal characters is its own, and its next keystroke may be placed on the wrong side of
//! the other person's text. The server knows: [`Runs`] remembers, per person and text, the run
//! they are typing (its first and last character; a run ends after a pause of [`RUN_PAUSE`]).
//! A keystroke that lands among the text of runs in progress touching that person's run (their
//! own or others', with no settled text in between) — and not inside their own run, where an
//! edit is deliberate — goes right after the last character of their run. An empty edit (nothing
//! deleted, nothing inserted) ends the sender's run: the browser sends one when the person moves
//! the caret on purpose, so typing somewhere else is never pulled back. The first keystroke
//! of a run goes before the character that followed it in the text the client saw, so after
//! anything others added at that spot meanwhile; and never into the middle of someone else's
//! run in progress (a client whose caret stood where another run arrived cannot tell on which
//! side of that run its caret belongs), but right after it. The price: correcting a typo in a
//! run someone else typed less than [`RUN_PAUSE`] ago lands at the end of their run.
//!
//! The ack of an edit says where its inserted text went ([`Placed`]), so the sender's client can
//! tell its own characters from equal ones of others.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use automerge::transaction::Transactable as _;
use automerge::{AutoCommit, ChangeHash, Cursor, CursorPosition, ObjId, ReadDoc as _};
use draagvlak_protocol::ErrorCode;
use draagvlak_protocol::Splice;
use draagvlak_protocol::limits::MAX_TEXT_CHARS;

use super::Refusal;

/// How many characters a statement or rule text may have: the server's `--max-text-chars`, at
/// most the protocol's `MAX_TEXT_CHARS`. A setting of the server, handed to `apply` in its
/// context (not kept per process, so two servers in one test process can differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLimit(usize);

impl TextLimit {
    /// A limit of `chars` characters, clamped to 1..=`MAX_TEXT_CHARS`.
    pub fn new(chars: usize) -> TextLimit {
        TextLimit(chars.clamp(1, MAX_TEXT_CHARS))
    }

    /// The number of characters allowed.
    pub fn chars(self) -> usize {
        self.0
    }
}

impl Default for TextLimit {
    /// The protocol's limit.
    fn default() -> TextLimit {
        TextLimit(MAX_TEXT_CHARS)
    }
}

/// A keystroke this soon after the previous one of the same person in the same text continues
/// their run; after a longer pause a new run begins.
pub const RUN_PAUSE: Duration = Duration::from_secs(5);

/// At most this many runs are remembered per session (one per person typing in a text); when
/// full, the ones older than [`RUN_PAUSE`] are dropped, and if that is not enough, all.
const MAX_RUNS: usize = 4096;

/// The runs of typing in progress in one session's texts: who is typing where (see the module
/// docs). Kept in memory only: after a reload a keystroke simply starts a new run.
#[derive(Debug, Default)]
pub struct Runs {
    runs: HashMap<(String, ObjId), Run>,
}

/// One person's run of typing in one text.
#[derive(Debug, Clone)]
struct Run {
    /// The run's first and last character.
    first: Cursor,
    last: Cursor,
    /// When the run last grew.
    at: Instant,
}

impl Runs {
    fn remember(&mut self, key: (String, ObjId), run: Run) {
        if self.runs.len() >= MAX_RUNS && !self.runs.contains_key(&key) {
            let now = Instant::now();
            self.runs
                .retain(|_, r| now.duration_since(r.at) < RUN_PAUSE);
            if self.runs.len() >= MAX_RUNS {
                self.runs.clear();
            }
        }
        self.runs.insert(key, run);
    }
}

/// Where an edit's inserted text went: its first character, followed through later edits.
///
/// The ack of a text edit says where that is in the text the sender sees then (`at`), so the
/// sender's client knows which characters are its own even when someone else typed the same
/// ones next to them (see `text.js`).
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The text object.
    pub text: ObjId,
    /// The first inserted character.
    pub first: Cursor,
}

impl Placed {
    /// The position (UTF-16 code units) of the first inserted character in the current text,
    /// if it is still there.
    pub fn position(&self, doc: &AutoCommit) -> Option<usize> {
        visible_at(doc, &self.text, &self.first).ok().flatten()
    }
}

/// Apply `splice` by `typist`, made against the document at `base`, to the text object `obj`.
/// `base` must be heads of a committed state; the caller commits first if `obj` changed since.
/// Returns the new text, and where the inserted text went (if the edit inserted any).
pub(crate) fn apply_splice(
    doc: &mut AutoCommit,
    obj: &ObjId,
    splice: &Splice,
    base: &[ChangeHash],
    typist: (&str, &mut Runs),
    limit: TextLimit,
) -> Result<(String, Option<Placed>), Refusal> {
    let internal = |e: automerge::AutomergeError| Refusal::internal(format!("text edit: {e}"));
    let (who, runs) = typist;
    check_characters(&splice.insert)?;
    let old = doc.text_at(obj, base).map_err(internal)?;
    let pos = splice.pos as usize;
    let delete = splice.delete as usize;
    let boundaries = utf16_boundaries(&old);
    let old_len = *boundaries.last().unwrap_or(&0);
    let end = pos.checked_add(delete).ok_or_else(invalid_range)?;
    if end > old_len {
        return Err(Refusal::new(
            ErrorCode::InvalidSplice,
            format!("edit range {pos}..{end} lies outside the text (length {old_len})"),
        ));
    }
    if boundaries.binary_search(&pos).is_err() || boundaries.binary_search(&end).is_err() {
        return Err(Refusal::new(
            ErrorCode::InvalidSplice,
            "edit position splits a character (positions count UTF-16 code units)",
        ));
    }
    let key = (who.to_string(), obj.clone());
    if delete == 0 && splice.insert.is_empty() {
        // An empty edit: the person moved the caret on purpose (a click, an arrow key), so
        // whatever they type next is not the continuation of their run.
        runs.runs.remove(&key);
        return Ok((doc.text(obj).map_err(internal)?, None));
    }
    let run = runs
        .runs
        .get(&key)
        .filter(|r| r.at.elapsed() < RUN_PAUSE)
        .cloned();
    let (start_now, end_now) = if delete == 0 {
        // Before the character that followed it (after text others added there meanwhile),
        // unless it continues this person's run.
        let natural = map_position(doc, obj, pos, old_len, base).map_err(internal)?;
        let continued = match &run {
            Some(run) => continue_run(doc, obj, runs, &key, run, natural).map_err(internal)?,
            None => None,
        };
        let own = match &run {
            Some(run) => run_span(doc, obj, run).map_err(internal)?,
            None => None,
        };
        let at = match (continued, own) {
            (Some(at), _) => at,
            // Inside their own run: a deliberate correction, where they put it.
            (None, Some((f, l))) if f < natural && natural <= l => natural,
            (None, _) => past_others_runs(doc, obj, runs, &key, natural).map_err(internal)?,
        };
        (at, at)
    } else {
        // A deletion covers the characters it covered then (those still there).
        let start_now = map_position(doc, obj, pos, old_len, base).map_err(internal)?;
        let end_now = map_position(doc, obj, end, old_len, base).map_err(internal)?;
        (start_now, end_now.max(start_now))
    };
    let current = doc.text(obj).map_err(internal)?;
    let removed_chars = char_count_in_utf16_range(&current, start_now, end_now);
    let new_chars = current.chars().count() - removed_chars + splice.insert.chars().count();
    let max = limit.chars();
    if new_chars > max {
        return Err(Refusal::new(
            ErrorCode::TextTooLong,
            format!("the text would be {new_chars} characters; at most {max} are allowed"),
        ));
    }
    // Where the run stood before the edit, to follow it through a deletion at its end.
    let span = match &run {
        Some(run) => run_span(doc, obj, run).map_err(internal)?,
        None => None,
    };
    doc.splice_text(
        obj,
        start_now,
        (end_now - start_now) as isize,
        &splice.insert,
    )
    .map_err(internal)?;
    let inserted = splice.insert.encode_utf16().count();
    let cursor = |doc: &AutoCommit, at: usize| doc.get_cursor(obj, CursorPosition::Index(at), None);
    let mut placed = None;
    if inserted > 0 {
        placed = Some(Placed {
            text: obj.clone(),
            first: cursor(doc, start_now).map_err(internal)?,
        });
        let last = cursor(doc, start_now + inserted - 1).map_err(internal)?;
        match (run, span) {
            // Typed at the end of the run: it grows.
            (Some(mut run), Some((_, l))) if delete == 0 && start_now == l + 1 => {
                run.last = last;
                run.at = Instant::now();
                runs.remember(key, run);
            }
            // Typed inside the run: a correction, the run keeps its end.
            (Some(mut run), Some((f, l))) if delete == 0 && f < start_now && start_now <= l => {
                run.at = Instant::now();
                runs.remember(key, run);
            }
            _ => {
                let first = cursor(doc, start_now).map_err(internal)?;
                let at = Instant::now();
                runs.remember(key, Run { first, last, at });
            }
        }
    } else if let (Some(mut run), Some((f, l))) = (run, span) {
        // Deleted back from the end of the run (a backspace while typing): the run now ends
        // before the deletion. Any other deletion that touches the run ends it.
        if end_now == l + 1 && start_now > f {
            run.last = cursor(doc, start_now - 1).map_err(internal)?;
            run.at = Instant::now();
            runs.remember(key, run);
        } else if start_now <= l && end_now > f {
            runs.runs.remove(&key);
        }
    }
    Ok((doc.text(obj).map_err(internal)?, placed))
}

/// Where an insertion that the client placed at `natural` goes when `run` is that person's run
/// (`key`): right after the run's last character if `natural` lies among the text of runs in
/// progress around it (theirs or others', without settled text in between: the client could
/// not tell its own characters from the others'), `None` when the run is gone, or `natural`
/// lies elsewhere or inside the run (a deliberate edit).
fn continue_run(
    doc: &AutoCommit,
    obj: &ObjId,
    runs: &Runs,
    key: &(String, ObjId),
    run: &Run,
    natural: usize,
) -> Result<Option<usize>, automerge::AutomergeError> {
    let Some((first, last)) = run_span(doc, obj, run)? else {
        return Ok(None);
    };
    if first < natural && natural <= last {
        return Ok(None);
    }
    // The live runs in this text, as spans of positions, merged while they touch.
    let mut spans = vec![(first, last)];
    for ((who, o), other) in &runs.runs {
        if o != obj || (who, o) == (&key.0, &key.1) || other.at.elapsed() >= RUN_PAUSE {
            continue;
        }
        if let Some(span) = run_span(doc, obj, other)? {
            spans.push(span);
        }
    }
    spans.sort_unstable();
    let (mut lo, mut hi) = (first, last);
    loop {
        let before = (lo, hi);
        for &(f, l) in &spans {
            if f <= hi + 1 && l + 1 >= lo {
                lo = lo.min(f);
                hi = hi.max(l);
            }
        }
        if (lo, hi) == before {
            break;
        }
    }
    if (lo..=hi + 1).contains(&natural) {
        Ok(Some(last + 1))
    } else {
        Ok(None)
    }
}

/// Where a keystroke that begins a run goes when the client placed it at `natural`: there,
/// unless that lies inside someone else's run in progress (after its first character, up to its
/// last). Then it goes right after that run: the client saw the other person's text arrive at
/// its caret and could not tell on which side of its caret it belonged, and splitting a run
/// someone is still typing is never what either of them meant.
fn past_others_runs(
    doc: &AutoCommit,
    obj: &ObjId,
    runs: &Runs,
    key: &(String, ObjId),
    natural: usize,
) -> Result<usize, automerge::AutomergeError> {
    let mut spans = Vec::new();
    for ((who, o), other) in &runs.runs {
        if o != obj || (who, o) == (&key.0, &key.1) || other.at.elapsed() >= RUN_PAUSE {
            continue;
        }
        if let Some(span) = run_span(doc, obj, other)? {
            spans.push(span);
        }
    }
    let mut at = natural;
    // Runs may nest (one begun inside another before this rule moved it), so until stable.
    loop {
        let before = at;
        for &(f, l) in &spans {
            if f < at && at <= l {
                at = l + 1;
            }
        }
        if at == before {
            return Ok(at);
        }
    }
}

/// The positions of a run's first and last character, if both are still there in that order.
fn run_span(
    doc: &AutoCommit,
    obj: &ObjId,
    run: &Run,
) -> Result<Option<(usize, usize)>, automerge::AutomergeError> {
    match (
        visible_at(doc, obj, &run.first)?,
        visible_at(doc, obj, &run.last)?,
    ) {
        (Some(f), Some(l)) if f <= l => Ok(Some((f, l))),
        _ => Ok(None),
    }
}

/// The position of the character `c` in the current text, if it is still there.
fn visible_at(
    doc: &AutoCommit,
    obj: &ObjId,
    c: &Cursor,
) -> Result<Option<usize>, automerge::AutomergeError> {
    if !matches!(c, Cursor::Op(_)) {
        return Ok(None);
    }
    let at = doc.get_cursor_position(obj, c, None)?;
    if at < doc.length(obj) && doc.get_cursor(obj, CursorPosition::Index(at), None)? == *c {
        Ok(Some(at))
    } else {
        Ok(None)
    }
}

fn invalid_range() -> Refusal {
    Refusal::new(ErrorCode::InvalidSplice, "edit range overflows")
}

/// Where `pos` in the text at `base` is now.
fn map_position(
    doc: &AutoCommit,
    obj: &ObjId,
    pos: usize,
    old_len: usize,
    base: &[ChangeHash],
) -> Result<usize, automerge::AutomergeError> {
    let at = if pos >= old_len {
        CursorPosition::End
    } else {
        CursorPosition::Index(pos)
    };
    let cursor = doc.get_cursor(obj, at, Some(base))?;
    doc.get_cursor_position(obj, &cursor, None)
}

/// Every position between characters, in UTF-16 code units, including 0 and the length.
fn utf16_boundaries(text: &str) -> Vec<usize> {
    let mut out = Vec::with_capacity(text.len() + 1);
    let mut at = 0;
    out.push(0);
    for c in text.chars() {
        at += c.len_utf16();
        out.push(at);
    }
    out
}

/// How many characters lie between two UTF-16 positions.
fn char_count_in_utf16_range(text: &str, start: usize, end: usize) -> usize {
    let mut at = 0;
    let mut count = 0;
    for c in text.chars() {
        if at >= end {
            break;
        }
        if at >= start {
            count += 1;
        }
        at += c.len_utf16();
    }
    count
}

/// Control characters other than newline and tab have no place in a statement.
pub(crate) fn check_characters(text: &str) -> Result<(), Refusal> {
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Refusal::new(
            ErrorCode::InvalidText,
            "the text contains control characters",
        ));
    }
    Ok(())
}

/// Check a whole new text (for statements and rules created with text).
pub(crate) fn check_new_text(text: &str, limit: TextLimit) -> Result<(), Refusal> {
    check_characters(text)?;
    if text.trim().is_empty() {
        return Err(Refusal::new(ErrorCode::EmptyText, "the text is empty"));
    }
    let chars = text.chars().count();
    let max = limit.chars();
    if chars > max {
        return Err(Refusal::new(
            ErrorCode::TextTooLong,
            format!("the text has {chars} characters; at most {max} are allowed"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{ObjType, ROOT, TextEncoding};

    fn doc_with(text: &str) -> (AutoCommit, ObjId, Vec<ChangeHash>) {
        let mut doc = AutoCommit::new_with_encoding(TextEncoding::Utf16CodeUnit);
        let obj = doc.put_object(ROOT, "t", ObjType::Text).unwrap();
        doc.splice_text(&obj, 0, 0, text).unwrap();
        doc.commit();
        let heads = doc.get_heads();
        (doc, obj, heads)
    }

    /// `apply_splice` by one typist with runs of their own.
    fn apply_splice(
        doc: &mut AutoCommit,
        obj: &ObjId,
        splice: &Splice,
        base: &[ChangeHash],
        _current: bool,
    ) -> Result<String, Refusal> {
        let typist = ("p1", &mut Runs::default());
        super::apply_splice(doc, obj, splice, base, typist, TextLimit::default()).map(|(t, _)| t)
    }

    fn splice(rev: u64, pos: u32, delete: u32, insert: &str) -> Splice {
        Splice {
            rev,
            pos,
            delete,
            insert: insert.into(),
        }
    }

    #[test]
    fn edit_against_old_version_lands_after_concurrent_insert_before_it() {
        let (mut doc, obj, old) = doc_with("ICT ondersteunt");
        // Someone else inserts at the start.
        let now = doc.get_heads();
        apply_splice(&mut doc, &obj, &splice(1, 0, 0, "Goede "), &now, true).unwrap();
        doc.commit();
        // Our edit was made against the old text: append " het primaire proces".
        let out = apply_splice(
            &mut doc,
            &obj,
            &splice(0, 15, 0, " het primaire proces"),
            &old,
            false,
        )
        .unwrap();
        assert_eq!(out, "Goede ICT ondersteunt het primaire proces");
    }

    #[test]
    fn concurrent_delete_and_insert_both_kept() {
        let (mut doc, obj, old) = doc_with("abc def ghi");
        let now = doc.get_heads();
        // One person deletes "def ".
        apply_splice(&mut doc, &obj, &splice(1, 4, 4, ""), &now, true).unwrap();
        doc.commit();
        // Another, against the old text, inserts "X" before "ghi".
        let out = apply_splice(&mut doc, &obj, &splice(0, 8, 0, "X"), &old, false).unwrap();
        assert_eq!(out, "abc Xghi");
    }

    #[test]
    fn positions_count_utf16_units_and_never_split_a_character() {
        let (mut doc, obj, heads) = doc_with("a😀b");
        // 😀 is two UTF-16 units: positions 1..3.
        let err = apply_splice(&mut doc, &obj, &splice(0, 2, 0, "x"), &heads, true).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidSplice);
        let out = apply_splice(&mut doc, &obj, &splice(0, 3, 0, "x"), &heads, true).unwrap();
        assert_eq!(out, "a😀xb");
    }

    #[test]
    fn out_of_range_is_refused() {
        let (mut doc, obj, heads) = doc_with("abc");
        let err = apply_splice(&mut doc, &obj, &splice(0, 2, 5, ""), &heads, true).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidSplice);
        let err = apply_splice(
            &mut doc,
            &obj,
            &splice(0, u32::MAX, u32::MAX, ""),
            &heads,
            true,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidSplice);
    }

    #[test]
    fn an_empty_edit_ends_the_run() {
        let (mut doc, obj, _) = doc_with("Basis.");
        let mut runs = Runs::default();
        let mut edit =
            |doc: &mut AutoCommit, who: &str, pos: u32, insert: &str, base: &[ChangeHash]| {
                let out = super::apply_splice(
                    doc,
                    &obj,
                    &splice(0, pos, 0, insert),
                    base,
                    (who, &mut runs),
                    TextLimit::default(),
                )
                .unwrap();
                doc.commit();
                out.0
            };
        // A types " (ICT)" at the end, B " (b" at the same time (against the same text).
        let base = doc.get_heads();
        edit(&mut doc, "a", 6, " (ICT)", &base);
        edit(&mut doc, "b", 6, " (b", &base);
        // A, still typing, sends its next keystroke at the very end: it continues A's run.
        let now = doc.get_heads();
        assert_eq!(edit(&mut doc, "a", 15, "!", &now), "Basis. (ICT)! (b");
        // A clicks at the end on purpose (an empty edit), then types: it stays at the end.
        let now = doc.get_heads();
        edit(&mut doc, "a", 0, "", &now);
        let now = doc.get_heads();
        assert_eq!(edit(&mut doc, "a", 16, "?", &now), "Basis. (ICT)! (b?");
    }

    #[test]
    fn too_long_result_is_refused() {
        let (mut doc, obj, heads) = doc_with("abc");
        let long = "x".repeat(MAX_TEXT_CHARS);
        let err = apply_splice(&mut doc, &obj, &splice(0, 3, 0, &long), &heads, true).unwrap_err();
        assert_eq!(err.code, ErrorCode::TextTooLong);
        assert_eq!(doc.text(&obj).unwrap(), "abc");
    }
}

//! Collaborative text edits: a splice made against an older revision, mapped onto the current
//! text with Automerge cursors.
//!
//! A client sends `(rev, pos, delete, insert)` where `pos` and `delete` count UTF-16 code units
//! of the text as it was at `rev`. The server takes a cursor at that position in the old version
//! (`get_cursor` with the old heads) and asks where that cursor is now (`get_cursor_position`
//! without heads). Text that others inserted before the position moves the edit along; text
//! they deleted shrinks the range; nobody's edit is lost and the history stays linear because
//! the session actor is the only writer.

use std::sync::atomic::{AtomicUsize, Ordering};

use automerge::transaction::Transactable as _;
use automerge::{AutoCommit, ChangeHash, CursorPosition, ObjId, ReadDoc as _};
use draagvlak_protocol::ErrorCode;
use draagvlak_protocol::Splice;
use draagvlak_protocol::limits::MAX_TEXT_CHARS;

use super::Refusal;

/// The text limit of this process: `--max-text-chars`, at most the protocol's `MAX_TEXT_CHARS`.
///
/// One value per process rather than a field of the apply context: the limit is a server
/// setting that never changes while it runs, and every session of a server shares it. Set by
/// `guard::Guard::new` when the server starts.
static MAX_CHARS: AtomicUsize = AtomicUsize::new(MAX_TEXT_CHARS);

/// Set the text limit of this process (clamped to 1..=`MAX_TEXT_CHARS`).
pub fn set_max_chars(chars: usize) {
    MAX_CHARS.store(chars.clamp(1, MAX_TEXT_CHARS), Ordering::Relaxed);
}

/// Characters a statement or rule text may have on this server.
pub fn max_chars() -> usize {
    MAX_CHARS.load(Ordering::Relaxed)
}

/// Apply `splice`, made against the document at `base`, to the text object `obj`. `base` must
/// be heads of a committed state; the caller commits first if `obj` changed since.
/// Returns the new text.
pub(crate) fn apply_splice(
    doc: &mut AutoCommit,
    obj: &ObjId,
    splice: &Splice,
    base: &[ChangeHash],
    base_is_current: bool,
) -> Result<String, Refusal> {
    let internal = |e: automerge::AutomergeError| Refusal::internal(format!("text edit: {e}"));
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
    let (start_now, end_now) = if base_is_current {
        (pos, end)
    } else {
        let start_now = map_position(doc, obj, pos, old_len, base).map_err(internal)?;
        let end_now = map_position(doc, obj, end, old_len, base).map_err(internal)?;
        (start_now, end_now.max(start_now))
    };
    let current = doc.text(obj).map_err(internal)?;
    let removed_chars = char_count_in_utf16_range(&current, start_now, end_now);
    let new_chars = current.chars().count() - removed_chars + splice.insert.chars().count();
    let max = max_chars();
    if new_chars > max {
        return Err(Refusal::new(
            ErrorCode::TextTooLong,
            format!("the text would be {new_chars} characters; at most {max} are allowed"),
        ));
    }
    doc.splice_text(
        obj,
        start_now,
        (end_now - start_now) as isize,
        &splice.insert,
    )
    .map_err(internal)?;
    doc.text(obj).map_err(internal)
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
pub(crate) fn check_new_text(text: &str) -> Result<(), Refusal> {
    check_characters(text)?;
    if text.trim().is_empty() {
        return Err(Refusal::new(ErrorCode::EmptyText, "the text is empty"));
    }
    let chars = text.chars().count();
    let max = max_chars();
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
    fn too_long_result_is_refused() {
        let (mut doc, obj, heads) = doc_with("abc");
        let long = "x".repeat(MAX_TEXT_CHARS);
        let err = apply_splice(&mut doc, &obj, &splice(0, 3, 0, &long), &heads, true).unwrap_err();
        assert_eq!(err.code, ErrorCode::TextTooLong);
        assert_eq!(doc.text(&obj).unwrap(), "abc");
    }
}

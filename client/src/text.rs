//! Text positions in UTF-16 code units.
//!
//! Splices count UTF-16 code units because the browser client edits JavaScript strings. Rust
//! strings are UTF-8, so a Rust caller that wants to edit "après" at the right place needs these
//! conversions; tests use [`apply_splice`] to predict the text the server will hold.

/// Length of `s` in UTF-16 code units.
pub fn utf16_len(s: &str) -> u32 {
    let n: usize = s.chars().map(char::len_utf16).sum();
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The byte offset of UTF-16 position `pos` in `s`, or `None` when `pos` is past the end or in
/// the middle of a surrogate pair.
pub fn byte_offset(s: &str, pos: u32) -> Option<usize> {
    let mut units = 0u32;
    for (byte, ch) in s.char_indices() {
        if units == pos {
            return Some(byte);
        }
        if units > pos {
            return None;
        }
        units += u32::try_from(ch.len_utf16()).unwrap_or(2);
    }
    (units == pos).then_some(s.len())
}

/// `text` with `delete` UTF-16 units removed at `pos` and `insert` put there; `None` when the
/// range lies outside the text or splits a character (the server answers `invalid_splice`).
pub fn apply_splice(text: &str, pos: u32, delete: u32, insert: &str) -> Option<String> {
    let start = byte_offset(text, pos)?;
    let end = byte_offset(text, pos.checked_add(delete)?)?;
    let mut out = String::with_capacity(text.len() + insert.len());
    out.push_str(&text[..start]);
    out.push_str(insert);
    out.push_str(&text[end..]);
    Some(out)
}

/// The smallest splice that turns `old` into `new`, as `(pos, delete, insert)` in UTF-16 units:
/// the common prefix and suffix are kept, the middle is replaced.
pub fn splice_between(old: &str, new: &str) -> (u32, u32, String) {
    let old_chars: Vec<char> = old.chars().collect();
    let new_chars: Vec<char> = new.chars().collect();
    let prefix = old_chars
        .iter()
        .zip(&new_chars)
        .take_while(|(a, b)| a == b)
        .count();
    let max_suffix = old_chars.len().min(new_chars.len()) - prefix;
    let suffix = old_chars
        .iter()
        .rev()
        .zip(new_chars.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    let units = |chars: &[char]| -> u32 {
        let n: usize = chars.iter().map(|c| c.len_utf16()).sum();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    let pos = units(&old_chars[..prefix]);
    let delete = units(&old_chars[prefix..old_chars.len() - suffix]);
    let insert: String = new_chars[prefix..new_chars.len() - suffix].iter().collect();
    (pos, delete, insert)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_utf16_units() {
        assert_eq!(utf16_len("abc"), 3);
        assert_eq!(utf16_len("après"), 5);
        assert_eq!(utf16_len("a😀b"), 4);
    }

    #[test]
    fn splices_like_javascript() {
        assert_eq!(apply_splice("hello", 5, 0, "!").as_deref(), Some("hello!"));
        assert_eq!(apply_splice("a😀b", 1, 2, "x").as_deref(), Some("axb"));
        assert_eq!(
            apply_splice("a😀b", 2, 0, "x"),
            None,
            "inside a surrogate pair"
        );
        assert_eq!(apply_splice("abc", 2, 5, ""), None, "past the end");
        assert_eq!(apply_splice("après", 3, 1, "E").as_deref(), Some("aprEs"));
    }

    #[test]
    fn splice_between_round_trips() {
        for (old, new) in [
            ("", "abc"),
            ("abc", ""),
            ("cloud first", "cloud-first"),
            ("aaa", "aaaa"),
            ("a😀b", "a😀😀b"),
            ("same", "same"),
        ] {
            let (pos, delete, insert) = splice_between(old, new);
            assert_eq!(
                apply_splice(old, pos, delete, &insert).as_deref(),
                Some(new)
            );
        }
        assert_eq!(
            splice_between("cloud first", "cloud-first"),
            (5, 1, "-".into())
        );
    }
}

//! Display names as people mean them: one canonical form for what looks the same.
//!
//! A name is shown to the facilitator and (in some views) to the room, so two names that look
//! the same must be the same, and a name must not be invisible. [`name`] turns what a client sent
//! into that form before the session checks it (`session::apply::check_name`, which refuses an
//! empty result with `invalid_name`): Unicode NFC (an `é` typed as `e` + combining accent is the
//! same `é`), runs of white space collapsed to one space and trimmed, and invisible characters
//! (zero-width spaces and joiners, soft hyphens, word joiners, byte-order marks, Hangul fillers,
//! tag characters, …) removed — except where they are part of what the person wrote: a zero-width
//! joiner inside an emoji sequence, a variation selector after a symbol, a zero-width non-joiner
//! between letters of the scripts that need it (Persian, the Indic scripts). Bidirectional
//! overrides and isolates are left in place, so that the session refuses them as before.
//!
//! Normalising happens where a name enters from the wire (`ws.rs`), so the session logic keeps
//! working on plain strings.

use draagvlak_protocol::{Intent, JoinRequest};
use unicode_normalization::UnicodeNormalization as _;

/// Normalise the name a participant joins with.
pub fn join(request: &mut JoinRequest) {
    if let JoinRequest::Participant { name: n, .. } = request {
        *n = name(n);
    }
}

/// Normalise the name the facilitator gives someone without a device (`add_proxy`), or a
/// participant gives themselves later (`set_name`).
pub fn intent(intent: &mut Intent) {
    if let Intent::AddProxy { name: n, .. } | Intent::SetName { name: n } = intent {
        *n = name(n);
    }
}

const ZWNJ: char = '\u{200C}';
const ZWJ: char = '\u{200D}';

/// The form of a display name that is checked and stored.
pub fn name(raw: &str) -> String {
    let chars: Vec<char> = raw.nfc().collect();
    let mut out = String::with_capacity(raw.len());
    let mut space = false;
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() || is_blank(c) {
            space = !out.is_empty();
            continue;
        }
        if is_invisible(c) && !kept(&chars, i) {
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// Characters that render as an empty space but are not Unicode white space.
fn is_blank(c: char) -> bool {
    matches!(
        c,
        '\u{2800}' | '\u{3164}' | '\u{115F}' | '\u{1160}' | '\u{FFA0}'
    )
}

/// Default-ignorable code points (Unicode `DerivedCoreProperties.txt`), without the
/// bidirectional embeddings, overrides and isolates (refused by the name check instead).
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{2060}'..='\u{2065}'
        | '\u{206A}'..='\u{206F}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FFF0}'..='\u{FFF8}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// Whether the invisible character at `i` carries meaning where it stands.
fn kept(chars: &[char], i: usize) -> bool {
    let before = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
    let after = chars.get(i + 1).copied();
    match chars[i] {
        // Emoji sequences: 👩‍💻 (after a variation selector or a skin tone too).
        ZWJ => {
            before.is_some_and(|b| is_pictograph(b) || is_variation(b))
                && after.is_some_and(is_pictograph)
        }
        // Persian and Indic scripts use it between letters to choose a letter form.
        ZWNJ => before.is_some_and(needs_zwnj) && after.is_some_and(needs_zwnj),
        // Text or emoji presentation of the symbol before it: ❤️.
        c if is_variation(c) => before.is_some_and(is_pictograph),
        _ => false,
    }
}

fn is_variation(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}')
}

fn is_pictograph(c: char) -> bool {
    matches!(c,
        '\u{00A9}' | '\u{00AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{2190}'..='\u{21FF}'
        | '\u{2300}'..='\u{23FF}'
        | '\u{2460}'..='\u{27BF}'
        | '\u{2900}'..='\u{2BFF}'
        | '\u{1F000}'..='\u{1FAFF}')
}

fn needs_zwnj(c: char) -> bool {
    c.is_alphabetic()
        && matches!(c,
            '\u{0600}'..='\u{06FF}'   // Arabic (Persian, Urdu)
            | '\u{0750}'..='\u{077F}'
            | '\u{0900}'..='\u{0DFF}' // Devanagari … Sinhala
            | '\u{FB50}'..='\u{FDFF}'
            | '\u{FE70}'..='\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::name;

    #[test]
    fn canonical_form() {
        assert_eq!(name("Anne\u{301}"), "Ann\u{e9}", "NFC");
        assert_eq!(name("  Anna \t de  Vries "), "Anna de Vries");
        assert_eq!(name("An\u{200B}na\u{FEFF}"), "Anna");
        assert_eq!(
            name("\u{200B}\u{200D}\u{2060}\u{00AD}\u{3164}\u{2800}\u{E0041}"),
            ""
        );
        assert_eq!(name("\u{00A0}\u{3000}"), "");
        assert_eq!(
            name("Ann\u{200D}a"),
            "Anna",
            "a joiner between letters is invisible"
        );
    }

    #[test]
    fn what_the_person_wrote_is_kept() {
        let coder = "\u{1F469}\u{1F3FD}\u{200D}\u{1F4BB} Sam";
        assert_eq!(name(coder), coder);
        assert_eq!(name("\u{2764}\u{FE0F} Jo"), "\u{2764}\u{FE0F} Jo");
        let persian = "\u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}";
        assert_eq!(name(persian), persian);
        // Bidirectional controls stay, so that the session refuses them.
        assert_eq!(name("\u{202E}nna"), "\u{202E}nna");
    }
}

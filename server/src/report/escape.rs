//! User text made safe for each report format. A report is opened by people who did not write
//! its texts (a policy officer, a council member), in a Markdown viewer, a spreadsheet or a
//! browser; a statement, rule, reason, name or title typed in the room must show as the text it
//! is in all of them, and never act as markup, a link, a formula or a reordering of the page.
//!
//! - Markdown: every ASCII punctuation character is backslash-escaped (see [`markdown`]);
//! - CSV and spreadsheets: a cell that a spreadsheet would read as a formula is prefixed with
//!   `'` (see [`spreadsheet`]);
//! - HTML: the five special characters become entities (see [`html`]), and the page puts every
//!   user text in `<bdi>`;
//! - in every format, control characters that could do harm outside a browser (terminal escape
//!   sequences, NUL) are dropped; in Markdown and CSV the bidirectional controls are dropped too,
//!   and Markdown isolates a right-to-left text with FSI … PDI so it cannot reorder the table
//!   cells around it (HTML keeps the text as typed: `<bdi>` isolates it).

use unicode_bidi::{BidiClass, bidi_class};

/// Explicit bidirectional formatting characters: embeddings and overrides (U+202A–U+202E),
/// isolates (U+2066–U+2069), the left-to-right, right-to-left and Arabic letter marks.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Control characters other than tab, line feed and carriage return (C0, DEL, C1): they have no
/// place in a report, and in a terminal an ESC starts a command.
fn is_harmful_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The text without harmful control characters and without bidirectional controls: the form of
/// a user text in Markdown, CSV and a spreadsheet.
pub(crate) fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| !is_harmful_control(*c) && !is_bidi_control(*c))
        .collect()
}

/// Whether a text shows anything once its controls and surrounding spaces are gone: an optional
/// line (organisation, place) is left out of a report when it would show nothing.
pub(crate) fn shows(text: &str) -> bool {
    !plain(text).trim().is_empty()
}

/// Whether a character is written right to left (Hebrew, Arabic, …).
fn is_right_to_left(c: char) -> bool {
    matches!(bidi_class(c), BidiClass::R | BidiClass::AL | BidiClass::AN)
}

/// A user text in Markdown, on one line (inside a table cell, a heading or a list item).
///
/// Hand-written on purpose, after looking for a crate: pulldown-cmark and comrak escape for
/// HTML, not for Markdown source, and no well-kept crate escapes text *into* Markdown. The rule
/// comes from CommonMark itself: "any ASCII punctuation character may be backslash-escaped", and
/// an escaped character is always a literal (CommonMark 0.31, section 2.4). Escaping *every*
/// punctuation character would be safe but would litter a pasted policy text with backslashes,
/// so a few are left alone where they can never be markup:
///
/// - never escaped: `,` `;` `?` `!` `"` `'` `%` `/` (they only mean something inside a link,
///   an image, an entity or an HTML tag, and `[`, `&` and `<` are always escaped);
/// - `-` `+` `=` only as the first character (where they could start a list or a rule);
/// - `.` and `:` unless followed by a space or the end, and not after a digit (so `1.` cannot
///   start a list, and neither `www.` nor `https:` can become a link, while a sentence keeps its
///   full stop);
/// - every other ASCII punctuation character, always: `<` (HTML), `[` `]` `(` `)` (links and
///   images; `1)` lists), `#` (headings), `|` (table cells), `` ` `` (code), `*` `_` `~`
///   (emphasis), `&` (entities), `\\`, `>`, `@` (mail links), `$` `{` `}` `^` (extensions).
///
/// Line breaks and tabs become spaces (a line break would end the cell or start a block), and
/// leading and trailing spaces go (four leading spaces would make a code block, two trailing
/// ones a hard break). A text with right-to-left characters is isolated with U+2068 … U+2069.
/// The tests render every hostile text with pulldown-cmark and check that none of them changes
/// the document's structure.
pub(crate) fn markdown(text: &str) -> String {
    let text = plain(text);
    let text: Vec<char> = text
        .trim()
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut out = String::with_capacity(text.len() + 8);
    let rtl = text.iter().any(|c| is_right_to_left(*c));
    if rtl {
        out.push('\u{2068}');
    }
    for (i, &c) in text.iter().enumerate() {
        let next_is_space = text.get(i + 1).is_none_or(|n| n.is_whitespace());
        let after_digit = i > 0 && text[i - 1].is_ascii_digit();
        let escape = match c {
            ',' | ';' | '?' | '!' | '"' | '\'' | '%' | '/' => false,
            '-' | '+' | '=' => i == 0,
            '.' | ':' => after_digit || !next_is_space,
            c => c.is_ascii_punctuation(),
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    if rtl {
        out.push('\u{2069}');
    }
    out
}

/// A cell for a spreadsheet (CSV or xlsx): without harmful and bidirectional controls, and with
/// a `'` in front when it starts with a character that makes a spreadsheet read a formula (`=`,
/// `+`, `-`, `@`, tab or carriage return; OWASP "CSV injection"). Spreadsheets hide the `'` and
/// show the text as typed.
pub(crate) fn spreadsheet(text: &str) -> String {
    let text = plain(text);
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

/// Escape a text for HTML content and attribute values. Every user text in the page goes
/// through here. Harmful control characters are dropped; bidirectional controls stay (the page
/// isolates each user text in `<bdi>`).
pub(crate) fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_harmful_control(c) => {}
            _ => out.push(c),
        }
    }
    out
}

/// A user text as an HTML fragment: escaped and isolated in `<bdi>` (whose direction is
/// `auto`), so that a right-to-left text or an unbalanced override inside it cannot reorder what
/// is around it.
pub(crate) fn html_user(text: &str) -> String {
    format!("<bdi>{}</bdi>", html(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_every_special_character() {
        assert_eq!(
            html("<img src=x onerror=\"alert('1')\">&"),
            "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;"
        );
        assert_eq!(html_user("a\u{202e}b"), "<bdi>a\u{202e}b</bdi>");
        assert_eq!(html("a\u{1b}[31mb\0"), "a[31mb");
    }

    #[test]
    fn markdown_escapes_every_punctuation_character() {
        assert_eq!(markdown("a|b\nc"), "a\\|b c");
        assert_eq!(
            markdown("<script>alert(1)</script>"),
            "\\<script\\>alert\\(1\\)\\</script\\>"
        );
        assert_eq!(
            markdown("![x](http://e.x/p.png)"),
            "!\\[x\\]\\(http\\://e\\.x/p\\.png\\)"
        );
        assert_eq!(markdown("  # kop  "), "\\# kop");
        assert_eq!(markdown("- lijst"), "\\- lijst");
        assert_eq!(markdown("2027. Jaar"), "2027\\. Jaar");
        assert_eq!(markdown("zie www.x.nl"), "zie www\\.x\\.nl");
        assert_eq!(markdown("a@b"), "a\\@b");
        // A sentence stays readable.
        assert_eq!(
            markdown("Eerst hergebruiken, dan kopen: pas daarna bouwen (of niet)!"),
            "Eerst hergebruiken, dan kopen: pas daarna bouwen \\(of niet\\)!"
        );
        assert_eq!(markdown("é ü 👩🏽‍💻"), "é ü 👩🏽‍💻");
    }

    #[test]
    fn bidi_controls_are_dropped_and_right_to_left_text_is_isolated() {
        assert_eq!(markdown("abc\u{202e}def"), "abcdef");
        assert_eq!(markdown("Anna\u{2067}x\u{200f}"), "Annax");
        assert_eq!(markdown("שלום"), "\u{2068}שלום\u{2069}");
        assert_eq!(spreadsheet("abc\u{202e}def\u{61c}"), "abcdef");
    }

    #[test]
    fn formulas_are_neutralised() {
        for (input, cell) in [
            ("=1+1", "'=1+1"),
            ("+31 6", "'+31 6"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("\u{202e}=cmd", "'=cmd"),
            ("a=b", "a=b"),
            ("gewoon", "gewoon"),
        ] {
            assert_eq!(spreadsheet(input), cell, "{input:?}");
        }
    }
}

//! The shape of the code, kept: rules a reviewer would otherwise have to remember (issue 14).
//!
//! - every Rust module says why it exists in a `//!` comment at its top;
//! - only the protocol crate defines serialisable types, except the file formats named here;
//! - no source file grows past 800 lines without a comment at its top that says why
//!   (`Why this file is long:`);
//! - the browser app repeats no protocol limit as a literal (it reads them from the page).
//!
//! Each rule reads the files as text, so a failure names the file and the line to look at.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file below `dir` (relative to the root) whose name ends in `ext`, skipping build output
/// and installed packages.
fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![root().join(dir)];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if path.is_dir() {
                if !matches!(
                    name.as_str(),
                    "target" | "node_modules" | "corpus" | "artifacts"
                ) {
                    todo.push(path);
                }
            } else if name.ends_with(ext) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The Rust sources of the workspace (and the fuzz targets).
fn rust_files() -> Vec<PathBuf> {
    [
        "protocol",
        "core",
        "server",
        "client",
        "tests/src",
        "tests/tests",
        "fuzz",
    ]
    .iter()
    .flat_map(|d| files(d, ".rs"))
    .collect()
}

fn shown(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_rust_module_says_why_it_exists() {
    let missing: Vec<String> = rust_files()
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .map(|p| shown(&p))
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not open with a `//!` module comment:\n{}",
        missing.join("\n")
    );
}

/// Serialisable types outside the protocol crate, and why: file formats, not wire messages, and
/// one deliberate partial read of wire messages.
const FILE_FORMATS: [(&str, &str); 5] = [
    ("core/src/template.rs", "an agenda template is a TOML file"),
    ("server/src/transfer.rs", "the one-session export file"),
    (
        "client/src/load/mod.rs",
        "the load generator's options and its JSON result",
    ),
    (
        "client/src/load/report.rs",
        "the load generator's JSON result",
    ),
    (
        "client/src/load/client.rs",
        "the load generator reads only the fields it needs of a server message, for speed",
    ),
];

#[test]
fn only_the_protocol_defines_serialisable_types() {
    let mut found = Vec::new();
    for path in rust_files() {
        let name = shown(&path);
        if name.starts_with("protocol/") || FILE_FORMATS.iter().any(|(f, _)| *f == name) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.starts_with("#[derive(")
                && (line.contains("Serialize") || line.contains("Deserialize"))
            {
                found.push(format!("{name}:{}", i + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "wire types belong in protocol/ (or add a file format to FILE_FORMATS, with why):\n{}",
        found.join("\n")
    );
}

#[test]
fn no_file_grows_past_800_lines_without_saying_why() {
    let mut long = Vec::new();
    let sources = rust_files()
        .into_iter()
        .chain(files("client/web", ".js"))
        .chain(files("tests/browser", ".js"));
    for path in sources {
        let text = std::fs::read_to_string(&path).unwrap();
        let lines = text.lines().count();
        // In the comment the file opens with (its module documentation).
        let said = text
            .lines()
            .take_while(|l| l.trim_start().starts_with("//") || l.trim().is_empty())
            .any(|l| l.contains("Why this file is long:"));
        if lines > 800 && !said {
            long.push(format!("{} ({lines} lines)", shown(&path)));
        }
    }
    assert!(
        long.is_empty(),
        "split these, or say at their top why they are long (`Why this file is long: …`):\n{}",
        long.join("\n")
    );
}

/// The protocol's limits as the browser app must not write them (it reads them from the page,
/// `<meta name="draagvlak-limits">`).
#[test]
fn the_browser_app_repeats_no_protocol_limit() {
    use draagvlak_protocol::limits::{
        LARGE_GAP, MAX_AGENDA_BYTES, MAX_AGENDA_NAME_BYTES, MAX_AGENDA_PHASES,
        MAX_AGENDA_TEXT_CHARS, MAX_CLUSTER_TITLE_CHARS, MAX_DOT_BUDGET, MAX_NAME_CHARS,
        MAX_REASON_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS,
    };
    let numbers: Vec<String> = [
        MAX_TEXT_CHARS,
        MAX_NAME_CHARS,
        MAX_TITLE_CHARS,
        MAX_REASON_CHARS,
        MAX_CLUSTER_TITLE_CHARS,
        MAX_AGENDA_PHASES,
        MAX_DOT_BUDGET as usize,
        MAX_AGENDA_NAME_BYTES,
        MAX_AGENDA_TEXT_CHARS,
        MAX_AGENDA_BYTES,
    ]
    .iter()
    .map(|n| n.to_string())
    .collect();
    let mut found = Vec::new();
    for path in files("client/web", ".js") {
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            // `maxlength: 200` on a text box, or `max: 20` on a number box.
            let maxlength = ["maxlength:", " max:"].iter().any(|prop| {
                code.split(prop)
                    .skip(1)
                    .any(|rest| rest.trim_start().starts_with(|c: char| c.is_ascii_digit()))
            });
            let limit_const = (code.contains("const MAX_") || code.contains("const LARGE_GAP"))
                && (numbers.iter().any(|n| code.contains(&format!("= {n}")))
                    || code.contains(&format!("= {LARGE_GAP}")));
            if maxlength || limit_const {
                found.push(format!("{}:{}: {}", shown(&path), i + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "read these from the server's limits (assets/limits.js), not as literals:\n{}",
        found.join("\n")
    );
}

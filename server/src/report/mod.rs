//! Reports of a session, for the policy note: the record of what the room saw and decided. Per
//! level the priorities with their dots (overall and per group, ties shown as ties) in every vote
//! round as it was frozen at its reveal, and the rules of thumb with every rating round (the text
//! as rated, support overall and per group, reasons); a one-page list of the adopted rules with
//! the priorities they anchor; the decision log (with the warnings the facilitator confirmed:
//! adopted without ratings, or despite a large gap); who took part per group; and the timeline in
//! the session's local time. Five formats from one [`Report`]: Markdown, CSV (two dialects),
//! JSON, an HTML page that prints well to PDF (charts as inline SVG), an `.xlsx` workbook and a
//! `.docx` document to edit into the policy note.
//!
//! A report shows only what the room has seen: dots of a level appear (also per group) once they
//! were revealed, support and reasons of a rating round once that round was revealed. No name is
//! ever tied to a dot, a rating or a reason: reasons are listed without names, sorted by text, and
//! the names of the people in a group are listed only when the group has at least
//! [`MIN_NAMED_GROUP`] people and no vote or rules phase of the agenda was anonymous (a group of
//! one would show that person's ballot as the group's). A rule adopted while the groups' support
//! differs by [`LARGE_GAP`] or more is marked (with the confirmation on record where the session
//! has one). A follow-up session's report puts then (support in
//! the earlier session) and now (the review) side by side.
//!
//! Every percentage is rounded by [`percent`] (half away from zero, as the browser app's
//! `Intl.NumberFormat` does), and every user text goes through `escape.rs` for its format.
//!
//! The folder is laid out as the report is made: `model.rs` builds the [`Report`] from the
//! session's state (what the room saw and decided, and what it may not see); `words.rs` holds
//! every Dutch and English text the formats print; then one module per format (`markdown.rs`,
//! `csv.rs`, `json.rs`, `html.rs`, `xlsx.rs`, `docx.rs`), each reading only the model and the words, and
//! `escape.rs`, which makes user text safe per format. This file chooses the format and loads a
//! stored session.

mod csv;
mod docx;
mod escape;
mod html;
mod json;
mod markdown;
mod model;
mod words;
mod xlsx;

use jiff::tz::TimeZone;

pub use self::csv::csv;
pub use html::html;
pub use json::json;
pub use markdown::markdown;
pub use model::{
    AdoptedRule, Comparison, DecisionLine, FollowsLine, GroupLine, LARGE_GAP, LevelReport,
    MIN_NAMED_GROUP, Priority, Rank, RatingRound, Report, ReportLogo, RuleLine, TimelineEntry,
    VoteRound, build, build_in,
};
pub use words::{percent, round_half_away};

/// The time zone of reports unless configured otherwise (`--time-zone`).
pub const DEFAULT_TIME_ZONE: &str = "Europe/Amsterdam";

/// A time zone by its IANA name (`Europe/Amsterdam`), from the time-zone database bundled
/// into the binary (so a server without system time-zone data still reports local times).
pub fn time_zone(name: &str) -> Result<TimeZone, jiff::Error> {
    TimeZone::get(name)
}

/// A CSV dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Comma separator, decimal point, English column names, no byte-order mark: the format
    /// reports always had (`csv-en`).
    International,
    /// For a Dutch-language spreadsheet: UTF-8 with a byte-order mark, `;` separator, decimal
    /// comma, Dutch column names and values (`csv-nl`).
    Dutch,
}

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    /// CSV in a dialect; `None`: the dialect of the session's language (Dutch for `nl`).
    Csv(Option<Dialect>),
    Json,
    Html,
    Xlsx,
    /// A Word document to edit into the policy note.
    Docx,
}

/// The names [`Format::parse`] accepts, for error messages.
pub const FORMATS: &str = "md, csv, csv-en, csv-nl, json, html, xlsx, docx";

impl Format {
    /// `md`, `csv` (the dialect of the session's language), `csv-en`, `csv-nl`, `json`, `html`,
    /// `xlsx` or `docx`.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "md" | "markdown" => Some(Format::Markdown),
            "csv" => Some(Format::Csv(None)),
            "csv-en" => Some(Format::Csv(Some(Dialect::International))),
            "csv-nl" => Some(Format::Csv(Some(Dialect::Dutch))),
            "json" => Some(Format::Json),
            "html" => Some(Format::Html),
            "xlsx" => Some(Format::Xlsx),
            "docx" => Some(Format::Docx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Csv(_) => "csv",
            Format::Json => "json",
            Format::Html => "html",
            Format::Xlsx => "xlsx",
            Format::Docx => "docx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Csv(_) => "text/csv; charset=utf-8",
            Format::Json => "application/json",
            Format::Html => "text/html; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("csv: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("docx: {0}")]
    Docx(#[from] docx_rs::DocxError),
    #[error("png: {0}")]
    Png(#[from] png::EncodingError),
}

/// A report in one format, as the bytes of the file.
pub fn render(report: &Report, format: Format) -> Result<Vec<u8>, RenderError> {
    Ok(match format {
        Format::Markdown => markdown(report).into_bytes(),
        Format::Csv(dialect) => {
            csv(report, dialect.unwrap_or(Dialect::of(&report.language)))?.into_bytes()
        }
        Format::Json => json(report)?.into_bytes(),
        Format::Html => html(report).into_bytes(),
        Format::Xlsx => xlsx::workbook(report)?,
        Format::Docx => docx::document(report)?,
    })
}

/// Why a stored session could not be reported on.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("no session has the join code {0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Doc(#[from] crate::session::workshop::DocError),
    #[error("the stored session is damaged: it does not load to the heads stored with it")]
    Damaged,
}

/// The durable state of a session, read from the store (no running session needed).
pub async fn load(
    store: &crate::store::Store,
    code: &str,
) -> Result<(crate::store::SessionRow, crate::session::workshop::Workshop), ReportError> {
    let code = crate::credentials::normalise_code(code);
    let row = store
        .session_by_code(&code)
        .await?
        .ok_or_else(|| ReportError::NotFound(code.clone()))?;
    let (_, workshop) = crate::store::load_durable(store, &row.id)
        .await
        .map_err(|e| match e {
            crate::store::LoadError::Store(e) => ReportError::Store(e),
            crate::store::LoadError::Doc(e) => ReportError::Doc(e),
            crate::store::LoadError::Damaged(_) => ReportError::Damaged,
        })?;
    Ok((row, workshop))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14, item 6, for this folder: every module opens with a `//!` that says why it
    /// exists, and none grows past 800 lines (split it by concern instead).
    #[test]
    fn every_report_module_says_why_it_exists_and_stays_short() {
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("the report folder") {
                let path = entry.expect("a directory entry").path();
                if path.is_dir() {
                    files(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut found = Vec::new();
        files(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report"),
            &mut found,
        );
        assert!(found.len() >= 9, "{found:?}");
        for path in found {
            let text = std::fs::read_to_string(&path).expect("a source file");
            assert!(
                text.starts_with("//! "),
                "{} lacks its //! doc",
                path.display()
            );
            let lines = text.lines().count();
            assert!(lines <= 800, "{} has {lines} lines", path.display());
        }
    }

    #[test]
    fn percentages_round_half_away_from_zero() {
        // `format!("{:.0}")` rounds half to even: 12.5 became 12, 0.5 became 0, 2.5 became 2.
        for (share, shown) in [
            (0.125, 13),
            (0.005, 1),
            (0.025, 3),
            (0.035, 4),
            (0.145, 15),
            (0.5, 50),
            (2.0 / 3.0, 67),
            (1.0 / 3.0, 33),
            (0.875, 88),
            (1.0, 100),
            (0.0, 0),
            (-0.125, -13),
        ] {
            assert_eq!(percent(share), shown, "{share}");
        }
        assert_eq!(words::pct(Some(0.125)), "13%");
        assert_eq!(words::pct(None), "–");
        assert_eq!(round_half_away(0.0125, 3), 0.013);
        assert_eq!(round_half_away(-2.5, 0), -3.0);
        assert_eq!(Dialect::Dutch.share(Some(0.6665)), "0,667");
        assert_eq!(Dialect::International.share(Some(0.0005)), "0.001");
    }

    #[test]
    fn formats_parse_with_their_csv_dialects() {
        assert_eq!(Format::parse("csv"), Some(Format::Csv(None)));
        assert_eq!(
            Format::parse("csv-en"),
            Some(Format::Csv(Some(Dialect::International)))
        );
        assert_eq!(
            Format::parse("csv-nl"),
            Some(Format::Csv(Some(Dialect::Dutch)))
        );
        assert_eq!(Format::parse("xlsx").map(Format::extension), Some("xlsx"));
        assert_eq!(Format::parse("docx").map(Format::extension), Some("docx"));
        assert_eq!(Format::parse("pdf"), None);
        assert_eq!(Dialect::of("nl"), Dialect::Dutch);
        assert_eq!(Dialect::of("en"), Dialect::International);
    }
}

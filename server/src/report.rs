//! Reports of a session, for the policy note: per level the priorities with their dots and the
//! rules of thumb with their support overall and per group, the participants per group, and the
//! timeline of phases. Four formats from one [`Report`]: Markdown, CSV, JSON and an HTML page
//! that prints well to PDF (charts as inline SVG).
//!
//! A report shows only what the room has seen: dots and ratings of a level appear once they
//! were revealed in the session, and no participant is named (only counts per group).

use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

use draagvlak_protocol::view::{Level, SupportView};
use serde::Serialize;

use crate::session::projection::{self, Audience, Presence};
use crate::session::workshop::State;

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Csv,
    Json,
    Html,
}

impl Format {
    /// `md`, `csv`, `json` or `html`.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "md" | "markdown" => Some(Format::Markdown),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "html" => Some(Format::Html),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Html => "html",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

/// Everything a report shows.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub title: String,
    pub organisation: String,
    pub language: String,
    pub code: String,
    pub groups: Vec<GroupLine>,
    pub levels: Vec<LevelReport>,
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupLine {
    pub group: String,
    pub participants: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct LevelReport {
    pub level: Level,
    pub name: String,
    pub dots_revealed: bool,
    /// Ranked by dots when revealed; in order of creation otherwise.
    pub priorities: Vec<Priority>,
    pub ratings_revealed: bool,
    pub rules: Vec<RuleLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Priority {
    pub text: String,
    pub dots: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleLine {
    pub text: String,
    pub raters: u32,
    pub support: Option<SupportView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    /// UTC, RFC 3339.
    pub at: String,
    pub phase: usize,
    pub title: String,
}

fn level_name(level: Level, en: bool) -> &'static str {
    match (level, en) {
        (Level::Richten, false) => "Richten",
        (Level::Inrichten, false) => "Inrichten",
        (Level::Verrichten, false) => "Verrichten",
        (Level::Richten, true) => "Direction (richten)",
        (Level::Inrichten, true) => "Design (inrichten)",
        (Level::Verrichten, true) => "Delivery (verrichten)",
    }
}

/// Build the report of a session from its state.
pub fn build(state: &State) -> Report {
    let en = state.meta.language == "en";
    let view = projection::view(state, &Presence::new(), Audience::Facilitator);
    let levels = Level::ALL
        .into_iter()
        .map(|level| {
            let dots_revealed = state.revealed_dots.contains(&level);
            let mut statements: Vec<_> = view
                .statements
                .values()
                .filter(|s| s.level == level && !s.hidden)
                .collect();
            statements.sort_by_key(|s| (std::cmp::Reverse(s.dots.unwrap_or(0)), s.seq));
            let mut rules: Vec<_> = view.rules.values().filter(|r| r.level == level).collect();
            rules.sort_by_key(|r| r.seq);
            LevelReport {
                level,
                name: level_name(level, en).to_string(),
                dots_revealed,
                priorities: statements
                    .into_iter()
                    .map(|s| Priority {
                        text: s.text.clone(),
                        dots: s.dots,
                    })
                    .collect(),
                ratings_revealed: state.revealed_ratings.contains(&level),
                rules: rules
                    .into_iter()
                    .map(|r| RuleLine {
                        text: r.text.clone(),
                        raters: r.raters,
                        support: r.support.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    Report {
        title: state.meta.title.clone(),
        organisation: state.meta.organisation.clone(),
        language: state.meta.language.clone(),
        code: state.meta.code.clone(),
        groups: view
            .groups
            .iter()
            .map(|(g, c)| GroupLine {
                group: g.clone(),
                participants: c.joined,
            })
            .collect(),
        levels,
        timeline: state
            .phase_log
            .iter()
            .map(|e| TimelineEntry {
                at: humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_millis(e.at_ms))
                    .to_string(),
                phase: e.phase,
                title: state
                    .phases
                    .get(e.phase)
                    .map(|p| {
                        if en {
                            p.title.en.clone()
                        } else {
                            p.title.nl.clone()
                        }
                    })
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

/// Texts of the report in its session's language.
struct Words {
    participants: &'static str,
    group: &'static str,
    count: &'static str,
    priorities: &'static str,
    statement: &'static str,
    dots: &'static str,
    not_revealed: &'static str,
    rules: &'static str,
    rule: &'static str,
    raters: &'static str,
    support: &'static str,
    gap: &'static str,
    timeline: &'static str,
    time: &'static str,
    phase: &'static str,
    code: &'static str,
    none: &'static str,
}

const NL: Words = Words {
    participants: "Deelnemers",
    group: "groep",
    count: "aantal",
    priorities: "Prioriteiten",
    statement: "uitspraak",
    dots: "stippen",
    not_revealed: "niet getoond",
    rules: "Vuistregels",
    rule: "vuistregel",
    raters: "beoordeeld door",
    support: "draagvlak",
    gap: "verschil",
    timeline: "Tijdlijn",
    time: "tijd (UTC)",
    phase: "fase",
    code: "Code",
    none: "geen",
};

const EN: Words = Words {
    participants: "Participants",
    group: "group",
    count: "number",
    priorities: "Priorities",
    statement: "statement",
    dots: "dots",
    not_revealed: "not revealed",
    rules: "Rules of thumb",
    rule: "rule of thumb",
    raters: "rated by",
    support: "support",
    gap: "gap",
    timeline: "Timeline",
    time: "time (UTC)",
    phase: "phase",
    code: "Code",
    none: "none",
};

fn words(report: &Report) -> &'static Words {
    if report.language == "en" { &EN } else { &NL }
}

fn percent(share: Option<f64>) -> String {
    match share {
        Some(s) => format!("{:.0}%", s * 100.0),
        None => "–".into(),
    }
}

fn group_names(report: &Report) -> Vec<String> {
    report.groups.iter().map(|g| g.group.clone()).collect()
}

/// A text in a Markdown table cell: no line breaks, pipes escaped.
fn md_cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// Markdown, for pasting into a policy note.
pub fn markdown(report: &Report) -> String {
    let w = words(report);
    let groups = group_names(report);
    let mut out = String::new();
    let _ = writeln!(out, "# {}", md_cell(&report.title));
    if !report.organisation.is_empty() {
        let _ = writeln!(out, "\n{}", md_cell(&report.organisation));
    }
    let _ = writeln!(out, "\n{}: {}\n", w.code, report.code);
    let _ = writeln!(
        out,
        "## {}\n\n| {} | {} |\n|---|---:|",
        w.participants, w.group, w.count
    );
    for g in &report.groups {
        let _ = writeln!(out, "| {} | {} |", md_cell(&g.group), g.participants);
    }
    for level in &report.levels {
        let _ = writeln!(out, "\n## {}\n\n### {}\n", level.name, w.priorities);
        if level.priorities.is_empty() {
            let _ = writeln!(out, "_{}_", w.none);
        } else {
            let _ = writeln!(out, "| # | {} | {} |\n|---:|---|---:|", w.statement, w.dots);
            for (i, p) in level.priorities.iter().enumerate() {
                let dots = p
                    .dots
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| w.not_revealed.to_string());
                let _ = writeln!(out, "| {} | {} | {} |", i + 1, md_cell(&p.text), dots);
            }
        }
        let _ = writeln!(out, "\n### {}\n", w.rules);
        if level.rules.is_empty() {
            let _ = writeln!(out, "_{}_", w.none);
            continue;
        }
        let mut header = format!("| {} | {} | {} |", w.rule, w.raters, w.support);
        let mut line = "|---|---:|---:|".to_string();
        for g in &groups {
            let _ = write!(header, " {} |", md_cell(g));
            line.push_str("---:|");
        }
        let _ = write!(header, " {} |", w.gap);
        line.push_str("---:|");
        let _ = writeln!(out, "{header}\n{line}");
        for r in &level.rules {
            let mut row = format!("| {} | {} |", md_cell(&r.text), r.raters);
            match &r.support {
                Some(s) => {
                    let _ = write!(row, " {} |", percent(s.overall));
                    for g in &groups {
                        let _ = write!(row, " {} |", percent(s.by_group.get(g).copied().flatten()));
                    }
                    let _ = write!(row, " {} |", percent(s.gap));
                }
                None => {
                    for _ in 0..groups.len() + 2 {
                        let _ = write!(row, " {} |", w.not_revealed);
                    }
                }
            }
            let _ = writeln!(out, "{row}");
        }
    }
    let _ = writeln!(
        out,
        "\n## {}\n\n| {} | {} |\n|---|---|",
        w.timeline, w.time, w.phase
    );
    for t in &report.timeline {
        let _ = writeln!(out, "| {} | {}. {} |", t.at, t.phase + 1, md_cell(&t.title));
    }
    out
}

/// CSV: one row per priority and per rule, for a spreadsheet.
pub fn csv(report: &Report) -> Result<String, csv::Error> {
    let groups = group_names(report);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "kind".to_string(),
        "level".into(),
        "rank".into(),
        "text".into(),
        "dots".into(),
        "raters".into(),
        "support".into(),
    ];
    header.extend(groups.iter().map(|g| format!("support_{g}")));
    header.push("gap".into());
    w.write_record(&header)?;
    let share = |s: Option<f64>| s.map(|v| format!("{v:.3}")).unwrap_or_default();
    for level in &report.levels {
        for (i, p) in level.priorities.iter().enumerate() {
            let mut row = vec![
                "priority".to_string(),
                level.level.as_str().to_string(),
                (i + 1).to_string(),
                p.text.clone(),
                p.dots.map(|d| d.to_string()).unwrap_or_default(),
                String::new(),
                String::new(),
            ];
            row.extend(groups.iter().map(|_| String::new()));
            row.push(String::new());
            w.write_record(&row)?;
        }
        for (i, r) in level.rules.iter().enumerate() {
            let s = r.support.as_ref();
            let mut row = vec![
                "rule".to_string(),
                level.level.as_str().to_string(),
                (i + 1).to_string(),
                r.text.clone(),
                String::new(),
                r.raters.to_string(),
                share(s.and_then(|s| s.overall)),
            ];
            row.extend(
                groups
                    .iter()
                    .map(|g| share(s.and_then(|s| s.by_group.get(g).copied().flatten()))),
            );
            row.push(share(s.and_then(|s| s.gap)));
            w.write_record(&row)?;
        }
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// JSON: the whole report.
pub fn json(report: &Report) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(report)
}

/// Escape a text for HTML. Every user text in the page goes through here.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A horizontal bar as inline SVG.
fn bar(share: Option<f64>, colour: &str) -> String {
    let width = (share.unwrap_or(0.0).clamp(0.0, 1.0) * 200.0).round();
    format!(
        "<svg class=\"bar\" width=\"200\" height=\"14\" viewBox=\"0 0 200 14\" role=\"img\" aria-label=\"{}\"><rect width=\"200\" height=\"14\" fill=\"#e5e9f0\"/><rect width=\"{width}\" height=\"14\" fill=\"{colour}\"/></svg>",
        percent(share)
    )
}

/// HTML: a page that prints well to PDF from the browser, with the charts as inline SVG.
pub fn html(report: &Report) -> String {
    let w = words(report);
    let groups = group_names(report);
    let colours = ["#1f6fb8", "#b85a00", "#3b7d3b", "#7a3b9c"];
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title><style>\
body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}}\
h1{{margin-bottom:.2rem}}table{{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}}\
th,td{{border-bottom:1px solid #ccd;padding:.35rem .5rem;text-align:left;vertical-align:top}}\
td.n{{text-align:right}}svg.bar{{vertical-align:middle;margin-right:.4rem}}\
section{{break-inside:avoid}}@media print{{body{{margin:0}}}}</style></head><body>",
        esc(&report.language),
        esc(&report.title)
    );
    let _ = write!(out, "<h1>{}</h1>", esc(&report.title));
    if !report.organisation.is_empty() {
        let _ = write!(out, "<p>{}</p>", esc(&report.organisation));
    }
    let _ = write!(out, "<p>{}: {}</p>", w.code, esc(&report.code));
    let _ = write!(
        out,
        "<section><h2>{}</h2><table><tr><th>{}</th><th>{}</th></tr>",
        w.participants, w.group, w.count
    );
    for g in &report.groups {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(&g.group),
            g.participants
        );
    }
    out.push_str("</table></section>");
    for level in &report.levels {
        let _ = write!(
            out,
            "<section><h2>{}</h2><h3>{}</h3>",
            esc(&level.name),
            w.priorities
        );
        let max = level
            .priorities
            .iter()
            .filter_map(|p| p.dots)
            .max()
            .unwrap_or(0)
            .max(1);
        if level.priorities.is_empty() {
            let _ = write!(out, "<p><em>{}</em></p>", w.none);
        } else {
            let _ = write!(
                out,
                "<table><tr><th>#</th><th>{}</th><th>{}</th></tr>",
                w.statement, w.dots
            );
            for (i, p) in level.priorities.iter().enumerate() {
                let dots = match p.dots {
                    Some(d) => format!(
                        "{}{d}",
                        bar(Some(f64::from(d) / f64::from(max)), colours[0])
                    ),
                    None => w.not_revealed.to_string(),
                };
                let _ = write!(
                    out,
                    "<tr><td class=\"n\">{}</td><td>{}</td><td>{dots}</td></tr>",
                    i + 1,
                    esc(&p.text)
                );
            }
            out.push_str("</table>");
        }
        let _ = write!(out, "<h3>{}</h3>", w.rules);
        if level.rules.is_empty() {
            let _ = write!(out, "<p><em>{}</em></p>", w.none);
        }
        for r in &level.rules {
            let _ = write!(
                out,
                "<table><tr><th colspan=\"2\">{} ({} {})</th></tr>",
                esc(&r.text),
                w.raters,
                r.raters
            );
            match &r.support {
                Some(s) => {
                    let _ = write!(
                        out,
                        "<tr><td>{}</td><td>{}{}</td></tr>",
                        w.support,
                        bar(s.overall, "#333"),
                        percent(s.overall)
                    );
                    for (i, g) in groups.iter().enumerate() {
                        let share = s.by_group.get(g).copied().flatten();
                        let _ = write!(
                            out,
                            "<tr><td>{}</td><td>{}{}</td></tr>",
                            esc(g),
                            bar(share, colours[i % colours.len()]),
                            percent(share)
                        );
                    }
                    let _ = write!(
                        out,
                        "<tr><td>{}</td><td>{}</td></tr>",
                        w.gap,
                        percent(s.gap)
                    );
                }
                None => {
                    let _ = write!(
                        out,
                        "<tr><td>{}</td><td>{}</td></tr>",
                        w.support, w.not_revealed
                    );
                }
            }
            out.push_str("</table>");
        }
        out.push_str("</section>");
    }
    let _ = write!(
        out,
        "<section><h2>{}</h2><table><tr><th>{}</th><th>{}</th></tr>",
        w.timeline, w.time, w.phase
    );
    for t in &report.timeline {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}. {}</td></tr>",
            esc(&t.at),
            t.phase + 1,
            esc(&t.title)
        );
    }
    out.push_str("</table></section></body></html>\n");
    out
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
) -> Result<(crate::store::SessionRow, State), ReportError> {
    let code = crate::credentials::normalise_code(code);
    let row = store
        .session_by_code(&code)
        .await?
        .ok_or_else(|| ReportError::NotFound(code.clone()))?;
    let stored = store.load_session(&row.id).await?;
    let ws = crate::session::workshop::Workshop::load(
        &row.id,
        &stored.snapshot.data,
        stored.changes.iter().map(|c| c.data.as_slice()),
    )?;
    let last = stored.changes.last().unwrap_or(&stored.snapshot);
    if !crate::session::actor::heads_match(&ws, &last.heads) {
        return Err(ReportError::Damaged);
    }
    Ok((row, ws.state().clone()))
}

/// A report in one format.
pub fn render(report: &Report, format: Format) -> Result<String, String> {
    match format {
        Format::Markdown => Ok(markdown(report)),
        Format::Csv => csv(report).map_err(|e| e.to_string()),
        Format::Json => json(report).map_err(|e| e.to_string()),
        Format::Html => Ok(html(report)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_every_user_text() {
        assert_eq!(
            esc("<img src=x onerror=\"alert('1')\">&"),
            "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;"
        );
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(md_cell("a|b\nc"), "a\\|b c");
    }
}

//! Reports of a session, for the policy note: per level the priorities with their dots and the
//! rules of thumb with their support overall and per group, the participants per group, and the
//! timeline of phases. Four formats from one [`Report`]: Markdown, CSV, JSON and an HTML page
//! that prints well to PDF (charts as inline SVG).
//!
//! A report shows only what the room has seen: dots and ratings of a level appear once they
//! were revealed in the session, and no participant is named (only counts per group; reasons
//! for low ratings without names). Clusters are listed as one priority with their statements;
//! each rule has its status, its rating rounds and the priorities it anchors, and a rule adopted
//! while the groups' support differs by [`LARGE_GAP`] or more is marked. A follow-up session's
//! report puts then (support in the earlier session) and now (the review) side by side.

use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

use draagvlak_protocol::intent::RuleStatus;
use draagvlak_protocol::view::{Level, ReviewView, SupportView};
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
    /// Overall support is the mean of the groups' support (each group weighs equally).
    pub equal_group_weight: bool,
    /// For a follow-up: the earlier session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follows: Option<FollowsLine>,
    /// For a follow-up: each carried rule, then and now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub comparison: Vec<Comparison>,
}

/// A difference in support between groups from which an adopted rule is marked.
pub const LARGE_GAP: f64 = 0.3;

#[derive(Debug, Clone, Serialize)]
pub struct FollowsLine {
    pub code: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub level: Level,
    pub text: String,
    /// Support in the earlier session.
    pub then: Option<SupportView>,
    pub reviewers: u32,
    /// The review in this session, once revealed.
    pub now: Option<ReviewView>,
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
    /// The statement, or the cluster's title.
    pub text: String,
    pub dots: Option<u32>,
    /// For a cluster: the statements merged into it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cluster_of: Vec<String>,
    /// In a follow-up: the dots it had in the earlier session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dots_then: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleLine {
    pub text: String,
    pub status: RuleStatus,
    pub round: u32,
    pub raters: u32,
    pub support: Option<SupportView>,
    /// Support in earlier (revealed) rounds, round 1 first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub earlier_rounds: Vec<SupportView>,
    /// Reasons given with ratings of 1 or 2, without names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// The priorities it anchors (their texts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub anchors: Vec<String>,
    /// Adopted although the groups' support differs by [`LARGE_GAP`] or more.
    pub adopted_with_large_gap: bool,
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
            // Priorities: clusters, and the statements left alone.
            let mut priorities: Vec<(u32, u64, Priority)> = view
                .statements
                .values()
                .filter(|s| s.level == level && !s.hidden && s.cluster.is_none())
                .map(|s| {
                    (
                        s.dots.unwrap_or(0),
                        s.seq,
                        Priority {
                            text: s.text.clone(),
                            dots: s.dots,
                            cluster_of: Vec::new(),
                            dots_then: s.dots_then,
                        },
                    )
                })
                .collect();
            for c in view.clusters.values().filter(|c| c.level == level) {
                let members = c
                    .statements
                    .iter()
                    .filter_map(|sid| view.statements.get(sid))
                    .filter(|s| !s.hidden)
                    .map(|s| s.text.clone())
                    .collect();
                priorities.push((
                    c.dots.unwrap_or(0),
                    c.seq,
                    Priority {
                        text: c.title.clone(),
                        dots: c.dots,
                        cluster_of: members,
                        dots_then: None,
                    },
                ));
            }
            priorities.sort_by_key(|(dots, seq, _)| (std::cmp::Reverse(*dots), *seq));
            let mut rules: Vec<_> = view.rules.values().filter(|r| r.level == level).collect();
            rules.sort_by_key(|r| r.seq);
            let item_text = |id: &String| {
                view.clusters
                    .get(id)
                    .map(|c| c.title.clone())
                    .or_else(|| view.statements.get(id).map(|s| s.text.clone()))
            };
            LevelReport {
                level,
                name: level_name(level, en).to_string(),
                dots_revealed,
                priorities: priorities.into_iter().map(|(_, _, p)| p).collect(),
                ratings_revealed: state.revealed_ratings.contains(&level),
                rules: rules
                    .into_iter()
                    .map(|r| RuleLine {
                        text: r.text.clone(),
                        status: r.status,
                        round: r.round,
                        raters: r.raters,
                        support: r.support.clone(),
                        earlier_rounds: r.earlier_rounds.clone(),
                        reasons: r.reasons.clone(),
                        anchors: r.anchors.iter().filter_map(item_text).collect(),
                        adopted_with_large_gap: r.status == RuleStatus::Adopted
                            && r.support
                                .as_ref()
                                .and_then(|s| s.gap)
                                .is_some_and(|g| g >= LARGE_GAP),
                    })
                    .collect(),
            }
        })
        .collect();
    let mut carried: Vec<_> = view
        .rules
        .values()
        .filter(|r| r.reviewers.is_some())
        .collect();
    carried.sort_by_key(|r| (r.level, r.seq));
    let comparison = carried
        .into_iter()
        .map(|r| Comparison {
            level: r.level,
            text: r.text.clone(),
            then: r.support_then.clone(),
            reviewers: r.reviewers.unwrap_or(0),
            now: r.review.clone(),
        })
        .collect();
    Report {
        equal_group_weight: state.equal_group_weight,
        follows: view.follows.as_ref().map(|f| FollowsLine {
            code: f.code.clone(),
            title: f.title.clone(),
        }),
        comparison,
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
    status: &'static str,
    statuses: [&'static str; 4],
    round: &'static str,
    reasons: &'static str,
    anchors: &'static str,
    large_gap: &'static str,
    equal_weight: &'static str,
    cluster_of: &'static str,
    follows: &'static str,
    comparison: &'static str,
    then: &'static str,
    applied: &'static str,
    still_right: &'static str,
    answers: &'static str,
    dots_then: &'static str,
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
    status: "status",
    statuses: ["voorgesteld", "aangenomen", "herzien", "vervallen"],
    round: "ronde",
    reasons: "Redenen bij lage scores",
    anchors: "verankert",
    large_gap: "aangenomen terwijl de groepen sterk verschillen",
    equal_weight: "Elke groep weegt even zwaar in het totale draagvlak.",
    cluster_of: "samengevoegd uit",
    follows: "Vervolg op",
    comparison: "Toen en nu",
    then: "draagvlak toen",
    applied: "toegepast",
    still_right: "klopt nog",
    answers: "ja / deels / nee",
    dots_then: "stippen toen",
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
    status: "status",
    statuses: ["proposed", "adopted", "revise", "dropped"],
    round: "round",
    reasons: "Reasons given with low ratings",
    anchors: "anchors",
    large_gap: "adopted although the groups differ strongly",
    equal_weight: "Each group weighs equally in overall support.",
    cluster_of: "merged from",
    follows: "Follow-up of",
    comparison: "Then and now",
    then: "support then",
    applied: "applied",
    still_right: "still right",
    answers: "yes / partly / no",
    dots_then: "dots then",
};

fn status_word(w: &Words, status: RuleStatus) -> &'static str {
    match status {
        RuleStatus::Proposed => w.statuses[0],
        RuleStatus::Adopted => w.statuses[1],
        RuleStatus::Revise => w.statuses[2],
        RuleStatus::Dropped => w.statuses[3],
    }
}

fn counts(c: &draagvlak_protocol::view::AnswerCounts) -> String {
    format!("{} / {} / {}", c.yes, c.partly, c.no)
}

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
    if let Some(f) = &report.follows {
        let _ = writeln!(out, "{}: {} ({})\n", w.follows, md_cell(&f.title), f.code);
    }
    let _ = writeln!(
        out,
        "## {}\n\n| {} | {} |\n|---|---:|",
        w.participants, w.group, w.count
    );
    for g in &report.groups {
        let _ = writeln!(out, "| {} | {} |", md_cell(&g.group), g.participants);
    }
    if report.equal_group_weight {
        let _ = writeln!(out, "\n{}", w.equal_weight);
    }
    for level in &report.levels {
        let _ = writeln!(out, "\n## {}\n\n### {}\n", level.name, w.priorities);
        if level.priorities.is_empty() {
            let _ = writeln!(out, "_{}_", w.none);
        } else {
            let then = level.priorities.iter().any(|p| p.dots_then.is_some());
            if then {
                let _ = writeln!(
                    out,
                    "| # | {} | {} | {} |\n|---:|---|---:|---:|",
                    w.statement, w.dots, w.dots_then
                );
            } else {
                let _ = writeln!(out, "| # | {} | {} |\n|---:|---|---:|", w.statement, w.dots);
            }
            for (i, p) in level.priorities.iter().enumerate() {
                let dots = p
                    .dots
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| w.not_revealed.to_string());
                let mut text = md_cell(&p.text);
                if !p.cluster_of.is_empty() {
                    let members: Vec<String> = p.cluster_of.iter().map(|m| md_cell(m)).collect();
                    let _ = write!(text, " ({}: {})", w.cluster_of, members.join("; "));
                }
                if then {
                    let then = p.dots_then.map(|d| d.to_string()).unwrap_or_default();
                    let _ = writeln!(out, "| {} | {text} | {dots} | {then} |", i + 1);
                } else {
                    let _ = writeln!(out, "| {} | {text} | {dots} |", i + 1);
                }
            }
        }
        let _ = writeln!(out, "\n### {}\n", w.rules);
        if level.rules.is_empty() {
            let _ = writeln!(out, "_{}_", w.none);
            continue;
        }
        let mut header = format!(
            "| {} | {} | {} | {} | {} |",
            w.rule, w.status, w.round, w.raters, w.support
        );
        let mut line = "|---|---|---:|---:|---:|".to_string();
        for g in &groups {
            let _ = write!(header, " {} |", md_cell(g));
            line.push_str("---:|");
        }
        let _ = write!(header, " {} |", w.gap);
        line.push_str("---:|");
        let _ = writeln!(out, "{header}\n{line}");
        for r in &level.rules {
            let mut status = status_word(w, r.status).to_string();
            if r.adopted_with_large_gap {
                let _ = write!(status, " ⚠ {}", w.large_gap);
            }
            let mut row = format!(
                "| {} | {status} | {} | {} |",
                md_cell(&r.text),
                r.round,
                r.raters
            );
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
        let mut note_lines = Vec::new();
        for r in &level.rules {
            let mut notes = Vec::new();
            for (i, s) in r.earlier_rounds.iter().enumerate() {
                notes.push(format!("{} {}: {}", w.round, i + 1, percent(s.overall)));
            }
            if !r.anchors.is_empty() {
                let anchors: Vec<String> = r.anchors.iter().map(|a| md_cell(a)).collect();
                notes.push(format!("{}: {}", w.anchors, anchors.join("; ")));
            }
            if !notes.is_empty() {
                note_lines.push(format!("- {}: {}", md_cell(&r.text), notes.join(" · ")));
            }
        }
        if !note_lines.is_empty() {
            let _ = writeln!(out, "\n{}", note_lines.join("\n"));
        }
        if level.rules.iter().any(|r| !r.reasons.is_empty()) {
            let _ = writeln!(out, "\n#### {}", w.reasons);
            for r in level.rules.iter().filter(|r| !r.reasons.is_empty()) {
                let _ = writeln!(out, "\n{}:\n", md_cell(&r.text));
                for reason in &r.reasons {
                    let _ = writeln!(out, "- {}", md_cell(reason));
                }
            }
        }
    }
    if !report.comparison.is_empty() {
        let _ = writeln!(out, "\n## {}\n", w.comparison);
        let mut header = format!("| {} | {} |", w.rule, w.then);
        let mut line = "|---|---:|".to_string();
        for g in &groups {
            let _ = write!(header, " {} {} |", w.then, md_cell(g));
            line.push_str("---:|");
        }
        let _ = write!(header, " {} ({}) |", w.applied, w.answers);
        line.push_str("---:|");
        for g in &groups {
            let _ = write!(header, " {} {} |", w.applied, md_cell(g));
            line.push_str("---:|");
        }
        let _ = write!(header, " {} ({}) |", w.still_right, w.answers);
        line.push_str("---:|");
        for g in &groups {
            let _ = write!(header, " {} {} |", w.still_right, md_cell(g));
            line.push_str("---:|");
        }
        let _ = writeln!(out, "{header}\n{line}");
        for c in &report.comparison {
            let then = c.then.as_ref();
            let mut row = format!(
                "| {} | {} |",
                md_cell(&c.text),
                percent(then.and_then(|s| s.overall))
            );
            for g in &groups {
                let share = then.and_then(|s| s.by_group.get(g).copied().flatten());
                let _ = write!(row, " {} |", percent(share));
            }
            match &c.now {
                Some(now) => {
                    let _ = write!(row, " {} |", counts(&now.applied));
                    for g in &groups {
                        let cell = now.applied_by_group.get(g).map(counts).unwrap_or_default();
                        let _ = write!(row, " {cell} |");
                    }
                    let _ = write!(row, " {} |", counts(&now.still_right));
                    for g in &groups {
                        let cell = now
                            .still_right_by_group
                            .get(g)
                            .map(counts)
                            .unwrap_or_default();
                        let _ = write!(row, " {cell} |");
                    }
                }
                None => {
                    for _ in 0..2 * (groups.len() + 1) {
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
        "status".into(),
        "round".into(),
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
                r.status.as_str().to_string(),
                r.round.to_string(),
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
    if let Some(f) = &report.follows {
        let _ = write!(
            out,
            "<p>{}: {} ({})</p>",
            w.follows,
            esc(&f.title),
            esc(&f.code)
        );
    }
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
    out.push_str("</table>");
    if report.equal_group_weight {
        let _ = write!(out, "<p>{}</p>", w.equal_weight);
    }
    out.push_str("</section>");
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
                let mut text = esc(&p.text);
                if !p.cluster_of.is_empty() {
                    let members: Vec<String> = p.cluster_of.iter().map(|m| esc(m)).collect();
                    let _ = write!(
                        text,
                        "<br><small>{}: {}</small>",
                        w.cluster_of,
                        members.join("; ")
                    );
                }
                if let Some(then) = p.dots_then {
                    let _ = write!(text, "<br><small>{}: {then}</small>", w.dots_then);
                }
                let _ = write!(
                    out,
                    "<tr><td class=\"n\">{}</td><td>{text}</td><td>{dots}</td></tr>",
                    i + 1
                );
            }
            out.push_str("</table>");
        }
        let _ = write!(out, "<h3>{}</h3>", w.rules);
        if level.rules.is_empty() {
            let _ = write!(out, "<p><em>{}</em></p>", w.none);
        }
        for r in &level.rules {
            let mark = if r.adopted_with_large_gap {
                format!(" <strong>⚠ {}</strong>", w.large_gap)
            } else {
                String::new()
            };
            let _ = write!(
                out,
                "<table><tr><th colspan=\"2\">{} ({}: {}; {} {}; {} {}){mark}</th></tr>",
                esc(&r.text),
                w.status,
                status_word(w, r.status),
                w.round,
                r.round,
                w.raters,
                r.raters
            );
            for (i, e) in r.earlier_rounds.iter().enumerate() {
                let _ = write!(
                    out,
                    "<tr><td>{} {}</td><td>{}{}</td></tr>",
                    w.round,
                    i + 1,
                    bar(e.overall, "#999"),
                    percent(e.overall)
                );
            }
            if !r.anchors.is_empty() {
                let anchors: Vec<String> = r.anchors.iter().map(|a| esc(a)).collect();
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td></tr>",
                    w.anchors,
                    anchors.join("; ")
                );
            }
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
            if !r.reasons.is_empty() {
                let reasons: Vec<String> = r
                    .reasons
                    .iter()
                    .map(|x| format!("<li>{}</li>", esc(x)))
                    .collect();
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td><ul>{}</ul></td></tr>",
                    w.reasons,
                    reasons.concat()
                );
            }
            out.push_str("</table>");
        }
        out.push_str("</section>");
    }
    if !report.comparison.is_empty() {
        let _ = write!(out, "<section><h2>{}</h2>", w.comparison);
        for c in &report.comparison {
            let _ = write!(
                out,
                "<table><tr><th colspan=\"3\">{}</th></tr>",
                esc(&c.text)
            );
            let _ = write!(
                out,
                "<tr><th>{}</th><th>{}</th><th>{} · {} ({})</th></tr>",
                w.group, w.then, w.applied, w.still_right, w.answers
            );
            let then = c.then.as_ref();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}{}</td><td>{}</td></tr>",
                w.support,
                bar(then.and_then(|s| s.overall), "#333"),
                percent(then.and_then(|s| s.overall)),
                c.now
                    .as_ref()
                    .map(|n| format!("{} · {}", counts(&n.applied), counts(&n.still_right)))
                    .unwrap_or_else(|| w.not_revealed.to_string())
            );
            for (i, g) in groups.iter().enumerate() {
                let share = then.and_then(|s| s.by_group.get(g).copied().flatten());
                let now = c
                    .now
                    .as_ref()
                    .map(|n| {
                        format!(
                            "{} · {}",
                            n.applied_by_group.get(g).map(counts).unwrap_or_default(),
                            n.still_right_by_group
                                .get(g)
                                .map(counts)
                                .unwrap_or_default()
                        )
                    })
                    .unwrap_or_else(|| w.not_revealed.to_string());
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}{}</td><td>{now}</td></tr>",
                    esc(g),
                    bar(share, colours[i % colours.len()]),
                    percent(share)
                );
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
) -> Result<(crate::store::SessionRow, crate::session::workshop::Workshop), ReportError> {
    let code = crate::credentials::normalise_code(code);
    let row = store
        .session_by_code(&code)
        .await?
        .ok_or_else(|| ReportError::NotFound(code.clone()))?;
    let (_, ws) = crate::session::actor::load_durable(store, &row.id)
        .await
        .map_err(|e| match e {
            crate::session::actor::LoadError::Store(e) => ReportError::Store(e),
            crate::session::actor::LoadError::Doc(e) => ReportError::Doc(e),
            crate::session::actor::LoadError::Damaged(_) => ReportError::Damaged,
        })?;
    Ok((row, ws))
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

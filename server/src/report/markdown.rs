//! The report as Markdown, for pasting into a policy note: headings per level, tables of
//! priorities and rules, each rule's rounds as a list. Every user text goes through
//! `escape::markdown`, so that nothing typed in the room can become markup, a link or a table
//! cell of its own; the words and figures come from `words.rs`.

use std::fmt::{Display, Write as _};

use draagvlak_protocol::view::AssessmentView;

use super::escape::markdown as md;
use super::model::{Priority, Report, RuleLine};
use super::words::{
    Words, action_word, assessment_table, assessment_taken, counts, decision_mark, group_count,
    group_name, level_label, pct, rank_text, score, status_word, support_words, when, words,
};

/// The head of a Markdown table: the names, and the line under them that aligns each column
/// (left, or right for figures).
struct Head {
    names: String,
    line: String,
}

impl Head {
    fn new() -> Head {
        Head {
            names: "|".into(),
            line: "|".into(),
        }
    }

    /// A column aligned left (text).
    fn text(mut self, name: impl Display) -> Head {
        let _ = write!(self.names, " {name} |");
        self.line.push_str("---|");
        self
    }

    /// A column aligned right (figures).
    fn figure(mut self, name: impl Display) -> Head {
        let _ = write!(self.names, " {name} |");
        self.line.push_str("---:|");
        self
    }

    /// One right-aligned column per group, named by `name`.
    fn per_group(self, groups: &[String], name: impl Fn(&str) -> String) -> Head {
        groups.iter().fold(self, |head, g| head.figure(name(g)))
    }

    fn write(self, out: &mut String) {
        let _ = writeln!(out, "{}\n{}", self.names, self.line);
    }
}

/// ` ⚠ warning` after a text, when a decision carries one.
fn warn(text: &mut String, mark: Option<&str>) {
    if let Some(mark) = mark {
        let _ = write!(text, " ⚠ {mark}");
    }
}

/// A table of priorities (with dots per group when revealed) and the note on ties.
fn priorities(
    out: &mut String,
    w: &Words,
    groups: &[String],
    priorities: &[Priority],
    revealed: bool,
) {
    let then = priorities.iter().any(|p| p.dots_then.is_some());
    let mut head = Head::new().figure("#").text(w.statement).figure(w.dots);
    if revealed {
        head = head.per_group(groups, |g| md(group_name(g)));
    }
    if then {
        head = head.figure(w.dots_then);
    }
    head.write(out);
    for p in priorities {
        let dots = p
            .dots
            .map(|d| d.to_string())
            .unwrap_or_else(|| w.not_revealed.to_string());
        let mut text = md(&p.text);
        if !p.cluster_of.is_empty() {
            let members: Vec<String> = p.cluster_of.iter().map(|m| md(m)).collect();
            let _ = write!(text, " ({}: {})", w.cluster_of, members.join("; "));
        }
        if p.from_facilitator {
            let _ = write!(text, " ({})", w.by_facilitator);
        }
        let mut row = format!("| {} | {text} | {dots} |", rank_text(p));
        if revealed {
            for g in groups {
                let n = p.dots_by_group.get(g).copied().unwrap_or(0);
                let _ = write!(row, " {n} |");
            }
        }
        if then {
            let then = p.dots_then.map(|d| d.to_string()).unwrap_or_default();
            let _ = write!(row, " {then} |");
        }
        let _ = writeln!(out, "{row}");
    }
    if priorities.iter().any(|p| p.rank.is_some_and(|r| r.tied)) {
        let _ = writeln!(out, "\n{}", w.ties);
    }
}

/// The table of a level's rules: status, round, raters, support overall and per group, gap.
fn rules_table(out: &mut String, w: &Words, groups: &[String], rules: &[RuleLine]) {
    Head::new()
        .text(w.rule)
        .text(w.status)
        .figure(w.round)
        .figure(w.raters)
        .figure(w.support)
        .per_group(groups, |g| md(group_name(g)))
        .figure(w.gap)
        .write(out);
    for r in rules {
        let mut status = status_word(w, r.status).to_string();
        warn(
            &mut status,
            decision_mark(w, r.confirmed, r.adopted_with_large_gap),
        );
        let mut row = format!(
            "| {} | {status} | {} | {} |",
            md(&r.text),
            r.round,
            r.raters
        );
        match &r.support {
            Some(s) => {
                let _ = write!(row, " {} |", pct(s.overall));
                for g in groups {
                    let _ = write!(row, " {} |", pct(s.by_group.get(g).copied().flatten()));
                }
                let _ = write!(row, " {} |", pct(s.gap));
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

/// Each rule with its anchors and every round: support, raters, reasons.
fn rule_rounds(out: &mut String, w: &Words, groups: &[String], rules: &[RuleLine]) {
    for r in rules {
        if r.from_facilitator {
            let _ = writeln!(out, "- {} ({})", md(&r.text), w.by_facilitator);
        } else {
            let _ = writeln!(out, "- {}", md(&r.text));
        }
        if !r.anchors.is_empty() {
            let anchors: Vec<String> = r.anchors.iter().map(|a| md(a)).collect();
            let _ = writeln!(out, "  - {}: {}", w.anchors, anchors.join("; "));
        }
        for round in &r.rounds {
            let mut line = format!("{} {}", w.round, round.round);
            if let Some(text) = round.text.as_ref().filter(|t| **t != r.text) {
                let _ = write!(line, " ({}: {})", w.as_rated, md(text));
            }
            match &round.support {
                Some(s) => {
                    let _ = write!(line, ": {}", support_words(w, groups, s, md));
                }
                None => {
                    let _ = write!(line, ": {}", w.not_revealed);
                }
            }
            let _ = write!(line, "; {} {}", w.raters, round.raters);
            if let Some(n) = round.support.as_ref().map(|s| s.removed).filter(|n| *n > 0) {
                let _ = write!(line, " ({n} {})", w.removed_raters);
            }
            let _ = writeln!(out, "  - {line}");
            if !round.reasons.is_empty() {
                let _ = writeln!(out, "    - {}:", w.reasons);
                for reason in &round.reasons {
                    let _ = writeln!(out, "      - {}", md(reason));
                }
            }
        }
    }
}

/// The maturity self-assessment: per dimension the mean score overall and per group, the gap
/// and the "don't know" answers, once revealed.
fn assessment(out: &mut String, w: &Words, report: &Report, a: &AssessmentView) {
    let aw = &w.assessment;
    let _ = writeln!(out, "\n## {}\n", aw.title);
    let _ = writeln!(out, "{}\n", assessment_taken(w, a));
    let Some(results) = &a.results else {
        let _ = writeln!(out, "_{}_", w.not_revealed);
        return;
    };
    let table = assessment_table(report, w, a, results);
    let head = table
        .columns
        .iter()
        .fold(Head::new().text(aw.dimension), |head, c| head.figure(md(c)));
    head.write(out);
    for (title, figures, dont_know) in &table.rows {
        let mut row = format!("| {} |", md(title));
        for f in figures {
            let _ = write!(row, " {} |", score(report, *f));
        }
        let _ = writeln!(out, "{row} {dont_know} |");
    }
    let _ = writeln!(out, "\n{}", aw.scale);
}

/// For a follow-up: each carried rule's support then and its review now, overall and per group.
fn comparison(out: &mut String, w: &Words, groups: &[String], report: &Report) {
    let _ = writeln!(out, "\n## {}\n", w.comparison);
    Head::new()
        .text(w.rule)
        .figure(w.then)
        .per_group(groups, |g| format!("{} {}", w.then, md(group_name(g))))
        .figure(format_args!("{} ({})", w.applied, w.answers))
        .per_group(groups, |g| format!("{} {}", w.applied, md(group_name(g))))
        .figure(format_args!("{} ({})", w.still_right, w.answers))
        .per_group(groups, |g| {
            format!("{} {}", w.still_right, md(group_name(g)))
        })
        .write(out);
    for c in &report.comparison {
        let then = c.then.as_ref();
        let mut row = format!(
            "| {} | {} |",
            md(&c.text),
            pct(then.and_then(|s| s.overall))
        );
        for g in groups {
            let share = then.and_then(|s| s.by_group.get(g).copied().flatten());
            let _ = write!(row, " {} |", pct(share));
        }
        match &c.now {
            Some(now) => {
                for (all, by_group) in [
                    (&now.applied, &now.applied_by_group),
                    (&now.still_right, &now.still_right_by_group),
                ] {
                    let _ = write!(row, " {} |", counts(all));
                    for g in groups {
                        let cell = by_group.get(g).map(counts).unwrap_or_default();
                        let _ = write!(row, " {cell} |");
                    }
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

/// Markdown, for pasting into a policy note. Every user text is escaped (see
/// `escape::markdown`).
pub fn markdown(report: &Report) -> String {
    let w = words(report);
    let groups = report.group_names();
    let mut out = String::new();
    let _ = writeln!(out, "# {}", md(&report.title));
    let organisation = md(&report.organisation);
    if !organisation.is_empty() {
        let _ = writeln!(out, "\n{organisation}");
    }
    let place = md(&report.place);
    if !place.is_empty() {
        let _ = writeln!(out, "\n{}: {place}", w.place);
    }
    let _ = writeln!(out, "\n{}: {}", w.code, md(&report.code));
    if let Some(when) = when(report) {
        // Made by the server (weekday, month, digits and the configured zone): nothing to escape.
        let _ = writeln!(out, "\n{}: {when}", w.date);
    }
    if let Some(f) = &report.follows {
        let _ = writeln!(out, "\n{}: {} ({})", w.follows, md(&f.title), md(&f.code));
    }
    let _ = writeln!(out, "\n## {}\n", w.participants);
    Head::new()
        .text(w.group)
        .figure(w.count)
        .text(w.names)
        .write(&mut out);
    for g in &report.groups {
        let names: Vec<String> = g.names.iter().map(|n| md(n)).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            md(group_name(&g.group)),
            group_count(w, g),
            names.join(", ")
        );
    }
    if report.names_withheld() {
        let _ = writeln!(out, "\n{}", w.names_hidden);
    }
    if report.equal_group_weight {
        let _ = writeln!(out, "\n{}", w.equal_weight);
    }
    if let Some(a) = &report.assessment {
        assessment(&mut out, w, report, a);
    }
    let _ = writeln!(out, "\n## {}\n", w.adopted);
    if report.adopted.is_empty() {
        let _ = writeln!(out, "_{}_", w.none);
    } else {
        Head::new()
            .text(w.level)
            .text(w.rule)
            .figure(w.support)
            .text(w.anchors)
            .write(&mut out);
        for a in &report.adopted {
            let anchors: Vec<String> = a.anchors.iter().map(|x| md(x)).collect();
            let mut support = pct(a.support);
            warn(
                &mut support,
                decision_mark(w, a.confirmed, a.adopted_with_large_gap),
            );
            let _ = writeln!(
                out,
                "| {} | {} | {support} | {} |",
                level_label(report, a.level),
                md(&a.text),
                anchors.join("; ")
            );
        }
    }
    for level in &report.levels {
        let _ = writeln!(out, "\n## {}\n\n### {}\n", level.name, w.priorities);
        if level.priorities.is_empty() {
            let _ = writeln!(out, "_{}_", w.none);
        } else {
            priorities(&mut out, w, &groups, &level.priorities, level.dots_revealed);
            if let Some(voters) = level.voters {
                let _ = writeln!(
                    out,
                    "\n{} {} · {voters} {}",
                    w.vote_round, level.vote_round, w.voters
                );
            }
        }
        for round in &level.earlier_vote_rounds {
            let _ = writeln!(
                out,
                "\n#### {} {} ({} {})\n",
                w.vote_round, round.round, round.voters, w.voters
            );
            priorities(&mut out, w, &groups, &round.priorities, true);
        }
        let _ = writeln!(out, "\n### {}\n", w.rules);
        if level.rules.is_empty() {
            let _ = writeln!(out, "_{}_", w.none);
            continue;
        }
        rules_table(&mut out, w, &groups, &level.rules);
        out.push('\n');
        rule_rounds(&mut out, w, &groups, &level.rules);
    }
    if !report.decisions.is_empty() {
        let _ = writeln!(out, "\n## {}\n", w.decisions);
        Head::new()
            .text(w.time)
            .text(w.level)
            .text(w.rule)
            .text(w.decision)
            .figure(w.round)
            .write(&mut out);
        for d in &report.decisions {
            let mut what = action_word(w, d.action);
            warn(&mut what, decision_mark(w, d.confirmed, false));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {what} | {} |",
                d.when(report),
                level_label(report, d.level),
                md(&d.rule),
                d.round
            );
        }
    }
    if !report.comparison.is_empty() {
        comparison(&mut out, w, &groups, report);
    }
    let _ = writeln!(out, "\n## {}\n", w.timeline);
    Head::new()
        .text(format_args!("{} ({})", w.time, md(&report.time_zone)))
        .text(w.phase)
        .write(&mut out);
    for t in &report.timeline {
        let _ = writeln!(
            out,
            "| {} | {}. {} |",
            t.when(report),
            t.phase + 1,
            md(&t.title)
        );
    }
    out
}

//! The report as an HTML page that prints well to PDF from the browser (charts as inline SVG).

use std::fmt::Write as _;

use super::escape;
use super::model::{Priority, Report};
use super::words::{
    Words, action_word, counts, decision_mark, group_count, level_label, pct, rank_text,
    status_word, when, words,
};

/// A horizontal bar as inline SVG.
fn bar(share: Option<f64>, colour: &str) -> String {
    let width = (share.unwrap_or(0.0).clamp(0.0, 1.0) * 200.0).round();
    format!(
        "<svg class=\"bar\" width=\"200\" height=\"14\" viewBox=\"0 0 200 14\" role=\"img\" aria-label=\"{}\"><rect width=\"200\" height=\"14\" fill=\"#e5e9f0\"/><rect width=\"{width}\" height=\"14\" fill=\"{colour}\"/></svg>",
        pct(share)
    )
}

/// A group's colour, as in the browser app (`client/web/assets/style.css`): by group, never by
/// its place in a list (issue 13: the report had ICT and Business the other way round).
fn group_colour(group: &str) -> &'static str {
    match group {
        "ict" => "#1d6fb8",
        "business" => "#b35200",
        _ => "#5b3a8c",
    }
}

/// A group's name as people write it (the app's `groupName`): "ICT", "Business", or the name
/// of a group of one's own as given (escaped and isolated like every user text).
fn group_label(group: &str) -> String {
    match group {
        "ict" => "ICT".to_string(),
        "business" => "Business".to_string(),
        other => escape::html_user(other),
    }
}

/// A table of priorities with bars (and dots per group when revealed), and the note on ties.
fn html_priorities(
    out: &mut String,
    w: &Words,
    groups: &[String],
    priorities: &[Priority],
    revealed: bool,
) {
    use escape::html_user as user;
    let max = priorities
        .iter()
        .filter_map(|p| p.dots)
        .max()
        .unwrap_or(0)
        .max(1);
    let _ = write!(
        out,
        "<table><tr><th>#</th><th>{}</th><th>{}</th>",
        w.statement, w.dots
    );
    if revealed {
        for g in groups {
            let _ = write!(out, "<th>{}</th>", group_label(g));
        }
    }
    out.push_str("</tr>");
    for p in priorities {
        let dots = match p.dots {
            Some(d) => format!("{}{d}", bar(Some(f64::from(d) / f64::from(max)), "#1d4e89")),
            None => w.not_revealed.to_string(),
        };
        let mut text = user(&p.text);
        if !p.cluster_of.is_empty() {
            // One statement a line: joined with "; " they ran together ("beleid.; ICT").
            let members: Vec<String> = p
                .cluster_of
                .iter()
                .map(|m| format!("<li>{}</li>", user(m)))
                .collect();
            let _ = write!(
                text,
                "<br><small>{}:</small><ul class=\"members\">{}</ul>",
                w.cluster_of,
                members.concat()
            );
        }
        if p.from_facilitator {
            let _ = write!(text, " <small>({})</small>", w.by_facilitator);
        }
        if let Some(then) = p.dots_then {
            let _ = write!(text, "<br><small>{}: {then}</small>", w.dots_then);
        }
        let _ = write!(
            out,
            "<tr><td class=\"n\">{}</td><td>{text}</td><td>{dots}</td>",
            rank_text(p)
        );
        if revealed {
            for g in groups {
                let n = p.dots_by_group.get(g).copied().unwrap_or(0);
                let _ = write!(out, "<td class=\"n\">{n}</td>");
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
    if priorities.iter().any(|p| p.rank.is_some_and(|r| r.tied)) {
        let _ = write!(out, "<p><small>{}</small></p>", w.ties);
    }
}

/// HTML: a page that prints well to PDF from the browser, with the charts as inline SVG. Every
/// user text is escaped and isolated in `<bdi>` (`escape::html_user`); the list of adopted
/// rules prints on a page of its own.
pub fn html(report: &Report) -> String {
    use escape::html_user as user;
    let w = words(report);
    let groups = report.group_names();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title><style>\
body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}}\
h1{{margin-bottom:.2rem}}table{{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}}\
th,td{{border-bottom:1px solid #ccd;padding:.35rem .5rem;text-align:left;vertical-align:top}}\
td.n{{text-align:right}}svg.bar{{vertical-align:middle;margin-right:.4rem}}\
ul.members{{margin:.2rem 0 0;padding-left:1.1rem;font-size:.9em}}\
table{{break-inside:avoid}}h2,h3{{break-after:avoid}}@media print{{body{{margin:0}}}}</style></head><body>",
        escape::html(&report.language),
        // No element can isolate text inside <title>: its bidi controls go.
        escape::html(&escape::plain(&report.title))
    );
    let _ = write!(out, "<h1>{}</h1>", user(&report.title));
    if escape::shows(&report.organisation) {
        let _ = write!(out, "<p>{}</p>", user(&report.organisation));
    }
    if escape::shows(&report.place) {
        let _ = write!(out, "<p>{}: {}</p>", w.place, user(&report.place));
    }
    let _ = write!(out, "<p>{}: {}</p>", w.code, escape::html(&report.code));
    if let Some(when) = when(report) {
        let _ = write!(out, "<p>{}: {}</p>", w.date, escape::html(&when));
    }
    if let Some(f) = &report.follows {
        let _ = write!(
            out,
            "<p>{}: {} ({})</p>",
            w.follows,
            user(&f.title),
            escape::html(&f.code)
        );
    }
    let _ = write!(
        out,
        "<section><h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        w.participants, w.group, w.count, w.names
    );
    for g in &report.groups {
        let names: Vec<String> = g.names.iter().map(|n| user(n)).collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            group_label(&g.group),
            group_count(w, g),
            names.join(", ")
        );
    }
    out.push_str("</table>");
    if report.names_withheld() {
        let _ = write!(out, "<p><small>{}</small></p>", w.names_hidden);
    }
    if report.equal_group_weight {
        let _ = write!(out, "<p>{}</p>", w.equal_weight);
    }
    out.push_str("</section>");
    // The adopted rules: one page for the policy note.
    let _ = write!(
        out,
        "<section style=\"break-after:page\"><h2>{}</h2>",
        w.adopted
    );
    if report.adopted.is_empty() {
        let _ = write!(out, "<p><em>{}</em></p>", w.none);
    } else {
        let _ = write!(
            out,
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            w.level, w.rule, w.support, w.anchors
        );
        for a in &report.adopted {
            let anchors: Vec<String> = a.anchors.iter().map(|x| user(x)).collect();
            let mark = decision_mark(w, a.confirmed, a.adopted_with_large_gap)
                .map(|m| format!(" <strong>⚠ {m}</strong>"))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}{mark}</td><td>{}</td></tr>",
                level_label(report, a.level),
                user(&a.text),
                pct(a.support),
                anchors.join("; ")
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");
    for level in &report.levels {
        let _ = write!(
            out,
            "<section><h2>{}</h2><h3>{}</h3>",
            escape::html(&level.name),
            w.priorities
        );
        if level.priorities.is_empty() {
            let _ = write!(out, "<p><em>{}</em></p>", w.none);
        } else {
            html_priorities(&mut out, w, &groups, &level.priorities, level.dots_revealed);
            if let Some(voters) = level.voters {
                let _ = write!(
                    out,
                    "<p><small>{} {} · {voters} {}</small></p>",
                    w.vote_round, level.vote_round, w.voters
                );
            }
        }
        for round in &level.earlier_vote_rounds {
            let _ = write!(
                out,
                "<h4>{} {} ({} {})</h4>",
                w.vote_round, round.round, round.voters, w.voters
            );
            html_priorities(&mut out, w, &groups, &round.priorities, true);
        }
        let _ = write!(out, "<h3>{}</h3>", w.rules);
        if level.rules.is_empty() {
            let _ = write!(out, "<p><em>{}</em></p>", w.none);
        }
        for r in &level.rules {
            let mut mark = decision_mark(w, r.confirmed, r.adopted_with_large_gap)
                .map(|m| format!(" <strong>⚠ {m}</strong>"))
                .unwrap_or_default();
            if r.from_facilitator {
                let _ = write!(mark, " <small>({})</small>", w.by_facilitator);
            }
            let _ = write!(
                out,
                "<table><tr><th colspan=\"2\">{} ({}: {}; {} {}; {} {}){mark}</th></tr>",
                user(&r.text),
                w.status,
                status_word(w, r.status),
                w.round,
                r.round,
                w.raters,
                r.raters
            );
            if !r.anchors.is_empty() {
                let anchors: Vec<String> = r.anchors.iter().map(|a| user(a)).collect();
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td></tr>",
                    w.anchors,
                    anchors.join("; ")
                );
            }
            for round in &r.rounds {
                let mut head = format!("{} {}", w.round, round.round);
                if let Some(text) = round.text.as_ref().filter(|t| **t != r.text) {
                    let _ = write!(head, " ({}: {})", w.as_rated, user(text));
                }
                let _ = write!(head, "; {} {}", w.raters, round.raters);
                if let Some(n) = round.support.as_ref().map(|s| s.removed).filter(|n| *n > 0) {
                    let _ = write!(head, " ({n} {})", w.removed_raters);
                }
                let _ = write!(out, "<tr><th colspan=\"2\">{head}</th></tr>");
                match &round.support {
                    Some(s) => {
                        let _ = write!(
                            out,
                            "<tr><td>{}</td><td>{}{}</td></tr>",
                            w.support,
                            bar(s.overall, "#3b3f46"),
                            pct(s.overall)
                        );
                        for g in &groups {
                            let share = s.by_group.get(g).copied().flatten();
                            let _ = write!(
                                out,
                                "<tr><td>{}</td><td>{}{}</td></tr>",
                                group_label(g),
                                bar(share, group_colour(g)),
                                pct(share)
                            );
                        }
                        let _ = write!(out, "<tr><td>{}</td><td>{}</td></tr>", w.gap, pct(s.gap));
                    }
                    None => {
                        let _ = write!(
                            out,
                            "<tr><td>{}</td><td>{}</td></tr>",
                            w.support, w.not_revealed
                        );
                    }
                }
                if !round.reasons.is_empty() {
                    let reasons: Vec<String> = round
                        .reasons
                        .iter()
                        .map(|x| format!("<li>{}</li>", user(x)))
                        .collect();
                    let _ = write!(
                        out,
                        "<tr><td>{}</td><td><ul>{}</ul></td></tr>",
                        w.reasons,
                        reasons.concat()
                    );
                }
            }
            out.push_str("</table>");
        }
        out.push_str("</section>");
    }
    if !report.decisions.is_empty() {
        let _ = write!(
            out,
            "<section><h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            w.decisions, w.time, w.level, w.rule, w.decision, w.round
        );
        for d in &report.decisions {
            let mark = decision_mark(w, d.confirmed, false)
                .map(|m| format!(" <strong>⚠ {m}</strong>"))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{mark}</td><td class=\"n\">{}</td></tr>",
                escape::html(&d.when(report)),
                level_label(report, d.level),
                user(&d.rule),
                action_word(w, &d.action),
                d.round
            );
        }
        out.push_str("</table></section>");
    }
    if !report.comparison.is_empty() {
        let _ = write!(out, "<section><h2>{}</h2>", w.comparison);
        for c in &report.comparison {
            let _ = write!(
                out,
                "<table><tr><th colspan=\"3\">{}</th></tr>",
                user(&c.text)
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
                bar(then.and_then(|s| s.overall), "#3b3f46"),
                pct(then.and_then(|s| s.overall)),
                c.now
                    .as_ref()
                    .map(|n| format!("{} · {}", counts(&n.applied), counts(&n.still_right)))
                    .unwrap_or_else(|| w.not_revealed.to_string())
            );
            for g in &groups {
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
                    group_label(g),
                    bar(share, group_colour(g)),
                    pct(share)
                );
            }
            out.push_str("</table>");
        }
        out.push_str("</section>");
    }
    let _ = write!(
        out,
        "<section><h2>{}</h2><table><tr><th>{} ({})</th><th>{}</th></tr>",
        w.timeline,
        w.time,
        escape::html(&report.time_zone),
        w.phase
    );
    for t in &report.timeline {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}. {}</td></tr>",
            escape::html(&t.when(report)),
            t.phase + 1,
            user(&t.title)
        );
    }
    out.push_str("</table></section></body></html>\n");
    out
}

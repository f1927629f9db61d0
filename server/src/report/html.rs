//! The report as an HTML page that prints well to PDF from the browser: the charts are inline
//! SVG bars, the list of adopted rules prints on a page of its own, and no table is split over
//! two pages.
//!
//! Written with [maud](https://maud.lambda.xyz/) rather than by formatting strings, because a
//! template engine that escapes by construction is the only kind that stays safe as the page
//! grows: every value spliced into the markup goes through [`Render`], and a `&str` or `String`
//! is escaped there, so forgetting to escape a text is not possible; only the two constants
//! below (the doctype and the style sheet) are written as they are, through `PreEscaped`. Maud
//! over askama: the page is built from the model by Rust code (loops over groups and rounds,
//! small functions for a bar or a table), which maud keeps in Rust, checked by the compiler,
//! with no template files beside it; its output is compact HTML without added whitespace, and
//! its escaping (`&`, `<`, `>`, `"`) is a subset of ours, so the page is the one the
//! hand-written version made. User text has its own [`Render`] types, [`User`] and [`Text`],
//! which escape with `escape::html` (also `'`, and without the control characters that could
//! do harm) and put a user text in `<bdi>`. The one difference maud forces: an SVG `rect` is
//! written `<rect …></rect>` instead of `<rect …/>` (maud writes no self-closing tags; the
//! browser builds the same element either way).

use maud::{Markup, PreEscaped, Render, html};

use super::escape;
use super::model::{LevelReport, Priority, Report, RuleLine};
use super::words::{
    Words, action_word, assessment_taken, counts, decision_mark, group_count, level_label,
    localized, pct, rank_text, score, status_word, when, words,
};
use crate::session::template;
use draagvlak_protocol::view::AssessmentView;

/// Written as it is: the doctype, in the lower case the page always had.
const DOCTYPE: &str = "<!doctype html>\n";

/// Written as it is: the page's style sheet (a constant; it holds no user text).
const STYLE: &str = "\
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}\
h1{margin-bottom:.2rem}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}\
th,td{border-bottom:1px solid #ccd;padding:.35rem .5rem;text-align:left;vertical-align:top}\
td.n{text-align:right}svg.bar{vertical-align:middle;margin-right:.4rem}\
ul.members{margin:.2rem 0 0;padding-left:1.1rem;font-size:.9em}\
table{break-inside:avoid}h2,h3{break-after:avoid}@media print{body{margin:0}}";

/// The colour of overall support, and of the dots of a priority.
pub(super) const OVERALL: &str = "#3b3f46";
/// The colour of an earlier session's figure next to today's (the app's `.chart-bar.then`).
const THEN: &str = "#7b8494";
const DOTS: &str = "#1d4e89";

/// A user text (a statement, rule, reason, name or title): escaped and isolated in `<bdi>`
/// (`escape::html_user`).
struct User<'a>(&'a str);

impl Render for User<'_> {
    fn render_to(&self, buffer: &mut String) {
        buffer.push_str(&escape::html_user(self.0));
    }
}

/// A text the server made from session data (a code, a time, a level's name): escaped
/// (`escape::html`), not isolated.
struct Text<'a>(&'a str);

impl Render for Text<'_> {
    fn render_to(&self, buffer: &mut String) {
        buffer.push_str(&escape::html(self.0));
    }
}

/// A horizontal bar as inline SVG.
fn bar(share: Option<f64>, colour: &str) -> Markup {
    bar_labelled(share, colour, &pct(share))
}

/// A horizontal bar as inline SVG, named by `label` for screen readers.
fn bar_labelled(share: Option<f64>, colour: &str, label: &str) -> Markup {
    let width = (share.unwrap_or(0.0).clamp(0.0, 1.0) * 200.0).round();
    html! {
        svg class="bar" width="200" height="14" viewBox="0 0 200 14" role="img"
            aria-label=(label) {
            rect width="200" height="14" fill="#e5e9f0" {}
            rect width=(width) height="14" fill=(colour) {}
        }
    }
}

/// A share as a bar with its percentage, in a cell.
fn bar_cell(share: Option<f64>, colour: &str) -> Markup {
    html! { td { (bar(share, colour)) (pct(share)) } }
}

/// The groups' colours, as in the browser app (`--ict`, `--business`, `--group-3`, `--group-4`
/// in `client/web/assets/style.css`).
const GROUP_COLOURS: [&str; 4] = ["#1d6fb8", "#b35200", "#5b3a8c", "#00756b"];
/// The colour of a group that is not one of the session's.
const OTHER_GROUP_COLOUR: &str = "#4a4f57";

/// A group's colour, by the same rule as the browser app (`groupColour` in `results.js`): ICT is
/// always blue and business always orange (issue 13: never by a group's place in a list, so a
/// report cannot show them the other way round); groups named by the facilitator take the
/// colours left, in the session's order.
pub(super) fn group_colour(groups: &[String], group: &str) -> &'static str {
    let fixed = |g: &str| template::DEFAULT_GROUPS.iter().position(|d| *d == g);
    if let Some(i) = fixed(group) {
        return GROUP_COLOURS[i];
    }
    let taken = |i: &usize| {
        template::DEFAULT_GROUPS
            .get(*i)
            .is_some_and(|d| groups.iter().any(|g| g == d))
    };
    let free: Vec<usize> = (0..GROUP_COLOURS.len()).filter(|i| !taken(i)).collect();
    let mine = groups
        .iter()
        .filter(|g| fixed(g).is_none())
        .position(|g| g == group);
    mine.and_then(|m| free.get(m))
        .map_or(OTHER_GROUP_COLOUR, |i| GROUP_COLOURS[*i])
}

/// A group's name as people write it (the app's `groupName`): "ICT", "Business", or the name
/// of a group of one's own as given (escaped and isolated like every user text).
struct GroupLabel<'a>(&'a str);

impl Render for GroupLabel<'_> {
    fn render_to(&self, buffer: &mut String) {
        match super::words::group_label(self.0) {
            Some(label) => buffer.push_str(label),
            None => User(self.0).render_to(buffer),
        }
    }
}

/// ` ⚠ warning` after a text, in bold, when a decision carries one.
fn warning(mark: Option<&str>) -> Markup {
    html! {
        @if let Some(mark) = mark {
            " " strong { "⚠ " (mark) }
        }
    }
}

/// Texts joined by a separator, each rendered as a user text.
fn joined(texts: &[String], separator: &str) -> Markup {
    html! {
        @for (i, text) in texts.iter().enumerate() {
            @if i > 0 { (separator) }
            (User(text))
        }
    }
}

/// A row of column headings (the report's own words).
fn headings(names: &[&str]) -> Markup {
    html! { tr { @for name in names { th { (name) } } } }
}

/// `<p><em>none</em></p>`, for an empty list.
fn none(w: &Words) -> Markup {
    html! { p { em { (w.none) } } }
}

/// A table of priorities with bars (and dots per group when revealed), and the note on ties.
fn priorities(w: &Words, groups: &[String], priorities: &[Priority], revealed: bool) -> Markup {
    let max = priorities
        .iter()
        .filter_map(|p| p.dots)
        .max()
        .unwrap_or(0)
        .max(1);
    html! {
        table {
            tr {
                th { "#" } th { (w.statement) } th { (w.dots) }
                @if revealed {
                    @for g in groups { th { (GroupLabel(g)) } }
                }
            }
            @for p in priorities {
                tr {
                    td class="n" { (rank_text(p)) }
                    td {
                        (User(&p.text))
                        @if !p.cluster_of.is_empty() {
                            // One statement a line: joined with "; " they ran together
                            // ("beleid.; ICT").
                            br; small { (w.cluster_of) ":" }
                            ul class="members" { @for m in &p.cluster_of { li { (User(m)) } } }
                        }
                        @if p.from_facilitator {
                            " " small { "(" (w.by_facilitator) ")" }
                        }
                        @if let Some(then) = p.dots_then {
                            br; small { (w.dots_then) ": " (then) }
                        }
                    }
                    td {
                        @match p.dots {
                            Some(d) => { (bar(Some(f64::from(d) / f64::from(max)), DOTS)) (d) }
                            None => (w.not_revealed),
                        }
                    }
                    @if revealed {
                        @for g in groups {
                            td class="n" { (p.dots_by_group.get(g).copied().unwrap_or(0)) }
                        }
                    }
                }
            }
        }
        @if priorities.iter().any(|p| p.rank.is_some_and(|r| r.tied)) {
            p { small { (w.ties) } }
        }
    }
}

/// A rule's table: its status and anchors, then every round with its support (bars overall
/// and per group), raters and reasons.
fn rule(w: &Words, groups: &[String], r: &RuleLine) -> Markup {
    html! {
        table {
            tr {
                th colspan="2" {
                    (User(&r.text)) " (" (w.status) ": " (status_word(w, r.status)) "; "
                    (w.round) " " (r.round) "; " (w.raters) " " (r.raters) ")"
                    (warning(decision_mark(w, r.confirmed, r.adopted_with_large_gap)))
                    @if r.from_facilitator {
                        " " small { "(" (w.by_facilitator) ")" }
                    }
                }
            }
            @if !r.anchors.is_empty() {
                tr { td { (w.anchors) } td { (joined(&r.anchors, "; ")) } }
            }
            @for round in &r.rounds {
                tr {
                    th colspan="2" {
                        (w.round) " " (round.round)
                        @if let Some(text) = round.text.as_ref().filter(|t| **t != r.text) {
                            " (" (w.as_rated) ": " (User(text)) ")"
                        }
                        "; " (w.raters) " " (round.raters)
                        @let removed = round.support.as_ref().map_or(0, |s| s.removed);
                        @if removed > 0 {
                            " (" (removed) " " (w.removed_raters) ")"
                        }
                    }
                }
                @match &round.support {
                    Some(s) => {
                        tr { td { (w.support) } (bar_cell(s.overall, OVERALL)) }
                        @for g in groups {
                            tr {
                                td { (GroupLabel(g)) }
                                (bar_cell(s.by_group.get(g).copied().flatten(), group_colour(groups, g)))
                            }
                        }
                        tr { td { (w.gap) } td { (pct(s.gap)) } }
                    }
                    None => {
                        tr { td { (w.support) } td { (w.not_revealed) } }
                    }
                }
                @if !round.reasons.is_empty() {
                    tr {
                        td { (w.reasons) }
                        td { ul { @for reason in &round.reasons { li { (User(reason)) } } } }
                    }
                }
            }
        }
    }
}

/// For a follow-up: each carried rule's support then (bars) and its review now, overall and
/// per group.
fn comparison(w: &Words, groups: &[String], report: &Report) -> Markup {
    html! {
        section {
            h2 { (w.comparison) }
            @for c in &report.comparison {
                @let then = c.then.as_ref();
                table {
                    tr { th colspan="3" { (User(&c.text)) } }
                    tr {
                        th { (w.group) } th { (w.then) }
                        th { (w.applied) " · " (w.still_right) " (" (w.answers) ")" }
                    }
                    tr {
                        td { (w.support) }
                        (bar_cell(then.and_then(|s| s.overall), OVERALL))
                        td {
                            @match &c.now {
                                Some(n) => { (counts(&n.applied)) " · " (counts(&n.still_right)) }
                                None => (w.not_revealed),
                            }
                        }
                    }
                    @for g in groups {
                        tr {
                            td { (GroupLabel(g)) }
                            @let share = then.and_then(|s| s.by_group.get(g).copied().flatten());
                            (bar_cell(share, group_colour(groups, g)))
                            td {
                                @match &c.now {
                                    Some(n) => {
                                        @let applied = n.applied_by_group.get(g);
                                        @let still_right = n.still_right_by_group.get(g);
                                        (applied.map(counts).unwrap_or_default())
                                        " · "
                                        (still_right.map(counts).unwrap_or_default())
                                    }
                                    None => (w.not_revealed),
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The title, and the facts of the session: organisation, place, code, date, what it follows.
fn heading(w: &Words, report: &Report) -> Markup {
    // The logo inline (the report is one file), as wide as it fits up to 6 cm, 2.5 cm high.
    let logo = report.logo.as_ref().map(|l| {
        use base64::Engine as _;
        format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&l.png)
        )
    });
    let alt = if escape::shows(&report.organisation) {
        format!("Logo {}", escape::plain(&report.organisation))
    } else {
        "Logo".to_string()
    };
    html! {
        @if let Some(src) = &logo {
            img class="logo" src=(src) alt=(alt) style="max-height:2.5cm;max-width:6cm";
        }
        h1 { (User(&report.title)) }
        @if escape::shows(&report.organisation) {
            p { (User(&report.organisation)) }
        }
        @if escape::shows(&report.place) {
            p { (w.place) ": " (User(&report.place)) }
        }
        p { (w.code) ": " (Text(&report.code)) }
        @if let Some(when) = when(report) {
            p { (w.date) ": " (Text(&when)) }
        }
        @if let Some(f) = &report.follows {
            p { (w.follows) ": " (User(&f.title)) " (" (Text(&f.code)) ")" }
        }
    }
}

/// Who took part per group.
fn participants(w: &Words, report: &Report) -> Markup {
    html! {
        section {
            h2 { (w.participants) }
            table {
                (headings(&[w.group, w.count, w.names]))
                @for g in &report.groups {
                    tr {
                        td { (GroupLabel(&g.group)) }
                        td class="n" { (group_count(w, g)) }
                        td { (joined(&g.names, ", ")) }
                    }
                }
            }
            @if report.names_withheld() {
                p { small { (w.names_hidden) } }
            }
            @if report.equal_group_weight {
                p { (w.equal_weight) }
            }
        }
    }
}

/// A mean score of the assessment as a bar (the score out of 5) with its figure, in a cell.
fn score_cell(report: &Report, mean: Option<f64>, colour: &str) -> Markup {
    let text = score(report, mean);
    html! { td { (bar_labelled(mean.map(|m| m / 5.0), colour, &text)) (text) } }
}

/// The maturity self-assessment: per dimension the mean score overall and per group as bars, the
/// gap and the "don't know" answers, once revealed.
fn assessment(w: &Words, groups: &[String], report: &Report, a: &AssessmentView) -> Markup {
    let aw = &w.assessment;
    html! {
        section {
            h2 { (aw.title) }
            p { (assessment_taken(w, a)) }
            @match &a.results {
                Some(results) => {
                    @for (d, r) in a.dimensions.iter().zip(results) {
                        @let earlier = a.then.as_deref().and_then(|t| t.iter().find(|x| x.id == d.id));
                        h3 { (Text(localized(report, &d.title))) }
                        table {
                            @if let Some(e) = earlier {
                                tr { td { (aw.mean) " " (aw.then) } (score_cell(report, e.overall, THEN)) }
                            }
                            tr {
                                td { (aw.mean) @if earlier.is_some() { " " (aw.now) } }
                                (score_cell(report, r.overall, OVERALL))
                            }
                            @for g in groups {
                                tr {
                                    td { (GroupLabel(g)) }
                                    (score_cell(report, r.by_group.get(g).copied().flatten(), group_colour(groups, g)))
                                    @if let Some(e) = earlier {
                                        td { (aw.then) " " (score(report, e.by_group.get(g).copied().flatten())) }
                                    }
                                }
                            }
                            tr { td { (w.gap) } td { (score(report, r.gap)) } }
                            tr { td { (aw.dont_know) } td { (r.dont_know) } }
                        }
                    }
                    p { small { (aw.scale) } }
                }
                None => p { em { (w.not_revealed) } },
            }
        }
    }
}

/// The adopted rules: one page for the policy note.
fn adopted(w: &Words, report: &Report) -> Markup {
    html! {
        section style="break-after:page" {
            h2 { (w.adopted) }
            @if report.adopted.is_empty() {
                (none(w))
            } @else {
                table {
                    (headings(&[w.level, w.rule, w.support, w.anchors]))
                    @for a in &report.adopted {
                        @let mark = decision_mark(w, a.confirmed, a.adopted_with_large_gap);
                        tr {
                            td { (level_label(report, a.level)) }
                            td { (User(&a.text)) }
                            td class="n" { (pct(a.support)) (warning(mark)) }
                            td { (joined(&a.anchors, "; ")) }
                        }
                    }
                }
            }
        }
    }
}

/// A level: its priorities in the current and earlier vote rounds, and its rules.
fn level(w: &Words, groups: &[String], level: &LevelReport) -> Markup {
    html! {
        section {
            h2 { (Text(&level.name)) }
            h3 { (w.priorities) }
            @if level.priorities.is_empty() {
                (none(w))
            } @else {
                (priorities(w, groups, &level.priorities, level.dots_revealed))
                @if let Some(voters) = level.voters {
                    p {
                        small { (w.vote_round) " " (level.vote_round) " · " (voters) " " (w.voters) }
                    }
                }
            }
            @for round in &level.earlier_vote_rounds {
                h4 { (w.vote_round) " " (round.round) " (" (round.voters) " " (w.voters) ")" }
                (priorities(w, groups, &round.priorities, true))
            }
            h3 { (w.rules) }
            @if level.rules.is_empty() {
                (none(w))
            }
            @for r in &level.rules {
                (rule(w, groups, r))
            }
        }
    }
}

/// Every decision about a rule, in order.
fn decisions(w: &Words, report: &Report) -> Markup {
    html! {
        section {
            h2 { (w.decisions) }
            table {
                (headings(&[w.time, w.level, w.rule, w.decision, w.round]))
                @for d in &report.decisions {
                    tr {
                        td { (Text(&d.when(report))) }
                        td { (level_label(report, d.level)) }
                        td { (User(&d.rule)) }
                        td {
                            (action_word(w, d.action))
                            (warning(decision_mark(w, d.confirmed, false)))
                        }
                        td class="n" { (d.round) }
                    }
                }
            }
        }
    }
}

/// Every phase change, in local time.
fn timeline(w: &Words, report: &Report) -> Markup {
    html! {
        section {
            h2 { (w.timeline) }
            table {
                tr { th { (w.time) " (" (Text(&report.time_zone)) ")" } th { (w.phase) } }
                @for t in &report.timeline {
                    tr {
                        td { (Text(&t.when(report))) }
                        td { (t.phase + 1) ". " (User(&t.title)) }
                    }
                }
            }
        }
    }
}

/// HTML: a page that prints well to PDF from the browser, with the charts as inline SVG. Every
/// user text is escaped and isolated in `<bdi>` (`escape::html_user`); the list of adopted
/// rules prints on a page of its own.
pub fn html(report: &Report) -> String {
    let w = words(report);
    let groups = report.group_names();
    let page = html! {
        (PreEscaped(DOCTYPE))
        html lang=(Text(&report.language)) {
            head {
                meta charset="utf-8";
                // No element can isolate text inside <title>: its bidi controls go.
                title { (Text(&escape::plain(&report.title))) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                (heading(w, report))
                (participants(w, report))
                @if let Some(a) = &report.assessment {
                    (assessment(w, &groups, report, a))
                }
                (adopted(w, report))
                @for l in &report.levels {
                    (level(w, &groups, l))
                }
                @if !report.decisions.is_empty() {
                    (decisions(w, report))
                }
                @if !report.comparison.is_empty() {
                    (comparison(w, &groups, report))
                }
                (timeline(w, report))
            }
        }
        "\n"
    };
    page.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ict_and_business_keep_their_colours_and_named_groups_take_the_rest() {
        let two = groups(&["business", "ict"]);
        assert_eq!(group_colour(&two, "ict"), "#1d6fb8");
        assert_eq!(group_colour(&two, "business"), "#b35200");
        let four = groups(&["Beleid", "ict", "Raad", "OR"]);
        assert_eq!(group_colour(&four, "ict"), "#1d6fb8");
        assert_eq!(group_colour(&four, "Beleid"), "#b35200");
        assert_eq!(group_colour(&four, "Raad"), "#5b3a8c");
        assert_eq!(group_colour(&four, "OR"), "#00756b");
        assert_eq!(group_colour(&four, "weg"), OTHER_GROUP_COLOUR);
        let named = groups(&["A", "B", "C", "D"]);
        let colours: Vec<&str> = named.iter().map(|g| group_colour(&named, g)).collect();
        assert_eq!(colours, GROUP_COLOURS);
    }
}

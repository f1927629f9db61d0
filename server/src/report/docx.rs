//! The report as a Word document (`.docx`), for the policy note itself: a policy officer opens
//! it in Word or LibreOffice and edits on, instead of retyping the Markdown report. It tells what
//! the Markdown and HTML reports tell, in the same order and the same words (`words.rs`): a title
//! page (organisation, title, date and place, the earlier session a follow-up continues), the
//! adopted rules of thumb on a page of their own, who took part, per level the priorities with
//! dots per group and the rules with support per group and every rating round (each rule with a
//! chart of its support: bars overall and per group as PNG images, coloured as in the app, the
//! percentage beside each as text), the decision log, then and now for a follow-up, and the
//! timeline.
//!
//! Headings are real heading styles (`Heading1` … `Heading3`, defined here with outline levels
//! 0–2 and the built-in names `heading 1` …), so that the navigation pane of Word and the
//! navigator of LibreOffice list them and a table of contents can be inserted.
//!
//! Written with `docx-rs` (MIT, a maintained `.docx` writer with a typed document model: styles,
//! tables, page breaks and PNG images; it escapes the five XML special characters of every text
//! it writes). The alternatives were `docx` (unmaintained since 2020) and a hand-written
//! WordprocessingML package, which is a lot of XML to get right. The crate's `image` feature
//! (which pulls in the `image` crate to convert pictures) is off: a picture here is a PNG already,
//! written with the `png` crate. docx-rs stores one copy of identical pictures and writes every
//! picture's `wp:docPr` with id 1; LibreOffice 7.4 opens and renders such files without a
//! complaint (checked by converting to PDF); Word was not available to check.
//!
//! Every user text goes through `escape::plain` first: XML 1.0 cannot hold most control
//! characters at all (a NUL would make the file unreadable, and docx-rs does not drop them), and
//! bidirectional controls are dropped as in the Markdown and CSV reports.

use std::fmt::Display;

use docx_rs::{
    AlignmentType, Docx, DocxError, LineSpacing, Paragraph, Pic, Run, RunFonts, Style, StyleType,
    Table, TableCell, TableCellMargins, TableLayoutType, TableRow, WidthType,
};

/// The width of the text on an A4 page with docx-rs's default margins (3 cm left and right), in
/// twentieths of a point: what a table spans.
const TEXT_WIDTH: usize = 11906 - 2 * 1701;

use super::RenderError;
use super::escape;
use super::html::{OVERALL, group_colour};
use super::model::{Priority, Report, ReportLogo, RuleLine};
use super::words::{
    Words, action_word, assessment_table, assessment_taken, counts, decision_mark, group_count,
    level_label, pct, rank_text, score, status_word, support_words, when, words,
};
use draagvlak_protocol::view::{AssessmentView, SupportView};

/// A user text as it may stand in the document (see the module documentation).
fn user(text: &str) -> String {
    escape::plain(text)
}

/// A group as the app and the HTML report name it ("ICT", "Business", or its own name).
fn group(g: &str) -> String {
    super::words::group_label(g).map_or_else(|| user(g), str::to_owned)
}

/// A paragraph of one run of text.
fn para(text: impl Into<String>) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text))
}

/// A heading: `level` 1 to 3, in the style `Heading1` … `Heading3`.
fn heading(level: u8, text: impl Into<String>) -> Paragraph {
    para(text).style(&format!("Heading{level}")).keep_next(true)
}

/// An item of a list, one level deep (`depth` 0) or more, drawn with a bullet and an indent
/// (plain paragraphs: a numbering definition would add nothing a reader sees).
fn item(depth: i32, text: impl Into<String>) -> Paragraph {
    let text: String = text.into();
    para(format!("• {text}")).indent(Some(360 * (depth + 1)), None, None, None)
}

/// A note in italics (ties, names withheld, none).
fn note(text: impl Into<String>) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text).italic())
}

/// ` ⚠ warning` after a text, when a decision carries one.
fn warn(text: &mut String, mark: Option<&str>) {
    if let Some(mark) = mark {
        text.push_str(" ⚠ ");
        text.push_str(mark);
    }
}

/// A table being filled: its columns (name, whether it holds figures, aligned right), then rows.
struct Grid {
    columns: Vec<(String, bool)>,
    rows: Vec<Vec<String>>,
}

impl Grid {
    fn new() -> Grid {
        Grid {
            columns: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// A column of text (aligned left).
    fn text(mut self, name: impl Display) -> Grid {
        self.columns.push((name.to_string(), false));
        self
    }

    /// A column of figures (aligned right).
    fn figure(mut self, name: impl Display) -> Grid {
        self.columns.push((name.to_string(), true));
        self
    }

    /// One column of figures per group, named by `name`.
    fn per_group(self, groups: &[String], name: impl Fn(&str) -> String) -> Grid {
        groups.iter().fold(self, |grid, g| grid.figure(name(g)))
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn cell(text: &str, figure: bool, bold: bool, width: usize) -> TableCell {
        // Tables in 9 points, so that a column of percentages stays one figure wide.
        let mut run = Run::new().add_text(text).size(18);
        if bold {
            run = run.bold();
        }
        let mut p = Paragraph::new().add_run(run);
        if figure {
            p = p.align(AlignmentType::Right);
        }
        TableCell::new()
            .add_paragraph(p)
            .width(width, WidthType::Dxa)
    }

    /// The table across the page: a column of figures 1.6 cm wide (narrower when there are
    /// many, but never less than half a text column), the text columns sharing the rest; a bold
    /// head row, then the rows (a missing cell stays empty).
    fn table(self) -> Table {
        let figures = self.columns.iter().filter(|(_, f)| *f).count();
        let texts = self.columns.len() - figures;
        let figure_width = (TEXT_WIDTH / (figures + 2 * texts).max(1)).min(900);
        let text_width = TEXT_WIDTH.saturating_sub(figures * figure_width) / texts.max(1);
        let widths: Vec<usize> = self
            .columns
            .iter()
            .map(|(_, f)| if *f { figure_width } else { text_width })
            .collect();
        let head = TableRow::new(
            self.columns
                .iter()
                .zip(&widths)
                .map(|((name, figure), w)| Grid::cell(name, *figure, true, *w))
                .collect(),
        )
        .cant_split();
        let mut rows = vec![head];
        for row in &self.rows {
            rows.push(
                TableRow::new(
                    self.columns
                        .iter()
                        .zip(&widths)
                        .enumerate()
                        .map(|(i, ((_, figure), w))| {
                            Grid::cell(row.get(i).map_or("", String::as_str), *figure, false, *w)
                        })
                        .collect(),
                )
                .cant_split(),
            );
        }
        Table::new(rows)
            .style("ReportTable")
            .set_grid(widths)
            .layout(TableLayoutType::Fixed)
            .margins(
                TableCellMargins::new()
                    .margin_left(57, WidthType::Dxa)
                    .margin_right(57, WidthType::Dxa),
            )
            .width(TEXT_WIDTH, WidthType::Dxa)
    }
}

/// The size of a bar's PNG in pixels, and as shown on the page: 4.5 cm by 0.315 cm (in English
/// Metric Units, 360 000 to the centimetre), about 225 pixels to the inch.
const BAR_PIXELS: (u32, u32) = (400, 28);
const BAR_EMU: (u32, u32) = (1_620_000, 113_400);

/// A colour `#rrggbb` as its three bytes (black when it is not one).
fn rgb(hex: &str) -> [u8; 3] {
    let byte = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0)
    };
    [byte(1), byte(3), byte(5)]
}

/// A horizontal bar as a PNG: the share filled in `colour` from the left, the rest in the light
/// grey of the HTML report's track. The same bar as the HTML report draws in SVG; written pixel
/// by pixel (two rectangles need no rasteriser) and encoded with the `png` crate.
fn bar_png(share: Option<f64>, colour: &str) -> Result<Vec<u8>, png::EncodingError> {
    let (width, height) = BAR_PIXELS;
    let filled = (share.unwrap_or(0.0).clamp(0.0, 1.0) * f64::from(width)).round() as u32;
    let (on, off) = (rgb(colour), rgb("#e5e9f0"));
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for _ in 0..height {
        for x in 0..width {
            pixels.extend_from_slice(if x < filled { &on } else { &off });
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}

/// A rule's support as a chart, as the HTML report draws it: a row for everyone and one per
/// group, each with its name, a bar (an image) and the percentage as text (what a screen reader
/// reads: the bar adds nothing to it).
fn support_chart(w: &Words, groups: &[String], s: &SupportView) -> Result<Table, RenderError> {
    // Indented like the rule's bullet above it.
    let indent = 360;
    let label_width = TEXT_WIDTH / 4;
    let bar_width = TEXT_WIDTH - indent - label_width;
    let mut rows = Vec::new();
    let mut add = |label: String, share: Option<f64>, colour: &str| -> Result<(), RenderError> {
        let (px, py) = BAR_PIXELS;
        let bar =
            Pic::new_with_dimensions(bar_png(share, colour)?, px, py).size(BAR_EMU.0, BAR_EMU.1);
        let label = Paragraph::new().add_run(Run::new().add_text(label).size(18));
        let figure = Paragraph::new()
            .add_run(Run::new().add_image(bar))
            .add_run(Run::new().add_text(format!(" {}", pct(share))).size(18));
        rows.push(
            TableRow::new(vec![
                TableCell::new()
                    .add_paragraph(label)
                    .width(label_width, WidthType::Dxa),
                TableCell::new()
                    .add_paragraph(figure)
                    .width(bar_width, WidthType::Dxa),
            ])
            .cant_split(),
        );
        Ok(())
    };
    add(w.support.to_string(), s.overall, OVERALL)?;
    for g in groups {
        add(
            group(g),
            s.by_group.get(g).copied().flatten(),
            group_colour(groups, g),
        )?;
    }
    Ok(Table::without_borders(rows)
        .set_grid(vec![label_width, bar_width])
        .layout(TableLayoutType::Fixed)
        .indent(indent as i32)
        .width(TEXT_WIDTH - indent, WidthType::Dxa))
}

/// The document being written, top to bottom.
struct Writer {
    doc: Docx,
}

impl Writer {
    fn p(&mut self, p: Paragraph) {
        self.doc = std::mem::take(&mut self.doc).add_paragraph(p);
    }

    fn table(&mut self, grid: Grid) {
        self.raw_table(grid.table());
    }

    fn raw_table(&mut self, table: Table) {
        self.doc = std::mem::take(&mut self.doc).add_table(table);
        // Two tables in a row would run into one another.
        self.p(Paragraph::new());
    }
}

/// The styles the document uses: headings with outline levels (what a word processor's outline
/// and navigation show), the title, and a table with thin borders.
fn styles(doc: Docx) -> Docx {
    let heading = |level: usize, size: usize| {
        Style::new(format!("Heading{level}"), StyleType::Paragraph)
            .name(format!("heading {level}"))
            .based_on("Normal")
            .next("Normal")
            .q_format(true)
            .ui_priority(9)
            .outline_lvl(level - 1)
            .line_spacing(
                LineSpacing::new()
                    .before(if level == 1 { 360 } else { 240 })
                    .after(80),
            )
            .size(size)
            .bold()
            .color("1F3864")
    };
    let font = "Calibri";
    doc.default_size(22)
        .default_fonts(RunFonts::new().ascii(font).hi_ansi(font).cs(font))
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .based_on("Normal")
                .next("Normal")
                .q_format(true)
                .line_spacing(LineSpacing::new().before(3600).after(240))
                .size(56)
                .bold()
                .color("1F3864"),
        )
        .add_style(
            Style::new("Subtitle", StyleType::Paragraph)
                .name("Subtitle")
                .based_on("Normal")
                .next("Normal")
                .q_format(true)
                .line_spacing(LineSpacing::new().after(120))
                .size(32)
                .color("404040"),
        )
        .add_style(heading(1, 32))
        .add_style(heading(2, 26))
        .add_style(heading(3, 22))
        .add_style(
            Style::new("ReportTable", StyleType::Table)
                .name("Report table")
                .based_on("TableNormal"),
        )
}

/// A table of priorities (with dots per group when revealed) and the note on ties.
fn priorities(out: &mut Writer, w: &Words, groups: &[String], list: &[Priority], revealed: bool) {
    let then = list.iter().any(|p| p.dots_then.is_some());
    let mut grid = Grid::new().figure("#").text(w.statement).figure(w.dots);
    if revealed {
        grid = grid.per_group(groups, group);
    }
    if then {
        grid = grid.figure(w.dots_then);
    }
    for p in list {
        let dots = p
            .dots
            .map(|d| d.to_string())
            .unwrap_or_else(|| w.not_revealed.to_string());
        let mut text = user(&p.text);
        if !p.cluster_of.is_empty() {
            let members: Vec<String> = p.cluster_of.iter().map(|m| user(m)).collect();
            text = format!("{text} ({}: {})", w.cluster_of, members.join("; "));
        }
        if p.from_facilitator {
            text = format!("{text} ({})", w.by_facilitator);
        }
        let mut row = vec![rank_text(p), text, dots];
        if revealed {
            for g in groups {
                row.push(p.dots_by_group.get(g).copied().unwrap_or(0).to_string());
            }
        }
        if then {
            row.push(p.dots_then.map(|d| d.to_string()).unwrap_or_default());
        }
        grid.row(row);
    }
    out.table(grid);
    if list.iter().any(|p| p.rank.is_some_and(|r| r.tied)) {
        out.p(note(w.ties));
    }
}

/// The table of a level's rules: status, round, raters, support overall and per group, gap.
fn rules_table(out: &mut Writer, w: &Words, groups: &[String], rules: &[RuleLine]) {
    let mut grid = Grid::new()
        .text(w.rule)
        .text(w.status)
        .figure(w.round)
        .figure(w.raters)
        .figure(w.support)
        .per_group(groups, group)
        .figure(w.gap);
    for r in rules {
        let mut status = status_word(w, r.status).to_string();
        warn(
            &mut status,
            decision_mark(w, r.confirmed, r.adopted_with_large_gap),
        );
        let mut row = vec![
            user(&r.text),
            status,
            r.round.to_string(),
            r.raters.to_string(),
        ];
        match &r.support {
            Some(s) => {
                row.push(pct(s.overall));
                for g in groups {
                    row.push(pct(s.by_group.get(g).copied().flatten()));
                }
                row.push(pct(s.gap));
            }
            None => row.extend((0..groups.len() + 2).map(|_| w.not_revealed.to_string())),
        }
        grid.row(row);
    }
    out.table(grid);
}

/// Each rule with a chart of its support (its last revealed round), its anchors and every
/// round: support, raters, reasons.
fn rule_rounds(
    out: &mut Writer,
    w: &Words,
    groups: &[String],
    rules: &[RuleLine],
) -> Result<(), RenderError> {
    for r in rules {
        let mut text = user(&r.text);
        if r.from_facilitator {
            text = format!("{text} ({})", w.by_facilitator);
        }
        out.p(item(0, text).keep_next(true));
        if let Some(s) = &r.support {
            out.raw_table(support_chart(w, groups, s)?);
        }
        if !r.anchors.is_empty() {
            let anchors: Vec<String> = r.anchors.iter().map(|a| user(a)).collect();
            out.p(item(1, format!("{}: {}", w.anchors, anchors.join("; "))));
        }
        for round in &r.rounds {
            let mut line = format!("{} {}", w.round, round.round);
            if let Some(text) = round.text.as_ref().filter(|t| **t != r.text) {
                line = format!("{line} ({}: {})", w.as_rated, user(text));
            }
            match &round.support {
                Some(s) => line = format!("{line}: {}", support_words(w, groups, s, group)),
                None => line = format!("{line}: {}", w.not_revealed),
            }
            line = format!("{line}; {} {}", w.raters, round.raters);
            if let Some(n) = round.support.as_ref().map(|s| s.removed).filter(|n| *n > 0) {
                line = format!("{line} ({n} {})", w.removed_raters);
            }
            out.p(item(1, line));
            if !round.reasons.is_empty() {
                out.p(item(2, format!("{}:", w.reasons)));
                for reason in &round.reasons {
                    out.p(item(3, user(reason)));
                }
            }
        }
    }
    Ok(())
}

/// For a follow-up: each carried rule's support then and its review now, overall and per group.
fn comparison(out: &mut Writer, w: &Words, groups: &[String], report: &Report) {
    out.p(heading(1, w.comparison));
    let mut grid = Grid::new()
        .text(w.rule)
        .figure(w.then)
        .per_group(groups, |g| format!("{} {}", w.then, group(g)))
        .figure(format_args!("{} ({})", w.applied, w.answers))
        .per_group(groups, |g| format!("{} {}", w.applied, group(g)))
        .figure(format_args!("{} ({})", w.still_right, w.answers))
        .per_group(groups, |g| format!("{} {}", w.still_right, group(g)));
    for c in &report.comparison {
        let then = c.then.as_ref();
        let mut row = vec![user(&c.text), pct(then.and_then(|s| s.overall))];
        for g in groups {
            row.push(pct(then.and_then(|s| s.by_group.get(g).copied().flatten())));
        }
        match &c.now {
            Some(now) => {
                for (all, by_group) in [
                    (&now.applied, &now.applied_by_group),
                    (&now.still_right, &now.still_right_by_group),
                ] {
                    row.push(counts(all));
                    for g in groups {
                        row.push(by_group.get(g).map(counts).unwrap_or_default());
                    }
                }
            }
            None => row.extend((0..2 * (groups.len() + 1)).map(|_| w.not_revealed.to_string())),
        }
        grid.row(row);
    }
    out.table(grid);
}

/// The title page: the session's title, organisation, the kind of document, place, code, date
/// and, for a follow-up, the session it continues (the trajectory so far).
fn title_page(out: &mut Writer, w: &Words, report: &Report) {
    if let Some(logo) = &report.logo {
        out.p(Paragraph::new().add_run(Run::new().add_image(logo_picture(logo))));
    }
    out.p(para(user(&report.title)).style("Title"));
    if escape::shows(&report.organisation) {
        out.p(para(user(&report.organisation)).style("Subtitle"));
    }
    out.p(para(w.policy_note).style("Subtitle"));
    if escape::shows(&report.place) {
        out.p(para(format!("{}: {}", w.place, user(&report.place))));
    }
    if let Some(when) = when(report) {
        out.p(para(format!("{}: {when}", w.date)));
    }
    out.p(para(format!("{}: {}", w.code, user(&report.code))));
    if let Some(f) = &report.follows {
        out.p(para(format!(
            "{}: {} ({})",
            w.follows,
            user(&f.title),
            user(&f.code)
        )));
    }
}

/// EMU (English Metric Units) per centimetre.
const EMU_PER_CM: f64 = 360_000.0;

/// The organisation's logo on the title page: at most 6 cm wide and 2.5 cm high, its
/// proportions kept.
fn logo_picture(logo: &ReportLogo) -> Pic {
    let (w, h) = (f64::from(logo.width.max(1)), f64::from(logo.height.max(1)));
    let scale = (6.0 * EMU_PER_CM / w).min(2.5 * EMU_PER_CM / h);
    Pic::new_with_dimensions(logo.png.clone(), logo.width, logo.height)
        .size((w * scale) as u32, (h * scale) as u32)
}

/// The adopted rules of every level, on a page of their own.
fn adopted(out: &mut Writer, w: &Words, report: &Report) {
    out.p(heading(1, w.adopted).page_break_before(true));
    if report.adopted.is_empty() {
        out.p(note(w.none));
        return;
    }
    let mut grid = Grid::new()
        .text(w.level)
        .text(w.rule)
        .figure(w.support)
        .text(w.anchors);
    for a in &report.adopted {
        let anchors: Vec<String> = a.anchors.iter().map(|x| user(x)).collect();
        let mut support = pct(a.support);
        warn(
            &mut support,
            decision_mark(w, a.confirmed, a.adopted_with_large_gap),
        );
        grid.row(vec![
            level_label(report, a.level).to_string(),
            user(&a.text),
            support,
            anchors.join("; "),
        ]);
    }
    out.table(grid);
}

/// Who took part, per group (names only where the model shows them).
fn participants(out: &mut Writer, w: &Words, report: &Report) {
    out.p(heading(1, w.participants).page_break_before(true));
    let mut grid = Grid::new().text(w.group).figure(w.count).text(w.names);
    for g in &report.groups {
        let names: Vec<String> = g.names.iter().map(|n| user(n)).collect();
        grid.row(vec![group(&g.group), group_count(w, g), names.join(", ")]);
    }
    out.table(grid);
    if report.names_withheld() {
        out.p(note(w.names_hidden));
    }
    if report.equal_group_weight {
        out.p(note(w.equal_weight));
    }
}

/// The maturity self-assessment: per dimension the mean score overall and per group (in a
/// follow-up then next to now), the gap and the "don't know" answers, once revealed.
fn assessment(out: &mut Writer, w: &Words, report: &Report, a: &AssessmentView) {
    let aw = &w.assessment;
    out.p(heading(1, aw.title));
    out.p(para(assessment_taken(w, a)));
    let Some(results) = &a.results else {
        out.p(note(w.not_revealed));
        return;
    };
    let table = assessment_table(report, w, a, results);
    let mut grid = table
        .columns
        .iter()
        .fold(Grid::new().text(aw.dimension), |grid, c| grid.figure(c));
    for (title, figures, dont_know) in &table.rows {
        let mut row = vec![user(title)];
        row.extend(figures.iter().map(|f| score(report, *f)));
        row.push(dont_know.to_string());
        grid.row(row);
    }
    out.table(grid);
    out.p(note(aw.scale));
}

/// The decision log and the timeline.
fn record(out: &mut Writer, w: &Words, report: &Report) {
    if !report.decisions.is_empty() {
        out.p(heading(1, w.decisions));
        let mut grid = Grid::new()
            .text(w.time)
            .text(w.level)
            .text(w.rule)
            .text(w.decision)
            .figure(w.round);
        for d in &report.decisions {
            let mut what = action_word(w, d.action);
            warn(&mut what, decision_mark(w, d.confirmed, false));
            grid.row(vec![
                d.when(report),
                level_label(report, d.level).to_string(),
                user(&d.rule),
                what,
                d.round.to_string(),
            ]);
        }
        out.table(grid);
    }
    let groups = report.group_names();
    if !report.comparison.is_empty() {
        comparison(out, w, &groups, report);
    }
    out.p(heading(1, w.timeline));
    let mut grid = Grid::new()
        .text(format_args!("{} ({})", w.time, user(&report.time_zone)))
        .text(w.phase);
    for t in &report.timeline {
        grid.row(vec![
            t.when(report),
            format!("{}. {}", t.phase + 1, user(&t.title)),
        ]);
    }
    out.table(grid);
}

/// The report as a `.docx` file.
pub(super) fn document(report: &Report) -> Result<Vec<u8>, RenderError> {
    let w = words(report);
    let groups = report.group_names();
    let mut out = Writer {
        doc: styles(Docx::new()),
    };
    title_page(&mut out, w, report);
    adopted(&mut out, w, report);
    participants(&mut out, w, report);
    if let Some(a) = &report.assessment {
        assessment(&mut out, w, report, a);
    }
    for level in &report.levels {
        out.p(heading(1, user(&level.name)));
        out.p(heading(2, w.priorities));
        if level.priorities.is_empty() {
            out.p(note(w.none));
        } else {
            priorities(&mut out, w, &groups, &level.priorities, level.dots_revealed);
            if let Some(voters) = level.voters {
                out.p(para(format!(
                    "{} {} · {voters} {}",
                    w.vote_round, level.vote_round, w.voters
                )));
            }
        }
        for round in &level.earlier_vote_rounds {
            out.p(heading(
                3,
                format!(
                    "{} {} ({} {})",
                    w.vote_round, round.round, round.voters, w.voters
                ),
            ));
            priorities(&mut out, w, &groups, &round.priorities, true);
        }
        out.p(heading(2, w.rules));
        if level.rules.is_empty() {
            out.p(note(w.none));
            continue;
        }
        rules_table(&mut out, w, &groups, &level.rules);
        rule_rounds(&mut out, w, &groups, &level.rules)?;
    }
    record(&mut out, w, report);
    let mut bytes = std::io::Cursor::new(Vec::new());
    out.doc.pack(&mut bytes).map_err(DocxError::from)?;
    Ok(bytes.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_fills_its_share_in_its_colour() {
        let png = bar_png(Some(0.25), "#1d6fb8").expect("a bar");
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let mut reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .expect("a PNG");
        let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
        let info = reader.next_frame(&mut pixels).expect("a frame");
        assert_eq!((info.width, info.height), BAR_PIXELS);
        let row: Vec<&[u8]> = pixels[..info.width as usize * 3].chunks(3).collect();
        assert_eq!(row[0], [0x1d, 0x6f, 0xb8]);
        assert_eq!(row[99], [0x1d, 0x6f, 0xb8]);
        assert_eq!(row[100], [0xe5, 0xe9, 0xf0]);
        // No share (nobody rated): an empty track; a share out of range is clamped.
        for (share, filled) in [(None, 0), (Some(-1.0), 0), (Some(2.0), 400)] {
            let png = bar_png(share, "#000000").expect("a bar");
            let mut reader = png::Decoder::new(std::io::Cursor::new(png))
                .read_info()
                .expect("a PNG");
            let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
            reader.next_frame(&mut pixels).expect("a frame");
            let black = pixels[..1200].chunks(3).filter(|p| *p == [0, 0, 0]).count();
            assert_eq!(black, filled, "{share:?}");
        }
    }

    #[test]
    fn colours_are_read_from_hex() {
        assert_eq!(rgb("#b35200"), [0xb3, 0x52, 0x00]);
        assert_eq!(rgb("nonsense"), [0, 0, 0]);
    }
}

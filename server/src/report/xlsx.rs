//! The report as an `.xlsx` workbook, one sheet per table, for people who work on in a
//! spreadsheet: numbers are numbers (support as a percentage format, so the spreadsheet shows
//! what the room saw, rounded half away from zero), and text cells are text. Written with
//! rust_xlsxwriter.
//!
//! A text is stored as a string cell, never as a formula; one that starts like a formula also
//! gets the "quote prefix" style, so that editing the cell later does not turn it into one.

use rust_xlsxwriter::{Format as CellFormat, Workbook, Worksheet, XlsxError};

use super::escape;
use super::model::Report;
use super::words::{
    action_word, assessment_table, decision_mark, group_name, level_label, status_word, words,
};

/// One sheet being filled row by row.
struct Sheet<'a> {
    sheet: &'a mut Worksheet,
    row: u32,
    bold: CellFormat,
    percent: CellFormat,
    quoted: CellFormat,
}

/// A cell value.
enum Cell {
    Text(String),
    Number(f64),
    Share(Option<f64>),
    Empty,
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

impl Sheet<'_> {
    fn header(&mut self, names: &[impl AsRef<str>]) -> Result<(), XlsxError> {
        for (col, name) in names.iter().enumerate() {
            let col = col_index(col);
            self.sheet.write_string_with_format(
                self.row,
                col,
                fit(escape::plain(name.as_ref())),
                &self.bold,
            )?;
            self.sheet
                .set_column_width(col, if col == 0 { 14 } else { 18 })?;
        }
        self.sheet.set_freeze_panes(1, 0)?;
        self.row += 1;
        Ok(())
    }

    fn line(&mut self, cells: Vec<Cell>) -> Result<(), XlsxError> {
        for (col, cell) in cells.into_iter().enumerate() {
            let col = col_index(col);
            match cell {
                Cell::Text(t) => {
                    let t = fit(escape::plain(&t));
                    if t.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                        self.sheet
                            .write_string_with_format(self.row, col, t, &self.quoted)?;
                    } else {
                        self.sheet.write_string(self.row, col, t)?;
                    }
                }
                Cell::Number(n) => {
                    self.sheet.write_number(self.row, col, n)?;
                }
                Cell::Share(Some(s)) => {
                    self.sheet
                        .write_number_with_format(self.row, col, s, &self.percent)?;
                }
                Cell::Share(None) | Cell::Empty => {}
            }
        }
        self.row += 1;
        Ok(())
    }
}

/// Characters a spreadsheet cell holds (Excel's limit).
const MAX_CELL_CHARS: usize = 32_767;

/// A text cut to what a cell holds, with `…` where it was cut (only a list of many long
/// names could be longer).
fn fit(text: String) -> String {
    if text.chars().count() <= MAX_CELL_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_CELL_CHARS - 1).collect();
    cut.push('…');
    cut
}

fn col_index(col: usize) -> u16 {
    u16::try_from(col).unwrap_or(u16::MAX)
}

fn sheet<'a>(workbook: &'a mut Workbook, name: &str) -> Result<Sheet<'a>, XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    Ok(Sheet {
        sheet,
        row: 0,
        bold: CellFormat::new().set_bold(),
        percent: CellFormat::new().set_num_format("0%"),
        quoted: CellFormat::new().set_quote_prefix(),
    })
}

/// The workbook's bytes.
pub(super) fn workbook(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let w = words(report);
    let groups = report.group_names();
    let with_groups = |fixed: &[&str], per_group: &str, after: &[&str]| -> Vec<String> {
        let mut out: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
        out.extend(
            groups
                .iter()
                .map(|g| format!("{per_group} {}", group_name(g))),
        );
        out.extend(after.iter().map(|s| s.to_string()));
        out
    };
    let mut book = Workbook::new();

    let mut s = sheet(&mut book, w.session)?;
    s.header(&[w.session, ""])?;
    let times = match (&report.start_time, &report.end_time) {
        (Some(a), Some(b)) => format!("{a}–{b}"),
        _ => String::new(),
    };
    for (label, value) in [
        (w.title, report.title.as_str()),
        (w.organisation, report.organisation.as_str()),
        (w.place, report.place.as_str()),
        (w.date, report.date.as_deref().unwrap_or("")),
        (w.time, times.as_str()),
        (w.time_zone, report.time_zone.as_str()),
        (w.code, report.code.as_str()),
    ] {
        s.line(vec![text(label), text(value)])?;
    }

    let mut s = sheet(&mut book, w.participants)?;
    s.header(&[w.group, w.count, w.proxies, w.removed, w.names])?;
    for g in &report.groups {
        s.line(vec![
            text(group_name(&g.group)),
            Cell::Number(g.participants.into()),
            Cell::Number(g.proxies.into()),
            Cell::Number(g.removed.into()),
            Cell::Text(g.names.join(", ")),
        ])?;
    }

    if let Some(a) = &report.assessment
        && let Some(results) = &a.results
    {
        // Per dimension the mean scores (then and now in a follow-up), the gap, "don't know".
        let table = assessment_table(report, w, a, results);
        let mut s = sheet(&mut book, w.assessment.sheet)?;
        let mut head = vec![w.assessment.dimension.to_string()];
        head.extend(table.columns);
        s.header(&head)?;
        for (title, figures, dont_know) in table.rows {
            let mut cells = vec![Cell::Text(title)];
            cells.extend(
                figures
                    .into_iter()
                    .map(|f| f.map_or(Cell::Empty, Cell::Number)),
            );
            cells.push(Cell::Number(dont_know.into()));
            s.line(cells)?;
        }
    }

    let mut s = sheet(&mut book, w.adopted_sheet)?;
    s.header(&[w.level, w.rule, w.support, w.anchors, w.warning])?;
    for a in &report.adopted {
        s.line(vec![
            text(level_label(report, a.level)),
            text(&a.text),
            Cell::Share(a.support),
            Cell::Text(a.anchors.join("; ")),
            decision_mark(w, a.confirmed, a.adopted_with_large_gap)
                .map(text)
                .unwrap_or(Cell::Empty),
        ])?;
    }

    let mut s = sheet(&mut book, w.priorities)?;
    s.header(&with_groups(
        &[w.level, w.vote_round, "#", w.statement, w.dots],
        w.dots,
        &[w.cluster_of, w.dots_then],
    ))?;
    for level in &report.levels {
        let rounds = std::iter::once((level.vote_round, &level.priorities)).chain(
            level
                .earlier_vote_rounds
                .iter()
                .map(|r| (r.round, &r.priorities)),
        );
        for (round, p) in rounds.flat_map(|(round, ps)| ps.iter().map(move |p| (round, p))) {
            let mut cells = vec![
                text(level_label(report, level.level)),
                Cell::Number(round.into()),
                p.rank
                    .map(|r| Cell::Text(r.to_string()))
                    .unwrap_or(Cell::Empty),
                text(&p.text),
                p.dots
                    .map(|d| Cell::Number(d.into()))
                    .unwrap_or_else(|| text(w.not_revealed)),
            ];
            for g in &groups {
                cells.push(match p.dots_by_group.get(g) {
                    Some(n) if p.dots.is_some() => Cell::Number((*n).into()),
                    _ => Cell::Empty,
                });
            }
            cells.push(Cell::Text(p.cluster_of.join("; ")));
            cells.push(
                p.dots_then
                    .map(|d| Cell::Number(d.into()))
                    .unwrap_or(Cell::Empty),
            );
            s.line(cells)?;
        }
    }

    // One row per rating round: the record of every round, with its text as rated.
    let mut s = sheet(&mut book, w.rules)?;
    s.header(&with_groups(
        &[
            w.level, "#", w.rule, w.status, w.round, w.as_rated, w.raters, w.support,
        ],
        w.support,
        &[w.gap, w.anchors, w.warning],
    ))?;
    for level in &report.levels {
        for (i, r) in level.rules.iter().enumerate() {
            for round in &r.rounds {
                let support = round.support.as_ref();
                let mut cells = vec![
                    text(level_label(report, level.level)),
                    Cell::Number((i + 1) as f64),
                    text(&r.text),
                    text(status_word(w, r.status)),
                    Cell::Number(round.round.into()),
                    round.text.as_deref().map(text).unwrap_or(Cell::Empty),
                    Cell::Number(round.raters.into()),
                    match support {
                        Some(s) => Cell::Share(s.overall),
                        None => text(w.not_revealed),
                    },
                ];
                for g in &groups {
                    cells.push(Cell::Share(
                        support.and_then(|s| s.by_group.get(g).copied().flatten()),
                    ));
                }
                cells.push(Cell::Share(support.and_then(|s| s.gap)));
                cells.push(Cell::Text(r.anchors.join("; ")));
                cells.push(
                    match decision_mark(w, r.confirmed, r.adopted_with_large_gap) {
                        Some(mark) if round.round == r.round => text(mark),
                        _ => Cell::Empty,
                    },
                );
                s.line(cells)?;
            }
        }
    }

    let mut s = sheet(&mut book, w.reasons_sheet)?;
    s.header(&[w.level, "#", w.rule, w.round, w.reasons])?;
    for level in &report.levels {
        for (i, r) in level.rules.iter().enumerate() {
            for round in &r.rounds {
                for reason in &round.reasons {
                    s.line(vec![
                        text(level_label(report, level.level)),
                        Cell::Number((i + 1) as f64),
                        text(round.text.as_deref().unwrap_or(&r.text)),
                        Cell::Number(round.round.into()),
                        text(reason),
                    ])?;
                }
            }
        }
    }

    if !report.comparison.is_empty() {
        let mut s = sheet(&mut book, w.comparison)?;
        let mut names = with_groups(&[w.level, w.rule, w.then], w.then, &[]);
        for question in [w.applied, w.still_right] {
            names.extend(w.answer_columns.map(|a| format!("{question} {a}")));
        }
        s.header(&names)?;
        for c in &report.comparison {
            let then = c.then.as_ref();
            let mut cells = vec![
                text(level_label(report, c.level)),
                text(&c.text),
                Cell::Share(then.and_then(|s| s.overall)),
            ];
            for g in &groups {
                cells.push(Cell::Share(
                    then.and_then(|s| s.by_group.get(g).copied().flatten()),
                ));
            }
            if let Some(now) = &c.now {
                for n in [&now.applied, &now.still_right] {
                    cells.extend([n.yes, n.partly, n.no].map(|x| Cell::Number(x.into())));
                }
            }
            s.line(cells)?;
        }
    }

    // Decisions and phase changes: the local date, and the time in the report's zone.
    let time = format!("{} ({})", w.time, report.time_zone);
    let mut s = sheet(&mut book, w.decisions)?;
    s.header(&[
        w.date, &time, w.level, "#", w.rule, w.decision, w.round, w.warning,
    ])?;
    for d in &report.decisions {
        s.line(vec![
            text(&d.date),
            text(&d.time),
            text(level_label(report, d.level)),
            Cell::Number(d.number.into()),
            text(&d.rule),
            Cell::Text(action_word(w, d.action)),
            Cell::Number(d.round.into()),
            decision_mark(w, d.confirmed, false)
                .map(text)
                .unwrap_or(Cell::Empty),
        ])?;
    }

    let mut s = sheet(&mut book, w.timeline)?;
    s.header(&[w.date, &time, w.phase])?;
    for t in &report.timeline {
        s.line(vec![
            text(&t.date),
            text(&t.time),
            Cell::Text(format!("{}. {}", t.phase + 1, t.title)),
        ])?;
    }
    book.save_to_buffer()
}

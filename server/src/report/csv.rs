//! The report as CSV, for a spreadsheet: one row per thing the session recorded (a priority, a
//! rule and each of its rounds and reasons, a decision, a group, a phase change), every row as
//! wide as the header, in two dialects ([`Dialect`]: international, and Dutch with `;`, a
//! decimal comma and Dutch names). Written with the `csv` crate, which quotes; every text cell
//! also goes through `escape::spreadsheet`, so that no text typed in the room opens as a
//! formula.

use draagvlak_protocol::intent::{DecisionAction, RuleStatus};
use draagvlak_protocol::view::{Confirmation, SupportView};

use super::Dialect;
use super::escape::{self, spreadsheet as cell};
use super::model::{Priority, Report};
use super::words::{CSV_EN, CSV_NL, CsvWords, NL, action_word, round_half_away, status_word};

impl Dialect {
    /// The dialect of a session's language: Dutch for `nl`, international otherwise.
    pub fn of(language: &str) -> Dialect {
        if language == "nl" {
            Dialect::Dutch
        } else {
            Dialect::International
        }
    }

    fn delimiter(self) -> u8 {
        match self {
            Dialect::International => b',',
            Dialect::Dutch => b';',
        }
    }

    /// A share from 0 to 1 with three decimals (rounded half away from zero), with the
    /// dialect's decimal separator: `0.667` or `0,667`.
    pub(super) fn share(self, share: Option<f64>) -> String {
        let Some(v) = share else {
            return String::new();
        };
        let text = format!("{:.3}", round_half_away(v, 3));
        match self {
            Dialect::International => text,
            Dialect::Dutch => text.replace('.', ","),
        }
    }

    fn words(self) -> &'static CsvWords {
        match self {
            Dialect::International => &CSV_EN,
            Dialect::Dutch => &CSV_NL,
        }
    }

    /// A rule's status as a value: `adopted`, or in Dutch `aangenomen`.
    fn status(self, status: RuleStatus) -> &'static str {
        match self {
            Dialect::International => status.as_str(),
            Dialect::Dutch => status_word(&NL, status),
        }
    }

    /// A decision of the log as a value: `new_round`, or in Dutch `nieuwe ronde`.
    fn action(self, action: DecisionAction) -> String {
        match self {
            Dialect::International => action.as_str().to_string(),
            Dialect::Dutch => action_word(&NL, action),
        }
    }
}

/// One row, by column; the cells a kind of row does not use stay empty. A group of columns
/// left empty (`support`, `dots_by_group`, `people`) is written as that many empty cells.
#[derive(Default)]
struct Row {
    kind: &'static str,
    level: String,
    rank: String,
    text: String,
    dots: String,
    status: String,
    round: String,
    raters: String,
    /// Support overall, per group, and the gap.
    support: Vec<String>,
    dots_by_group: Vec<String>,
    anchors: String,
    confirmed: String,
    time: String,
    /// Participants, proxies, removed, names.
    people: Vec<String>,
}

impl Row {
    fn cells(self, groups: usize) -> Vec<String> {
        let mut out = vec![
            self.kind.to_string(),
            self.level,
            self.rank,
            self.text,
            self.dots,
            self.status,
            self.round,
            self.raters,
        ];
        let mut columns = |cells: Vec<String>, width: usize| {
            let end = out.len() + width;
            out.extend(cells);
            out.resize(end, String::new());
        };
        columns(self.support, groups + 2);
        columns(self.dots_by_group, groups);
        columns(vec![self.anchors, self.confirmed, self.time], 3);
        columns(self.people, 4);
        out
    }
}

/// CSV: one row per priority (with its vote round), per priority of an earlier vote round, per
/// rule (its current round), per earlier rating round (its text as rated), per reason and per
/// decision, and per group (who took part) and phase change, after one row for the session
/// (title, organisation and place; date and local times), for a spreadsheet. Columns: kind,
/// level, rank (`2=` for a shared place), text, dots, status (for a decision: what was decided),
/// round (for a phase: its number), raters, support, support per group, gap, dots per group,
/// anchors, confirmed (the warning the facilitator confirmed), time (local, of a decision or a
/// phase change), participants, proxies, removed, names (of a group). Shares are from 0 to 1
/// with three decimals. Every text cell goes through `escape::spreadsheet`.
pub fn csv(report: &Report, dialect: Dialect) -> Result<String, csv::Error> {
    let cw = dialect.words();
    let groups = report.group_names();
    let mut header: Vec<String> = cw.columns.iter().map(|c| c.to_string()).collect();
    header.extend(groups.iter().map(|g| cell(&format!("{}_{g}", cw.support))));
    header.push(cw.gap.into());
    header.extend(groups.iter().map(|g| cell(&format!("{}_{g}", cw.dots))));
    header.push(cw.anchors.into());
    header.push(cw.confirmed.into());
    header.extend(cw.people.iter().map(|c| c.to_string()));
    let mut w = csv::WriterBuilder::new()
        .delimiter(dialect.delimiter())
        .from_writer(Vec::new());
    w.write_record(&header)?;
    for row in rows(report, dialect, &groups) {
        w.write_record(row.cells(groups.len()))?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Ok(match dialect {
        // The byte-order mark tells a spreadsheet the file is UTF-8.
        Dialect::Dutch => format!("\u{feff}{text}"),
        Dialect::International => text,
    })
}

/// Every row after the header, in order.
fn rows(report: &Report, dialect: Dialect, groups: &[String]) -> Vec<Row> {
    let cw = dialect.words();
    let kinds = &cw.kinds;
    let confirmed = |c: Option<Confirmation>| -> String {
        match c {
            Some(Confirmation::NoRatings) => cw.confirmations[0].into(),
            Some(Confirmation::LargeGap) => cw.confirmations[1].into(),
            None => String::new(),
        }
    };
    let support = |s: Option<&SupportView>| -> Vec<String> {
        let mut out = vec![dialect.share(s.and_then(|s| s.overall))];
        out.extend(
            groups
                .iter()
                .map(|g| dialect.share(s.and_then(|s| s.by_group.get(g).copied().flatten()))),
        );
        out.push(dialect.share(s.and_then(|s| s.gap)));
        out
    };
    let dots_by_group = |p: &Priority| -> Vec<String> {
        if p.dots.is_none() {
            return Vec::new();
        }
        groups
            .iter()
            .map(|g| p.dots_by_group.get(g).copied().unwrap_or(0).to_string())
            .collect()
    };
    let mut rows = Vec::new();
    // The session: title, organisation and place in the text, its date and times in `time`.
    let facts: Vec<&str> = [&report.title, &report.organisation, &report.place]
        .into_iter()
        .map(|t| t.as_str())
        .filter(|t| escape::shows(t))
        .collect();
    rows.push(Row {
        kind: kinds.session,
        text: cell(&facts.join(" · ")),
        time: match (&report.date, &report.start_time, &report.end_time) {
            (Some(d), Some(a), Some(b)) => format!("{d} {a}–{b} ({})", report.time_zone),
            _ => String::new(),
        },
        ..Row::default()
    });
    for g in &report.groups {
        rows.push(Row {
            kind: kinds.group,
            text: cell(&g.group),
            people: vec![
                g.participants.to_string(),
                g.proxies.to_string(),
                g.removed.to_string(),
                cell(&g.names.join(", ")),
            ],
            ..Row::default()
        });
    }
    for level in &report.levels {
        let lv = level.level.as_str();
        let rounds = std::iter::once((kinds.priority, level.vote_round, &level.priorities)).chain(
            level
                .earlier_vote_rounds
                .iter()
                .map(|r| (kinds.vote_round, r.round, &r.priorities)),
        );
        for (kind, round, priorities) in rounds {
            for p in priorities {
                rows.push(Row {
                    kind,
                    level: lv.into(),
                    rank: p.rank.map(|r| r.to_string()).unwrap_or_default(),
                    text: cell(&p.text),
                    dots: p.dots.map(|d| d.to_string()).unwrap_or_default(),
                    round: round.to_string(),
                    dots_by_group: dots_by_group(p),
                    ..Row::default()
                });
            }
        }
        for (i, r) in level.rules.iter().enumerate() {
            let number = (i + 1).to_string();
            let anchors: Vec<String> = r.anchors.iter().map(|a| escape::plain(a)).collect();
            rows.push(Row {
                kind: kinds.rule,
                level: lv.into(),
                rank: number.clone(),
                text: cell(&r.text),
                status: dialect.status(r.status).into(),
                round: r.round.to_string(),
                raters: r.raters.to_string(),
                support: support(r.support.as_ref()),
                anchors: cell(&anchors.join("; ")),
                confirmed: confirmed(r.confirmed),
                ..Row::default()
            });
            for round in &r.rounds {
                if round.round != r.round {
                    rows.push(Row {
                        kind: kinds.round,
                        level: lv.into(),
                        rank: number.clone(),
                        text: cell(round.text.as_deref().unwrap_or(&r.text)),
                        round: round.round.to_string(),
                        raters: round.raters.to_string(),
                        support: support(round.support.as_ref()),
                        ..Row::default()
                    });
                }
                for reason in &round.reasons {
                    rows.push(Row {
                        kind: kinds.reason,
                        level: lv.into(),
                        rank: number.clone(),
                        text: cell(reason),
                        round: round.round.to_string(),
                        ..Row::default()
                    });
                }
            }
        }
    }
    for d in &report.decisions {
        rows.push(Row {
            kind: kinds.decision,
            level: d.level.as_str().into(),
            rank: d.number.to_string(),
            text: cell(&d.rule),
            status: dialect.action(d.action),
            round: d.round.to_string(),
            confirmed: confirmed(d.confirmed),
            time: format!("{} {}", d.date, d.time),
            ..Row::default()
        });
    }
    for t in &report.timeline {
        rows.push(Row {
            kind: kinds.phase,
            text: cell(&t.title),
            round: (t.phase + 1).to_string(),
            time: format!("{} {}", t.date, t.time),
            ..Row::default()
        });
    }
    rows
}

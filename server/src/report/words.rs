//! The words of a report: every Dutch and English text and label the formats print (headings,
//! column names, statuses, warnings, the names of levels, weekdays and months), and the few
//! ways of writing a figure that every format shares (a share as `67%`, a rank as `2=`, the
//! session's date in words). They live in one place so that a translation is one edit, the two
//! languages cannot drift apart unnoticed (both are one struct, so a missing text does not
//! compile), and the formats say the same thing in the same words. Nothing here is user text:
//! user text is escaped by each format (`escape.rs`); these words are the server's own.

use std::fmt::Write as _;

use draagvlak_protocol::intent::{DecisionAction, RuleStatus};
use draagvlak_protocol::view::{
    AnswerCounts, AssessmentView, Confirmation, DimensionResult, Level, Localized, SupportView,
};

use super::model::{GroupLine, Priority, Report};

/// Round half away from zero to `decimals` places: 0.125 → 0.13 (two places), 2.5 → 3,
/// −2.5 → −3. The value is first snapped to nine decimals, so that a half that binary floating
/// point stores a hair below (14.499999999999998 for 0.145 × 100) still rounds up, as the
/// decimal number it stands for does.
pub fn round_half_away(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    let snapped = (x * scale * 1e9).round() / 1e9;
    // `f64::round` rounds half away from zero.
    snapped.round() / scale
}

/// A share from 0 to 1 as a whole percentage, rounded half away from zero: the one rounding
/// rule of every report format (and of the browser app).
pub fn percent(share: f64) -> i64 {
    round_half_away(share * 100.0, 0) as i64
}

/// A level's name: the Dutch term, which English reports keep after a translation.
pub(super) fn level_name(level: Level, en: bool) -> &'static str {
    match (level, en) {
        (Level::Richten, false) => "Richten",
        (Level::Inrichten, false) => "Inrichten",
        (Level::Verrichten, false) => "Verrichten",
        (Level::Richten, true) => "Direction (richten)",
        (Level::Inrichten, true) => "Design (inrichten)",
        (Level::Verrichten, true) => "Delivery (verrichten)",
    }
}

/// Texts of the report in its session's language.
pub(super) struct Words {
    pub(super) participants: &'static str,
    pub(super) group: &'static str,
    pub(super) count: &'static str,
    pub(super) proxies: &'static str,
    pub(super) removed: &'static str,
    pub(super) names: &'static str,
    pub(super) names_hidden: &'static str,
    pub(super) priorities: &'static str,
    pub(super) statement: &'static str,
    pub(super) dots: &'static str,
    pub(super) not_revealed: &'static str,
    pub(super) rules: &'static str,
    pub(super) rule: &'static str,
    pub(super) raters: &'static str,
    pub(super) support: &'static str,
    pub(super) gap: &'static str,
    pub(super) timeline: &'static str,
    pub(super) time: &'static str,
    pub(super) phase: &'static str,
    pub(super) code: &'static str,
    pub(super) date: &'static str,
    pub(super) place: &'static str,
    pub(super) session: &'static str,
    pub(super) title: &'static str,
    pub(super) organisation: &'static str,
    pub(super) time_zone: &'static str,
    pub(super) none: &'static str,
    pub(super) status: &'static str,
    pub(super) statuses: [&'static str; 4],
    pub(super) round: &'static str,
    pub(super) reasons: &'static str,
    pub(super) anchors: &'static str,
    pub(super) large_gap: &'static str,
    pub(super) equal_weight: &'static str,
    pub(super) cluster_of: &'static str,
    pub(super) follows: &'static str,
    pub(super) comparison: &'static str,
    pub(super) then: &'static str,
    pub(super) applied: &'static str,
    pub(super) still_right: &'static str,
    pub(super) answers: &'static str,
    pub(super) dots_then: &'static str,
    pub(super) adopted: &'static str,
    pub(super) level: &'static str,
    pub(super) ties: &'static str,
    pub(super) as_rated: &'static str,
    pub(super) vote_round: &'static str,
    pub(super) voters: &'static str,
    pub(super) decisions: &'static str,
    pub(super) decision: &'static str,
    pub(super) reopened: &'static str,
    pub(super) new_round: &'static str,
    pub(super) confirmed_no_ratings: &'static str,
    pub(super) confirmed_large_gap: &'static str,
    pub(super) by_facilitator: &'static str,
    pub(super) warning: &'static str,
    pub(super) removed_raters: &'static str,
    pub(super) weekdays: [&'static str; 7],
    pub(super) months: [&'static str; 12],
    /// The names of the workbook's sheets of adopted rules and of reasons.
    pub(super) adopted_sheet: &'static str,
    pub(super) reasons_sheet: &'static str,
    /// The answers of a review as the workbook's column names (after "applied" and "still
    /// right"): English in both languages, as the workbook has always had them.
    pub(super) answer_columns: [&'static str; 3],
    /// What the `.docx` report is, on its title page.
    pub(super) policy_note: &'static str,
    pub(super) assessment: AssessmentWords,
}

/// The words of the maturity self-assessment's section.
pub(super) struct AssessmentWords {
    pub(super) title: &'static str,
    pub(super) dimension: &'static str,
    pub(super) mean: &'static str,
    pub(super) dont_know: &'static str,
    pub(super) then: &'static str,
    pub(super) now: &'static str,
    /// The workbook's sheet.
    pub(super) sheet: &'static str,
    /// "taken by {n} participants ({m} completely)", split around the numbers.
    pub(super) taken_by: [&'static str; 3],
    /// How to read the figures.
    pub(super) scale: &'static str,
}

pub(super) const NL: Words = Words {
    participants: "Deelnemers",
    group: "groep",
    count: "aantal",
    proxies: "via de facilitator",
    removed: "verwijderd",
    names: "namen",
    names_hidden: "Namen worden niet vermeld bij een groep van één persoon of na een anonieme stem- of vuistregelfase.",
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
    time: "tijd",
    phase: "fase",
    code: "Code",
    date: "Datum",
    place: "Plaats",
    session: "Sessie",
    title: "titel",
    organisation: "organisatie",
    time_zone: "tijdzone",
    none: "geen",
    status: "status",
    statuses: ["voorgesteld", "aangenomen", "herzien", "vervallen"],
    round: "ronde",
    reasons: "redenen bij lage scores",
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
    adopted: "Aangenomen vuistregels",
    level: "niveau",
    ties: "Een gedeelde plaats staat als 2=: evenveel stippen.",
    as_rated: "tekst zoals beoordeeld",
    vote_round: "stemronde",
    voters: "stemmers",
    decisions: "Besluiten",
    decision: "besluit",
    reopened: "heropend",
    new_round: "nieuwe ronde",
    confirmed_no_ratings: "bevestigd zonder beoordelingen",
    confirmed_large_gap: "bevestigd ondanks een groot verschil tussen de groepen",
    by_facilitator: "door de facilitator",
    warning: "waarschuwing",
    removed_raters: "van later verwijderde deelnemers",
    weekdays: [
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "zaterdag",
        "zondag",
    ],
    months: [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    adopted_sheet: "Aangenomen",
    reasons_sheet: "Redenen",
    answer_columns: ["yes", "partly", "no"],
    policy_note: "Beleidsnotitie: verslag van de sessie",
    assessment: AssessmentWords {
        title: "Zelfevaluatie: digitale volwassenheid",
        dimension: "onderdeel",
        mean: "gemiddeld",
        dont_know: "weet niet",
        then: "toen",
        now: "nu",
        sheet: "Zelfevaluatie",
        taken_by: ["ingevuld door ", " deelnemers (", " volledig)"],
        scale: "Gemiddelde score van 1 (helemaal niet) tot 5 (helemaal); \"weet niet\" telt niet mee. Het verschil is het grootste verschil tussen twee groepen, in punten.",
    },
};

const EN: Words = Words {
    participants: "Participants",
    group: "group",
    count: "number",
    proxies: "by proxy",
    removed: "removed",
    names: "names",
    names_hidden: "Names are not listed for a group of one, or after an anonymous vote or rules phase.",
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
    time: "time",
    phase: "phase",
    code: "Code",
    date: "Date",
    place: "Place",
    session: "Session",
    title: "title",
    organisation: "organisation",
    time_zone: "time zone",
    none: "none",
    status: "status",
    statuses: ["proposed", "adopted", "revise", "dropped"],
    round: "round",
    reasons: "reasons given with low ratings",
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
    adopted: "Adopted rules of thumb",
    level: "level",
    ties: "A shared place reads 2=: equal dots.",
    as_rated: "text as rated",
    vote_round: "vote round",
    voters: "voters",
    decisions: "Decisions",
    decision: "decision",
    reopened: "reopened",
    new_round: "new round",
    confirmed_no_ratings: "confirmed without ratings",
    confirmed_large_gap: "confirmed despite a large gap between the groups",
    by_facilitator: "by the facilitator",
    warning: "warning",
    removed_raters: "by participants removed later",
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    adopted_sheet: "Adopted",
    reasons_sheet: "Reasons",
    answer_columns: ["yes", "partly", "no"],
    policy_note: "Policy note: record of the session",
    assessment: AssessmentWords {
        title: "Self-assessment: digital maturity",
        dimension: "dimension",
        mean: "mean",
        dont_know: "don't know",
        then: "then",
        now: "now",
        sheet: "Self-assessment",
        taken_by: ["taken by ", " participants (", " completely)"],
        scale: "Mean score from 1 (not at all) to 5 (fully); \"don't know\" does not count. The gap is the largest difference between two groups, in points.",
    },
};

pub(super) fn status_word(w: &Words, status: RuleStatus) -> &'static str {
    match status {
        RuleStatus::Proposed => w.statuses[0],
        RuleStatus::Adopted => w.statuses[1],
        RuleStatus::Revise => w.statuses[2],
        RuleStatus::Dropped => w.statuses[3],
    }
}

/// A decision of the log in words: `aangenomen`, `heropend`, …
pub(super) fn action_word(w: &Words, action: DecisionAction) -> String {
    match action {
        DecisionAction::Reopened => w.reopened.to_string(),
        DecisionAction::NewRound => w.new_round.to_string(),
        DecisionAction::Proposed => status_word(w, RuleStatus::Proposed).to_string(),
        DecisionAction::Adopted => status_word(w, RuleStatus::Adopted).to_string(),
        DecisionAction::Revise => status_word(w, RuleStatus::Revise).to_string(),
        DecisionAction::Dropped => status_word(w, RuleStatus::Dropped).to_string(),
    }
}

/// The warning a decision carries: the one the facilitator confirmed (as the record keeps
/// it), or, for a session from before confirmations, a large gap at adoption.
pub(super) fn decision_mark(
    w: &Words,
    confirmed: Option<Confirmation>,
    adopted_with_large_gap: bool,
) -> Option<&'static str> {
    match confirmed {
        Some(Confirmation::NoRatings) => Some(w.confirmed_no_ratings),
        Some(Confirmation::LargeGap) => Some(w.confirmed_large_gap),
        None if adopted_with_large_gap => Some(w.large_gap),
        None => None,
    }
}

pub(super) fn counts(c: &AnswerCounts) -> String {
    format!("{} / {} / {}", c.yes, c.partly, c.no)
}

pub(super) fn words(report: &Report) -> &'static Words {
    if report.language == "en" { &EN } else { &NL }
}

/// A mean score of the assessment (1 to 5) with one decimal in the report's language (`3,4` or
/// `3.4`), or `–` without one.
pub(super) fn score(report: &Report, mean: Option<f64>) -> String {
    match mean {
        Some(m) => {
            let text = format!("{m:.1}");
            if report.language == "en" {
                text
            } else {
                text.replace('.', ",")
            }
        }
        None => "–".into(),
    }
}

/// A text of the agenda or the assessment in the report's language.
pub(super) fn localized<'a>(report: &Report, text: &'a Localized) -> &'a str {
    if report.language == "en" {
        &text.en
    } else {
        &text.nl
    }
}

/// The assessment's results as one table every format writes: the names of the columns after
/// the dimension's, and per dimension its title, its figures (the mean overall and per group, in
/// a follow-up then next to now, and the gap) and its "don't know" answers.
pub(super) struct AssessmentTable {
    pub(super) columns: Vec<String>,
    pub(super) rows: Vec<(String, Vec<Option<f64>>, u32)>,
}

pub(super) fn assessment_table(
    report: &Report,
    w: &Words,
    a: &AssessmentView,
    results: &[DimensionResult],
) -> AssessmentTable {
    let aw = &w.assessment;
    let then = a.then.as_deref();
    let groups = report.group_names();
    let pair = |label: &str| match then {
        Some(_) => vec![
            format!("{label} {}", aw.then),
            format!("{label} {}", aw.now),
        ],
        None => vec![label.to_string()],
    };
    let mut columns = pair(aw.mean);
    for g in &groups {
        columns.extend(pair(group_name(g)));
    }
    columns.extend([w.gap.to_string(), aw.dont_know.to_string()]);
    let rows = a
        .dimensions
        .iter()
        .zip(results)
        .map(|(d, r)| {
            let earlier = then.and_then(|t| t.iter().find(|x| x.id == d.id));
            let mut figures = Vec::new();
            let mut add = |now: Option<f64>, was: Option<f64>| {
                if then.is_some() {
                    figures.push(was);
                }
                figures.push(now);
            };
            add(r.overall, earlier.and_then(|e| e.overall));
            for g in &groups {
                add(
                    r.by_group.get(g).copied().flatten(),
                    earlier.and_then(|e| e.by_group.get(g).copied().flatten()),
                );
            }
            figures.push(r.gap);
            (
                localized(report, &d.title).to_string(),
                figures,
                r.dont_know,
            )
        })
        .collect();
    AssessmentTable { columns, rows }
}

/// "ingevuld door 5 deelnemers (4 volledig)".
pub(super) fn assessment_taken(w: &Words, a: &AssessmentView) -> String {
    let [before, middle, after] = w.assessment.taken_by;
    format!("{before}{}{middle}{}{after}", a.respondents, a.complete)
}

/// A share as shown in every format but CSV: `67%`, or `–` without one.
pub(super) fn pct(share: Option<f64>) -> String {
    match share {
        Some(s) => format!("{}%", percent(s)),
        None => "–".into(),
    }
}

pub(super) fn level_label(report: &Report, level: Level) -> &'static str {
    level_name(level, report.language == "en")
}

/// The session's date in words (`dinsdag 2 maart 2027`) with its times and time zone
/// (`09:20–10:20 (Europe/Amsterdam)`).
pub(super) fn when(report: &Report) -> Option<String> {
    let w = words(report);
    let date: jiff::civil::Date = report.date.as_deref()?.parse().ok()?;
    let weekday = w.weekdays[date.weekday().to_monday_zero_offset() as usize];
    let month = w.months[(date.month() - 1) as usize];
    let mut out = format!("{weekday} {} {month} {}", date.day(), date.year());
    if let (Some(a), Some(b)) = (&report.start_time, &report.end_time) {
        let _ = write!(out, ", {a}–{b}");
    }
    let _ = write!(out, " ({})", report.time_zone);
    Some(out)
}

/// The number of people of a group, with proxies and removals.
pub(super) fn group_count(w: &Words, g: &GroupLine) -> String {
    let mut out = g.participants.to_string();
    if g.proxies > 0 {
        let _ = write!(out, " ({} {})", g.proxies, w.proxies);
    }
    if g.removed > 0 {
        let _ = write!(out, "; {} {}", g.removed, w.removed);
    }
    out
}

/// The rank column: `2=`, or `–` while the dots are not revealed.
pub(super) fn rank_text(p: &Priority) -> String {
    p.rank.map(|r| r.to_string()).unwrap_or_else(|| "–".into())
}

/// Support of a round in words: `50% (ICT 100%, Business 0%; verschil 100%)`.
pub(super) fn support_words(
    w: &Words,
    groups: &[String],
    s: &SupportView,
    esc: fn(&str) -> String,
) -> String {
    let per_group: Vec<String> = groups
        .iter()
        .map(|g| {
            let share = pct(s.by_group.get(g).copied().flatten());
            format!("{} {share}", esc(group_name(g)))
        })
        .collect();
    let mut out = format!("{} {}", w.support, pct(s.overall));
    if !per_group.is_empty() {
        let _ = write!(out, " ({}", per_group.join(", "));
        if s.gap.is_some() {
            let _ = write!(out, "; {} {}", w.gap, pct(s.gap));
        }
        out.push(')');
    }
    out
}

/// Column names and fixed values of a CSV dialect.
pub(super) struct CsvWords {
    pub(super) columns: [&'static str; 9],
    pub(super) support: &'static str,
    pub(super) gap: &'static str,
    pub(super) dots: &'static str,
    pub(super) anchors: &'static str,
    pub(super) confirmed: &'static str,
    /// Time (local), participants, proxies, removed, names.
    pub(super) people: [&'static str; 5],
    pub(super) kinds: CsvKinds,
    /// [`Confirmation::NoRatings`], [`Confirmation::LargeGap`].
    pub(super) confirmations: [&'static str; 2],
}

/// The first column of a CSV row: what the row is about.
pub(super) struct CsvKinds {
    pub(super) priority: &'static str,
    pub(super) rule: &'static str,
    pub(super) round: &'static str,
    pub(super) reason: &'static str,
    pub(super) vote_round: &'static str,
    pub(super) decision: &'static str,
    pub(super) group: &'static str,
    pub(super) phase: &'static str,
    pub(super) session: &'static str,
}

pub(super) const CSV_EN: CsvWords = CsvWords {
    columns: [
        "kind", "level", "rank", "text", "dots", "status", "round", "raters", "support",
    ],
    support: "support",
    gap: "gap",
    dots: "dots",
    anchors: "anchors",
    confirmed: "confirmed",
    people: ["time", "participants", "proxies", "removed", "names"],
    kinds: CsvKinds {
        priority: "priority",
        rule: "rule",
        round: "round",
        reason: "reason",
        vote_round: "vote_round",
        decision: "decision",
        group: "group",
        phase: "phase",
        session: "session",
    },
    confirmations: ["no_ratings", "large_gap"],
};

pub(super) const CSV_NL: CsvWords = CsvWords {
    columns: [
        "soort",
        "niveau",
        "plaats",
        "tekst",
        "stippen",
        "status",
        "ronde",
        "beoordeeld_door",
        "draagvlak",
    ],
    support: "draagvlak",
    gap: "verschil",
    dots: "stippen",
    anchors: "verankert",
    confirmed: "bevestigd",
    people: [
        "tijd",
        "deelnemers",
        "via_facilitator",
        "verwijderd",
        "namen",
    ],
    kinds: CsvKinds {
        priority: "prioriteit",
        rule: "vuistregel",
        round: "ronde",
        reason: "reden",
        vote_round: "stemronde",
        decision: "besluit",
        group: "groep",
        phase: "fase",
        session: "sessie",
    },
    confirmations: ["zonder beoordelingen", "groot verschil"],
};

/// How the documents meant for people (the HTML report, the policy note) name a group: as the app
/// does, "ICT" and "Business" for the two built-in groups; `None` for any other, which is shown
/// as it was named.
/// A group as people read it: the label of a default group, or the name the facilitator gave.
pub(super) fn group_name(group: &str) -> &str {
    group_label(group).unwrap_or(group)
}

/// The label of a default group (`ict`, `business`); `None` for a group named by the facilitator.
pub(super) fn group_label(group: &str) -> Option<&'static str> {
    match group {
        "ict" => Some("ICT"),
        "business" => Some("Business"),
        _ => None,
    }
}

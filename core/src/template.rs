//! Agenda templates. A template is the ordered list of phases a session starts with, written as
//! a TOML file; it is copied into the session document when the session is created, so a later
//! change to a template never alters a running or finished session.
//!
//! Two templates are built in (`core/templates/*.toml`): the strategic-framework workshop and
//! a short single-level one. A facilitator may also send a template of their own; it is checked
//! here, and every error has a stable code ([`AgendaErrorCode`]), names the line (and the phase
//! and field) that is wrong, and says what to change in Dutch or English.
//!
//! The browser's agenda form sends the same agenda as JSON ([`Agenda`], the file's shape field
//! for field); [`check_agenda`] writes it as TOML with the `toml` crate and checks that text, so
//! the form and the file are held to one set of rules, and [`to_toml`] is the export.
//!
//! ```toml
//! name = "my-workshop"
//! [[phase]]
//! kind = "brainstorm"          # lobby, brainstorm, cluster, vote, rules, review, summary
//! level = "richten"            # richten, inrichten, verrichten; not for lobby and summary
//! anonymous = true             # statements carry no author (default: false)
//! dot_budget = 3               # vote phases (default 3)
//! max_dots_per_item = 2        # vote phases (default 2)
//! title = { nl = "…", en = "…" }
//! question = { nl = "…", en = "…" }
//! ```

use std::ops::Range;

use draagvlak_protocol::api::{Agenda, AgendaErrorCode, AgendaPhase, AgendaText};
use draagvlak_protocol::limits;
use draagvlak_protocol::view::{Level, Localized, PhaseKind};
use serde::Deserialize;
use toml::Spanned;

/// One phase as a template describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseSpec {
    pub kind: PhaseKind,
    pub level: Option<Level>,
    pub title: Localized,
    pub question: Localized,
    pub anonymous: bool,
    pub dot_budget: u32,
    pub max_dots_per_item: u32,
}

/// Default number of dots per participant per level.
pub const DEFAULT_DOT_BUDGET: u32 = 3;
/// Default number of dots one participant may put on one statement.
pub const DEFAULT_MAX_DOTS_PER_ITEM: u32 = 2;
/// The default groups of a session.
pub const DEFAULT_GROUPS: [&str; 2] = ["ict", "business"];
/// Most phases an agenda may have.
pub const MAX_PHASES: usize = limits::MAX_AGENDA_PHASES;
/// Largest dot budget.
pub const MAX_DOT_BUDGET: u32 = limits::MAX_DOT_BUDGET;
/// Longest template text, in bytes.
pub const MAX_TEMPLATE_BYTES: usize = limits::MAX_AGENDA_BYTES;
const MAX_NAME_BYTES: usize = limits::MAX_AGENDA_NAME_BYTES;
const MAX_TEXT_CHARS: usize = limits::MAX_AGENDA_TEXT_CHARS;

/// Names of the built-in templates.
pub const TEMPLATES: [&str; 4] = ["strategic-framework", "short", "follow-up", "intake"];

const STRATEGIC_FRAMEWORK: &str = include_str!("../templates/strategic-framework.toml");
const SHORT: &str = include_str!("../templates/short.toml");
const FOLLOW_UP: &str = include_str!("../templates/follow-up.toml");
const INTAKE: &str = include_str!("../templates/intake.toml");

/// The text of a built-in template, or `None` for an unknown name.
pub fn built_in(template: &str) -> Option<&'static str> {
    match template {
        "strategic-framework" => Some(STRATEGIC_FRAMEWORK),
        "short" => Some(SHORT),
        "follow-up" => Some(FOLLOW_UP),
        "intake" => Some(INTAKE),
        _ => None,
    }
}

/// The phases of a built-in template, or `None` for an unknown name.
pub fn phases(template: &str) -> Option<Vec<PhaseSpec>> {
    // The built-in files are checked by a test; a broken one would be a build defect.
    parse(built_in(template)?).ok().map(|t| t.phases)
}

/// A parsed, checked template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub name: String,
    pub phases: Vec<PhaseSpec>,
}

/// The fields a template may have, for the message about an unknown one.
const FIELDS: &str = "name, [[phase]]: kind, level, anonymous, dot_budget, max_dots_per_item, \
                      title = { nl, en }, question = { nl, en }";

/// What is wrong with a template. The `Display` text is English; [`TemplateProblem::dutch`]
/// says the same in Dutch. Both say what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateProblem {
    #[error("an agenda is at most {MAX_TEMPLATE_BYTES} bytes; make it shorter")]
    TooLarge,
    #[error("this is not valid TOML: {0}")]
    Syntax(String),
    #[error("unknown field `{0}`; remove it (the fields are {FIELDS})")]
    UnknownField(String),
    #[error("the field `{0}` is missing; add it")]
    MissingField(String),
    #[error(
        "a value has the wrong type ({0}); write a number without quotes for dot_budget and max_dots_per_item, true or false for anonymous, and text in quotes elsewhere"
    )]
    WrongType(String),
    #[error("the name has 1 to {MAX_NAME_BYTES} characters; fill in a name or shorten it")]
    InvalidName,
    #[error("an agenda needs at least one phase ([[phase]]); add one")]
    NoPhases,
    #[error("an agenda has at most {MAX_PHASES} phases; remove some")]
    TooManyPhases,
    #[error(
        "unknown phase kind {0:?}; use lobby, brainstorm, cluster, vote, rules, review or summary"
    )]
    UnknownKind(String),
    #[error("unknown level {0:?}; use richten, inrichten or verrichten")]
    UnknownLevel(String),
    #[error("a {} phase has no level; remove the level", .0.as_str())]
    LevelNotAllowed(PhaseKind),
    #[error("a {} phase needs a level; choose richten, inrichten or verrichten", .0.as_str())]
    LevelRequired(PhaseKind),
    #[error("dot_budget is 1 to {MAX_DOT_BUDGET}; choose a number in between")]
    InvalidDotBudget,
    #[error("max_dots_per_item is 1 to the dot budget ({budget}); lower it or give more dots")]
    InvalidMaxDots { budget: u32 },
    #[error("{field}.{lang} has 1 to {MAX_TEXT_CHARS} characters; fill it in or shorten it")]
    InvalidText {
        field: &'static str,
        lang: &'static str,
    },
    #[error(
        "a level has one vote phase; to vote again the facilitator starts a new vote round, so remove this phase or give it another level"
    )]
    SecondVote,
    #[error(
        "a review phase looks back at the rules of an earlier session, and this session follows none; create this session as a follow-up of an earlier session, or remove the review phase"
    )]
    ReviewNeedsEarlierSession,
}

impl TemplateProblem {
    /// The stable code.
    pub fn code(&self) -> AgendaErrorCode {
        match self {
            TemplateProblem::TooLarge => AgendaErrorCode::TooLarge,
            TemplateProblem::Syntax(_) => AgendaErrorCode::Syntax,
            TemplateProblem::UnknownField(_) => AgendaErrorCode::UnknownField,
            TemplateProblem::MissingField(_) => AgendaErrorCode::MissingField,
            TemplateProblem::WrongType(_) => AgendaErrorCode::WrongType,
            TemplateProblem::InvalidName => AgendaErrorCode::InvalidName,
            TemplateProblem::NoPhases => AgendaErrorCode::NoPhases,
            TemplateProblem::TooManyPhases => AgendaErrorCode::TooManyPhases,
            TemplateProblem::UnknownKind(_) => AgendaErrorCode::UnknownKind,
            TemplateProblem::UnknownLevel(_) => AgendaErrorCode::UnknownLevel,
            TemplateProblem::LevelNotAllowed(_) => AgendaErrorCode::LevelNotAllowed,
            TemplateProblem::LevelRequired(_) => AgendaErrorCode::LevelRequired,
            TemplateProblem::InvalidDotBudget => AgendaErrorCode::InvalidDotBudget,
            TemplateProblem::InvalidMaxDots { .. } => AgendaErrorCode::InvalidMaxDots,
            TemplateProblem::InvalidText { .. } => AgendaErrorCode::InvalidText,
            TemplateProblem::SecondVote => AgendaErrorCode::SecondVote,
            TemplateProblem::ReviewNeedsEarlierSession => {
                AgendaErrorCode::ReviewNeedsEarlierSession
            }
        }
    }

    /// The same message in Dutch.
    pub fn dutch(&self) -> String {
        let kind_nl = |k: &PhaseKind| match k {
            PhaseKind::Lobby => "welkomstfase (lobby)",
            PhaseKind::Brainstorm => "brainstormfase (brainstorm)",
            PhaseKind::Cluster => "clusterfase (cluster)",
            PhaseKind::Vote => "stemfase (vote)",
            PhaseKind::Rules => "vuistregelfase (rules)",
            PhaseKind::Review => "terugblikfase (review)",
            PhaseKind::Assessment => "zelfevaluatiefase (assessment)",
            PhaseKind::Summary => "samenvattingsfase (summary)",
        };
        match self {
            TemplateProblem::TooLarge => {
                format!("Een agenda is hoogstens {MAX_TEMPLATE_BYTES} bytes; maak hem korter.")
            }
            TemplateProblem::Syntax(m) => format!(
                "Dit is geen geldige TOML; controleer aanhalingstekens, haken en is-tekens op deze regel (melding van de lezer: {m})."
            ),
            TemplateProblem::UnknownField(f) => {
                format!("Onbekend veld `{f}`; haal het weg (de velden zijn {FIELDS}).")
            }
            TemplateProblem::MissingField(f) => {
                format!("Het veld `{f}` ontbreekt; vul het aan.")
            }
            TemplateProblem::WrongType(m) => format!(
                "Een waarde heeft het verkeerde type ({m}); schrijf een getal zonder aanhalingstekens bij dot_budget en max_dots_per_item, true of false bij anonymous en tekst tussen aanhalingstekens bij de rest."
            ),
            TemplateProblem::InvalidName => {
                format!("De naam heeft 1 tot en met {MAX_NAME_BYTES} tekens; vul een naam in of maak hem korter.")
            }
            TemplateProblem::NoPhases => {
                "Een agenda heeft minstens één fase ([[phase]]); voeg er een toe.".into()
            }
            TemplateProblem::TooManyPhases => {
                format!("Een agenda heeft hoogstens {MAX_PHASES} fasen; haal er een paar weg.")
            }
            TemplateProblem::UnknownKind(k) => format!(
                "Onbekende soort fase {k:?}; kies lobby, brainstorm, cluster, vote, rules, review of summary."
            ),
            TemplateProblem::UnknownLevel(l) => {
                format!("Onbekend niveau {l:?}; kies richten, inrichten of verrichten.")
            }
            TemplateProblem::LevelNotAllowed(k) => {
                format!("Een {} heeft geen niveau; haal het niveau weg.", kind_nl(k))
            }
            TemplateProblem::LevelRequired(k) => format!(
                "Een {} heeft een niveau nodig; kies richten, inrichten of verrichten.",
                kind_nl(k)
            ),
            TemplateProblem::InvalidDotBudget => {
                format!("Het aantal stippen (dot_budget) is 1 tot en met {MAX_DOT_BUDGET}; kies een getal daartussen.")
            }
            TemplateProblem::InvalidMaxDots { budget } => format!(
                "Het aantal stippen per item (max_dots_per_item) is 1 tot en met het aantal stippen ({budget}); verlaag het of geef meer stippen."
            ),
            TemplateProblem::InvalidText { field, lang } => {
                let what = if *field == "title" { "titel" } else { "vraag" };
                let language = if *lang == "nl" { "Nederlands" } else { "Engels" };
                format!(
                    "De {what} ({language}, {field}.{lang}) heeft 1 tot en met {MAX_TEXT_CHARS} tekens; vul hem in of maak hem korter."
                )
            }
            TemplateProblem::SecondVote => "Een niveau heeft één stemfase; om opnieuw te stemmen start de facilitator een nieuwe stemronde. Haal deze fase weg of geef hem een ander niveau.".into(),
            TemplateProblem::ReviewNeedsEarlierSession => "Een terugblikfase (review) blikt terug op de vuistregels van een eerdere sessie, en deze sessie volgt op geen enkele; maak deze sessie aan als vervolg op een eerdere sessie, of haal de terugblikfase weg.".into(),
        }
    }
}

/// What is wrong with a template, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{problem}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct TemplateError {
    pub problem: TemplateProblem,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 0-based index of the phase, when the problem is in one.
    pub phase: Option<usize>,
    /// The field as the file names it (`kind`, `title.nl`, …), when known.
    pub field: Option<String>,
}

impl TemplateError {
    fn new(problem: TemplateProblem) -> TemplateError {
        TemplateError {
            problem,
            line: None,
            phase: None,
            field: None,
        }
    }

    /// The stable code.
    pub fn code(&self) -> AgendaErrorCode {
        self.problem.code()
    }

    /// The message in `language` (`nl`, or English for anything else), with the line when known.
    pub fn message(&self, language: &str) -> String {
        match (language, self.line) {
            ("nl", Some(line)) => format!("Regel {line}: {}", self.problem.dutch()),
            ("nl", None) => self.problem.dutch(),
            _ => self.to_string(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    name: Spanned<String>,
    #[serde(default)]
    phase: Vec<Spanned<RawPhase>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhase {
    kind: Spanned<String>,
    level: Option<Spanned<String>>,
    #[serde(default)]
    anonymous: bool,
    dot_budget: Option<Spanned<u32>>,
    max_dots_per_item: Option<Spanned<u32>>,
    title: Spanned<RawText>,
    question: Spanned<RawText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    nl: String,
    en: String,
}

fn line_of(text: &str, span: &Range<usize>) -> usize {
    text[..span.start.min(text.len())].matches('\n').count() + 1
}

/// The TOML reader's error as a problem with a code: serde's messages for an unknown field, a
/// missing field and a wrong type have had the same shape for years; anything else is syntax.
fn toml_problem(text: &str, e: &toml::de::Error) -> TemplateError {
    let message = e.message().trim().to_string();
    let quoted = |m: &str| m.split('`').nth(1).map(str::to_string).unwrap_or_default();
    let (problem, field) = if message.starts_with("unknown field") {
        let f = quoted(&message);
        (TemplateProblem::UnknownField(f.clone()), Some(f))
    } else if message.starts_with("missing field") {
        let f = quoted(&message);
        (TemplateProblem::MissingField(f.clone()), Some(f))
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        (TemplateProblem::WrongType(message), None)
    } else {
        (TemplateProblem::Syntax(message), None)
    };
    let line = e.span().map(|s| line_of(text, &s));
    // The phase: how many `[[phase]]` headers come up to the error's line.
    let phase = line.and_then(|line| {
        text.lines()
            .take(line)
            .filter(|l| l.trim_start().starts_with("[[phase]]"))
            .count()
            .checked_sub(1)
    });
    TemplateError {
        problem,
        line,
        phase,
        field,
    }
}

/// Parse and check a template.
pub fn parse(text: &str) -> Result<Template, TemplateError> {
    if text.len() > MAX_TEMPLATE_BYTES {
        return Err(TemplateError::new(TemplateProblem::TooLarge));
    }
    let raw: RawTemplate = toml::from_str(text).map_err(|e| toml_problem(text, &e))?;
    let at = |span: &Range<usize>, phase: Option<usize>, field: &str, problem| TemplateError {
        problem,
        line: Some(line_of(text, span)),
        phase,
        field: Some(field.to_string()),
    };
    let name = raw.name.get_ref().trim().to_string();
    if name.is_empty() || name.len() > MAX_NAME_BYTES {
        return Err(at(
            &raw.name.span(),
            None,
            "name",
            TemplateProblem::InvalidName,
        ));
    }
    if raw.phase.is_empty() {
        return Err(TemplateError::new(TemplateProblem::NoPhases));
    }
    if raw.phase.len() > MAX_PHASES {
        let mut e = TemplateError::new(TemplateProblem::TooManyPhases);
        e.line = Some(line_of(text, &raw.phase[MAX_PHASES].span()));
        e.phase = Some(MAX_PHASES);
        return Err(e);
    }
    let mut phases = Vec::new();
    for (i, p) in raw.phase.iter().enumerate() {
        let p = p.get_ref();
        let here = Some(i);
        let kind = PhaseKind::parse(p.kind.get_ref()).ok_or_else(|| {
            at(
                &p.kind.span(),
                here,
                "kind",
                TemplateProblem::UnknownKind(p.kind.get_ref().clone()),
            )
        })?;
        // A review phase looks back at every rule carried over from the earlier session; the
        // assessment is about the whole organisation.
        let needs_level = !matches!(
            kind,
            PhaseKind::Lobby | PhaseKind::Summary | PhaseKind::Review | PhaseKind::Assessment
        );
        let level = match &p.level {
            Some(l) => {
                if !needs_level {
                    return Err(at(
                        &l.span(),
                        here,
                        "level",
                        TemplateProblem::LevelNotAllowed(kind),
                    ));
                }
                Some(Level::parse(l.get_ref()).ok_or_else(|| {
                    at(
                        &l.span(),
                        here,
                        "level",
                        TemplateProblem::UnknownLevel(l.get_ref().clone()),
                    )
                })?)
            }
            None if needs_level => {
                return Err(at(
                    &p.kind.span(),
                    here,
                    "level",
                    TemplateProblem::LevelRequired(kind),
                ));
            }
            None => None,
        };
        let budget = match &p.dot_budget {
            Some(b) if *b.get_ref() == 0 || *b.get_ref() > MAX_DOT_BUDGET => {
                return Err(at(
                    &b.span(),
                    here,
                    "dot_budget",
                    TemplateProblem::InvalidDotBudget,
                ));
            }
            Some(b) => *b.get_ref(),
            None => DEFAULT_DOT_BUDGET,
        };
        let per_item = match &p.max_dots_per_item {
            Some(m) if *m.get_ref() == 0 || *m.get_ref() > budget => {
                return Err(at(
                    &m.span(),
                    here,
                    "max_dots_per_item",
                    TemplateProblem::InvalidMaxDots { budget },
                ));
            }
            Some(m) => *m.get_ref(),
            None => DEFAULT_MAX_DOTS_PER_ITEM.min(budget),
        };
        for (field, value) in [("title", &p.title), ("question", &p.question)] {
            let t = value.get_ref();
            for (lang, s) in [("nl", &t.nl), ("en", &t.en)] {
                if s.trim().is_empty() || s.chars().count() > MAX_TEXT_CHARS {
                    return Err(at(
                        &value.span(),
                        here,
                        &format!("{field}.{lang}"),
                        TemplateProblem::InvalidText { field, lang },
                    ));
                }
            }
        }
        // One vote phase per level: its budget is the level's budget in every view, and voting
        // again is a new vote round (which keeps the earlier one), not a second phase.
        if kind == PhaseKind::Vote
            && phases
                .iter()
                .any(|q: &PhaseSpec| q.kind == PhaseKind::Vote && q.level == level)
        {
            return Err(at(
                &p.kind.span(),
                here,
                "kind",
                TemplateProblem::SecondVote,
            ));
        }
        phases.push(PhaseSpec {
            kind,
            level,
            title: Localized {
                nl: p.title.get_ref().nl.trim().to_string(),
                en: p.title.get_ref().en.trim().to_string(),
            },
            question: Localized {
                nl: p.question.get_ref().nl.trim().to_string(),
                en: p.question.get_ref().en.trim().to_string(),
            },
            anonymous: p.anonymous,
            dot_budget: budget,
            max_dots_per_item: per_item,
        });
    }
    Ok(Template { name, phases })
}

/// Whether an agenda with these phases may only be used by a follow-up session: it has a
/// review phase, which looks back at the rules an earlier session carried over.
pub fn needs_earlier_session(phases: &[PhaseSpec]) -> bool {
    phases.iter().any(|p| p.kind == PhaseKind::Review)
}

/// Check that an agenda fits the session it is for: a review phase needs an earlier session
/// (`follow_up`), or it would have nothing to review. The error names the first review phase.
pub fn check_follow_up(phases: &[PhaseSpec], follow_up: bool) -> Result<(), TemplateError> {
    match phases.iter().position(|p| p.kind == PhaseKind::Review) {
        Some(i) if !follow_up => Err(TemplateError {
            problem: TemplateProblem::ReviewNeedsEarlierSession,
            line: None,
            phase: Some(i),
            field: Some("kind".into()),
        }),
        _ => Ok(()),
    }
}

impl Template {
    /// The template as JSON-shaped [`Agenda`], every default filled in; dot budgets appear on
    /// vote phases only (other phases have no dots).
    pub fn to_agenda(&self) -> Agenda {
        Agenda {
            name: self.name.clone(),
            phase: self
                .phases
                .iter()
                .map(|p| {
                    let vote = p.kind == PhaseKind::Vote;
                    AgendaPhase {
                        kind: p.kind.as_str().to_string(),
                        level: p.level.map(|l| l.as_str().to_string()),
                        anonymous: p.anonymous,
                        dot_budget: vote.then_some(p.dot_budget),
                        max_dots_per_item: vote.then_some(p.max_dots_per_item),
                        title: AgendaText {
                            nl: p.title.nl.clone(),
                            en: p.title.en.clone(),
                        },
                        question: AgendaText {
                            nl: p.question.nl.clone(),
                            en: p.question.en.clone(),
                        },
                    }
                })
                .collect(),
        }
    }
}

/// The first line of an exported agenda.
const EXPORT_HEADER: &str =
    "# A Draagvlak agenda (TOML template, see core/templates/ in the source).\n";

/// An agenda as the text of a TOML template, written by the `toml` crate (it does not check the
/// agenda; [`check_agenda`] does).
pub fn to_toml(agenda: &Agenda) -> Result<String, TemplateError> {
    let body = toml::to_string(agenda)
        .map_err(|e| TemplateError::new(TemplateProblem::Syntax(e.to_string())))?;
    Ok(format!("{EXPORT_HEADER}{body}"))
}

/// Check an agenda sent as JSON, by the same rules as a file: the checked template and its
/// canonical TOML text. An error names the phase and field, not a line (there is no file).
pub fn check_agenda(agenda: &Agenda) -> Result<(Template, String), TemplateError> {
    let text = to_toml(agenda)?;
    let template = parse(&text).map_err(|mut e| {
        e.line = None;
        e
    })?;
    let canonical = to_toml(&template.to_agenda())?;
    Ok((template, canonical))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategic_framework_has_lobby_three_levels_and_summary() {
        let phases = phases("strategic-framework").expect("known template");
        assert_eq!(phases.len(), 1 + 3 * 4 + 1);
        assert_eq!(phases[0].kind, PhaseKind::Lobby);
        assert_eq!(phases[13].kind, PhaseKind::Summary);
        for (i, level) in Level::ALL.into_iter().enumerate() {
            let kinds: Vec<_> = phases[1 + i * 4..5 + i * 4]
                .iter()
                .map(|p| (p.kind, p.level))
                .collect();
            assert_eq!(
                kinds,
                vec![
                    (PhaseKind::Brainstorm, Some(level)),
                    (PhaseKind::Cluster, Some(level)),
                    (PhaseKind::Vote, Some(level)),
                    (PhaseKind::Rules, Some(level)),
                ]
            );
            assert!(phases[1 + i * 4].anonymous, "brainstorms are anonymous");
        }
        for p in &phases {
            assert!(!p.title.nl.is_empty() && !p.title.en.is_empty());
            assert!(!p.question.nl.is_empty() && !p.question.en.is_empty());
            assert_eq!((p.dot_budget, p.max_dots_per_item), (3, 2));
        }
    }

    #[test]
    fn every_built_in_template_parses() {
        for name in TEMPLATES {
            assert!(phases(name).is_some(), "{name}");
        }
        let short = phases("short").unwrap();
        assert_eq!(short.len(), 6);
        assert_eq!(short[2].kind, PhaseKind::Cluster);
        assert_eq!((short[3].dot_budget, short[3].max_dots_per_item), (5, 3));
        let follow_up = phases("follow-up").unwrap();
        let kinds: Vec<_> = follow_up.iter().map(|p| (p.kind, p.level)).collect();
        assert_eq!(
            kinds,
            vec![
                (PhaseKind::Lobby, None),
                (PhaseKind::Review, None),
                (PhaseKind::Summary, None)
            ]
        );
        assert!(phases("nope").is_none());
    }

    fn error_of(text: &str) -> TemplateError {
        parse(text).expect_err("must be refused")
    }

    const PHASE: &str =
        "title = { nl = \"a\", en = \"a\" }\nquestion = { nl = \"q\", en = \"q\" }\n";

    #[test]
    fn errors_point_to_the_line_that_is_wrong() {
        let e = error_of(&format!(
            "name = \"x\"\n\n[[phase]]\nkind = \"brainstrom\"\nlevel = \"richten\"\n{PHASE}"
        ));
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.to_string().contains("brainstrom"));
        let e = error_of(&format!(
            "name = \"x\"\n[[phase]]\nkind = \"vote\"\n{PHASE}"
        ));
        assert_eq!(
            (e.line, e.to_string().contains("needs a level")),
            (Some(3), true),
            "{e}"
        );
        let e = error_of(&format!(
            "name = \"x\"\n[[phase]]\nkind = \"lobby\"\nlevel = \"richten\"\n{PHASE}"
        ));
        assert_eq!(e.line, Some(4), "{e}");
        let e = error_of(&format!(
            "name = \"x\"\n[[phase]]\nkind = \"vote\"\nlevel = \"richten\"\ndot_budget = 0\n{PHASE}"
        ));
        assert_eq!(e.line, Some(5), "{e}");
        let e = error_of(&format!(
            "name = \"x\"\n[[phase]]\nkind = \"vote\"\nlevel = \"richten\"\ndot_budget = 2\nmax_dots_per_item = 3\n{PHASE}"
        ));
        assert_eq!(e.line, Some(6), "{e}");
        let e = error_of(
            "name = \"x\"\n[[phase]]\nkind = \"lobby\"\ntitle = { nl = \"\", en = \"a\" }\nquestion = { nl = \"q\", en = \"q\" }\n",
        );
        assert_eq!(e.line, Some(4), "{e}");
        let e = error_of("name = \"x\"\n[[phase]]\nkind = \"lobby\"\ncolour = \"red\"\n");
        assert_eq!(e.line, Some(4), "unknown field: {e}");
        let e = error_of("name = \"x\"\n[[phase]\n");
        assert_eq!(e.line, Some(2), "syntax: {e}");
        assert!(
            error_of("name = \"x\"\n")
                .to_string()
                .contains("at least one")
        );
        let vote = format!("[[phase]]\nkind = \"vote\"\nlevel = \"richten\"\n{PHASE}");
        let twice = error_of(&format!("name = \"x\"\n{vote}{vote}"));
        assert!(twice.to_string().contains("one vote phase"), "{twice}");
        assert!(e.to_string().starts_with("line 2: "));
    }

    #[test]
    fn every_error_has_its_code_phase_field_and_a_dutch_message() {
        let vote =
            |level: &str| format!("[[phase]]\nkind = \"vote\"\nlevel = \"{level}\"\n{PHASE}");
        let lobby = format!("[[phase]]\nkind = \"lobby\"\n{PHASE}");
        // The text, and the code, line, phase and field it is refused with.
        type Case = (
            String,
            AgendaErrorCode,
            Option<usize>,
            Option<usize>,
            Option<&'static str>,
        );
        let cases: Vec<Case> = vec![
            (format!("name = \"x\"\n{}", "#".repeat(MAX_TEMPLATE_BYTES)), AgendaErrorCode::TooLarge, None, None, None),
            ("name = \"x\"\n[[phase]\n".into(), AgendaErrorCode::Syntax, Some(2), None, None),
            (format!("name = \"x\"\n{lobby}colour = \"red\"\n"), AgendaErrorCode::UnknownField, Some(6), Some(0), Some("colour")),
            ("name = \"x\"\n[[phase]]\nkind = \"lobby\"\n".into(), AgendaErrorCode::MissingField, Some(2), Some(0), Some("title")),
            (format!("name = \"x\"\n{lobby}{}dot_budget = \"5\"\n", vote("richten").trim_end_matches(PHASE)), AgendaErrorCode::WrongType, Some(9), Some(1), None),
            (format!("name = \"  \"\n{lobby}"), AgendaErrorCode::InvalidName, Some(1), None, Some("name")),
            ("name = \"x\"\n".into(), AgendaErrorCode::NoPhases, None, None, None),
            (format!("name = \"x\"\n{}", lobby.repeat(MAX_PHASES + 1)), AgendaErrorCode::TooManyPhases, Some(2 + 4 * MAX_PHASES), Some(MAX_PHASES), None),
            (format!("name = \"x\"\n{lobby}[[phase]]\nkind = \"vot\"\n{PHASE}"), AgendaErrorCode::UnknownKind, Some(7), Some(1), Some("kind")),
            (format!("name = \"x\"\n{}", vote("richen")), AgendaErrorCode::UnknownLevel, Some(4), Some(0), Some("level")),
            (format!("name = \"x\"\n[[phase]]\nkind = \"summary\"\nlevel = \"richten\"\n{PHASE}"), AgendaErrorCode::LevelNotAllowed, Some(4), Some(0), Some("level")),
            (format!("name = \"x\"\n[[phase]]\nkind = \"rules\"\n{PHASE}"), AgendaErrorCode::LevelRequired, Some(3), Some(0), Some("level")),
            (format!("name = \"x\"\n{}dot_budget = 21\n", vote("richten")), AgendaErrorCode::InvalidDotBudget, Some(7), Some(0), Some("dot_budget")),
            (format!("name = \"x\"\n{}dot_budget = 2\nmax_dots_per_item = 3\n", vote("richten")), AgendaErrorCode::InvalidMaxDots, Some(8), Some(0), Some("max_dots_per_item")),
            ("name = \"x\"\n[[phase]]\nkind = \"lobby\"\ntitle = { nl = \"a\", en = \"a\" }\nquestion = { nl = \"q\", en = \" \" }\n".into(), AgendaErrorCode::InvalidText, Some(5), Some(0), Some("question.en")),
            (format!("name = \"x\"\n{}{}{}", vote("richten"), vote("inrichten"), vote("richten")), AgendaErrorCode::SecondVote, Some(13), Some(2), Some("kind")),
        ];
        let mut seen = Vec::new();
        for (text, code, line, phase, field) in cases {
            let e = error_of(&text);
            assert_eq!(
                (e.code(), e.line, e.phase, e.field.as_deref()),
                (code, line, phase, field),
                "{e}"
            );
            let nl = e.message("nl");
            let en = e.message("en");
            assert_ne!(nl, en, "{code:?} has a Dutch message");
            if let Some(line) = line {
                assert!(nl.starts_with(&format!("Regel {line}: ")), "{nl}");
                assert!(en.starts_with(&format!("line {line}: ")), "{en}");
            }
            seen.push(code);
        }
        // Not a fault of the text but of the session it is for: a review phase needs `follows`.
        let follow_up = phases("follow-up").unwrap();
        assert!(needs_earlier_session(&follow_up) && check_follow_up(&follow_up, true).is_ok());
        let e = check_follow_up(&follow_up, false).unwrap_err();
        assert_eq!(
            (e.line, e.phase, e.field.as_deref()),
            (None, Some(1), Some("kind"))
        );
        assert_ne!(e.message("nl"), e.message("en"));
        seen.push(e.code());
        assert_eq!(
            seen,
            AgendaErrorCode::ALL.to_vec(),
            "every code is tested, in order"
        );
        let e = error_of(&format!(
            "name = \"x\"\n[[phase]]\nkind = \"summary\"\nlevel = \"richten\"\n{PHASE}"
        ));
        assert_eq!(
            e.message("nl"),
            "Regel 4: Een samenvattingsfase (summary) heeft geen niveau; haal het niveau weg."
        );
    }

    #[test]
    fn an_agenda_written_as_toml_reads_back_the_same() {
        for name in TEMPLATES {
            let template = parse(built_in(name).unwrap()).unwrap();
            let agenda = template.to_agenda();
            let text = to_toml(&agenda).unwrap();
            let again = parse(&text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
            assert_eq!(again, template, "{name}");
            let (checked, canonical) = check_agenda(&agenda).unwrap();
            assert_eq!((checked, canonical), (template, text));
        }
    }

    #[test]
    fn an_agenda_from_the_form_is_checked_by_the_same_rules_without_a_line() {
        let mut agenda = parse(SHORT).unwrap().to_agenda();
        agenda.phase[3].dot_budget = Some(2);
        agenda.phase[3].max_dots_per_item = Some(3);
        let e = check_agenda(&agenda).expect_err("more dots per item than the budget");
        assert_eq!(
            (e.code(), e.line, e.phase, e.field.as_deref()),
            (
                AgendaErrorCode::InvalidMaxDots,
                None,
                Some(3),
                Some("max_dots_per_item")
            )
        );
        assert!(
            e.message("nl").starts_with("Het aantal stippen per item"),
            "{}",
            e.message("nl")
        );
        // Defaults are filled in, and dots appear only on vote phases.
        let mut agenda = parse(SHORT).unwrap().to_agenda();
        agenda.phase[3].dot_budget = None;
        agenda.phase[3].max_dots_per_item = None;
        agenda.phase[1].dot_budget = Some(7);
        let (_, text) = check_agenda(&agenda).unwrap();
        let back = parse(&text).unwrap().to_agenda();
        assert_eq!(
            (back.phase[3].dot_budget, back.phase[3].max_dots_per_item),
            (Some(3), Some(2))
        );
        assert_eq!(back.phase[1].dot_budget, None);
        // Text with quotes, backslashes and new lines survives the trip.
        let mut agenda = parse(SHORT).unwrap().to_agenda();
        agenda.phase[1].question.nl = "Wat \"is\" \\ de rol?\nEn ''verder''? \u{1F600}".into();
        let (t, _) = check_agenda(&agenda).unwrap();
        assert_eq!(t.phases[1].question.nl, agenda.phase[1].question.nl);
    }
}

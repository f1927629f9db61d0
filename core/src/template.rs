//! Agenda templates. A template is the ordered list of phases a session starts with, written as
//! a TOML file; it is copied into the session document when the session is created, so a later
//! change to a template never alters a running or finished session.
//!
//! Two templates are built in (`core/templates/*.toml`): the strategic-framework workshop and
//! a short single-level one. A facilitator may also send a template of their own; it is checked
//! here, and every error names the line that is wrong.
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
pub const MAX_PHASES: usize = 60;
/// Largest dot budget.
pub const MAX_DOT_BUDGET: u32 = 20;
/// Longest template text, in bytes.
pub const MAX_TEMPLATE_BYTES: usize = 64 * 1024;

/// Names of the built-in templates.
pub const TEMPLATES: [&str; 3] = ["strategic-framework", "short", "follow-up"];

const STRATEGIC_FRAMEWORK: &str = include_str!("../templates/strategic-framework.toml");
const SHORT: &str = include_str!("../templates/short.toml");
const FOLLOW_UP: &str = include_str!("../templates/follow-up.toml");

/// The phases of a built-in template, or `None` for an unknown name.
pub fn phases(template: &str) -> Option<Vec<PhaseSpec>> {
    let text = match template {
        "strategic-framework" => STRATEGIC_FRAMEWORK,
        "short" => SHORT,
        "follow-up" => FOLLOW_UP,
        _ => return None,
    };
    // The built-in files are checked by a test; a broken one would be a build defect.
    parse(text).ok().map(|t| t.phases)
}

/// A parsed, checked template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub name: String,
    pub phases: Vec<PhaseSpec>,
}

/// What is wrong with a template, and on which line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct TemplateError {
    /// 1-based line, when known.
    pub line: Option<usize>,
    pub message: String,
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

/// Parse and check a template.
pub fn parse(text: &str) -> Result<Template, TemplateError> {
    if text.len() > MAX_TEMPLATE_BYTES {
        return Err(TemplateError {
            line: None,
            message: format!("a template may be at most {MAX_TEMPLATE_BYTES} bytes"),
        });
    }
    let raw: RawTemplate = toml::from_str(text).map_err(|e| TemplateError {
        line: e.span().map(|s| line_of(text, &s)),
        message: e.message().trim().to_string(),
    })?;
    let err = |span: &Range<usize>, message: String| TemplateError {
        line: Some(line_of(text, span)),
        message,
    };
    let name = raw.name.get_ref().trim().to_string();
    if name.is_empty() || name.len() > 80 {
        return Err(err(
            &raw.name.span(),
            "the name has 1 to 80 characters".into(),
        ));
    }
    if raw.phase.is_empty() {
        return Err(TemplateError {
            line: None,
            message: "a template needs at least one [[phase]]".into(),
        });
    }
    if raw.phase.len() > MAX_PHASES {
        return Err(err(
            &raw.phase[MAX_PHASES].span(),
            format!("a template has at most {MAX_PHASES} phases"),
        ));
    }
    let mut phases = Vec::new();
    for p in &raw.phase {
        let p = p.get_ref();
        let kind = PhaseKind::parse(p.kind.get_ref()).ok_or_else(|| {
            err(
                &p.kind.span(),
                format!(
                    "unknown phase kind {:?}; use lobby, brainstorm, cluster, vote, rules, review or summary",
                    p.kind.get_ref()
                ),
            )
        })?;
        // A review phase looks back at every rule carried over from the earlier session.
        let needs_level = !matches!(
            kind,
            PhaseKind::Lobby | PhaseKind::Summary | PhaseKind::Review
        );
        let level = match &p.level {
            Some(l) => {
                if !needs_level {
                    return Err(err(
                        &l.span(),
                        format!("a {} phase has no level", kind.as_str()),
                    ));
                }
                Some(Level::parse(l.get_ref()).ok_or_else(|| {
                    err(
                        &l.span(),
                        format!(
                            "unknown level {:?}; use richten, inrichten or verrichten",
                            l.get_ref()
                        ),
                    )
                })?)
            }
            None if needs_level => {
                return Err(err(
                    &p.kind.span(),
                    format!("a {} phase needs a level", kind.as_str()),
                ));
            }
            None => None,
        };
        let budget = match &p.dot_budget {
            Some(b) if *b.get_ref() == 0 || *b.get_ref() > MAX_DOT_BUDGET => {
                return Err(err(
                    &b.span(),
                    format!("dot_budget is 1 to {MAX_DOT_BUDGET}"),
                ));
            }
            Some(b) => *b.get_ref(),
            None => DEFAULT_DOT_BUDGET,
        };
        let per_item = match &p.max_dots_per_item {
            Some(m) if *m.get_ref() == 0 || *m.get_ref() > budget => {
                return Err(err(
                    &m.span(),
                    format!("max_dots_per_item is 1 to the dot budget ({budget})"),
                ));
            }
            Some(m) => *m.get_ref(),
            None => DEFAULT_MAX_DOTS_PER_ITEM.min(budget),
        };
        for (field, value) in [("title", &p.title), ("question", &p.question)] {
            let t = value.get_ref();
            for (lang, s) in [("nl", &t.nl), ("en", &t.en)] {
                if s.trim().is_empty() || s.chars().count() > 300 {
                    return Err(err(
                        &value.span(),
                        format!("{field}.{lang} has 1 to 300 characters"),
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
            return Err(err(
                &p.kind.span(),
                "a level has one vote phase; to vote again the facilitator starts a new vote round"
                    .to_string(),
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
        assert!(e.message.contains("brainstrom"));
        let e = error_of(&format!(
            "name = \"x\"\n[[phase]]\nkind = \"vote\"\n{PHASE}"
        ));
        assert_eq!(
            (e.line, e.message.contains("needs a level")),
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
        assert!(error_of("name = \"x\"\n").message.contains("at least one"));
        let vote = format!("[[phase]]\nkind = \"vote\"\nlevel = \"richten\"\n{PHASE}");
        let twice = error_of(&format!("name = \"x\"\n{vote}{vote}"));
        assert!(twice.message.contains("one vote phase"), "{twice}");
        assert!(e.to_string().starts_with("line 2: "));
    }
}

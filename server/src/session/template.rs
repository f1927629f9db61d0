//! Agenda templates. A template is the ordered list of phases a session starts with; it is
//! copied into the session document when the session is created, so a later change to a
//! template never alters a running or finished session.

use draagvlak_protocol::view::{Level, Localized, PhaseKind};

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

/// Names of the templates this server knows.
pub const TEMPLATES: [&str; 1] = ["strategic-framework"];

/// The phases of a template, or `None` for an unknown name.
pub fn phases(template: &str) -> Option<Vec<PhaseSpec>> {
    match template {
        "strategic-framework" => Some(strategic_framework()),
        _ => None,
    }
}

fn loc(nl: &str, en: &str) -> Localized {
    Localized {
        nl: nl.to_string(),
        en: en.to_string(),
    }
}

fn phase(
    kind: PhaseKind,
    level: Option<Level>,
    title: Localized,
    question: Localized,
) -> PhaseSpec {
    PhaseSpec {
        kind,
        level,
        title,
        question,
        anonymous: kind == PhaseKind::Brainstorm,
        dot_budget: DEFAULT_DOT_BUDGET,
        max_dots_per_item: DEFAULT_MAX_DOTS_PER_ITEM,
    }
}

/// The strategic-framework workshop: a lobby; for each of richten, inrichten and verrichten a
/// brainstorm, a vote and a rules phase; a summary.
fn strategic_framework() -> Vec<PhaseSpec> {
    let mut phases = vec![phase(
        PhaseKind::Lobby,
        None,
        loc("Welkom", "Welcome"),
        loc(
            "Welkom bij de workshop. Kies je naam en je groep; we beginnen zo.",
            "Welcome to the workshop. Choose your name and group; we will start shortly.",
        ),
    )];
    for level in Level::ALL {
        let (name_nl, name_en, question_nl, question_en) = match level {
            Level::Richten => (
                "Richten",
                "Direction",
                "Wat is de rol van ICT voor onze organisatie?",
                "What is the role of ICT for our organisation?",
            ),
            Level::Inrichten => (
                "Inrichten",
                "Design",
                "Wat gaat ICT doen?",
                "What will ICT do?",
            ),
            Level::Verrichten => (
                "Verrichten",
                "Delivery",
                "Hoe gaat ICT werken?",
                "How will ICT work?",
            ),
        };
        phases.push(phase(
            PhaseKind::Brainstorm,
            Some(level),
            loc(
                &format!("{name_nl}: brainstorm"),
                &format!("{name_en}: brainstorm"),
            ),
            loc(question_nl, question_en),
        ));
        phases.push(phase(
            PhaseKind::Vote,
            Some(level),
            loc(
                &format!("{name_nl}: prioriteren"),
                &format!("{name_en}: set priorities"),
            ),
            loc(
                "Verdeel je stippen over de uitspraken die voor jou het zwaarst wegen.",
                "Spread your dots over the statements that matter most to you.",
            ),
        ));
        phases.push(phase(
            PhaseKind::Rules,
            Some(level),
            loc(
                &format!("{name_nl}: vuistregels"),
                &format!("{name_en}: rules of thumb"),
            ),
            loc(
                "Welke vuistregels verankeren deze prioriteiten? Stel voor, scherp aan en geef aan hoeveel draagvlak je ziet.",
                "Which rules of thumb anchor these priorities? Propose, refine and rate how much you support each.",
            ),
        ));
    }
    phases.push(phase(
        PhaseKind::Summary,
        None,
        loc("Samenvatting", "Summary"),
        loc(
            "Dit zijn de prioriteiten en vuistregels van vandaag.",
            "These are today's priorities and rules of thumb.",
        ),
    ));
    phases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategic_framework_has_lobby_three_levels_and_summary() {
        let phases = phases("strategic-framework").expect("known template");
        assert_eq!(phases.len(), 1 + 3 * 3 + 1);
        assert_eq!(phases[0].kind, PhaseKind::Lobby);
        assert_eq!(phases[10].kind, PhaseKind::Summary);
        for (i, level) in Level::ALL.into_iter().enumerate() {
            let kinds: Vec<_> = phases[1 + i * 3..4 + i * 3]
                .iter()
                .map(|p| (p.kind, p.level))
                .collect();
            assert_eq!(
                kinds,
                vec![
                    (PhaseKind::Brainstorm, Some(level)),
                    (PhaseKind::Vote, Some(level)),
                    (PhaseKind::Rules, Some(level)),
                ]
            );
        }
        for p in &phases {
            assert!(!p.title.nl.is_empty() && !p.title.en.is_empty());
            assert!(!p.question.nl.is_empty() && !p.question.en.is_empty());
        }
    }

    #[test]
    fn unknown_template_is_none() {
        assert!(phases("nope").is_none());
    }
}

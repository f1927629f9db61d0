//! The maturity self-assessment (issue 19): a phase in which everyone scores statements about
//! their organisation, per dimension, from 1 (not at all) to 5 (fully) or "don't know"; the results
//! per dimension overall and per group, secret until the facilitator reveals them like votes.
//!
//! The method promises measurable results: taken at the intake and again in a follow-up, the
//! assessment shows whether the organisation grew, and whether ICT and the business side see it
//! the same way (the gap between groups). The dimensions and statements are our own default set,
//! written for local governments; a session copies them into its document when it is made, so a
//! running session never depends on this file.
//!
//! A dimension's result is the mean of all scores given on its statements (1 to 5, two decimals):
//! overall over everyone, per group over that group's people; "don't know" is counted apart and
//! never in a mean. Removed participants do not count. The gap is the largest difference between
//! two groups' means.

use std::collections::BTreeMap;

use draagvlak_protocol::view::{AssessmentStatement, DimensionResult, DimensionView, Localized};

use crate::workshop::State;

/// A statement in Dutch and English.
type Text = (&'static str, &'static str);
/// A dimension: id, Dutch title, English title, statements.
type Dimension = (&'static str, &'static str, &'static str, [Text; 3]);

/// The default dimensions.
const DEFAULT: [Dimension; 6] = [
    (
        "strategy",
        "Strategie en sturing",
        "Strategy and governance",
        [
            (
                "Onze organisatie heeft een vastgestelde visie op digitalisering die het bestuur uitdraagt.",
                "Our organisation has an adopted vision on digitalisation that the board carries.",
            ),
            (
                "Bij nieuwe beleidsvoorstellen wordt de inbreng van ICT vooraf gevraagd.",
                "New policy proposals ask for the input of ICT beforehand.",
            ),
            (
                "Investeringen in ICT worden gekozen op wat ze de organisatie opleveren.",
                "Investments in ICT are chosen for what they bring the organisation.",
            ),
        ],
    ),
    (
        "information",
        "Informatiebeheer",
        "Information management",
        [
            (
                "Gegevens worden één keer vastgelegd en door alle diensten hergebruikt.",
                "Data is recorded once and reused by every department.",
            ),
            (
                "Het is duidelijk wie eigenaar is van welke gegevens.",
                "It is clear who owns which data.",
            ),
            (
                "Archivering en openbaarheid zijn in de werkprocessen ingebouwd.",
                "Archiving and public access are built into the work processes.",
            ),
        ],
    ),
    (
        "services",
        "Dienstverlening aan inwoners",
        "Services to citizens",
        [
            (
                "Inwoners en ondernemers kunnen hun zaken met ons digitaal regelen.",
                "Citizens and businesses can arrange their affairs with us online.",
            ),
            (
                "We weten hoe tevreden inwoners zijn over onze digitale diensten.",
                "We know how satisfied citizens are with our digital services.",
            ),
            (
                "Wie niet digitaal kan meedoen, wordt op een andere manier goed geholpen.",
                "People who cannot take part digitally are helped well in another way.",
            ),
        ],
    ),
    (
        "processes",
        "Werkprocessen",
        "Work processes",
        [
            (
                "Onze belangrijkste werkprocessen zijn beschreven en worden samen verbeterd.",
                "Our main work processes are described and improved together.",
            ),
            (
                "Systemen sluiten op elkaar aan; er wordt weinig overgetypt.",
                "Systems connect to each other; little is typed over by hand.",
            ),
            (
                "Nieuwe toepassingen worden ingevoerd samen met de mensen die ermee werken.",
                "New applications are introduced together with the people who use them.",
            ),
        ],
    ),
    (
        "infrastructure",
        "Infrastructuur en beveiliging",
        "Infrastructure and security",
        [
            (
                "De ICT-voorzieningen zijn betrouwbaar en beschikbaar wanneer ze nodig zijn.",
                "ICT facilities are reliable and available when they are needed.",
            ),
            (
                "Informatiebeveiliging en privacy worden regelmatig getoetst en verbeterd.",
                "Information security and privacy are tested and improved regularly.",
            ),
            (
                "We weten wat we moeten doen bij een storing of een beveiligingsincident.",
                "We know what to do in an outage or a security incident.",
            ),
        ],
    ),
    (
        "people",
        "Mensen en vaardigheden",
        "People and skills",
        [
            (
                "Medewerkers hebben de digitale vaardigheden die hun werk vraagt.",
                "Staff have the digital skills their work asks for.",
            ),
            (
                "ICT en de business kennen elkaars werk en spreken elkaars taal.",
                "ICT and the business know each other's work and speak each other's language.",
            ),
            (
                "Er is tijd en ruimte om te leren werken met nieuwe toepassingen.",
                "There is time and room to learn to work with new applications.",
            ),
        ],
    ),
];

/// The default dimensions with their statements (ids `strategy`, `strategy.1`, …).
pub fn default_dimensions() -> Vec<DimensionView> {
    DEFAULT
        .iter()
        .map(|(id, nl, en, statements)| DimensionView {
            id: id.to_string(),
            title: Localized {
                nl: nl.to_string(),
                en: en.to_string(),
            },
            statements: statements
                .iter()
                .enumerate()
                .map(|(i, (nl, en))| AssessmentStatement {
                    id: format!("{id}.{}", i + 1),
                    text: Localized {
                        nl: nl.to_string(),
                        en: en.to_string(),
                    },
                })
                .collect(),
        })
        .collect()
}

/// Whether `statement` is one of the session's assessment statements.
pub fn has_statement(state: &State, statement: &str) -> bool {
    state
        .assessment
        .iter()
        .any(|d| d.statements.iter().any(|s| s.id == statement))
}

/// How many statements the assessment has.
pub fn statement_count(state: &State) -> usize {
    state.assessment.iter().map(|d| d.statements.len()).sum()
}

/// (respondents, complete): participants (not removed) who scored at least one statement, and
/// those who scored every one ("don't know" counts as an answer).
pub fn progress(state: &State) -> (u32, u32) {
    let all = statement_count(state);
    let mut respondents = 0;
    let mut complete = 0;
    for (pid, scores) in &state.assessment_scores {
        let present = state.participants.get(pid).is_some_and(|p| !p.removed);
        if !present || scores.is_empty() {
            continue;
        }
        respondents += 1;
        if all > 0 && scores.len() >= all {
            complete += 1;
        }
    }
    (respondents, complete)
}

/// A mean of scores, rounded to two decimals; `None` without scores.
fn mean(sum: u32, n: u32) -> Option<f64> {
    (n > 0).then(|| (f64::from(sum) / f64::from(n) * 100.0).round() / 100.0)
}

/// The results per dimension, in the order of the dimensions (see the module docs).
pub fn results(state: &State) -> Vec<DimensionResult> {
    state
        .assessment
        .iter()
        .map(|d| {
            // (sum, count) overall and per group, and the "don't know" answers.
            let mut all = (0u32, 0u32);
            let mut groups: BTreeMap<&str, (u32, u32)> =
                state.groups.iter().map(|g| (g.as_str(), (0, 0))).collect();
            let mut dont_know = 0;
            for (pid, scores) in &state.assessment_scores {
                let Some(p) = state.participants.get(pid).filter(|p| !p.removed) else {
                    continue;
                };
                for s in &d.statements {
                    match scores.get(&s.id) {
                        Some(Some(score)) => {
                            all.0 += u32::from(*score);
                            all.1 += 1;
                            let g = groups.entry(p.group.as_str()).or_default();
                            g.0 += u32::from(*score);
                            g.1 += 1;
                        }
                        Some(None) => dont_know += 1,
                        None => {}
                    }
                }
            }
            let by_group: BTreeMap<String, Option<f64>> = groups
                .iter()
                .map(|(g, (sum, n))| (g.to_string(), mean(*sum, *n)))
                .collect();
            let known: Vec<f64> = by_group.values().filter_map(|m| *m).collect();
            let gap = (known.len() >= 2).then(|| {
                let max = known.iter().cloned().fold(f64::MIN, f64::max);
                let min = known.iter().cloned().fold(f64::MAX, f64::min);
                ((max - min) * 100.0).round() / 100.0
            });
            DimensionResult {
                id: d.id.clone(),
                overall: mean(all.0, all.1),
                by_group,
                gap,
                scores: all.1,
                dont_know,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_set_has_six_dimensions_of_three_statements_in_both_languages() {
        let dims = default_dimensions();
        assert_eq!(dims.len(), 6);
        let mut ids = std::collections::BTreeSet::new();
        for d in &dims {
            assert_eq!(d.statements.len(), 3, "{}", d.id);
            assert!(!d.title.nl.is_empty() && !d.title.en.is_empty());
            for s in &d.statements {
                assert!(s.id.starts_with(&format!("{}.", d.id)));
                assert!(!s.text.nl.is_empty() && !s.text.en.is_empty());
                assert_ne!(s.text.nl, s.text.en);
                assert!(ids.insert(s.id.clone()), "unique ids");
            }
        }
    }
}

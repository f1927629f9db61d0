//! A demo session filled with realistic sample content, so that a newcomer can try every view on
//! one laptop within a minute. The content is applied through the same intents real people send,
//! so it is valid by construction. Each language has its own content, all of it in that language:
//! the English demo is an English council with English names, the Dutch one a Flemish city with
//! Flemish names and words (`dienst`, `beslissing`, itsme).

use automerge::ChangeHash;
use draagvlak_protocol::intent::RuleStatus;
use draagvlak_protocol::{Intent, ItemId};

use super::Refusal;
use super::apply::{Context, Created, Sender, apply};
use super::workshop::{DocError, Workshop};

/// Why the demo could not be filled (a bug: the content is fixed).
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo intent refused: {0:?}")]
    Refused(Refusal),
    #[error(transparent)]
    Doc(#[from] DocError),
}

struct Content {
    /// The session's title and organisation.
    title: &'static str,
    organisation: &'static str,
    /// The reasons the hesitant side gives with its low ratings, one per person (the same
    /// sentence three times would look like a bug on the projector).
    reasons: [&'static str; 3],
    people: [(&'static str, &'static str); 6],
    statements: [[&'static str; 4]; 3],
    rules: [[&'static str; 2]; 3],
}

const NL: Content = Content {
    title: "ICT-strategie 2027 (demo)",
    organisation: "Stad Mechelen",
    reasons: [
        "Te weinig ruimte voor maatwerk per dienst",
        "Wie betaalt als de business eigenaar is maar ICT het beheer doet?",
        "Eerst de bestaande systemen op orde, dan pas nieuwe afspraken",
    ],
    people: [
        ("Jens Peeters", "ict"),
        ("Lotte Claes", "business"),
        ("Wout Janssens", "ict"),
        ("Nadia Benali", "business"),
        ("Els Vermeulen", "ict"),
        ("Sofie Maes", "business"),
    ],
    statements: [
        [
            "ICT is een strategische partner bij beleidsvorming, niet alleen een uitvoerder.",
            "Digitale dienstverlening aan inwoners gaat voor interne systemen.",
            "Data is een gemeenschappelijke bron voor beleid en uitvoering.",
            "We werken samen met de buurgemeenten waar dat kan.",
        ],
        [
            "Eén dossiersysteem voor alle diensten.",
            "Inwoners regelen alles online, zonder gedoe met itsme of een kaartlezer.",
            "Informatiebeveiliging is van iedereen, niet alleen van ICT.",
            "We ruimen verouderde applicaties actief op.",
        ],
        [
            "ICT en de business stellen samen de jaarplanning op.",
            "Elke nieuwe aanvraag krijgt binnen twee weken een beslissing.",
            "We meten tevredenheid van medewerkers over ICT elk kwartaal.",
            "Leveranciers worden op resultaat afgerekend.",
        ],
    ],
    rules: [
        [
            "Eerst hergebruiken, dan kopen, dan pas bouwen.",
            "Elke investering in ICT heeft een eigenaar in de business.",
        ],
        [
            "Gegevens leggen we één keer vast en gebruiken we vaak.",
            "Nieuwe systemen werken ook op een telefoon.",
        ],
        [
            "Geen project zonder gezamenlijke business case.",
            "We kiezen open standaarden, tenzij het aantoonbaar niet kan.",
        ],
    ],
};

const EN: Content = Content {
    title: "ICT strategy 2027 (demo)",
    organisation: "Riverside Borough Council",
    reasons: [
        "Too little room for what each department needs",
        "Who pays when the business owns it but ICT runs it?",
        "Get the existing systems in order first, then make new agreements",
    ],
    people: [
        ("James Walker", "ict"),
        ("Priya Shah", "business"),
        ("Tom Hughes", "ict"),
        ("Emma Clarke", "business"),
        ("Oliver Bennett", "ict"),
        ("Grace Taylor", "business"),
    ],
    statements: [
        [
            "ICT is a strategic partner in policy making, not just a supplier.",
            "Digital services for residents come before internal systems.",
            "Data is a shared source for policy and operations.",
            "We work with neighbouring municipalities wherever we can.",
        ],
        [
            "One case management system for all departments.",
            "Residents can arrange everything online, without login hassle.",
            "Information security is everyone's job, not only ICT's.",
            "We actively retire outdated applications.",
        ],
        [
            "ICT and the business draw up the annual plan together.",
            "Every new request gets a decision within two weeks.",
            "We measure staff satisfaction with ICT every quarter.",
            "Suppliers are held to account for results.",
        ],
    ],
    rules: [
        [
            "Reuse first, then buy, and only then build.",
            "Every ICT investment has an owner in the business.",
        ],
        [
            "We record data once and use it many times.",
            "New systems also work on a phone.",
        ],
        [
            "No project without a shared business case.",
            "We choose open standards unless it demonstrably cannot be done.",
        ],
    ],
};

fn content(language: &str) -> &'static Content {
    if language == "en" { &EN } else { &NL }
}

/// The demo session's title and organisation, in `language` (`en`, else Dutch).
pub fn title_and_organisation(language: &str) -> (&'static str, &'static str) {
    let c = content(language);
    (c.title, c.organisation)
}

/// Fill a freshly created strategic-framework session: six people, statements, dots and rules
/// with ratings on the first two levels (revealed), and the third level's brainstorm under way.
/// The phases are timed as if the workshop had started at `start_ms`, 20 minutes each.
pub fn fill(workshop: &mut Workshop, language: &str, start_ms: u64) -> Result<(), DemoError> {
    let content = content(language);
    let heads: Vec<ChangeHash> = workshop.heads().to_vec();
    let lookup = move |_rev: u64| -> Result<Vec<ChangeHash>, Refusal> { Ok(heads.clone()) };
    let clock = std::cell::Cell::new(start_ms);
    let mut people = Vec::new();
    for (name, group) in content.people {
        people.push(workshop.add_participant(name, group)?);
    }
    let act = |workshop: &mut Workshop, who: Option<usize>, intent: Intent| {
        let sender = match who {
            Some(i) => Sender::Participant(&people[i]),
            None => Sender::Facilitator,
        };
        if matches!(intent, Intent::GoToPhase { .. } | Intent::NextPhase) {
            clock.set(clock.get() + 20 * 60 * 1000);
        }
        let ctx = Context::new(&lookup, clock.get());
        apply(workshop, sender, &intent, &ctx)
            .map(|a| a.created)
            .map_err(DemoError::Refused)
    };
    for level in 0..3u32 {
        // Each level: brainstorm, cluster, vote, rules.
        let base = 1 + level * 4;
        act(workshop, None, Intent::GoToPhase { index: base })?;
        let mut ids = Vec::new();
        for (i, text) in content.statements[level as usize].iter().enumerate() {
            let id = act(
                workshop,
                Some(i),
                Intent::AddStatement {
                    text: (*text).into(),
                },
            )?;
            ids.extend(id.and_then(Created::statement).map(ItemId::from));
        }
        if level == 2 {
            // The last level is still being brainstormed.
            return Ok(());
        }
        act(workshop, None, Intent::GoToPhase { index: base + 2 })?;
        // Everyone spends their three dots; the first statement is the clear favourite.
        for p in 0..people.len() {
            for target in [0, 0, 1 + p % 3] {
                act(
                    workshop,
                    Some(p),
                    Intent::PlaceDot {
                        statement: ids[target].clone(),
                    },
                )?;
            }
        }
        act(workshop, None, Intent::RevealVotes)?;
        act(workshop, None, Intent::NextPhase)?;
        let mut rules = Vec::new();
        for (i, text) in content.rules[level as usize].iter().enumerate() {
            rules.extend(
                act(
                    workshop,
                    Some(i),
                    Intent::ProposeRule {
                        text: (*text).into(),
                        // Each rule anchors the statement with the same position (the first is
                        // the favourite).
                        anchors: ids.get(i).cloned().into_iter().collect(),
                    },
                )?
                .and_then(Created::rule),
            );
        }
        // Rule one: broad support. Rule two: ICT for, business hesitant (a gap to discuss).
        for (p, (_, group)) in content.people.iter().enumerate() {
            act(
                workshop,
                Some(p),
                Intent::RateRule {
                    rule: rules[0].clone(),
                    score: 4 + (p % 2) as u8,
                    reason: None,
                },
            )?;
            let score = if *group == "ict" { 5 } else { 2 };
            act(
                workshop,
                Some(p),
                Intent::RateRule {
                    rule: rules[1].clone(),
                    score,
                    // The business people are every second person: 1, 3, 5.
                    reason: (score <= 2).then(|| content.reasons[(p / 2) % 3].to_string()),
                },
            )?;
        }
        act(workshop, None, Intent::RevealVotes)?;
        // The facilitator decides: rule one adopted; rule two adopted despite the gap on the
        // first level (the report marks it), sent back for revision on the second.
        let second = if level == 0 {
            RuleStatus::Adopted
        } else {
            RuleStatus::Revise
        };
        for (rule, status) in [(&rules[0], RuleStatus::Adopted), (&rules[1], second)] {
            act(
                workshop,
                None,
                Intent::SetRuleStatus {
                    rule: rule.clone(),
                    status,
                    // The gap on the first level is confirmed, and the record marks it.
                    confirm: true,
                },
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text of a demo, for the checks below.
    fn texts(c: &Content) -> Vec<&'static str> {
        let mut out = vec![c.title, c.organisation];
        out.extend(c.reasons);
        out.extend(c.people.iter().map(|(name, _)| *name));
        out.extend(c.statements.iter().flatten());
        out.extend(c.rules.iter().flatten());
        out
    }

    fn words(text: &str) -> Vec<String> {
        text.split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    }

    /// Issue 13, B9: the English demo is English throughout (no Dutch word, name or place).
    #[test]
    fn the_english_demo_is_in_english() {
        let dutch = [
            "de", "het", "een", "en", "van", "gemeente", "stad", "wij", "niet", "voor", "zaanstad",
            "mechelen", "jeroen", "vries", "sanne", "bakker", "visser", "koster", "peeters",
            "janssens",
        ];
        for text in texts(&EN) {
            for w in words(text) {
                assert!(!dutch.contains(&w.as_str()), "{w:?} in {text:?}");
            }
        }
    }

    /// Issue 13, B9: the Dutch demo is Flemish: a Flemish city, Flemish names, and none of the
    /// Netherlands' own words (DigiD, zaaksysteem, afdeling for a city's department).
    #[test]
    fn the_dutch_demo_is_flemish() {
        assert_eq!(NL.organisation, "Stad Mechelen");
        let names: Vec<&str> = NL.people.iter().map(|(n, _)| *n).collect();
        assert!(names.contains(&"Jens Peeters") && names.contains(&"Wout Janssens"));
        for text in texts(&NL) {
            for w in words(text) {
                let dutch_only = ["digid", "zaaksysteem", "afdeling", "afdelingen", "zaanstad"];
                assert!(!dutch_only.contains(&w.as_str()), "{w:?} in {text:?}");
            }
        }
    }
}

//! Suggested clusters: groups of near-duplicate statements, for the facilitator.
//!
//! With sixty statements on a level, finding the duplicates by eye is the slow part of a
//! workshop. This module proposes groups; the facilitator merges one (`create_cluster`, with the
//! proposed title or an edited one) or ignores it. Nothing here writes to the document.
//!
//! The measure is deliberately plain, so that a facilitator can guess why two statements were
//! put together, and it runs on the server without any outside service:
//!
//! 1. **Words**: the text in lower case, accents folded (`één` → `een`), split on everything
//!    that is not a letter or digit.
//! 2. **Stop words** of Dutch and English are dropped (both lists for every session: Dutch
//!    workshops use English terms, and the lists hardly overlap with content words), as are
//!    one-letter words; a short word in capitals is an acronym and kept (`IT`). The lists include words of judgement that half of all statements use
//!    (`beter`, `verbeteren`, `improve`): they say nothing about what a statement is about.
//! 3. **Stems**: Snowball (the `rust-stemmers` crate), Dutch or English by the session's
//!    language, so `inwoners`/`inwoner` and `services`/`service` are one word.
//! 4. **Similarity** of two statements: a soft Dice coefficient over their stem sets — the
//!    share of stems on both sides that have a match on the other side. Two stems match when
//!    they are equal, or when the shorter (at least [`MIN_PART`] letters) is the start or the end
//!    of the longer: Dutch writes compounds as one word, so `informatievoorziening` matches
//!    `informatie` and `voorziening`.
//! 5. **Groups**: single linkage: statements whose similarity is at least [`THRESHOLD`] are
//!    joined, and so are groups joined through a common member.
//!
//! Only the statements of the current cluster phase's level are compared, and only those that
//! are visible and in no cluster yet. The output is deterministic: members in creation order,
//! groups by their earliest member.
//!
//! Cost: the projection calls [`suggest`] for the facilitator's view in a cluster phase only
//! (see `benches/session.rs`, `suggest/*`); at most [`MAX_CANDIDATES`] statements are compared.
//! The projection runs every tick, and most ticks change nothing the suggestions depend on, so
//! the last result is kept in [`Cache`] (a field of the session's `State`) with what it was
//! computed from — the language, and the ids and texts of the compared statements, in order —
//! and computed again only when that differs. The key is the input itself, not a hash of it, so
//! a stale result can never be returned.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use draagvlak_protocol::view::SuggestionView;
use draagvlak_protocol::{Level, PhaseKind, StatementId};
use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::workshop::State;

/// The similarity from which two statements are suggested as one group. At 0.6 two statements
/// of three content words each that share two of them (0.67) are grouped, as is a statement
/// whose words all recur in a longer one of up to five words (3 of 3 against 3 of 5: 0.75);
/// one shared word out of three (0.33) or two out of five each (0.4) is not: a common theme
/// ("ICT", "data") is no duplicate.
pub const THRESHOLD: f64 = 0.6;

/// The shortest stem that counts as part of a compound word (shorter ones, like `ict` or `app`,
/// would match too many words by accident).
pub const MIN_PART: usize = 5;

/// The most statements compared at once (the earliest ones): the comparison is quadratic, and a
/// level with more statements than this needs another way of working than merging pairs.
pub const MAX_CANDIDATES: usize = 400;

/// Dutch stop words, accents folded (`één` is `een`).
const STOP_NL: &[&str] = &[
    "aan",
    "al",
    "alle",
    "alles",
    "als",
    "altijd",
    "ben",
    "beter",
    "betere",
    "bij",
    "daar",
    "dan",
    "dat",
    "de",
    "der",
    "deze",
    "die",
    "dit",
    "doen",
    "door",
    "dus",
    "een",
    "en",
    "er",
    "geen",
    "goed",
    "goede",
    "had",
    "heb",
    "hebben",
    "heeft",
    "het",
    "hier",
    "hij",
    "hoe",
    "hun",
    "ik",
    "in",
    "is",
    "je",
    "jij",
    "kan",
    "kunnen",
    "maar",
    "me",
    "meer",
    "men",
    "met",
    "mij",
    "moet",
    "moeten",
    "na",
    "naar",
    "niet",
    "nog",
    "nu",
    "of",
    "om",
    "ons",
    "onze",
    "ook",
    "op",
    "over",
    "te",
    "tot",
    "u",
    "uit",
    "van",
    "veel",
    "verbeteren",
    "voor",
    "want",
    "was",
    "wat",
    "we",
    "wel",
    "welke",
    "wij",
    "wil",
    "willen",
    "word",
    "worden",
    "wordt",
    "zal",
    "ze",
    "zich",
    "zijn",
    "zo",
    "zodat",
    "zonder",
    "zou",
    "zullen",
];

/// English stop words.
const STOP_EN: &[&str] = &[
    "a", "about", "all", "an", "and", "are", "as", "at", "be", "been", "better", "but", "by",
    "can", "could", "do", "does", "for", "from", "good", "has", "have", "how", "if", "improve",
    "improved", "in", "into", "is", "it", "its", "more", "must", "need", "needs", "no", "not",
    "of", "on", "one", "or", "our", "should", "so", "than", "that", "the", "their", "them",
    "there", "these", "they", "this", "to", "us", "want", "was", "we", "what", "when", "which",
    "who", "will", "with", "would", "you", "your",
];

/// The suggestions for the facilitator's view: `None` outside a cluster phase.
pub fn suggest(state: &State) -> Option<Vec<SuggestionView>> {
    let phase = state.phase();
    if phase.kind != PhaseKind::Cluster || state.closed {
        return None;
    }
    let level = phase.level?;
    Some(suggest_on(state, level))
}

/// The suggestions among the visible, unclustered statements of a level (from the cache when
/// those statements are the same as last time).
pub fn suggest_on(state: &State, level: Level) -> Vec<SuggestionView> {
    let mut candidates: Vec<(u64, &str, &str)> = state
        .statements
        .iter()
        .filter(|(_, s)| s.level == level && !s.hidden && s.cluster.is_none())
        .map(|(id, s)| (s.seq, id.as_str(), s.text.as_str()))
        .collect();
    candidates.sort_unstable();
    candidates.truncate(MAX_CANDIDATES);
    let texts: Vec<(&str, &str)> = candidates.iter().map(|(_, id, t)| (*id, *t)).collect();
    state
        .suggestions
        .get_or_compute(&state.meta.language, &texts, || {
            groups(&texts, &state.meta.language)
        })
}

/// The last suggestions of a session and what they were computed from. It is derived data, not
/// part of the document: a copy of a `State` copies it, and it never makes two states differ.
#[derive(Default)]
pub struct Cache(Mutex<Option<Cached>>);

struct Cached {
    language: String,
    /// `(id, text)` of the compared statements, in the order compared.
    statements: Vec<(String, String)>,
    result: Vec<SuggestionView>,
    /// How many times a result was computed (for tests and curiosity).
    computed: u64,
}

impl Cache {
    /// The cached result if it was computed from exactly these statements, else `compute()`'s
    /// (kept for next time).
    fn get_or_compute(
        &self,
        language: &str,
        statements: &[(&str, &str)],
        compute: impl FnOnce() -> Vec<SuggestionView>,
    ) -> Vec<SuggestionView> {
        // Only this module locks it, never across an await; a panic while it was held left at
        // worst an old entry, which the key check below still guards.
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = slot.as_ref()
            && c.language == language
            && c.statements.len() == statements.len()
            && c.statements
                .iter()
                .zip(statements)
                .all(|((id, text), (i, t))| id == i && text == t)
        {
            return c.result.clone();
        }
        let result = compute();
        let computed = slot.as_ref().map_or(0, |c| c.computed) + 1;
        *slot = Some(Cached {
            language: language.to_string(),
            statements: statements
                .iter()
                .map(|(id, t)| (id.to_string(), t.to_string()))
                .collect(),
            result: result.clone(),
            computed,
        });
        result
    }

    /// How many times suggestions were computed rather than taken from the cache.
    pub fn computed(&self) -> u64 {
        let slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        slot.as_ref().map_or(0, |c| c.computed)
    }
}

impl Clone for Cache {
    fn clone(&self) -> Cache {
        let slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Cache(Mutex::new(slot.as_ref().map(|c| Cached {
            language: c.language.clone(),
            statements: c.statements.clone(),
            result: c.result.clone(),
            computed: c.computed,
        })))
    }
}

/// Derived data: any two caches are equal, so the mirror still equals the document.
impl PartialEq for Cache {
    fn eq(&self, _: &Cache) -> bool {
        true
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("suggest::Cache")
    }
}

/// Groups among `(id, text)` pairs given in creation order, for a session language (`nl`
/// stems Dutch, anything else English).
pub fn groups(statements: &[(&str, &str)], language: &str) -> Vec<SuggestionView> {
    let stemmer = Stemmer::create(if language == "nl" {
        Algorithm::Dutch
    } else {
        Algorithm::English
    });
    let analysed: Vec<Vec<Word>> = statements
        .iter()
        .map(|(_, text)| analyse(text, &stemmer))
        .collect();
    let stems: Vec<BTreeSet<&str>> = analysed
        .iter()
        .map(|words| words.iter().map(|w| w.stem.as_str()).collect())
        .collect();
    // Single linkage with a union-find over statement indices; the root is the smallest index,
    // so the earliest statement names the group.
    let mut parent: Vec<usize> = (0..statements.len()).collect();
    for i in 0..statements.len() {
        for j in i + 1..statements.len() {
            if similarity(&stems[i], &stems[j]) >= THRESHOLD {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..statements.len() {
        let r = root(&mut parent, i);
        members.entry(r).or_default().push(i);
    }
    members
        .into_values()
        .filter(|m| m.len() >= 2)
        .map(|m| SuggestionView {
            title: title(&m, &analysed, &stems),
            statements: m
                .iter()
                .map(|&i| StatementId::from(statements[i].0))
                .collect(),
        })
        .collect()
}

/// A content word of a statement: as written (lower case) and its stem.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Word {
    written: String,
    stem: String,
}

/// The content words of a text, in order.
fn analyse(text: &str, stemmer: &Stemmer) -> Vec<Word> {
    let mut words = Vec::new();
    for written in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let lower = written.to_lowercase();
        let folded: String = lower.nfd().filter(|c| !is_combining_mark(*c)).collect();
        // A short word in capitals is an acronym ("IT", "AI"), never a stop word.
        let acronym = written.chars().count() <= 4 && written.chars().all(|c| c.is_uppercase());
        if folded.chars().count() < 2
            || (!acronym
                && (STOP_NL.binary_search(&folded.as_str()).is_ok()
                    || STOP_EN.binary_search(&folded.as_str()).is_ok()))
        {
            continue;
        }
        let stem = stemmer.stem(&folded).into_owned();
        words.push(Word {
            written: lower,
            stem,
        });
    }
    words
}

/// Soft Dice coefficient of two stem sets (see the module docs); 0 when either is empty.
fn similarity(a: &BTreeSet<&str>, b: &BTreeSet<&str>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let matched_a = a.iter().filter(|x| b.iter().any(|y| matches(x, y))).count();
    let matched_b = b.iter().filter(|y| a.iter().any(|x| matches(x, y))).count();
    (matched_a + matched_b) as f64 / (a.len() + b.len()) as f64
}

/// Two stems are one word, or one is a part (start or end) of the other, compound word.
fn matches(x: &str, y: &str) -> bool {
    if x == y {
        return true;
    }
    let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    short.chars().count() >= MIN_PART && (long.starts_with(short) || long.ends_with(short))
}

/// The representative of `i`'s group (with path halving).
fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// A title proposal: the words of the earliest statement whose stems occur in most of the
/// group's statements (at least two), in the order written, at most four; the first letter
/// capitalised.
fn title(members: &[usize], analysed: &[Vec<Word>], stems: &[BTreeSet<&str>]) -> String {
    let first = &analysed[members[0]];
    let count = |stem: &str| {
        members
            .iter()
            .filter(|&&m| stems[m].iter().any(|s| matches(s, stem)))
            .count()
    };
    let best = first.iter().map(|w| count(&w.stem)).max().unwrap_or(0);
    let mut seen = BTreeSet::new();
    let words: Vec<&str> = first
        .iter()
        .filter(|w| best >= 2 && count(&w.stem) == best && seen.insert(w.stem.as_str()))
        .map(|w| w.written.as_str())
        .take(4)
        .collect();
    let mut title = words.join(" ");
    if let Some(c) = title.chars().next() {
        title = c.to_uppercase().chain(title.chars().skip(1)).collect();
    }
    title
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply;
    use crate::projection::{self, Audience, Presence};
    use crate::workshop::Workshop;
    use draagvlak_protocol::{Intent, ParticipantId};

    #[test]
    fn stop_word_lists_are_sorted_for_binary_search() {
        assert!(STOP_NL.windows(2).all(|w| w[0] < w[1]));
        assert!(STOP_EN.windows(2).all(|w| w[0] < w[1]));
    }

    /// The groups of a list of texts, as lists of indices (ids are the indices).
    fn grouped(texts: &[&str], language: &str) -> Vec<(Vec<usize>, String)> {
        let ids: Vec<String> = (0..texts.len()).map(|i| i.to_string()).collect();
        let pairs: Vec<(&str, &str)> = ids
            .iter()
            .zip(texts)
            .map(|(id, t)| (id.as_str(), *t))
            .collect();
        groups(&pairs, language)
            .into_iter()
            .map(|g| {
                let members = g.statements.iter().map(|s| s.parse().unwrap()).collect();
                (members, g.title)
            })
            .collect()
    }

    /// Twenty statements of the `richten` level of a municipal ICT-strategy workshop: seven
    /// pairs or triples a facilitator would merge, and statements that share a theme ("ICT",
    /// "data", "regio") without saying the same thing.
    #[test]
    fn dutch_statements_of_an_ict_strategy_workshop() {
        let texts = [
            "Eén digitaal loket voor inwoners",    // 0 A
            "Inwoners willen één loket, digitaal", // 1 A
            "Alle inwoners kunnen hun zaken digitaal regelen via één loket", // 2 A
            "Betere informatievoorziening voor het bestuur", // 3 B
            "Het bestuur krijgt betere informatie", // 4 B
            "Cloud first bij nieuwe applicaties",  // 5 C
            "Nieuwe applicaties standaard in de cloud", // 6 C
            "Informatiebeveiliging moet beter",    // 7 D
            "Beveiliging van informatie verbeteren", // 8 D
            "Data als strategisch bezit behandelen", // 9
            "Datagedreven werken in alle afdelingen", // 10
            "ICT is een strategische partner van de business", // 11 E
            "ICT als strategisch partner bij beleidsvorming", // 12 E
            "Minder maatwerk, meer standaardoplossingen", // 13 F
            "Standaardoplossingen in plaats van maatwerk", // 14 F
            "Privacy van inwoners beter beschermen", // 15
            "Investeren in digitale vaardigheden van medewerkers", // 16 G
            "Medewerkers digitaal vaardiger maken", // 17 G
            "Samenwerken met andere gemeenten in de regio", // 18
            "Regionale samenwerking op ICT versterken", // 19
        ];
        let got = grouped(&texts, "nl");
        let members: Vec<Vec<usize>> = got.iter().map(|(m, _)| m.clone()).collect();
        assert_eq!(
            members,
            vec![
                vec![0, 1, 2],
                vec![3, 4],
                vec![5, 6],
                vec![7, 8],
                vec![11, 12],
                vec![13, 14],
                vec![16, 17],
            ],
            "{got:#?}"
        );
        let titles: Vec<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(titles[0], "Digitaal loket inwoners", "{got:#?}");
    }

    #[test]
    fn english_statements() {
        let texts = [
            "One digital front door for residents",           // 0 A
            "Residents want a single digital front door",     // 1 A
            "Move new applications to the cloud first",       // 2 B
            "Cloud first for all new applications",           // 3 B
            "Improve information security",                   // 4 C
            "Information security must be improved",          // 5 C
            "Treat data as a strategic asset",                // 6
            "IT is a strategic partner of the business",      // 7 D
            "IT as strategic partner in policy making",       // 8 D
            "Fewer custom solutions, more standard software", // 9
            "Train employees in digital skills",              // 10
            "Protect the privacy of residents",               // 11
        ];
        let got = grouped(&texts, "en");
        let members: Vec<Vec<usize>> = got.iter().map(|(m, _)| m.clone()).collect();
        assert_eq!(
            members,
            vec![vec![0, 1], vec![2, 3], vec![4, 5], vec![7, 8]],
            "{got:#?}"
        );
        assert_eq!(got[2].1, "Information security", "{got:#?}");
    }

    #[test]
    fn nothing_to_suggest() {
        assert!(grouped(&[], "nl").is_empty());
        assert!(grouped(&["Eén", "de het een", "!!!"], "nl").is_empty());
        assert!(grouped(&["Privacy", "Cloud"], "en").is_empty());
    }

    fn act(workshop: &mut Workshop, p: &str, intent: Intent) -> Option<String> {
        let heads = workshop.heads().to_vec();
        let lookup = move |_rev: u64| Ok(heads.clone());
        let ctx = apply::Context::new(&lookup, 1);
        let sender = if p.is_empty() {
            apply::Sender::Facilitator
        } else {
            apply::Sender::Participant(&ParticipantId::from(p))
        };
        apply::apply(workshop, sender, &intent, &ctx)
            .expect("applied")
            .created
            .map(|c| c.as_str().to_string())
    }

    /// Only the facilitator's view has suggestions, only in a cluster phase, and only of the
    /// visible statements of that level that are in no cluster yet.
    #[test]
    fn facilitator_only_in_cluster_phase_without_hidden_or_clustered() {
        let mut workshop = crate::method_tests::workshop("strategic-framework");
        let a = workshop.add_participant("Anna", "ict").expect("p");
        act(&mut workshop, "", Intent::NextPhase);
        let mut ids = Vec::new();
        for text in [
            "Eén digitaal loket voor inwoners",
            "Inwoners willen één loket, digitaal",
            "Cloud first bij nieuwe applicaties",
            "Nieuwe applicaties standaard in de cloud",
            "Betere informatievoorziening voor het bestuur",
            "Het bestuur krijgt betere informatie",
        ] {
            let id = act(
                &mut workshop,
                &a,
                Intent::AddStatement { text: text.into() },
            );
            ids.push(id.expect("statement id"));
        }
        let views = |workshop: &Workshop| {
            [Audience::Facilitator, Audience::Public]
                .map(|audience| projection::view(workshop.state(), &Presence::new(), audience))
        };
        // Brainstorm: no suggestions yet.
        assert!(views(&workshop).iter().all(|v| v.suggestions.is_none()));
        act(&mut workshop, "", Intent::NextPhase);
        let [fac, public] = views(&workshop);
        assert_eq!(public.suggestions, None);
        let me = projection::me(workshop.state(), &a).expect("me");
        assert!(
            !serde_json::to_string(&me)
                .expect("json")
                .contains("suggestions")
        );
        let suggested: Vec<Vec<StatementId>> = fac
            .suggestions
            .expect("facilitator suggestions")
            .into_iter()
            .map(|s| s.statements)
            .collect();
        assert_eq!(
            suggested,
            vec![
                vec![ids[0].clone(), ids[1].clone()],
                vec![ids[2].clone(), ids[3].clone()],
                vec![ids[4].clone(), ids[5].clone()],
            ]
        );
        // Merged statements and hidden ones are not suggested again.
        act(
            &mut workshop,
            "",
            Intent::CreateCluster {
                statements: vec![ids[0].clone().into(), ids[1].clone().into()],
                title: "Digitaal loket".into(),
            },
        );
        act(
            &mut workshop,
            "",
            Intent::HideStatement {
                statement: ids[2].clone().into(),
                hidden: true,
            },
        );
        let [fac, public] = views(&workshop);
        assert_eq!(public.suggestions, None);
        let suggested: Vec<Vec<StatementId>> = fac
            .suggestions
            .expect("facilitator suggestions")
            .into_iter()
            .map(|s| s.statements)
            .collect();
        assert_eq!(suggested, vec![vec![ids[4].clone(), ids[5].clone()]]);
        // The vote phase: none.
        act(&mut workshop, "", Intent::NextPhase);
        assert!(views(&workshop).iter().all(|v| v.suggestions.is_none()));
    }

    /// The projection runs every tick: suggestions are computed again only when the compared
    /// statements (ids, texts, which ones) change, and the cached result is the same.
    #[test]
    fn suggestions_are_cached_until_the_statements_change() {
        let mut workshop = crate::method_tests::workshop("strategic-framework");
        let a = workshop.add_participant("Anna", "ict").expect("p");
        act(&mut workshop, "", Intent::NextPhase);
        let mut ids = Vec::new();
        for text in [
            "Eén digitaal loket voor inwoners",
            "Inwoners willen één loket, digitaal",
            "Cloud first bij nieuwe applicaties",
            "Nieuwe applicaties standaard in de cloud",
        ] {
            ids.push(
                act(
                    &mut workshop,
                    &a,
                    Intent::AddStatement { text: text.into() },
                )
                .expect("id"),
            );
        }
        act(&mut workshop, "", Intent::NextPhase);
        let fac = |workshop: &Workshop| {
            projection::view(workshop.state(), &Presence::new(), Audience::Facilitator)
                .suggestions
                .expect("cluster phase")
        };
        let first = fac(&workshop);
        assert_eq!(first.len(), 2);
        assert_eq!(workshop.state().suggestions.computed(), 1);
        // Ticks that change nothing the suggestions read: taken from the cache.
        act(&mut workshop, "", Intent::SetLocked { locked: true });
        act(&mut workshop, &a, Intent::SetReady { ready: true });
        assert_eq!(fac(&workshop), first);
        assert_eq!(fac(&workshop), first);
        assert_eq!(workshop.state().suggestions.computed(), 1);
        assert_eq!(
            suggest_on(workshop.state(), Level::Richten),
            groups(
                &workshop
                    .state()
                    .statements
                    .iter()
                    .map(|(id, s)| (id.as_str(), s.text.as_str()))
                    .collect::<Vec<_>>(),
                "nl"
            ),
            "the cached result is what a fresh computation gives"
        );
        // A hidden statement changes the compared set: computed again.
        act(
            &mut workshop,
            "",
            Intent::HideStatement {
                statement: ids[3].clone().into(),
                hidden: true,
            },
        );
        assert_eq!(fac(&workshop), vec![first[0].clone()]);
        assert_eq!(workshop.state().suggestions.computed(), 2);
        // A changed text (same ids): computed again.
        act(&mut workshop, "", Intent::SetLocked { locked: false });
        act(&mut workshop, "", Intent::GoToPhase { index: 1 });
        let rev = 0;
        let heads = workshop.heads().to_vec();
        let lookup = move |_rev: u64| Ok(heads.clone());
        let ctx = apply::Context::new(&lookup, 1);
        apply::apply(
            &mut workshop,
            apply::Sender::Participant(&a),
            &Intent::EditStatement {
                statement: ids[1].clone().into(),
                splice: draagvlak_protocol::Splice {
                    rev,
                    pos: 0,
                    delete: 35,
                    insert: "Privacy by design".into(),
                },
            },
            &ctx,
        )
        .expect("edited");
        act(&mut workshop, "", Intent::GoToPhase { index: 2 });
        assert!(fac(&workshop).is_empty());
        assert_eq!(workshop.state().suggestions.computed(), 3);
    }
}

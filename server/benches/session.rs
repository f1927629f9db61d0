//! Criterion benchmarks of the session's hot paths, each at several sizes so that growth shows:
//!
//! - `apply/place_dot/<participants>`: one dot placed (or taken back) and the tick committed;
//! - `projection/view_public/<participants>` and `view_facilitator`: build a view and turn it into
//!   JSON, as the actor does every tick;
//! - `projection/me_all/<participants>`: every participant's private part built (what `fan_out`
//!   did every tick before the index); `me_all_unchanged`: the index built once and every
//!   participant's last part checked (what it does now);
//! - `delta/diff_*/<participants>`: `json_patch::diff` between two consecutive views, and the
//!   delta's serialisation;
//! - `tick/whole/<participants>` and `tick/by_parts/<participants>`: one dot placed or taken
//!   back, committed, and both audiences' deltas made and serialised: by projecting the views
//!   whole and diffing them (how the fan-out worked before issue 15), and by patching the kept
//!   views with what the intent touched (`session::incremental`, how it works now);
//! - `load/snapshot/<changes>` and `load/snapshot_plus_chunks/<changes>`: `Workshop::load` of a
//!   document with that many single-intent changes of history, from one full save, and from a
//!   snapshot plus 499 incremental chunks (the most the store keeps before compacting); and
//!   `load/automerge_chunks_one_by_one/<changes>`: Automerge alone with one `load_incremental`
//!   per chunk, the way `Workshop::load` loaded them before.
//!
//! - `suggest/groups/<statements>`: suggested clusters among that many statements of a level
//!   (`session::suggest`, computed for the facilitator's view in a cluster phase only).
//!
//! Sessions are built with the library's own intents: `participants` people, one statement per ten
//! participants (at least 10), everyone's three dots placed, in the vote phase of the first level.
//!
//! Run: `cargo bench -p draagvlak-server --bench session` (add `-- load` etc. to filter).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use draagvlak_protocol::{Intent, ItemId, ParticipantId, StatementId};
use draagvlak_server::session::apply::{self, Context, Created, Sender, ViewTouched};
use draagvlak_server::session::incremental;
use draagvlak_server::session::new_session::NewSession;
use draagvlak_server::session::projection::{self, Audience, Presence, Projector};
use draagvlak_server::session::suggest;
use draagvlak_server::session::workshop::{Meta, Workshop};

fn new_workshop() -> Workshop {
    let meta = Meta {
        id: "0123456789abcdef0123456789abcdef".into(),
        code: "ABC234".into(),
        title: "ICT-strategie 2027".into(),
        organisation: "Gemeente Zaanstad".into(),
        language: "nl".into(),
        template: "strategic-framework".into(),
    };
    NewSession::from_template(meta)
        .and_then(NewSession::create)
        .expect("workshop")
}

/// Apply an intent, which must be accepted.
fn applied(workshop: &mut Workshop, sender: Sender<'_>, intent: Intent) -> apply::Applied {
    let heads = workshop.heads().to_vec();
    let lookup = move |_rev: u64| Ok(heads.clone());
    let ctx = Context::new(&lookup, 1_000_000);
    apply::apply(workshop, sender, &intent, &ctx)
        .unwrap_or_else(|r| panic!("{intent:?} refused: {r:?}"))
}

fn act(workshop: &mut Workshop, sender: Sender<'_>, intent: Intent) -> Option<Created> {
    applied(workshop, sender, intent).created
}

/// A session in the vote phase of `richten`: `participants` people (all connected), one
/// statement per ten of them (at least 10), everyone's three dots placed when `dots`.
fn session(
    participants: usize,
    dots: bool,
) -> (Workshop, Vec<ParticipantId>, Vec<StatementId>, Presence) {
    let mut workshop = new_workshop();
    let mut pids = Vec::new();
    for i in 0..participants {
        let group = if i % 2 == 0 { "ict" } else { "business" };
        pids.push(
            workshop
                .add_participant(&format!("Deelnemer {i}"), group)
                .expect("participant"),
        );
    }
    workshop.commit();
    act(&mut workshop, Sender::Facilitator, Intent::NextPhase);
    let n_statements = (participants / 10).max(10);
    let mut sids = Vec::new();
    for k in 0..n_statements {
        let author = &pids[k % pids.len()];
        let text = format!("Uitspraak {k}: ICT is een strategische partner bij beleidsvorming.");
        sids.push(
            act(
                &mut workshop,
                Sender::Participant(author),
                Intent::AddStatement { text },
            )
            .and_then(Created::statement)
            .expect("created"),
        );
        if k % 100 == 99 {
            workshop.commit();
        }
    }
    workshop.commit();
    // Brainstorm → cluster → vote.
    act(&mut workshop, Sender::Facilitator, Intent::NextPhase);
    act(&mut workshop, Sender::Facilitator, Intent::NextPhase);
    if dots {
        for (i, p) in pids.iter().enumerate() {
            for d in 0..3 {
                let statement = ItemId::from(&sids[(i * 3 + d) % sids.len()]);
                act(
                    &mut workshop,
                    Sender::Participant(p),
                    Intent::PlaceDot { statement },
                );
            }
            if i % 100 == 99 {
                workshop.commit();
            }
        }
    }
    workshop.commit();
    let presence: Presence = pids.iter().map(|p| (p.clone(), 1)).collect();
    (workshop, pids, sids, presence)
}

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

fn bench_apply(c: &mut Criterion) {
    let mut g = c.benchmark_group("apply");
    for &n in &SIZES[..3] {
        // Dots not placed, so that the measured participant has budget left.
        let (mut workshop, pids, sids, _) = session(n, false);
        let p = pids[0].clone();
        let s = sids[0].clone();
        let mut place = true;
        g.bench_with_input(BenchmarkId::new("place_dot", n), &n, |b, _| {
            b.iter(|| {
                let intent = if place {
                    Intent::PlaceDot {
                        statement: s.clone().into(),
                    }
                } else {
                    Intent::RemoveDot {
                        statement: s.clone().into(),
                    }
                };
                place = !place;
                act(&mut workshop, Sender::Participant(&p), intent);
                black_box(workshop.commit());
            })
        });
    }
    g.finish();
}

fn bench_projection(c: &mut Criterion) {
    let mut g = c.benchmark_group("projection");
    g.measurement_time(Duration::from_secs(3));
    for &n in &SIZES {
        let (workshop, pids, _, presence) = session(n, true);
        let state = workshop.state();
        g.bench_with_input(BenchmarkId::new("view_public", n), &n, |b, _| {
            b.iter(|| {
                let v = projection::view(state, &presence, Audience::Public);
                black_box(serde_json::to_value(&v).expect("json"))
            })
        });
        g.bench_with_input(BenchmarkId::new("view_facilitator", n), &n, |b, _| {
            b.iter(|| {
                let v = projection::view(state, &presence, Audience::Facilitator);
                black_box(serde_json::to_value(&v).expect("json"))
            })
        });
        g.bench_with_input(BenchmarkId::new("me_all", n), &n, |b, _| {
            b.iter(|| {
                for p in &pids {
                    black_box(projection::me(state, p));
                }
            })
        });
        // What `fan_out` does since the index: index once, then for every participant check
        // whether the last part sent is still right (here it always is, as in most ticks).
        let last: Vec<_> = pids
            .iter()
            .map(|p| projection::me(state, p).expect("me"))
            .collect();
        g.bench_with_input(BenchmarkId::new("me_all_unchanged", n), &n, |b, _| {
            b.iter(|| {
                let index = projection::MeIndex::new(state);
                for (p, last) in pids.iter().zip(&last) {
                    black_box(index.unchanged(p, last));
                }
            })
        });
        // What `fan_out` does since `apply::Touched`: in a tick where one participant placed a
        // dot, only that participant's part is built and compared (no index, no walk).
        g.bench_with_input(BenchmarkId::new("me_one_touched", n), &n, |b, _| {
            b.iter(|| {
                let me = projection::me(state, &pids[n / 2]);
                black_box(me.as_ref() == Some(&last[n / 2]))
            })
        });
    }
    g.finish();
}

fn bench_delta(c: &mut Criterion) {
    let mut g = c.benchmark_group("delta");
    g.measurement_time(Duration::from_secs(3));
    for &n in &SIZES {
        let (mut workshop, pids, sids, presence) = session(n, true);
        let json = |workshop: &Workshop, a| {
            serde_json::to_value(projection::view(workshop.state(), &presence, a)).expect("json")
        };
        // One more voter: the typical tick of a dot burst (one counter changes).
        let before = json(&workshop, Audience::Public);
        let fresh = workshop
            .add_participant("Laatkomer", "ict")
            .expect("participant");
        let mut presence2 = presence.clone();
        presence2.insert(fresh.clone(), 1);
        act(
            &mut workshop,
            Sender::Participant(&fresh),
            Intent::PlaceDot {
                statement: sids[0].clone().into(),
            },
        );
        workshop.commit();
        let after = serde_json::to_value(projection::view(
            workshop.state(),
            &presence2,
            Audience::Public,
        ))
        .expect("json");
        g.bench_with_input(BenchmarkId::new("diff_one_voter", n), &n, |b, _| {
            b.iter(|| black_box(json_patch::diff(&before, &after)))
        });
        // The reveal: every statement gets its total.
        act(&mut workshop, Sender::Facilitator, Intent::RevealVotes);
        workshop.commit();
        let revealed = serde_json::to_value(projection::view(
            workshop.state(),
            &presence2,
            Audience::Public,
        ))
        .expect("json");
        g.bench_with_input(BenchmarkId::new("diff_reveal", n), &n, |b, _| {
            b.iter(|| black_box(json_patch::diff(&after, &revealed)))
        });
        let patch = json_patch::diff(&after, &revealed);
        g.bench_with_input(BenchmarkId::new("serialise_reveal", n), &n, |b, _| {
            b.iter(|| black_box(serde_json::to_string(&patch).expect("json")))
        });
        let _ = pids;
    }
    g.finish();
}

/// One dot placed or taken back by the next participant in turn, committed: what it touched.
fn toggle_dot(
    workshop: &mut Workshop,
    pids: &[ParticipantId],
    statement: &StatementId,
    turn: &mut usize,
) -> ViewTouched {
    let p = &pids[(*turn / 2) % pids.len()];
    let statement = ItemId::from(statement);
    let intent = if turn.is_multiple_of(2) {
        Intent::PlaceDot { statement }
    } else {
        Intent::RemoveDot { statement }
    };
    *turn += 1;
    let views = applied(workshop, Sender::Participant(p), intent).views;
    workshop.commit();
    views
}

fn bench_tick(c: &mut Criterion) {
    let mut g = c.benchmark_group("tick");
    g.measurement_time(Duration::from_secs(3));
    const AUDIENCES: [Audience; 2] = [Audience::Facilitator, Audience::Public];
    for &n in &SIZES[1..] {
        let (mut workshop, pids, sids, presence) = session(n, false);
        let json = |workshop: &Workshop, a| {
            serde_json::to_value(projection::view(workshop.state(), &presence, a)).expect("json")
        };
        let mut kept = AUDIENCES.map(|a| json(&workshop, a));
        let mut turn = 0;
        g.bench_with_input(BenchmarkId::new("whole", n), &n, |b, _| {
            b.iter(|| {
                toggle_dot(&mut workshop, &pids, &sids[0], &mut turn);
                for (i, a) in AUDIENCES.into_iter().enumerate() {
                    let new = json(&workshop, a);
                    let patch = json_patch::diff(&kept[i], &new);
                    black_box(serde_json::to_string(&patch).expect("json"));
                    kept[i] = new;
                }
            })
        });
        let mut kept = AUDIENCES.map(|a| json(&workshop, a));
        g.bench_with_input(BenchmarkId::new("by_parts", n), &n, |b, _| {
            b.iter(|| {
                let touched = toggle_dot(&mut workshop, &pids, &sids[0], &mut turn);
                let projector = Projector::new(workshop.state(), &presence);
                for (i, a) in AUDIENCES.into_iter().enumerate() {
                    let ops = incremental::update(&mut kept[i], &projector, a, &touched)
                        .expect("patched");
                    black_box(serde_json::to_string(&ops).expect("json"));
                }
            })
        });
    }
    g.finish();
}

/// A document with `changes` single-intent changes: dots placed and taken back, one commit each.
fn history(changes: usize) -> (Vec<u8>, Vec<u8>, Vec<Vec<u8>>) {
    let (mut workshop, pids, sids, _) = session(10, false);
    let p = pids[0].clone();
    let s = sids[0].clone();
    let chunks_after = changes.saturating_sub(499);
    let mut snapshot = Vec::new();
    let mut chunks = Vec::new();
    for i in 0..changes {
        let intent = if i % 2 == 0 {
            Intent::PlaceDot {
                statement: s.clone().into(),
            }
        } else {
            Intent::RemoveDot {
                statement: s.clone().into(),
            }
        };
        act(&mut workshop, Sender::Participant(&p), intent);
        workshop.commit();
        if i + 1 == chunks_after {
            snapshot = workshop.save();
        } else if i + 1 > chunks_after {
            chunks.push(workshop.save_incremental());
        }
    }
    (workshop.save(), snapshot, chunks)
}

fn bench_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    let id = "0123456789abcdef0123456789abcdef";
    for changes in [1_000usize, 10_000, 100_000] {
        let (full, snapshot, chunks) = history(changes);
        g.bench_with_input(BenchmarkId::new("snapshot", changes), &changes, |b, _| {
            b.iter(|| black_box(Workshop::load(id, &full, std::iter::empty()).expect("load")))
        });
        // What `Workshop::load` does: snapshot plus the pending chunks (handed to Automerge in
        // one call).
        g.bench_with_input(
            BenchmarkId::new("snapshot_plus_chunks", changes),
            &changes,
            |b, _| {
                b.iter(|| {
                    black_box(
                        Workshop::load(id, &snapshot, chunks.iter().map(Vec::as_slice))
                            .expect("load"),
                    )
                })
            },
        );
        // For comparison, Automerge alone (no mirror) with one `load_incremental` per chunk, as
        // `Workshop::load` did before: each call re-indexes the document.
        g.bench_with_input(
            BenchmarkId::new("automerge_chunks_one_by_one", changes),
            &changes,
            |b, _| {
                b.iter(|| {
                    let mut doc = automerge::AutoCommit::load(&snapshot).expect("load");
                    for chunk in &chunks {
                        doc.load_incremental(chunk).expect("chunk");
                    }
                    black_box(doc)
                })
            },
        );
    }
    g.finish();
}

/// `n` statements of six words each (two of them stop words) drawn from forty content words, so
/// that many pairs share a word and some groups form: every statement's text different.
fn statements(n: usize) -> Vec<(String, String)> {
    const WORDS: [&str; 40] = [
        "digitaal",
        "loket",
        "inwoners",
        "informatievoorziening",
        "bestuur",
        "cloud",
        "applicaties",
        "informatiebeveiliging",
        "privacy",
        "data",
        "strategische",
        "partner",
        "maatwerk",
        "standaardoplossingen",
        "medewerkers",
        "vaardigheden",
        "regio",
        "samenwerking",
        "gemeenten",
        "architectuur",
        "leveranciers",
        "contracten",
        "budget",
        "innovatie",
        "dienstverlening",
        "ondernemers",
        "processen",
        "automatisering",
        "sturing",
        "portfolio",
        "projecten",
        "kennis",
        "opleiding",
        "werkplek",
        "thuiswerken",
        "netwerk",
        "continuïteit",
        "archivering",
        "openbaarheid",
        "transparantie",
    ];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..n)
        .map(|k| {
            let mut pick = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                WORDS[(x % WORDS.len() as u64) as usize]
            };
            let text = format!("De {} en {} voor {} {}", pick(), pick(), pick(), pick());
            (format!("s{k}"), text)
        })
        .collect()
}

/// `suggest/groups/<statements>`: the suggested clusters among that many statements (what the
/// facilitator's view adds in a cluster phase).
fn bench_suggest(c: &mut Criterion) {
    let mut g = c.benchmark_group("suggest");
    for n in [20, 60, 200, 400] {
        let owned = statements(n);
        let pairs: Vec<(&str, &str)> = owned
            .iter()
            .map(|(id, t)| (id.as_str(), t.as_str()))
            .collect();
        g.bench_with_input(BenchmarkId::new("groups", n), &n, |b, _| {
            b.iter(|| black_box(suggest::groups(black_box(&pairs), "nl")))
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_apply,
    bench_projection,
    bench_delta,
    bench_tick,
    bench_load,
    bench_suggest
);
criterion_main!(benches);

//! What `draagvlak join` prints: the view and the person's own part as plain text, and one
//! status line that is printed again only when it changed.

use std::fmt::Write as _;

use draagvlak_client::Connection;
use draagvlak_client::protocol::view::{Localized, StatementView};
use draagvlak_client::protocol::{MeView, PhaseKind, StatementId, View};

/// What was printed last, so only changes are printed.
#[derive(Default)]
pub(crate) struct Shown {
    status: String,
    me: String,
}

impl Shown {
    pub(crate) fn print_changes(&mut self, conn: &Connection) {
        let status = status_line(conn.view(), conn.rev());
        if status != self.status {
            println!("{status}");
            self.status = status;
        }
        if let Some(me) = conn.me() {
            let line = me_line(me);
            if line != self.me {
                println!("{line}");
                self.me = line;
            }
        }
    }
}

pub(crate) fn local<'a>(view: &View, text: &'a Localized) -> &'a str {
    if view.session.language == "en" && !text.en.is_empty() {
        &text.en
    } else {
        &text.nl
    }
}

/// One line: phase, lock, counts.
pub(crate) fn status_line(view: &View, rev: u64) -> String {
    let total = view.phases.len();
    let index = usize::try_from(view.current_phase).unwrap_or(usize::MAX);
    let phase = match view.phases.get(index) {
        Some(p) => format!(
            "{}{} \"{}\"",
            p.kind.as_str(),
            p.level
                .map(|l| format!(" {}", l.as_str()))
                .unwrap_or_default(),
            local(view, &p.title)
        ),
        None => "?".into(),
    };
    let people: Vec<String> = view
        .groups
        .iter()
        .map(|(g, c)| format!("{g} {}/{}", c.connected, c.joined))
        .collect();
    format!(
        "[rev {rev}] phase {}/{total}: {phase}{} | {} statements, {} rules | {}",
        index.saturating_add(1),
        if view.locked { " LOCKED" } else { "" },
        view.statements.len(),
        view.rules.len(),
        people.join(", ")
    )
}

pub(crate) fn me_line(me: &MeView) -> String {
    let left: Vec<String> = me
        .dots_left
        .iter()
        .map(|(l, n)| format!("{} {n}", l.as_str()))
        .collect();
    format!(
        "[me] {} dots placed, left: {} | {} ratings | {} own statements",
        me.dots.values().sum::<u32>(),
        if left.is_empty() {
            "-".into()
        } else {
            left.join(", ")
        },
        me.ratings.len(),
        me.statements.len()
    )
}

/// The whole view as readable text.
pub(crate) fn render_view(view: &View, me: Option<&MeView>, rev: u64) -> String {
    let mut out = String::new();
    let s = &view.session;
    if s.organisation.is_empty() {
        let _ = writeln!(out, "{} code {}", s.title, s.code);
    } else {
        let _ = writeln!(out, "{} ({}) code {}", s.title, s.organisation, s.code);
    }
    let _ = writeln!(out, "{}", status_line(view, rev));
    let index = usize::try_from(view.current_phase).unwrap_or(usize::MAX);
    if let Some(p) = view.phases.get(index) {
        let q = local(view, &p.question);
        if !q.is_empty() {
            let _ = writeln!(out, "question: {q}");
        }
        if p.kind == PhaseKind::Vote {
            let _ = writeln!(
                out,
                "dots: {} each, at most {} per statement",
                p.dot_budget, p.max_dots_per_item
            );
        }
    }
    let mut statements: Vec<(&StatementId, &StatementView)> = view.statements.iter().collect();
    statements.sort_by_key(|(_, st)| st.seq);
    if !statements.is_empty() {
        let _ = writeln!(out, "statements:");
    }
    for (id, st) in statements {
        let mut flags = String::new();
        if st.hidden {
            flags.push_str(" [hidden]");
        }
        if let Some(d) = st.dots {
            let _ = write!(flags, " [{d} dots]");
        }
        if let Some(n) = me.and_then(|m| m.dots.get(id.as_str())) {
            let _ = write!(flags, " [mine: {n}]");
        }
        let author = st
            .author
            .as_ref()
            .map(|a| format!(" — {} ({})", a.name, a.group))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  #{} {} {} {}{flags}{author}",
            st.seq,
            id,
            st.level.as_str(),
            st.text
        );
    }
    let mut clusters: Vec<_> = view.clusters.iter().collect();
    clusters.sort_by_key(|(_, c)| c.seq);
    if !clusters.is_empty() {
        let _ = writeln!(out, "clusters:");
    }
    for (id, c) in clusters {
        let dots = c.dots.map(|d| format!(" [{d} dots]")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  #{} {} {} {}{dots} = {}",
            c.seq,
            id,
            c.level.as_str(),
            c.title,
            c.statements.join(",")
        );
    }
    let mut rules: Vec<_> = view.rules.iter().collect();
    rules.sort_by_key(|(_, r)| r.seq);
    if !rules.is_empty() {
        let _ = writeln!(out, "rules:");
    }
    for (id, r) in rules {
        let mut extra = format!(
            " [{} raters] [{} {:?} round {}]",
            r.raters,
            r.status.as_str(),
            r.stage,
            r.round
        );
        if let Some(c) = r.confirmed {
            let _ = write!(extra, " [confirmed: {c:?}]");
        }
        if !r.anchors.is_empty() {
            let _ = write!(extra, " [anchors {}]", r.anchors.join(","));
        }
        if let Some(score) = me.and_then(|m| m.ratings.get(id)) {
            let _ = write!(extra, " [mine: {score}]");
        }
        if let Some(sup) = &r.support {
            let pct = |v: Option<f64>| v.map_or("-".into(), |v| format!("{:.0}%", v * 100.0));
            let groups: Vec<String> = sup
                .by_group
                .iter()
                .map(|(g, v)| format!("{g} {}", pct(*v)))
                .collect();
            let _ = write!(
                extra,
                " support {} ({}) gap {} histogram {:?}",
                pct(sup.overall),
                groups.join(", "),
                pct(sup.gap),
                sup.histogram
            );
        }
        let _ = writeln!(
            out,
            "  #{} {} {} {}{extra}",
            r.seq,
            id,
            r.level.as_str(),
            r.text
        );
    }
    for (level, p) in &view.progress {
        let _ = writeln!(
            out,
            "progress {}: vote round {}, {} voters, {} raters{}{}",
            level.as_str(),
            p.vote_round,
            p.voters,
            p.raters,
            if p.dots_revealed {
                ", dots revealed"
            } else {
                ""
            },
            if p.ratings_revealed {
                ", ratings revealed"
            } else {
                ""
            }
        );
    }
    if let Some(participants) = &view.participants {
        let _ = writeln!(out, "participants:");
        for (id, p) in participants {
            let levels = |ls: &[draagvlak_client::protocol::Level]| {
                ls.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(",")
            };
            let _ = writeln!(
                out,
                "  {id} {} ({}){} voted [{}] rated [{}]",
                p.name,
                p.group,
                if p.connected { "" } else { " offline" },
                levels(&p.voted),
                levels(&p.rated)
            );
        }
    }
    if let Some(me) = me {
        out.push_str(&render_me(me));
    }
    out
}

pub(crate) fn render_me(me: &MeView) -> String {
    let mut out = format!("me: {} ({}), id {}\n", me.name, me.group, me.id);
    let _ = writeln!(out, "{}", me_line(me));
    for (statement, n) in &me.dots {
        let _ = writeln!(out, "  dot x{n} on {statement}");
    }
    for (rule, score) in &me.ratings {
        let _ = writeln!(out, "  rated {rule}: {score}");
    }
    out
}

//! The commands a person types into `draagvlak join`: parsed from one line each
//! ([`parse_command`]) and run against the connection ([`run`]); ids may be typed as `#N`, the
//! number `view` shows, or as a unique start of the id.

use std::collections::HashMap;

use anyhow::Result;
use draagvlak_client::Connection;
use draagvlak_client::protocol::intent::RuleStatus;
use draagvlak_client::protocol::{ClusterId, Intent, ItemId, RuleId, StatementId};

use crate::render::{render_me, render_view};

/// One line typed by the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Cmd {
    Next,
    Prev,
    Goto(u32),
    Lock(bool),
    Reveal,
    Hide(String, bool),
    Add(String),
    Edit(String, u32, u32, String),
    Delete(String),
    Dot(String),
    Undot(String),
    Rule(String),
    EditRule(String, u32, u32, String),
    Rate(String, u8, Option<String>),
    Cluster(Vec<String>, String),
    AddTo(String, Vec<String>),
    Split(String),
    Dissolve(String),
    Rename(String, String),
    Clustering(bool),
    Status(String, RuleStatus, bool),
    RuleRound(String),
    VoteRound,
    Link(String, String, bool),
    Proxy(String, String),
    Remove(String),
    Close,
    View,
    Json,
    Me,
    Pending,
    Sync,
    Sleep(u64),
    Help,
    Quit,
}

pub(crate) const HELP: &str = "\
facilitator: next | prev | goto N (1 = first phase) | lock | unlock | reveal | hide ID | show ID
             cluster ID,ID[,ID…] TITLE | addto CLUSTER ID[,ID…] | split ID | dissolve CLUSTER
             rename CLUSTER TITLE | clustering on|off
             status RULE proposed|adopted|revise|dropped [confirm] | round RULE (new round,
             reopens a decided rule) | voteround (new vote round on this level)
             proxy GROUP NAME | remove PARTICIPANT | close confirm
             the facilitator may also add, edit, rule and editrule (as the facilitator)
participant: add TEXT | edit ID POS DEL [TEXT] | delete ID | dot ID | undot ID
             rule TEXT | editrule ID POS DEL [TEXT] | rate ID SCORE(1-5) [REASON]
both:        link RULE ID | unlink RULE ID (the rule's author or the facilitator)
always:      view | json | me | pending | sync | sleep MS (and until pending intents are answered)
             help | quit
ID: an id, a unique start of one, or #N (the number shown by `view`).
POS and DEL count UTF-16 units, as in the browser.";

/// Why a typed line is not a command, in words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Unclear(String);

impl From<String> for Unclear {
    fn from(s: String) -> Unclear {
        Unclear(s)
    }
}

impl From<&str> for Unclear {
    fn from(s: &str) -> Unclear {
        Unclear(s.to_string())
    }
}

/// Parse one line; `Ok(None)` for an empty line.
pub(crate) fn parse_command(line: &str) -> Result<Option<Cmd>, Unclear> {
    let line = line.trim();
    if line.is_empty() || line.starts_with("//") {
        return Ok(None);
    }
    let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
    let rest = rest.trim();
    let args: Vec<&str> = rest.split_whitespace().collect();
    let want = |n: usize| -> Result<(), Unclear> {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!("`{word}` takes {n} argument(s); see `help`").into())
        }
    };
    let number = |s: &str| -> Result<u32, Unclear> {
        s.parse().map_err(|_| format!("not a number: {s}").into())
    };
    let text = |what: &str| -> Result<String, Unclear> {
        if rest.is_empty() {
            Err(format!("`{word}` needs {what}").into())
        } else {
            Ok(rest.to_owned())
        }
    };
    // `edit ID POS DEL TEXT...`: the text is the rest of the line and may be empty.
    let splice = || -> Result<(String, u32, u32, String), Unclear> {
        let mut parts = rest.splitn(4, ' ');
        let (Some(id), Some(pos), Some(del)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("usage: {word} ID POS DEL [TEXT]").into());
        };
        Ok((
            id.to_owned(),
            number(pos)?,
            number(del)?,
            parts.next().unwrap_or("").to_owned(),
        ))
    };
    let cmd = match word {
        "next" => want(0).map(|()| Cmd::Next)?,
        "prev" | "previous" => want(0).map(|()| Cmd::Prev)?,
        "goto" => {
            want(1)?;
            // Phases are numbered from 1, as `view` shows them ("phase 3/14").
            match number(args[0])? {
                0 => return Err("phases are numbered from 1, as `view` shows".into()),
                n => Cmd::Goto(n - 1),
            }
        }
        "lock" => want(0).map(|()| Cmd::Lock(true))?,
        "unlock" => want(0).map(|()| Cmd::Lock(false))?,
        "reveal" => want(0).map(|()| Cmd::Reveal)?,
        "hide" | "show" => {
            want(1)?;
            Cmd::Hide(args[0].to_owned(), word == "hide")
        }
        "add" => Cmd::Add(text("a text")?),
        "edit" => {
            let (id, pos, del, ins) = splice()?;
            Cmd::Edit(id, pos, del, ins)
        }
        "delete" => {
            want(1)?;
            Cmd::Delete(args[0].to_owned())
        }
        "dot" => {
            want(1)?;
            Cmd::Dot(args[0].to_owned())
        }
        "undot" => {
            want(1)?;
            Cmd::Undot(args[0].to_owned())
        }
        "rule" => Cmd::Rule(text("a text")?),
        "editrule" => {
            let (id, pos, del, ins) = splice()?;
            Cmd::EditRule(id, pos, del, ins)
        }
        "rate" => {
            if args.len() < 2 {
                return Err("`rate` takes a rule, a score and (for 1 or 2) a reason".into());
            }
            let score = args[1]
                .parse::<u8>()
                .map_err(|_| format!("not a score: {}", args[1]))?;
            let reason = args[2..].join(" ");
            Cmd::Rate(
                args[0].to_owned(),
                score,
                (!reason.is_empty()).then_some(reason),
            )
        }
        "cluster" => {
            let (ids, title) = rest
                .split_once(' ')
                .ok_or("usage: cluster ID,ID[,ID…] TITLE")?;
            Cmd::Cluster(id_list(ids), title.trim().to_owned())
        }
        "addto" => {
            want(2)?;
            Cmd::AddTo(args[0].to_owned(), id_list(args[1]))
        }
        "split" => {
            want(1)?;
            Cmd::Split(args[0].to_owned())
        }
        "dissolve" => {
            want(1)?;
            Cmd::Dissolve(args[0].to_owned())
        }
        "rename" => {
            let (id, title) = rest.split_once(' ').ok_or("usage: rename CLUSTER TITLE")?;
            Cmd::Rename(id.to_owned(), title.trim().to_owned())
        }
        "clustering" => match args.as_slice() {
            ["on"] => Cmd::Clustering(true),
            ["off"] => Cmd::Clustering(false),
            _ => return Err("usage: clustering on|off".into()),
        },
        "status" => {
            let (id, status, confirm) = match args.as_slice() {
                [id, status] => (id, status, false),
                [id, status, "confirm"] => (id, status, true),
                _ => {
                    return Err(
                        "usage: status RULE proposed|adopted|revise|dropped [confirm]".into(),
                    );
                }
            };
            let status = RuleStatus::parse(status).ok_or_else(|| {
                format!("not a status: {status} (proposed, adopted, revise, dropped)")
            })?;
            Cmd::Status((*id).to_owned(), status, confirm)
        }
        "round" => {
            want(1)?;
            Cmd::RuleRound(args[0].to_owned())
        }
        "voteround" => want(0).map(|()| Cmd::VoteRound)?,
        "link" | "unlink" => {
            want(2)?;
            Cmd::Link(args[0].to_owned(), args[1].to_owned(), word == "link")
        }
        "proxy" => {
            let (group, name) = rest.split_once(' ').ok_or("usage: proxy GROUP NAME")?;
            Cmd::Proxy(group.to_owned(), name.trim().to_owned())
        }
        "remove" => {
            want(1)?;
            Cmd::Remove(args[0].to_owned())
        }
        "close" => match args.as_slice() {
            ["confirm"] => Cmd::Close,
            _ => return Err("closing is for good: type `close confirm`".into()),
        },
        "view" => want(0).map(|()| Cmd::View)?,
        "json" => want(0).map(|()| Cmd::Json)?,
        "me" => want(0).map(|()| Cmd::Me)?,
        "pending" => want(0).map(|()| Cmd::Pending)?,
        "sync" => want(0).map(|()| Cmd::Sync)?,
        "sleep" => {
            want(1)?;
            Cmd::Sleep(u64::from(number(args[0])?))
        }
        "help" | "?" => Cmd::Help,
        "quit" | "exit" => Cmd::Quit,
        other => return Err(format!("unknown command `{other}`; type `help`").into()),
    };
    Ok(Some(cmd))
}

/// Run a command: print local ones, send intents without waiting (answers come as events).
pub(crate) async fn run(
    conn: &mut Connection,
    cmd: Cmd,
    line: &str,
    labels: &mut HashMap<String, String>,
) -> Result<()> {
    let view = conn.view();
    let statement = |id: &str| {
        resolve(id, view.statements.iter().map(|(k, s)| (k, s.seq))).map(StatementId::from)
    };
    let rule = |id: &str| resolve(id, view.rules.iter().map(|(k, r)| (k, r.seq))).map(RuleId::from);
    let cluster =
        |id: &str| resolve(id, view.clusters.iter().map(|(k, c)| (k, c.seq))).map(ClusterId::from);
    // A priority: a statement or a cluster.
    let item = |id: &str| {
        resolve(
            id,
            view.statements
                .iter()
                .map(|(k, s)| (k.as_str(), s.seq))
                .chain(view.clusters.iter().map(|(k, c)| (k.as_str(), c.seq))),
        )
        .map(ItemId::from)
    };
    let statements = |ids: &[String]| {
        ids.iter()
            .map(|i| statement(i))
            .collect::<Result<Vec<_>, _>>()
    };
    let intent = match cmd {
        Cmd::View => {
            print!("{}", render_view(conn.view(), conn.me(), conn.rev()));
            return Ok(());
        }
        Cmd::Json => {
            println!("{}", serde_json::to_string_pretty(conn.view_json())?);
            return Ok(());
        }
        Cmd::Me => {
            match conn.me() {
                Some(me) => print!("{}", render_me(me)),
                None => println!("(no private part: not a participant)"),
            }
            return Ok(());
        }
        Cmd::Pending => {
            for p in conn.pending() {
                println!("{} {:?}", p.id, p.intent);
            }
            println!("{} pending", conn.pending().len());
            return Ok(());
        }
        Cmd::Help => {
            println!("{HELP}");
            return Ok(());
        }
        Cmd::Sync => {
            match conn.sync().await {
                Ok(()) => println!("(synchronised at rev {})", conn.rev()),
                Err(e) => println!("? {e}"),
            }
            return Ok(());
        }
        Cmd::Quit | Cmd::Sleep(_) => return Ok(()),
        Cmd::Next => Ok(Intent::NextPhase),
        Cmd::Prev => Ok(Intent::PreviousPhase),
        Cmd::Goto(index) => Ok(Intent::GoToPhase { index }),
        Cmd::Lock(locked) => Ok(Intent::SetLocked { locked }),
        Cmd::Reveal => Ok(Intent::RevealVotes),
        Cmd::Hide(id, hidden) => {
            statement(&id).map(|statement| Intent::HideStatement { statement, hidden })
        }
        Cmd::Add(text) => Ok(Intent::AddStatement { text }),
        Cmd::Edit(id, pos, delete, insert) => {
            statement(&id).map(|statement| Intent::EditStatement {
                statement,
                splice: conn.splice(pos, delete, &insert),
            })
        }
        Cmd::Delete(id) => statement(&id).map(|statement| Intent::DeleteStatement { statement }),
        Cmd::Dot(id) => item(&id).map(|statement| Intent::PlaceDot { statement }),
        Cmd::Undot(id) => item(&id).map(|statement| Intent::RemoveDot { statement }),
        Cmd::Rule(text) => Ok(Intent::ProposeRule {
            text,
            anchors: Vec::new(),
        }),
        Cmd::EditRule(id, pos, delete, insert) => rule(&id).map(|rule| Intent::EditRule {
            rule,
            splice: conn.splice(pos, delete, &insert),
        }),
        Cmd::Rate(id, score, reason) => rule(&id).map(|rule| Intent::RateRule {
            rule,
            score,
            reason,
        }),
        Cmd::Cluster(ids, title) => {
            statements(&ids).map(|statements| Intent::CreateCluster { statements, title })
        }
        Cmd::AddTo(id, ids) => cluster(&id).and_then(|cluster| {
            statements(&ids).map(|statements| Intent::AddToCluster {
                cluster,
                statements,
            })
        }),
        Cmd::Split(id) => statement(&id).map(|statement| Intent::RemoveFromCluster { statement }),
        Cmd::Dissolve(id) => cluster(&id).map(|cluster| Intent::DissolveCluster { cluster }),
        Cmd::Rename(id, title) => {
            cluster(&id).map(|cluster| Intent::RenameCluster { cluster, title })
        }
        Cmd::Clustering(open) => Ok(Intent::SetClusteringOpen { open }),
        Cmd::Status(id, status, confirm) => rule(&id).map(|rule| Intent::SetRuleStatus {
            rule,
            status,
            confirm,
        }),
        Cmd::RuleRound(id) => rule(&id).map(|rule| Intent::StartRatingRound { rule }),
        Cmd::VoteRound => Ok(Intent::StartVoteRound),
        Cmd::Link(id, anchor, linked) => rule(&id).and_then(|rule| {
            item(&anchor).map(|anchor| Intent::LinkRule {
                rule,
                anchor,
                linked,
            })
        }),
        Cmd::Proxy(group, name) => Ok(Intent::AddProxy { name, group }),
        Cmd::Remove(id) => match view.participants.as_ref() {
            Some(people) => resolve(&id, people.keys().map(|k| (k, 0))).map(|participant| {
                Intent::RemoveParticipant {
                    participant: participant.into(),
                }
            }),
            None => Err("only the facilitator sees the participants".into()),
        },
        Cmd::Close => Ok(Intent::CloseSession),
    };
    let intent = match intent {
        Ok(intent) => intent,
        Err(e) => {
            println!("? {e}");
            return Ok(());
        }
    };
    match conn.send_intent(intent).await {
        Ok(id) => {
            labels.insert(id, line.trim().to_owned());
        }
        Err(e) if e.is_disconnect() => {
            println!("(not sent now: {e}; it is resent after reconnecting)");
        }
        Err(e) => println!("? {e}"),
    }
    Ok(())
}

/// `s1,s2,#3` as a list.
pub(crate) fn id_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Find an item by exact id, `#seq`, or a unique start of its id.
pub(crate) fn resolve<'a, Id: AsRef<str> + ?Sized + 'a>(
    wanted: &str,
    items: impl Iterator<Item = (&'a Id, u64)> + Clone,
) -> Result<String, Unclear> {
    if let Some(seq) = wanted.strip_prefix('#') {
        let seq: u64 = seq.parse().map_err(|_| format!("not a number: {wanted}"))?;
        return items
            .clone()
            .find(|(_, s)| *s == seq)
            .map(|(id, _)| id.as_ref().to_owned())
            .ok_or_else(|| format!("no item #{seq}").into());
    }
    if items.clone().any(|(id, _)| id.as_ref() == wanted) {
        return Ok(wanted.to_owned());
    }
    let matches: Vec<&str> = items
        .map(|(id, _)| id.as_ref())
        .filter(|id| id.starts_with(wanted))
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).to_owned()),
        // Unknown to this view: send it as is and let the server answer (`not_found`).
        [] => Ok(wanted.to_owned()),
        _ => Err(format!("`{wanted}` matches {} items", matches.len()).into()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;

    #[test]
    fn facilitator_commands_parse() {
        assert_eq!(
            parse_command("cluster s1, s2 Eén loket").unwrap(),
            Some(Cmd::Cluster(vec!["s1".into()], "s2 Eén loket".into())),
            "ids are one comma-separated word"
        );
        assert_eq!(
            parse_command("cluster s1,#2 Eén loket").unwrap(),
            Some(Cmd::Cluster(
                vec!["s1".into(), "#2".into()],
                "Eén loket".into()
            ))
        );
        assert_eq!(
            parse_command("status r1 adopted confirm").unwrap(),
            Some(Cmd::Status("r1".into(), RuleStatus::Adopted, true))
        );
        assert!(parse_command("status r1 kept").is_err());
        assert_eq!(
            parse_command("unlink r1 c3").unwrap(),
            Some(Cmd::Link("r1".into(), "c3".into(), false))
        );
        assert_eq!(
            parse_command("proxy business Carla de Vries").unwrap(),
            Some(Cmd::Proxy("business".into(), "Carla de Vries".into()))
        );
        assert!(
            parse_command("close").is_err(),
            "closing asks for `close confirm`"
        );
        assert_eq!(parse_command("close confirm").unwrap(), Some(Cmd::Close));
        assert_eq!(parse_command("voteround").unwrap(), Some(Cmd::VoteRound));
    }

    #[test]
    fn commands_parse() {
        assert_eq!(parse_command("  ").unwrap(), None);
        assert_eq!(parse_command("next").unwrap(), Some(Cmd::Next));
        assert_eq!(parse_command("goto 3").unwrap(), Some(Cmd::Goto(2)));
        assert!(parse_command("goto 0").is_err());
        assert_eq!(
            parse_command("add Cloud first, always").unwrap(),
            Some(Cmd::Add("Cloud first, always".into()))
        );
        assert_eq!(
            parse_command("edit s1 5 0  and more").unwrap(),
            Some(Cmd::Edit("s1".into(), 5, 0, " and more".into()))
        );
        assert_eq!(
            parse_command("editrule r1 0 3").unwrap(),
            Some(Cmd::EditRule("r1".into(), 0, 3, String::new()))
        );
        assert_eq!(
            parse_command("rate r1 4").unwrap(),
            Some(Cmd::Rate("r1".into(), 4, None))
        );
        assert_eq!(
            parse_command("show s1").unwrap(),
            Some(Cmd::Hide("s1".into(), false))
        );
        assert!(parse_command("goto x").is_err());
        assert!(parse_command("add").is_err());
        assert!(parse_command("rate r1").is_err());
        assert!(parse_command("frobnicate").is_err());
        assert!(parse_command("edit s1 x 0 t").is_err());
    }

    #[test]
    fn ids_resolve_by_seq_prefix_or_exactly() {
        let a = "st-abc".to_string();
        let b = "st-abd".to_string();
        let items = [(&a, 1u64), (&b, 2u64)];
        let it = || items.iter().map(|(k, s)| (*k, *s));
        assert_eq!(resolve("#2", it()).unwrap(), "st-abd");
        assert_eq!(resolve("st-abc", it()).unwrap(), "st-abc");
        assert_eq!(resolve("st-abd", it()).unwrap(), "st-abd");
        assert!(resolve("st-ab", it()).is_err());
        assert_eq!(resolve("zzz", it()).unwrap(), "zzz");
        assert!(resolve("#9", it()).is_err());
    }
}

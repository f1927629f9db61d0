//! `draagvlak`: create, inspect and join workshop sessions from a terminal.
//!
//! A thin shell around the client library: flags are parsed (every one also from a
//! `DRAAGVLAK_...` environment variable) and validated into a join request, then `join` reads
//! commands from stdin line by line while it prints what the server sends. It exists for manual
//! testing, demos and scripting (`printf 'add Cloud first\nquit\n' | draagvlak join ...`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use draagvlak_client::protocol::api::CreateSession;
use draagvlak_client::protocol::intent::RuleStatus;
use draagvlak_client::protocol::view::{Localized, StatementView};
use draagvlak_client::protocol::{Intent, JoinRequest, MeView, PhaseKind, Role, View};
use draagvlak_client::{ClientError, Connection, Event, Options, http};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::time::Instant;

#[derive(Parser, Debug)]
#[command(
    name = "draagvlak",
    version,
    about = "Command-line client of the Draagvlak workshop server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a session; prints its code, the facilitator secret and the links.
    Create(CreateArgs),
    /// Join a session and type commands (`help` lists them).
    Join(JoinArgs),
    /// Print the public facts of a session.
    Show(ShowArgs),
}

#[derive(Args, Debug)]
struct ServerArgs {
    /// Base URL of the server.
    #[arg(
        long,
        env = "DRAAGVLAK_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    server: String,
}

#[derive(Args, Debug)]
struct CreateArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Title of the workshop.
    #[arg(long, env = "DRAAGVLAK_TITLE")]
    title: String,
    /// The organisation holding the workshop.
    #[arg(long, env = "DRAAGVLAK_ORGANISATION", default_value = "")]
    organisation: String,
    /// Where the workshop takes place (for the report).
    #[arg(long, env = "DRAAGVLAK_PLACE", default_value = "")]
    place: String,
    /// Language of the session: nl or en.
    #[arg(long, env = "DRAAGVLAK_LANGUAGE", default_value = "nl")]
    language: String,
    /// Built-in agenda template: strategic-framework, short or follow-up.
    #[arg(
        long,
        env = "DRAAGVLAK_TEMPLATE",
        default_value = "strategic-framework"
    )]
    template: String,
    /// An agenda of your own: a TOML template file (see core/templates/ for examples).
    #[arg(long, env = "DRAAGVLAK_AGENDA")]
    agenda: Option<std::path::PathBuf>,
    /// Make a follow-up of the session with this join code (its adopted rules and top
    /// priorities come along); needs --follows-secret.
    #[arg(long, requires = "follows_secret")]
    follows: Option<String>,
    /// The facilitator secret of the session named by --follows.
    #[arg(
        long,
        env = "DRAAGVLAK_FOLLOWS_SECRET",
        requires = "follows",
        allow_hyphen_values = true
    )]
    follows_secret: Option<String>,
}

#[derive(Args, Debug)]
struct ShowArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Join code of the session.
    #[arg(long, env = "DRAAGVLAK_CODE")]
    code: String,
}

#[derive(Args, Debug)]
struct JoinArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Join code of the session.
    #[arg(long, env = "DRAAGVLAK_CODE")]
    code: String,
    /// Display name, to join as a new participant.
    #[arg(long, env = "DRAAGVLAK_NAME")]
    name: Option<String>,
    /// Group of a new participant.
    #[arg(long, env = "DRAAGVLAK_GROUP", default_value = "ict")]
    group: String,
    /// Resume token, to come back as the same participant.
    #[arg(long, env = "DRAAGVLAK_RESUME_TOKEN", allow_hyphen_values = true)]
    resume: Option<String>,
    /// Facilitator secret, to join as the facilitator.
    #[arg(long, env = "DRAAGVLAK_FACILITATOR_SECRET", allow_hyphen_values = true)]
    facilitator: Option<String>,
    /// Join as the read-only projector.
    #[arg(long, env = "DRAAGVLAK_PROJECTOR")]
    projector: bool,
    /// Seconds to wait for the server.
    #[arg(long, env = "DRAAGVLAK_TIMEOUT", default_value_t = 10)]
    timeout: u64,
}

impl JoinArgs {
    /// Exactly one way of joining must be named.
    fn join_request(&self) -> Result<JoinRequest> {
        let code = self.code.trim().to_owned();
        let chosen = [
            self.name.is_some(),
            self.resume.is_some(),
            self.facilitator.is_some(),
            self.projector,
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if chosen != 1 {
            bail!("name exactly one of --name, --resume, --facilitator or --projector");
        }
        Ok(if let Some(name) = &self.name {
            JoinRequest::Participant {
                code,
                name: name.clone(),
                group: self.group.clone(),
                device: None,
            }
        } else if let Some(token) = &self.resume {
            JoinRequest::Resume {
                code,
                token: token.clone(),
            }
        } else if let Some(secret) = &self.facilitator {
            JoinRequest::Facilitator {
                code,
                secret: secret.clone(),
            }
        } else {
            JoinRequest::Projector { code }
        })
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Create(args) => create(args).await,
        Command::Show(args) => show(args).await,
        Command::Join(args) => join(args).await,
    }
}

async fn create(args: CreateArgs) -> Result<()> {
    let request = CreateSession {
        title: args.title,
        organisation: args.organisation,
        place: args.place,
        language: args.language,
        template: args.template,
        agenda: match &args.agenda {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading the agenda {}", path.display()))?,
            ),
            None => None,
        },
        follows: match (args.follows, args.follows_secret) {
            (Some(code), Some(secret)) => {
                Some(draagvlak_protocol::api::FollowUpOf { code, secret })
            }
            _ => None,
        },
    };
    let created = http::create_session(&args.server.server, &request)
        .await
        .context("creating the session")?;
    println!("code:               {}", created.code);
    println!("session id:         {}", created.id);
    println!("facilitator secret: {}", created.facilitator_secret);
    println!("join link:          {}", created.links.join);
    println!("facilitator link:   {}", created.links.facilitator);
    println!("projector link:     {}", created.links.projector);
    println!("websocket:          {}", created.links.websocket);
    Ok(())
}

async fn show(args: ShowArgs) -> Result<()> {
    let session = http::lookup_session(&args.server.server, args.code.trim())
        .await
        .context("looking up the session")?;
    println!("code:         {}", session.code);
    println!("title:        {}", session.title);
    println!("organisation: {}", session.organisation);
    println!("language:     {}", session.language);
    println!("template:     {}", session.template);
    println!("status:       {}", session.status);
    println!("groups:       {}", session.groups.join(", "));
    Ok(())
}

async fn join(args: JoinArgs) -> Result<()> {
    let request = args.join_request()?;
    let ws = http::ws_url(&args.server.server)?;
    let options = Options {
        timeout: Duration::from_secs(args.timeout.max(1)),
        ..Options::default()
    };
    let mut conn = Connection::connect_with(&ws, request, options)
        .await
        .context("joining the session")?;
    let role = match conn.role() {
        Role::Facilitator => "facilitator",
        Role::Participant => "participant",
        Role::Projector => "projector",
    };
    println!("joined {} as {role}", conn.view().session.title);
    if let Some(p) = conn.participant() {
        println!("you are {} ({}), id {}", p.name, p.group, p.id);
    }
    if let Some(token) = conn.resume_token() {
        println!("resume token: {token}");
    }
    println!("type `help` for commands");
    let mut shown = Shown::default();
    shown.print_changes(&conn);

    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    // What each sent intent was, to print its answer readably.
    let mut labels: HashMap<String, String> = HashMap::new();
    loop {
        tokio::select! {
            line = stdin.next_line() => {
                let Some(line) = line.context("reading stdin")? else { break };
                match parse_command(&line) {
                    Ok(None) => {}
                    Ok(Some(Cmd::Quit)) => break,
                    Ok(Some(Cmd::Sleep(ms))) => {
                        let until = Instant::now() + Duration::from_millis(ms);
                        if !process_until(&mut conn, until, &mut labels, &mut shown).await? {
                            return Ok(());
                        }
                    }
                    Ok(Some(cmd)) => run(&mut conn, cmd, &line, &mut labels).await?,
                    Err(e) => println!("? {e}"),
                }
            }
            event = conn.next_event() => {
                if !on_event(&mut conn, event?, &mut labels, &mut shown).await? {
                    break;
                }
            }
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    // Scripts end with EOF right after their last command: wait for the answers first.
    let until = Instant::now() + conn.options().timeout;
    while !conn.pending().is_empty() {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match conn.next_event_timeout(left).await {
            Ok(event) => {
                if !on_event(&mut conn, event, &mut labels, &mut shown).await? {
                    return Ok(());
                }
            }
            Err(ClientError::Timeout(_)) => break,
            Err(e) => return Err(e.into()),
        }
    }
    conn.close().await.ok();
    Ok(())
}

/// Print events until `until` (or, when intents are pending, until they are all answered and
/// `until` passed); returns false when the connection ended.
async fn process_until(
    conn: &mut Connection,
    until: Instant,
    labels: &mut HashMap<String, String>,
    shown: &mut Shown,
) -> Result<bool> {
    // Pending intents are waited for (a script's next line may name what they create), at most
    // the client's timeout past `until`.
    let give_up = until + conn.options().timeout;
    loop {
        let now = Instant::now();
        let left = if now < until {
            until - now
        } else if !conn.pending().is_empty() && now < give_up {
            give_up - now
        } else {
            return Ok(true);
        };
        match conn.next_event_timeout(left).await {
            Ok(event) => {
                if !on_event(conn, event, labels, shown).await? {
                    return Ok(false);
                }
            }
            Err(ClientError::Timeout(_)) => return Ok(true),
            Err(e) => return Err(e.into()),
        }
    }
}

/// Print one event; returns false when the session is over for this client.
async fn on_event(
    conn: &mut Connection,
    event: Event,
    labels: &mut HashMap<String, String>,
    shown: &mut Shown,
) -> Result<bool> {
    match event {
        Event::Snapshot { .. } | Event::ViewChanged { .. } | Event::MeChanged { .. } => {
            shown.print_changes(conn);
        }
        Event::Acked(ack) => {
            let label = labels.remove(&ack.id).unwrap_or_else(|| ack.id.clone());
            match ack.created {
                Some(created) => println!("ok: {label} -> created {created}"),
                None => println!("ok: {label}"),
            }
        }
        Event::Rejected(r) => {
            let label = labels.remove(&r.id).unwrap_or_else(|| r.id.clone());
            println!("rejected: {label}: {}: {}", r.code, r.message);
        }
        Event::Error { code, message } => println!("server error: {code}: {message}"),
        Event::SyncRequested { reason, .. } => println!("(resynchronising: {reason})"),
        Event::DeltaSkipped { .. } | Event::Pong => {}
        Event::Unexpected(msg) => println!("(unexpected message: {msg:?})"),
        Event::Closed(info) => {
            if info.is_resumable() {
                println!("(connection closed: {}; reconnecting)", info.reason);
                conn.reconnect().await.context("reconnecting")?;
                println!(
                    "(reconnected; resent {} pending intents)",
                    conn.pending().len()
                );
                shown.print_changes(conn);
            } else {
                match &info.error {
                    Some((code, message)) => println!("connection closed: {code}: {message}"),
                    None => println!(
                        "connection closed: {} {}",
                        info.code.unwrap_or(0),
                        info.reason
                    ),
                }
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// One line typed by the user.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Cmd {
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

const HELP: &str = "\
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

/// Parse one line; `Ok(None)` for an empty line.
fn parse_command(line: &str) -> Result<Option<Cmd>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with("//") {
        return Ok(None);
    }
    let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
    let rest = rest.trim();
    let args: Vec<&str> = rest.split_whitespace().collect();
    let want = |n: usize| -> Result<(), String> {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!("`{word}` takes {n} argument(s); see `help`"))
        }
    };
    let number =
        |s: &str| -> Result<u32, String> { s.parse().map_err(|_| format!("not a number: {s}")) };
    let text = |what: &str| -> Result<String, String> {
        if rest.is_empty() {
            Err(format!("`{word}` needs {what}"))
        } else {
            Ok(rest.to_owned())
        }
    };
    // `edit ID POS DEL TEXT...`: the text is the rest of the line and may be empty.
    let splice = || -> Result<(String, u32, u32, String), String> {
        let mut parts = rest.splitn(4, ' ');
        let (Some(id), Some(pos), Some(del)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("usage: {word} ID POS DEL [TEXT]"));
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
        other => return Err(format!("unknown command `{other}`; type `help`")),
    };
    Ok(Some(cmd))
}

/// Run a command: print local ones, send intents without waiting (answers come as events).
async fn run(
    conn: &mut Connection,
    cmd: Cmd,
    line: &str,
    labels: &mut HashMap<String, String>,
) -> Result<()> {
    let view = conn.view();
    let statement = |id: &str| resolve(id, view.statements.iter().map(|(k, s)| (k, s.seq)));
    let rule = |id: &str| resolve(id, view.rules.iter().map(|(k, r)| (k, r.seq)));
    let cluster = |id: &str| resolve(id, view.clusters.iter().map(|(k, c)| (k, c.seq)));
    // A priority: a statement or a cluster.
    let item = |id: &str| {
        resolve(
            id,
            view.statements
                .iter()
                .map(|(k, s)| (k, s.seq))
                .chain(view.clusters.iter().map(|(k, c)| (k, c.seq))),
        )
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
        Cmd::Dot(id) => statement(&id).map(|statement| Intent::PlaceDot { statement }),
        Cmd::Undot(id) => statement(&id).map(|statement| Intent::RemoveDot { statement }),
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
            Some(people) => resolve(&id, people.keys().map(|k| (k, 0)))
                .map(|participant| Intent::RemoveParticipant { participant }),
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
fn id_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Find an item by exact id, `#seq`, or a unique start of its id.
fn resolve<'a>(
    wanted: &str,
    items: impl Iterator<Item = (&'a String, u64)> + Clone,
) -> Result<String, String> {
    if let Some(seq) = wanted.strip_prefix('#') {
        let seq: u64 = seq.parse().map_err(|_| format!("not a number: {wanted}"))?;
        return items
            .clone()
            .find(|(_, s)| *s == seq)
            .map(|(id, _)| id.clone())
            .ok_or_else(|| format!("no item #{seq}"));
    }
    if items.clone().any(|(id, _)| id == wanted) {
        return Ok(wanted.to_owned());
    }
    let matches: Vec<&String> = items
        .filter(|(id, _)| id.starts_with(wanted))
        .map(|(id, _)| id)
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        // Unknown to this view: send it as is and let the server answer (`not_found`).
        [] => Ok(wanted.to_owned()),
        _ => Err(format!("`{wanted}` matches {} items", matches.len())),
    }
}

/// What was printed last, so only changes are printed.
#[derive(Default)]
struct Shown {
    status: String,
    me: String,
}

impl Shown {
    fn print_changes(&mut self, conn: &Connection) {
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

fn local<'a>(view: &View, text: &'a Localized) -> &'a str {
    if view.session.language == "en" && !text.en.is_empty() {
        &text.en
    } else {
        &text.nl
    }
}

/// One line: phase, lock, counts.
fn status_line(view: &View, rev: u64) -> String {
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

fn me_line(me: &MeView) -> String {
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
fn render_view(view: &View, me: Option<&MeView>, rev: u64) -> String {
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
    let mut statements: Vec<(&String, &StatementView)> = view.statements.iter().collect();
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
        if let Some(n) = me.and_then(|m| m.dots.get(id)) {
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

fn render_me(me: &MeView) -> String {
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

    #[test]
    fn join_needs_exactly_one_way_in() {
        let args = |name: Option<&str>, projector: bool| JoinArgs {
            server: ServerArgs {
                server: "http://x".into(),
            },
            code: "ABC".into(),
            name: name.map(str::to_owned),
            group: "ict".into(),
            resume: None,
            facilitator: None,
            projector,
            timeout: 1,
        };
        assert!(args(None, false).join_request().is_err());
        assert!(args(Some("Anna"), true).join_request().is_err());
        assert_eq!(
            args(None, true).join_request().unwrap(),
            JoinRequest::Projector { code: "ABC".into() }
        );
    }

    #[test]
    fn secrets_may_start_with_a_hyphen() {
        // Secrets and tokens are base64url: one in 64 starts with '-'.
        let parse = |args: &[&str]| Cli::try_parse_from(["draagvlak"].iter().chain(args)).unwrap();
        let Command::Join(args) =
            parse(&["join", "--code", "ABC", "--facilitator", "-weVx_secret"]).command
        else {
            panic!("not a join")
        };
        assert_eq!(args.facilitator.as_deref(), Some("-weVx_secret"));
        let Command::Join(args) = parse(&["join", "--code", "ABC", "--resume", "-token"]).command
        else {
            panic!("not a join")
        };
        assert_eq!(args.resume.as_deref(), Some("-token"));
        let create = [
            "create",
            "--title",
            "Vervolg",
            "--follows",
            "ABC",
            "--follows-secret",
            "-secret",
        ];
        let Command::Create(args) = parse(&create).command else {
            panic!("not a create")
        };
        assert_eq!(args.follows_secret.as_deref(), Some("-secret"));
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

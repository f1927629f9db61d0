//! `draagvlak`: create, inspect and join workshop sessions from a terminal.
//!
//! A thin shell around the client library: flags are parsed (every one also from a
//! `DRAAGVLAK_...` environment variable) and validated into a join request, then `join` reads
//! commands from stdin line by line while it prints what the server sends. It exists for manual
//! testing, demos and scripting (`printf 'add Cloud first\nquit\n' | draagvlak join ...`).

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use draagvlak_client::protocol::api::CreateSession;
use draagvlak_client::protocol::{JoinRequest, Role};
use draagvlak_client::{ClientError, Connection, Event, Options, http};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::time::Instant;

mod commands;
mod render;

use commands::{Cmd, parse_command, run};
use render::Shown;

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
    /// The session's groups, 2 to 4 names separated by commas (e.g. "ICT,Beleid,Mandatarissen");
    /// default ICT and business, or for a follow-up the earlier session's groups.
    #[arg(long, env = "DRAAGVLAK_GROUPS", value_delimiter = ',')]
    groups: Option<Vec<String>>,
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
        groups: args.groups,
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
    println!("status:       {}", session.status.as_str());
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;

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

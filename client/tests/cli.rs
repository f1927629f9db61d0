//! The `draagvlak` command-line tool against a real server: create a session, join it as the
//! facilitator and as a participant, act from piped standard input.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::io::Write as _;
use std::process::{Command, Stdio};

use draagvlak_server::Config;

const CLI: &str = env!("CARGO_BIN_EXE_draagvlak");

fn run(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(CLI)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn field(out: &str, name: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(name))
        .map(|v| v.trim_start_matches(':').trim().to_string())
        .unwrap_or_else(|| panic!("no {name} in {out}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_join_and_act_from_a_terminal() {
    let data = tempfile::tempdir().unwrap();
    let server = draagvlak_server::start(Config::for_tests(data.path().to_path_buf()))
        .await
        .unwrap();
    let base = format!("http://{}", server.addr);
    let out = tokio::task::spawn_blocking({
        let base = base.clone();
        move || {
            run(
                &[
                    "create",
                    "--server",
                    &base,
                    "--title",
                    "ICT-strategie 2027",
                    "--organisation",
                    "Gemeente Zaanstad",
                ],
                "",
            )
        }
    })
    .await
    .unwrap();
    assert!(out.0, "create failed: {}", out.2);
    let code = field(&out.1, "code");
    let secret = field(&out.1, "facilitator secret");

    let (ok, stdout, stderr) = tokio::task::spawn_blocking({
        let (base, code) = (base.clone(), code.clone());
        move || run(&["show", "--server", &base, "--code", &code], "")
    })
    .await
    .unwrap();
    assert!(ok, "{stderr}");
    assert_eq!(field(&stdout, "title"), "ICT-strategie 2027");

    let (ok, stdout, stderr) = tokio::task::spawn_blocking({
        let (base, code, secret) = (base.clone(), code.clone(), secret.clone());
        move || {
            run(
                &[
                    "join",
                    "--server",
                    &base,
                    "--code",
                    &code,
                    "--facilitator",
                    &secret,
                ],
                "next\n",
            )
        }
    })
    .await
    .unwrap();
    assert!(ok, "facilitator join failed: {stdout} {stderr}");

    let (ok, stdout, stderr) = tokio::task::spawn_blocking({
        let (base, code) = (base.clone(), code.clone());
        move || {
            run(
                &[
                    "join", "--server", &base, "--code", &code, "--name", "Anna", "--group", "ict",
                ],
                "add Digitaal eerst, ook voor medewerkers\nnext\nview\n",
            )
        }
    })
    .await
    .unwrap();
    assert!(ok, "participant join failed: {stdout} {stderr}");
    let all = format!("{stdout}{stderr}");
    assert!(
        all.contains("forbidden"),
        "a participant's `next` is refused: {all}"
    );
    assert!(
        all.contains("Digitaal eerst, ook voor medewerkers"),
        "the view shows the statement: {all}"
    );

    let (ok, stdout, stderr) = tokio::task::spawn_blocking({
        let (base, code) = (base.clone(), code.clone());
        move || {
            run(
                &[
                    "join",
                    "--server",
                    &base,
                    "--code",
                    &code,
                    "--facilitator",
                    "wrong",
                ],
                "",
            )
        }
    })
    .await
    .unwrap();
    assert!(!ok, "a wrong secret fails");
    assert!(format!("{stdout}{stderr}").contains("bad_credentials"));
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_from_an_agenda_file_and_a_clear_error_for_a_broken_one() {
    let data = tempfile::tempdir().unwrap();
    let server = draagvlak_server::start(Config::for_tests(data.path().to_path_buf()))
        .await
        .unwrap();
    let base = format!("http://{}", server.addr);
    let good = data.path().join("kort.toml");
    std::fs::write(
        &good,
        "name = \"kort\"\n[[phase]]\nkind = \"brainstorm\"\nlevel = \"inrichten\"\ntitle = { nl = \"Ideeën\", en = \"Ideas\" }\nquestion = { nl = \"Wat gaat ICT doen?\", en = \"What will ICT do?\" }\n",
    )
    .unwrap();
    let bad = data.path().join("fout.toml");
    std::fs::write(
        &bad,
        "name = \"fout\"\n[[phase]]\nkind = \"brainstrom\"\nlevel = \"inrichten\"\ntitle = { nl = \"a\", en = \"a\" }\nquestion = { nl = \"q\", en = \"q\" }\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = tokio::task::spawn_blocking({
        let (base, good) = (base.clone(), good.clone());
        move || {
            run(
                &[
                    "create",
                    "--server",
                    &base,
                    "--title",
                    "Kort",
                    "--agenda",
                    good.to_str().unwrap(),
                ],
                "",
            )
        }
    })
    .await
    .unwrap();
    assert!(ok, "{stderr}");
    let code = field(&stdout, "code");
    let (ok, stdout, _) = tokio::task::spawn_blocking({
        let (base, code) = (base.clone(), code.clone());
        move || run(&["show", "--server", &base, "--code", &code], "")
    })
    .await
    .unwrap();
    assert!(ok);
    assert_eq!(field(&stdout, "template"), "kort");
    let (ok, stdout, stderr) = tokio::task::spawn_blocking({
        let (base, bad) = (base.clone(), bad.clone());
        move || {
            run(
                &[
                    "create",
                    "--server",
                    &base,
                    "--title",
                    "Fout",
                    "--agenda",
                    bad.to_str().unwrap(),
                ],
                "",
            )
        }
    })
    .await
    .unwrap();
    assert!(!ok);
    let all = format!("{stdout}{stderr}");
    assert!(
        // The session is Dutch (the CLI's default language), so is the error.
        all.contains("invalid_template") && all.contains("Regel 3"),
        "{all}"
    );
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_from_the_terminal_needs_the_earlier_secret() {
    let data = tempfile::tempdir().unwrap();
    let server = draagvlak_server::start(Config::for_tests(data.path().to_path_buf()))
        .await
        .unwrap();
    let base = format!("http://{}", server.addr);
    let create = |extra: Vec<String>| {
        let base = base.clone();
        tokio::task::spawn_blocking(move || {
            let mut args = vec![
                "create".to_string(),
                "--server".into(),
                base,
                "--title".into(),
                "Een jaar later".into(),
            ];
            args.extend(extra);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run(&args, "")
        })
    };
    let (ok, stdout, stderr) = create(Vec::new()).await.unwrap();
    assert!(ok, "{stderr}");
    let (code, secret) = (field(&stdout, "code"), field(&stdout, "facilitator secret"));
    let (ok, _, stderr) = create(vec!["--follows".into(), code.clone()])
        .await
        .unwrap();
    assert!(!ok, "--follows needs --follows-secret");
    assert!(stderr.contains("--follows-secret"), "{stderr}");
    let (ok, stdout, stderr) = create(vec![
        "--follows".into(),
        code.clone(),
        "--follows-secret".into(),
        "niet-het-geheim".into(),
    ])
    .await
    .unwrap();
    assert!(!ok);
    assert!(
        format!("{stdout}{stderr}").contains("bad_credentials"),
        "{stdout}{stderr}"
    );
    let (ok, stdout, stderr) = create(vec![
        "--follows".into(),
        code,
        "--follows-secret".into(),
        secret,
    ])
    .await
    .unwrap();
    assert!(ok, "{stderr}");
    let follow_up = field(&stdout, "code");
    let (ok, stdout, _) = tokio::task::spawn_blocking({
        let base = base.clone();
        move || run(&["show", "--server", &base, "--code", &follow_up], "")
    })
    .await
    .unwrap();
    assert!(ok);
    assert_eq!(field(&stdout, "template"), "follow-up");
    server.shutdown();
    server.wait().await;
}

/// The facilitator's commands from a terminal: writing as the facilitator, clustering, a rule
/// adopted without ratings (refused, then confirmed), a participant without a device, and
/// closing (which asks for `close confirm`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_facilitator_clusters_decides_and_closes_from_a_terminal() {
    let data = tempfile::tempdir().unwrap();
    let server = draagvlak_server::start(Config::for_tests(data.path().to_path_buf()))
        .await
        .unwrap();
    let base = format!("http://{}", server.addr);
    let (ok, out, err) = tokio::task::spawn_blocking({
        let base = base.clone();
        move || {
            run(
                &[
                    "create",
                    "--server",
                    &base,
                    "--title",
                    "Terminal",
                    "--template",
                    "short",
                ],
                "",
            )
        }
    })
    .await
    .unwrap();
    assert!(ok, "create failed: {err}");
    let code = field(&out, "code");
    let secret = field(&out, "facilitator secret");
    // Phases of `short`: 1 lobby, 2 brainstorm, 3 cluster, 4 vote, 5 rules. Ids by `#seq`:
    // statements #1 and #2, the cluster #3, the rule #4.
    let script = "goto 2\nadd Eén loket\nadd Eén loket voor inwoners\nsleep 300\ngoto 3\n\
                  cluster #1,#2 Eén digitaal loket\nsleep 300\ngoto 5\nrule Elke euro één keer\n\
                  sleep 300\nlink #4 #1\nstatus #4 adopted\nsleep 300\nstatus #4 adopted confirm\n\
                  proxy ict Gerrit Mulder\nsleep 300\nview\nclose\nclose confirm\nsleep 500\n";
    let (ok, stdout, stderr) = tokio::task::spawn_blocking({
        let (base, code) = (base.clone(), code.clone());
        move || {
            run(
                &[
                    "join",
                    "--server",
                    &base,
                    "--code",
                    &code,
                    "--facilitator",
                    &secret,
                ],
                script,
            )
        }
    })
    .await
    .unwrap();
    assert!(ok, "facilitator session failed: {stdout} {stderr}");
    let all = format!("{stdout}{stderr}");
    for want in [
        "Eén digitaal loket = s1,s2",
        "[anchors c3]",
        "rejected: status #4 adopted: confirm_required",
        "[adopted Decided round 1] [confirmed: NoRatings]",
        "Gerrit Mulder (ict)",
        "closing is for good",
    ] {
        assert!(all.contains(want), "missing {want:?} in: {all}");
    }
    let (ok, stdout, _) = tokio::task::spawn_blocking({
        let (base, code) = (base.clone(), code.clone());
        move || run(&["show", "--server", &base, "--code", &code], "")
    })
    .await
    .unwrap();
    assert!(ok);
    assert_eq!(field(&stdout, "status"), "closed");
    server.shutdown();
    server.wait().await;
}

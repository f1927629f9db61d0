//! The load generator at a small size, as CI runs it: 200 participants in two sessions play the
//! whole script against an in-process server. Fails when any intent is lost or rejected, when a
//! change does not reach every other client, or when any final view differs from a fresh
//! snapshot. No timing assertions.

use draagvlak_client::load::{Config, run};
use draagvlak_tests::InProcess;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_participants_lose_nothing() {
    let server = InProcess::start_with(|c| {
        c.limits.joins_per_minute = 100_000;
        c.limits.sessions_per_hour = 1_000;
        c.limits.max_connections_per_ip = 10_000;
        c.limits.max_connections_per_session = 10_000;
        c.limits.frames_per_second = 1_000;
    })
    .await;
    let config = Config {
        server: server.http(),
        sessions: 2,
        participants: 100,
        // Two loopback source addresses, as a large run uses many.
        source_addresses: 2,
        connect_rate: 0,
        connect_concurrency: 50,
        statements: 12,
        brainstorm_secs: 0.5,
        dots: 3,
        dot_window_secs: 1.0,
        rules: 3,
        ratings: 2,
        rating_window_secs: 1.0,
        pause_ms: 50,
        // A quarter of the participants apply every delta and compare whole views.
        full_views: 25,
        step_timeout_secs: 30.0,
        quiet: true,
        ..Config::default()
    };
    let report = run(config).await.expect("the load run starts");
    println!("{}", report.table());
    assert!(
        report.ok(),
        "the load run lost something: {:#?}",
        report.failures
    );
    assert_eq!(report.connected, 200);
    // 2 × (12 statements + 100 × 3 dots + 3 rules + 100 × 2 ratings) + 2 × 5 facilitator steps.
    assert_eq!(report.intents.expected, 2 * (12 + 300 + 3 + 200) + 10);
    assert_eq!(report.intents.acked, report.intents.expected);
    assert_eq!(report.intents.lost, 0);
    assert_eq!(report.deliveries.seen, report.deliveries.expected);
    assert_eq!(report.deliveries.markers, 2 * (5 + 12 + 3));
    assert_eq!(report.views.mismatched, 0);
    assert_eq!(
        report.views.compared_full + report.views.compared_revision,
        202
    );
    server.stop().await;
}

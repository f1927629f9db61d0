//! The report of a follow-up puts then and now side by side: the support a rule had when it was
//! adopted, and how the room reviewed it months later (the workshop comes from the core crate's
//! method tests, which check every step of it).

use draagvlak_core::method_tests::reviewed_follow_up;
use draagvlak_server::report;

#[test]
fn a_follow_ups_report_compares_then_and_now() {
    let now = reviewed_follow_up();
    let report = report::build(now.state());
    assert_eq!(report.comparison.len(), 1);
    let md = report::markdown(&report);
    assert!(md.contains("## Toen en nu"), "{md}");
    assert!(
        md.contains("| Aangenomen | 67% | 100% | 0% | 1 / 0 / 1 |"),
        "{md}"
    );
}

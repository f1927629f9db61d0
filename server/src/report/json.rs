//! The report as JSON: the whole model, serialised as it is, for other tools. It has a module
//! of its own only so that every format sits in the same place; there is nothing to write by
//! hand, because the model's field names and documentation are the format.

use super::model::Report;

/// JSON: the whole report.
pub fn json(report: &Report) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(report)
}

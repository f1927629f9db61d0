//! A session's groups: 2 to 4, named by the facilitator when the session is made.
//!
//! The method brings ICT and the business side together, but a room is often more than two
//! sides: policy officers, aldermen, a works council. The facilitator names the groups (the
//! default stays `ict` and `business`); every figure that is per group works for any number of
//! them (the gap is the largest difference between two groups, equal weight averages all).
//!
//! A group's name is also its id in the document and on the wire, so it is fixed once the session
//! exists. The two default ids keep their translated labels in the apps and reports: a name the
//! facilitator types as "ICT" or "business" (any case) becomes that default id, so a session
//! named in the form the way the default reads is the same as one left at the default.

use draagvlak_protocol::limits::{MAX_GROUP_NAME_CHARS, MAX_GROUPS, MIN_GROUPS};

use crate::template::DEFAULT_GROUPS;

/// Why a list of group names was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupsError {
    /// Fewer than [`MIN_GROUPS`] or more than [`MAX_GROUPS`] names.
    #[error("a session has {MIN_GROUPS} to {MAX_GROUPS} groups, not {0}")]
    Count(usize),
    /// Name `n` (1-based) is empty after trimming.
    #[error("group {0} has no name")]
    Empty(usize),
    /// Name `n` (1-based) is longer than [`MAX_GROUP_NAME_CHARS`].
    #[error("the name of group {0} is longer than {MAX_GROUP_NAME_CHARS} characters")]
    TooLong(usize),
    /// Name `n` (1-based) has control or direction characters.
    #[error("the name of group {0} has control or direction characters")]
    Unfit(usize),
    /// Two names are the same (ignoring case).
    #[error("two groups are both called {0:?}")]
    Duplicate(String),
}

impl GroupsError {
    /// The message in the session's language (`nl`, or anything else for English).
    pub fn message(&self, language: &str) -> String {
        if language != "nl" {
            return self.to_string();
        }
        match self {
            GroupsError::Count(n) => {
                format!("Een sessie heeft {MIN_GROUPS} tot {MAX_GROUPS} groepen, niet {n}.")
            }
            GroupsError::Empty(i) => format!("Groep {i} heeft geen naam."),
            GroupsError::TooLong(i) => {
                format!("De naam van groep {i} is langer dan {MAX_GROUP_NAME_CHARS} tekens.")
            }
            GroupsError::Unfit(i) => {
                format!("De naam van groep {i} bevat stuur- of richtingstekens.")
            }
            GroupsError::Duplicate(name) => format!("Twee groepen heten {name:?}."),
        }
    }
}

/// The default groups, as owned names.
pub fn defaults() -> Vec<String> {
    DEFAULT_GROUPS.iter().map(|g| g.to_string()).collect()
}

/// The names as the session keeps them: trimmed, the default groups under their ids, checked.
/// Names should be normalised first (the server's `normalize::name`: Unicode NFC, white space
/// collapsed, invisible characters removed).
pub fn check(names: &[String]) -> Result<Vec<String>, GroupsError> {
    if !(MIN_GROUPS..=MAX_GROUPS).contains(&names.len()) {
        return Err(GroupsError::Count(names.len()));
    }
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for (i, raw) in names.iter().enumerate() {
        let n = i + 1;
        let name = raw.trim();
        if name.is_empty() {
            return Err(GroupsError::Empty(n));
        }
        if name.chars().count() > MAX_GROUP_NAME_CHARS {
            return Err(GroupsError::TooLong(n));
        }
        if name.chars().any(crate::apply::unfit_in_name) {
            return Err(GroupsError::Unfit(n));
        }
        let name = DEFAULT_GROUPS
            .iter()
            .find(|d| d.eq_ignore_ascii_case(name))
            .map_or_else(|| name.to_string(), |d| d.to_string());
        if out.iter().any(|o| o.to_lowercase() == name.to_lowercase()) {
            return Err(GroupsError::Duplicate(name));
        }
        out.push(name);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn two_to_four_named_groups_are_kept_in_order() {
        assert_eq!(
            check(&names(&[" ICT ", "Beleid", "Mandatarissen", "OR"])),
            Ok(names(&["ict", "Beleid", "Mandatarissen", "OR"]))
        );
        assert_eq!(
            check(&names(&["Business", "ict"])),
            Ok(names(&["business", "ict"]))
        );
    }

    #[test]
    fn bad_lists_are_refused_with_what_to_change() {
        assert_eq!(check(&names(&["ICT"])), Err(GroupsError::Count(1)));
        assert_eq!(
            check(&names(&["a", "b", "c", "d", "e"])),
            Err(GroupsError::Count(5))
        );
        assert_eq!(check(&names(&["ICT", "  "])), Err(GroupsError::Empty(2)));
        let long = "x".repeat(MAX_GROUP_NAME_CHARS + 1);
        assert_eq!(check(&names(&["ICT", &long])), Err(GroupsError::TooLong(2)));
        assert!(check(&names(&["ICT", &"é".repeat(MAX_GROUP_NAME_CHARS)])).is_ok());
        assert_eq!(
            check(&names(&["a\u{202E}b", "c"])),
            Err(GroupsError::Unfit(1))
        );
        assert_eq!(check(&names(&["a\nb", "c"])), Err(GroupsError::Unfit(1)));
        assert_eq!(
            check(&names(&["Beleid", "beleid"])),
            Err(GroupsError::Duplicate("beleid".into()))
        );
        assert_eq!(
            check(&names(&["ict", "ICT"])),
            Err(GroupsError::Duplicate("ict".into()))
        );
        assert_eq!(
            GroupsError::Count(5).message("nl"),
            "Een sessie heeft 2 tot 4 groepen, niet 5."
        );
    }
}

//! Typed ids: a statement id, a rule id, a cluster id and a participant id are different things,
//! and the compiler keeps them apart.
//!
//! On the wire every id is a plain JSON string (`"s12"`, `"r3"`, `"c2"`, `"p7"`): the newtypes are
//! `#[serde(transparent)]`, so the JSON format does not change. In Rust they cannot be mixed up: a
//! function that takes a [`StatementId`] does not accept a [`RuleId`]. Each id borrows as `str`, so
//! a map keyed by ids can still be read with a `&str` taken from a message or a URL.
//!
//! The server makes ids from a per-session counter with a one-letter prefix; a client never makes
//! one, it only sends back ids it was shown. [`ItemId`] is the one place where a field may name
//! items of more than one kind: a rule's anchors (statements or clusters) and the focus (a statement
//! or a rule).

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The letter every id of this kind the server makes starts with.
            pub const PREFIX: char = $prefix;

            /// The id the server gives the item numbered `seq`.
            pub fn from_seq(seq: u64) -> $name {
                $name(format!("{}{seq}", $prefix))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> $name {
                $name(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> $name {
                $name(id.to_owned())
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> $name {
                $name(id.clone())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> $name {
                id.clone()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl From<$name> for ItemId {
            fn from(id: $name) -> ItemId {
                ItemId(id.0)
            }
        }

        impl From<&$name> for ItemId {
            fn from(id: &$name) -> ItemId {
                ItemId(id.0.clone())
            }
        }

        impl PartialEq<ItemId> for $name {
            fn eq(&self, other: &ItemId) -> bool {
                self.0 == other.0
            }
        }

        impl PartialEq<$name> for ItemId {
            fn eq(&self, other: &$name) -> bool {
                self.0 == other.0
            }
        }

        id_common!($name);
    };
}

macro_rules! id_common {
    ($name:ident) => {
        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }
    };
}

id_type!(
    /// A participant of a session (`p…`), proxies included.
    ParticipantId,
    'p'
);
id_type!(
    /// A statement: a priority brainstormed on a level (`s…`).
    StatementId,
    's'
);
id_type!(
    /// A rule of thumb (`r…`).
    RuleId,
    'r'
);
id_type!(
    /// A cluster of merged statements (`c…`).
    ClusterId,
    'c'
);

/// An id that may name an item of more than one kind: a rule's anchor (a statement or a cluster)
/// or the focus (a statement or a rule). Its kind is its first letter.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ItemId(String);

impl ItemId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The statement it names, if it names one.
    pub fn statement(&self) -> Option<StatementId> {
        self.0
            .starts_with(StatementId::PREFIX)
            .then(|| StatementId(self.0.clone()))
    }

    /// The cluster it names, if it names one.
    pub fn cluster(&self) -> Option<ClusterId> {
        self.0
            .starts_with(ClusterId::PREFIX)
            .then(|| ClusterId(self.0.clone()))
    }

    /// The rule it names, if it names one.
    pub fn rule(&self) -> Option<RuleId> {
        self.0
            .starts_with(RuleId::PREFIX)
            .then(|| RuleId(self.0.clone()))
    }
}

impl From<String> for ItemId {
    fn from(id: String) -> ItemId {
        ItemId(id)
    }
}

impl From<&str> for ItemId {
    fn from(id: &str) -> ItemId {
        ItemId(id.to_owned())
    }
}

impl From<&String> for ItemId {
    fn from(id: &String) -> ItemId {
        ItemId(id.clone())
    }
}

impl From<&ItemId> for ItemId {
    fn from(id: &ItemId) -> ItemId {
        id.clone()
    }
}

id_common!(ItemId);

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn ids_are_plain_strings_on_the_wire() {
        let id = StatementId::from_seq(12);
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"s12\"");
        let back: RuleId = serde_json::from_str("\"r3\"").unwrap();
        assert_eq!(back, "r3");
        assert_eq!(RuleId::from_seq(3), back);
    }

    #[test]
    fn a_map_of_ids_is_read_with_a_str() {
        let mut dots = BTreeMap::new();
        dots.insert(StatementId::from_seq(1), 2u32);
        assert_eq!(dots.get("s1"), Some(&2));
        assert_eq!(dots.get("s2"), None);
    }

    #[test]
    fn an_item_id_says_what_it_names() {
        let anchor = ItemId::from(ClusterId::from_seq(4));
        assert_eq!(anchor.cluster(), Some(ClusterId::from_seq(4)));
        assert_eq!(anchor.statement(), None);
        let focus = ItemId::from("r9");
        assert_eq!(focus.rule(), Some(RuleId::from_seq(9)));
        let anchors = [ItemId::from("s1")];
        assert!(anchors.iter().any(|a| StatementId::from_seq(1) == *a));
    }
}

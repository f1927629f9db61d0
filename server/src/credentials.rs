//! Secrets and codes: facilitator secrets, resume tokens, join codes, session ids.
//!
//! Secrets are 256 random bits from the operating system's CSPRNG, handed to the client once and
//! stored only as SHA-256 hashes, so a copy of the database does not let anyone act as a
//! facilitator or participant. Plain SHA-256 (not a slow password hash) is right here: the
//! secrets are random and long, so there is nothing to brute-force. Join codes are short and
//! easy to type; they only find a session, they grant nothing a participant cannot see anyway.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sha2::{Digest as _, Sha256};

/// Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Length of a join code: 31^6 is about 887 million codes.
pub const CODE_LENGTH: usize = 6;

/// A new random secret (facilitator secret or resume token): 32 bytes, URL-safe base64.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new session id: 16 random bytes, lowercase hex.
pub fn new_session_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new join code.
pub fn new_join_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LENGTH)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// Normalise a join code as typed by a person: upper case, spaces and dashes removed.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// The stored form of a secret.
pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Compare a presented secret with a stored hash in constant time.
pub fn verify_secret(secret: &str, hash: &[u8]) -> bool {
    let presented = hash_secret(secret);
    presented.len() == hash.len()
        && presented
            .iter()
            .zip(hash)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_and_distinct() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "32 bytes in unpadded base64");
    }

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        for _ in 0..100 {
            let code = new_join_code();
            assert_eq!(code.len(), CODE_LENGTH);
            assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{code}");
        }
    }

    #[test]
    fn code_normalisation() {
        assert_eq!(normalise_code(" abc-23k "), "ABC23K");
    }

    #[test]
    fn verify_accepts_only_the_right_secret() {
        let s = new_secret();
        let h = hash_secret(&s);
        assert!(verify_secret(&s, &h));
        assert!(!verify_secret("wrong", &h));
        assert!(!verify_secret(&s, &h[..31]));
    }
}

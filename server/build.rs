//! Rebuild the server when a migration is added or changed: `sqlx::migrate!` (in
//! `src/store/connect.rs`) embeds the files under `migrations/` at compile time, and cargo does not
//! otherwise know to look there.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

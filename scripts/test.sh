#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs what it needs on a fresh machine
# (the Rust toolchain with rustfmt and clippy is expected to be there).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== format"
cargo fmt --all --check
echo "== lints"
cargo clippy --workspace --all-targets -- -D warnings
echo "== docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
echo "== tests"
cargo test --workspace
echo "== deploy files"
./scripts/check-deploy.sh
echo "== browser tests"
./tests/browser/run.sh

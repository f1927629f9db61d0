#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs what it needs on a fresh machine
# (the Rust toolchain with rustfmt and clippy is expected to be there).
set -euo pipefail
cd "$(dirname "$0")/.."

# PostgreSQL for the store tests (tests/src/postgres.rs starts its own server from these
# binaries, in a temporary directory, on a free loopback port; the system service is not used).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing postgresql (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

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

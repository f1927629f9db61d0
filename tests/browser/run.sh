#!/usr/bin/env bash
# Browser tests of the web app (client/web): installs what they need on a fresh machine
# (Debian's chromium, the npm packages from package-lock.json), builds and starts the server on a
# free loopback port with a throwaway data directory, runs `node --test`, and stops the server.
#
#   tests/browser/run.sh                      # build the server with cargo, then test
#   DRAAGVLAK_SERVER_BIN=path tests/browser/run.sh   # use an already built server
#   DRAAGVLAK_SHOTS=/tmp/shots tests/browser/run.sh  # also save screenshots there
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

cd "$here"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi

if [ -n "${DRAAGVLAK_SERVER_BIN:-}" ]; then
  server="$DRAAGVLAK_SERVER_BIN"
else
  (cd "$root" && cargo build -p draagvlak-server)
  server="${CARGO_TARGET_DIR:-$root/target}/debug/draagvlak-server"
fi

port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
data="$(mktemp -d)"
log="$data/server.log"
# Generous limits: every test comes from 127.0.0.1 and creates its own sessions.
"$server" --listen "127.0.0.1:$port" --data-dir "$data/db" --sessions-per-hour 100000 \
  --joins-per-minute 100000 >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT INT TERM

export DRAAGVLAK_URL="http://127.0.0.1:$port"
node -e "
  const end = Date.now() + 30000;
  (async function poll() {
    try { const r = await fetch(process.env.DRAAGVLAK_URL + '/healthz'); if (r.ok) return; } catch {}
    if (Date.now() > end) { console.error('server did not start'); process.exit(1); }
    setTimeout(poll, 100);
  })();
" || { cat "$log"; exit 1; }

status=0
node --test --test-concurrency=1 ./*.test.js || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 50 lines) ---"
  tail -n 50 "$log"
fi
exit "$status"

#!/usr/bin/env bash
# Checks of the files in deploy/ with the tools Debian offers (called from scripts/test.sh).
# Installs what it needs with apt. What cannot be checked here (building the image, applying the
# manifests to a cluster) is listed in deploy/README.md as a manual check.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

need=()
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v caddy >/dev/null || need+=(caddy)
command -v openssl >/dev/null || need+=(openssl)
/usr/bin/python3 -c 'import yaml' 2>/dev/null || need+=(python3 python3-yaml)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq
  # Installing nginx must not start it (no init system in CI; and never a real service here).
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

cargo build -q -p draagvlak-server
server="${CARGO_TARGET_DIR:-$root/target}/debug/draagvlak-server"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0
check() { echo "-- $1"; }
fail() { echo "FAILED: $*"; failed=1; }

check "systemd unit (systemd-analyze verify; any message counts as a failure)"
sed "s|^ExecStart=.*|ExecStart=$server|" deploy/systemd/draagvlak.service >"$work/draagvlak.service"
out="$(systemd-analyze verify "$work/draagvlak.service" 2>&1)" || fail "systemd-analyze: $out"
[ -z "$out" ] || fail "systemd-analyze: $out"

check "manifests, compose, dashboard, Dockerfile (deploy/check_deploy.py)"
/usr/bin/python3 deploy/check_deploy.py "$server" || fail "deploy/check_deploy.py"

check "nginx example (nginx -t with a throwaway certificate)"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=workshop.example.nl" \
  -keyout "$work/privkey.pem" -out "$work/fullchain.pem" 2>/dev/null
sed "s|/etc/ssl/draagvlak/|$work/|g" deploy/nginx/draagvlak.conf >"$work/draagvlak.conf"
cat >"$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $work/body;
    proxy_temp_path $work/proxy;
    include $work/draagvlak.conf;
}
CONF
out="$("$NGINX" -t -q -p "$work" -c "$work/nginx.conf" 2>&1)" || fail "nginx -t: $out"

check "Caddyfile (caddy validate)"
out="$(DRAAGVLAK_DOMAIN=workshop.example.nl DRAAGVLAK_UPSTREAM=127.0.0.1:8080 HOME="$work" \
  XDG_DATA_HOME="$work" XDG_CONFIG_HOME="$work" \
  caddy validate --config deploy/caddy/Caddyfile --adapter caddyfile 2>&1)" || fail "caddy validate: $out"

if [ "$failed" -ne 0 ]; then
  echo "deploy checks failed"
  exit 1
fi
echo "deploy checks passed"

#!/usr/bin/env bash
# The production tier's figures (issue 17), every figure from the same run on this machine:
#   - the bare route (/healthz) of one node: the reference;
#   - the signed-in home page on that node with PostgreSQL and Redis: session copies
#     kept for session_cache_seconds and dropped on every node through Redis (as
#     shipped); with no node-local copy at all (JINENG_SESSION_CACHE_SECONDS=0: every
#     request reads the session held in Redis, one round trip). Target: page / bare
#     route >= 0.3 without the copy; and, for reference, with neither the copy nor the
#     Redis-held view (every request reads the session, account and roles from
#     PostgreSQL);
#   - the same page through nginx (TLS, HTTP/2 capable, ops/nginx/jineng.conf.template)
#     to one node and to three nodes: the ratio is reported (on two cores it measures
#     the overhead of more processes, not scale-out).
# Usage: bench/tier.sh [DURATION_SECONDS]   (JINENG_BIN to pick the binary; default the
#        release build, built if missing; needs wrk and nginx, installed if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
THREADS=$(nproc)
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
command -v nginx >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }
bin=${JINENG_BIN:-target/release/jineng}
[ -x "$bin" ] || cargo build --release --locked -p jineng
bin=$(realpath "$bin")
pg_admin=${JINENG_CI_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db="jineng_tier_$$"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && nginx -p "$work" -c "$work/nginx.conf" -s stop 2>/dev/null || true
  psql "$pg_admin" -qc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
psql "$pg_admin" -qc "CREATE DATABASE \"$db\""
export JINENG_DATABASE_URL="${pg_admin%/*}/$db"
export JINENG_REDIS_URL=redis://127.0.0.1:6379/13
export JINENG_DATA_DIR="$work/data" JINENG_LOG=warn JINENG_TRUSTED_PROXIES=127.0.0.1
"$bin" migrate >/dev/null
JINENG_NEW_PASSWORD='Tier@2026x' "$bin" admin create-user --username tier --name 压测 --role operator >/dev/null

node() { # port [extra env…]
  local port=$1; shift
  env "$@" JINENG_BIND="127.0.0.1:$port" "$bin" serve >>"$work/node-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return; sleep 0.5; done
  echo "node on $port did not start"; tail "$work/node-$port.log"; exit 1
}
. bench/lib.sh
sign_in() { # base → the session cookie's name=value
  local csrf=benchcsrf
  curl -sk -o /dev/null -D - -H "Cookie: jn_csrf=$csrf" --data "_csrf=$csrf&login=tier&password=Tier%402026x" "$1/login" \
    | grep -i '^set-cookie: jn_session=' | sed 's/^[Ss]et-[Cc]ookie: \(jn_session=[^;]*\).*/\1/'
}

echo "machine: $(nproc) cores; PostgreSQL $(psql "$pg_admin" -tAc 'SHOW server_version'); Redis $(redis-cli -p 6379 INFO server | awk -F: '/redis_version/ {print $2}' | tr -d '\r'); ${DUR}s per run; binary $bin"
p1=$(free_port)
node "$p1"
cookie=$(sign_in "http://127.0.0.1:$p1")
[ -n "$cookie" ] || { echo "could not sign in"; exit 1; }
measure bare_route 32 "http://127.0.0.1:$p1/healthz"
measure page_cached 32 -H "Cookie: $cookie" "http://127.0.0.1:$p1/"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()
node "$p1" JINENG_SESSION_CACHE_SECONDS=0
measure page_uncached 32 -H "Cookie: $cookie" "http://127.0.0.1:$p1/"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()
node "$p1" JINENG_SESSION_CACHE_SECONDS=0 JINENG_SESSION_SHARED_SECONDS=0
measure page_database 32 -H "Cookie: $cookie" "http://127.0.0.1:$p1/"

# Three nodes (the first one's cache back on) and nginx in front.
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()
p2=$(free_port); p3=$(free_port)
node "$p1"; node "$p2"; node "$p3"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
ng=$(free_port)
mkdir -p "$work/logs"
cat >"$work/nginx.conf" <<EOF
user root;
worker_processes auto;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/tmp-body;
    proxy_temp_path $work/tmp-proxy;
    fastcgi_temp_path $work/tmp-fcgi;
    uwsgi_temp_path $work/tmp-uwsgi;
    scgi_temp_path $work/tmp-scgi;
    include $work/site.conf;
}
EOF
mkdir -p "$work/cache"
ops/nginx/render.sh "$ng" "$work/tls.crt" "$work/tls.key" "$work/cache" "127.0.0.1:$p1" >"$work/site.conf"
nginx -p "$work" -c "$work/nginx.conf"
sleep 0.5
measure nginx_one_node 32 -H "Cookie: $cookie" "https://127.0.0.1:$ng/"
ops/nginx/render.sh "$ng" "$work/tls.crt" "$work/tls.key" "$work/cache" "127.0.0.1:$p1" "127.0.0.1:$p2" "127.0.0.1:$p3" >"$work/site.conf"
nginx -p "$work" -c "$work/nginx.conf" -s reload
sleep 1
measure nginx_three_nodes 32 -H "Cookie: $cookie" "https://127.0.0.1:$ng/"

echo
awk -v p="$page_uncached_rps" -v b="$bare_route_rps" 'BEGIN{ r=p/b; printf "signed-in page, sessions held in Redis, no node-local copy / bare route = %.2f  (target >= 0.30) %s\n", r, (r>=0.3?"MET":"NOT MET") }'
awk -v p="$page_database_rps" -v b="$bare_route_rps" 'BEGIN{ printf "signed-in page, sessions read from PostgreSQL every request / bare route = %.2f  (reference)\n", p/b }'
awk -v p="$page_cached_rps" -v b="$bare_route_rps" 'BEGIN{ printf "signed-in page, copies dropped through Redis / bare route = %.2f\n", p/b }'
awk -v t="$nginx_three_nodes_rps" -v o="$nginx_one_node_rps" 'BEGIN{ printf "three nodes / one node, through nginx = %.2f  (two cores: overhead, not scale-out)\n", t/o }'

#!/usr/bin/env bash
# The restore drill (issue 17; docs/operations.md, "Backups and restore"):
#   tests/backup/drill.sh JINENG_BIN [DATA_DIR]
#
# Embedded: backs up DATA_DIR (a fresh one when not given) while a writer keeps adding
# accounts — in CI the browser run's demo server is still serving it — restores the
# backup into a new directory, runs `jineng audit verify` and `jineng ledger verify`
# there, serves the copy and signs in to it; a backup with one byte changed is refused.
#
# PostgreSQL: a throwaway cluster on loopback archives its WAL (ops/postgres/
# archive-wal.sh); `jineng backup` takes a base backup, more writes follow, the primary
# is killed, and `jineng restore` replays the archive up to a chosen time into a new
# cluster, where audit and ledger verify pass, the write after the backup is there and
# the write after the chosen time is not. Needs the PostgreSQL server binaries
# (postgresql-15 or newer) and, as root, the postgres user.
set -euo pipefail
bin=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/jineng-drill.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for d in "$work"/pg/*; do
    [ -f "$d/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf 'drill: %s\n' "$*"; }
fail() { printf 'drill: FAILED: %s\n' "$*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Signs in through the real page (CSRF token, form post); prints the redirect target.
sign_in() {
  python3 - "$1" "$2" "$3" <<'PY'
import http.cookiejar, re, sys, urllib.parse, urllib.request
base, name, password = sys.argv[1:]
class Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), Stay())
page = op.open(base + "/login", timeout=30).read().decode()
token = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
body = urllib.parse.urlencode({"_csrf": token, "login": name, "password": password, "next": "/"}).encode()
try:
    r = op.open(urllib.request.Request(base + "/login", data=body, method="POST"), timeout=30)
    print(r.status, r.headers.get("Location", ""))
except urllib.error.HTTPError as e:
    print(e.code, e.headers.get("Location", ""))
PY
}

# ---------------------------------------------------------------- embedded (SQLite)
say "embedded mode"
data=${2:-}
if [ -z "$data" ]; then
  data="$work/source"
  JINENG_DATA_DIR="$data" "$bin" migrate >/dev/null
  JINENG_DATA_DIR="$data" JINENG_NEW_PASSWORD='Drill@2026x' "$bin" admin create-user \
    --username drill_operator --name 演练运营 --role operator >/dev/null
  mkdir -p "$data/files/drill"
  head -c 200000 /dev/urandom >"$data/files/drill/sample.bin"
  JINENG_DATA_DIR="$data" "$bin" ledger checkpoint >/dev/null
  login=(drill_operator 'Drill@2026x')
else
  login=(learner 'Jineng@2026')
fi
# A writer adds accounts while the backup runs: the copy is one snapshot of a live
# database, taken without stopping anything.
(
  for i in $(seq 1 15); do
    JINENG_DATA_DIR="$data" JINENG_NEW_PASSWORD='Drill@2026x' "$bin" admin create-user \
      --username "drill_live_$i" --name "演练$i" --role operator >/dev/null 2>&1 || exit 1
  done
) &
writer=$!
sleep 1
JINENG_DATA_DIR="$data" "$bin" backup --to "$work/backup" | tee "$work/backup.out"
wait "$writer" || fail "the writer beside the backup failed"
grep -q "audit chain of [0-9]* records is intact" "$work/backup.out" || fail "backup did not check its copy"
[ "$(stat -c %a "$work/backup")" = 700 ] || fail "the backup directory is readable by others"

# One byte changed anywhere: the restore refuses before it writes anything.
cp -a "$work/backup" "$work/tampered"
# (-quit, not `| head`: under pipefail a find cut short by head fails the script.)
victim=$(find "$work/tampered/files" "$work/tampered/keys" -type f -print -quit 2>/dev/null || true)
[ -n "$victim" ] || victim="$work/tampered/jineng.db"
printf 'X' | dd of="$victim" bs=1 seek=3 conv=notrunc status=none
if "$bin" restore --from "$work/tampered" --data-dir "$work/tampered-target" >"$work/tampered.out" 2>&1; then
  fail "a tampered backup was restored"
fi
grep -q "differs from the manifest" "$work/tampered.out" || fail "tampering not named: $(cat "$work/tampered.out")"
[ ! -e "$work/tampered-target/jineng.db" ] || fail "a refused restore left a database"
say "a backup with one changed byte is refused, nothing written"

# Restoring over an existing installation is refused.
if "$bin" restore --from "$work/backup" --data-dir "$data" >/dev/null 2>&1; then
  fail "a restore overwrote a live data directory"
fi

"$bin" restore --from "$work/backup" --data-dir "$work/restored" | tee "$work/restore.out"
JINENG_DATA_DIR="$work/restored" "$bin" audit verify
JINENG_DATA_DIR="$work/restored" "$bin" ledger verify
src_files=$(find "$data/files" -type f ! -name '*#*' 2>/dev/null | wc -l)
got_files=$(find "$work/restored/files" -type f 2>/dev/null | wc -l)
[ "$got_files" -ge 1 ] || fail "no uploaded files came back"
say "uploaded files: $got_files restored ($src_files in the source now)"
port=$(free_port)
JINENG_DATA_DIR="$work/restored" "$bin" serve --bind "127.0.0.1:$port" >"$work/restored-serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { tail -n 20 "$work/restored-serve.log"; fail "the restored copy does not serve"; }
answer=$(sign_in "http://127.0.0.1:$port" "${login[@]}")
case $answer in
  303\ /login* | 303\ ) fail "sign-in to the restored copy refused: $answer" ;;
  303\ *) say "signed in to the restored copy as ${login[0]} ($answer)" ;;
  *) fail "sign-in to the restored copy answered $answer" ;;
esac

# ---------------------------------------------------------------- PostgreSQL
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
  fail "no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)"
fi
if [ "$(id -u)" = 0 ]; then
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi
say "PostgreSQL ($("$pgbin/postgres" --version))"
pgroot="$work/pg"
primary="$pgroot/primary"
wal="$pgroot/wal"
mkdir -p "$wal"
[ "$(id -u)" = 0 ] && chown -R postgres: "$pgroot"
as_pg "$pgbin/initdb" -D "$primary" --auth=trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
p1=$(free_port)
cat >>"$primary/postgresql.conf" <<EOF
port = $p1
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pgroot'
wal_level = replica
archive_mode = on
archive_command = '$repo/ops/postgres/archive-wal.sh %p %f $wal'
archive_timeout = 60
EOF
as_pg "$pgbin/pg_ctl" -D "$primary" -l "$pgroot/primary.log" -w start >/dev/null
url="postgres://postgres@127.0.0.1:$p1/postgres"
# Production keys from the environment, as on real nodes.
eval "$("$bin" keys generate | sed 's/^/export /')"
export "$("$bin" ledger keygen | grep '^JINENG_LEDGER_KEY=')"
export JINENG_DATABASE_URL="$url"
# Nodes keep no files of their own in this drill: a scratch data directory.
export JINENG_DATA_DIR="$work/node"
pg() { psql "$url" -tAqc "$1"; }
"$bin" migrate >/dev/null
JINENG_NEW_PASSWORD='Drill@2026x' "$bin" admin create-user --username drill_before --name 备份前 --role operator >/dev/null
"$bin" ledger checkpoint >/dev/null
"$bin" backup --to "$work/full-1" | tee "$work/pg-backup.out"
JINENG_NEW_PASSWORD='Drill@2026x' "$bin" admin create-user --username drill_after --name 备份后 --role operator >/dev/null
"$bin" ledger checkpoint >/dev/null
sleep 1.2
until_time=$(pg "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
sleep 1.2
JINENG_NEW_PASSWORD='Drill@2026x' "$bin" admin create-user --username drill_too_late --name 目标后 --role operator >/dev/null
last=$(pg "SELECT pg_walfile_name(pg_current_wal_lsn())")
pg "SELECT pg_switch_wal()" >/dev/null
for _ in $(seq 1 60); do
  done_wal=$(pg "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
  [[ "$done_wal" > "$last" || "$done_wal" == "$last" ]] && break
  sleep 0.5
done
[[ "$done_wal" > "$last" || "$done_wal" == "$last" ]] || fail "WAL $last was not archived (last: $done_wal)"
say "WAL archived through $done_wal; killing the primary"
as_pg "$pgbin/pg_ctl" -D "$primary" -m immediate stop >/dev/null

restored="$pgroot/restored"
"$bin" restore --from "$work/full-1" --pgdata "$restored" --wal-archive "$wal" --until "$until_time" | tee "$work/pg-restore.out"
[ "$(id -u)" = 0 ] && chown -R postgres: "$restored"
p2=$(free_port)
as_pg "$pgbin/pg_ctl" -D "$restored" -o "-p $p2" -l "$pgroot/restored.log" -w start >/dev/null
url2="postgres://postgres@127.0.0.1:$p2/postgres"
for _ in $(seq 1 60); do
  [ "$(psql "$url2" -tAqc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && break
  sleep 0.5
done
[ "$(psql "$url2" -tAqc 'SELECT pg_is_in_recovery()')" = f ] || fail "the restored cluster did not finish recovery"
export JINENG_DATABASE_URL="$url2"
"$bin" audit verify
"$bin" ledger verify
names=$(psql "$url2" -tAqc "SELECT string_agg(username, ',' ORDER BY username) FROM users WHERE username LIKE 'drill_%'")
[ "$names" = "drill_after,drill_before" ] || fail "restored accounts: $names (expected drill_after,drill_before)"
say "replayed to $until_time: the account made after the base backup is there, the one after the target time is not"
say "passed"

#!/bin/sh
# Retention of jineng's PostgreSQL backups (docs/operations.md, "Backups and restore"):
#   prune.sh BACKUPS WAL_ARCHIVE KEEP
# keeps the KEEP newest full backups under BACKUPS (directories made by
# `jineng backup --to BACKUPS/full-YYYYMMDD…`, newest last by name), deletes the older
# ones, and removes from WAL_ARCHIVE the segments older than the oldest kept backup's
# start, which nothing kept can replay any more. Run it daily after the backup.
set -eu
backups=$1
archive=$2
keep=$3
case $keep in '' | *[!0-9]* | 0) echo "prune: KEEP must be a number ≥ 1" >&2; exit 2 ;; esac
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
cleanup=${PG_ARCHIVECLEANUP:-${pgbin:+$pgbin/}pg_archivecleanup}
full=$(find "$backups" -mindepth 1 -maxdepth 1 -type d -name 'full-*' | sort)
count=$(printf '%s\n' "$full" | grep -c . || true)
if [ "$count" -le "$keep" ]; then
  echo "prune: $count full backup(s), keeping all"
else
  printf '%s\n' "$full" | head -n $((count - keep)) | while read -r old; do
    echo "prune: removing $old"
    rm -rf "$old"
  done
fi
oldest=$(find "$backups" -mindepth 1 -maxdepth 1 -type d -name 'full-*' | sort | head -n1)
[ -n "$oldest" ] || { echo "prune: no full backup left; WAL archive untouched"; exit 0; }
# backup_label: "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)"
first=$(sed -n 's/^START WAL LOCATION: .*(file \([0-9A-F]*\))$/\1/p' "$oldest/base/backup_label")
[ -n "$first" ] || { echo "prune: no start segment in $oldest/base/backup_label" >&2; exit 1; }
"$cleanup" "$archive" "$first"
echo "prune: WAL before $first removed (oldest kept backup: $oldest)"

#!/bin/sh
# PostgreSQL's archive_command for jineng (docs/operations.md, "Backups and restore"):
#   archive_command = '/opt/jineng/ops/postgres/archive-wal.sh %p %f /backups/jineng/wal'
# Copies one finished WAL segment into the archive: written beside its name, flushed to
# disk, then renamed in, so the archive never holds half a segment. A segment already
# archived with the same bytes is success (PostgreSQL may ask again after a crash); one
# with other bytes is a failure, so nothing archived is ever overwritten.
set -eu
src=$1
name=$2
dir=$3
if [ -f "$dir/$name" ]; then
  if cmp -s "$src" "$dir/$name"; then
    exit 0
  fi
  echo "archive-wal: $dir/$name exists with other contents" >&2
  exit 1
fi
tmp="$dir/.$name.partial"
cp "$src" "$tmp"
sync "$tmp"
mv "$tmp" "$dir/$name"

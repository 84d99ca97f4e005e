#!/bin/sh
# Render ops/nginx/jineng.conf.template:
#   render.sh LISTEN CERT KEY CACHE_DIR NODE [NODE…] > /etc/nginx/conf.d/jineng.conf
# CACHE_DIR must exist and be nginx's to write: assets are cached in CACHE_DIR/assets,
# HLS segments in CACHE_DIR/hls (up to 20 GB; see max_size in the template).
# e.g. render.sh 443 /etc/ssl/jineng.crt /etc/ssl/jineng.key /var/cache/nginx/jineng \
#        10.0.0.11:8080 10.0.0.12:8080 10.0.0.13:8080
set -eu
[ $# -ge 5 ] || { echo "usage: render.sh LISTEN CERT KEY CACHE_DIR NODE [NODE…]" >&2; exit 2; }
listen=$1 cert=$2 key=$3 cache=$4
shift 4
ups=""
for n in "$@"; do
  ups="$ups    server $n max_fails=2 fail_timeout=5s;\n"
done
dir=$(dirname "$0")
awk -v ups="$ups" -v listen="$listen" -v cert="$cert" -v key="$key" -v cache="$cache" '
  /@UPSTREAMS@/ { gsub(/\\n/, "\n", ups); printf "%s", ups; next }
  { gsub(/@LISTEN@/, listen); gsub(/@CERT@/, cert); gsub(/@KEY@/, key); gsub(/@CACHE_DIR@/, cache); print }
' "$dir/jineng.conf.template"

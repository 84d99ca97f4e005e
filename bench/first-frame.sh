#!/usr/bin/env bash
# Time to first frame of a lesson video in headless Chromium (see bench/first-frame.py):
# builds the release binary, starts `jineng serve --demo` on a fresh data directory (the
# demo makes its preview videos with ffmpeg), starts chromedriver, measures, cleans up.
# Needs ffmpeg, chromium and chromium-driver (Debian); installs them when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v ffmpeg >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg chromium chromium-driver >/dev/null
fi
cargo build --release --locked -p jineng
work=$(mktemp -d)
port=18191
JINENG_LOG=warn ./target/release/jineng serve --demo --data-dir "$work/data" --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
chromedriver --port=19591 >"$work/driver.log" 2>&1 &
driver=$!
trap 'kill $server $driver 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
python3 bench/first-frame.py "http://127.0.0.1:$port" "http://127.0.0.1:19591"

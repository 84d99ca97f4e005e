#!/usr/bin/env bash
# Fuzz the spreadsheet reader for a while (default 10 minutes per strategy, strategies
# two at a time): generated workbooks, mutated hostile XML, damaged archives, random
# bytes. Fails on any panic, any read beyond the time limit, or memory beyond the
# ceiling in crates/sheet/tests/fuzz.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS="${1:-600}" cargo test -p jineng-sheet --release --test fuzz -- --nocapture --test-threads 2

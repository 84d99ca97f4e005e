#!/usr/bin/env bash
# Install axe-core (the accessibility engine the browser check injects into each page)
# from the npm registry into tests/browser/vendor/, recording version, licence and
# SHA-256 in tests/browser/vendor/MANIFEST.tsv. It is a test tool: the binary never
# serves it. Rerun (and commit the result) only to change the version.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.14.1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --ignore-scripts "axe-core@$VERSION" >/dev/null)
out=tests/browser/vendor
mkdir -p "$out"
cp "$work/node_modules/axe-core/axe.min.js" "$out/axe.min.js"
license=$(node -e "console.log(require('$work/node_modules/axe-core/package.json').license)")
printf 'file\tpackage\tversion\tlicense\tsha256\n' > "$out/MANIFEST.tsv"
printf 'axe.min.js\taxe-core\t%s\t%s\t%s\n' "$VERSION" "$license" "$(sha256sum "$out/axe.min.js" | cut -d' ' -f1)" >> "$out/MANIFEST.tsv"
cat "$out/MANIFEST.tsv"

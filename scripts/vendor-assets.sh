#!/usr/bin/env bash
# Install the front-end packages the pages use from the npm registry, copy the files the
# binary serves into crates/web/assets/vendor/, and record name, version, licence and
# SHA-256 of every copied file in crates/web/assets/vendor/MANIFEST.tsv.
# The copied files are committed, so building and testing need no npm; rerun this script
# (and commit the result) only to change a version. No CDN is ever used.
set -euo pipefail
cd "$(dirname "$0")/.."

# name@version, pinned. htmx stays on 2.x deliberately (4.x is a new major with changed defaults).
PACKAGES=(
  "htmx.org@2.0.11"
  "@tabler/core@1.6.1"
  "swagger-ui-dist@5.35.0"
  "echarts@6.1.0"
  "hls.js@1.7.4"
)
# package-relative source path → file name under vendor/
FILES=(
  "htmx.org dist/htmx.min.js htmx.min.js"
  "@tabler/core dist/css/tabler.min.css tabler.min.css"
  "@tabler/core dist/js/tabler.min.js tabler.min.js"
  "swagger-ui-dist swagger-ui.css swagger-ui.css"
  "swagger-ui-dist swagger-ui-bundle.js swagger-ui-bundle.js"
  "echarts dist/echarts.min.js echarts.min.js"
  "hls.js dist/hls.min.js hls.min.js"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --ignore-scripts "${PACKAGES[@]}" >/dev/null)

out=crates/web/assets/vendor
mkdir -p "$out"
manifest="$out/MANIFEST.tsv"
printf 'file\tpackage\tversion\tlicense\tsha256\n' > "$manifest"
for entry in "${FILES[@]}"; do
  read -r pkg src dst <<<"$entry"
  dir="$work/node_modules/$pkg"
  cp "$dir/$src" "$out/$dst"
  version=$(node -p "require('$dir/package.json').version")
  license=$(node -p "require('$dir/package.json').license")
  sum=$(sha256sum "$out/$dst" | cut -d' ' -f1)
  printf '%s\t%s\t%s\t%s\t%s\n' "$dst" "$pkg" "$version" "$license" "$sum" >> "$manifest"
done
# Licence texts travel with the files.
for pkg in htmx.org @tabler/core swagger-ui-dist echarts hls.js; do
  lic=$(ls "$work/node_modules/$pkg" | grep -i -m1 '^licen[cs]e' || true)
  [ -n "$lic" ] && cp "$work/node_modules/$pkg/$lic" "$out/LICENSE.$(echo "$pkg" | tr '/@' '__')"
done
echo "vendored into $out:"
cat "$manifest"

#!/usr/bin/env bash
# Rebuild assets/vendor/codemirror.min.js from the npm registry: the versions pinned in package.json and
# package-lock.json here, installed in a temporary folder (nothing lands in the repository but the bundle).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../assets/vendor/codemirror.min.js"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/entry.mjs" "$tmp/"
(cd "$tmp" && npm ci --no-audit --no-fund --loglevel=error)
"$tmp/node_modules/.bin/esbuild" "$tmp/entry.mjs" --bundle --minify --format=iife \
  --global-name=ExplorerCodeMirror --target=es2020 --legal-comments=none --outfile="$out"
ls -l "$out"

#!/usr/bin/env bash
# The status page in a real browser: Debian's Chromium, headless, driven by puppeteer-core from npm.
# Installs what is missing (chromium, nodejs, npm through scripts/install-deps.sh; puppeteer-core into
# the build folder), each step bounded in time, then runs status_page.mjs against the quickstart.
# Fails, rather than skips, when any of it cannot run.
# Usage: test/browser/status_page.sh QUICKSTART BUILD_DIR
set -euo pipefail

quickstart=$(realpath "$1")
build=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
artifacts="$build/test-artifacts"
node_dir="$build/test/browser-node"
mkdir -p "$artifacts" "$node_dir"

fail() { echo "status_page: $*" >&2; exit 1; }

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [[ ${#missing[@]} -gt 0 ]]; then
    timeout 900 "$root/scripts/install-deps.sh" "${missing[@]}" || fail "could not install ${missing[*]}"
fi
browser=$(command -v chromium) || fail "no chromium after installing it"

# puppeteer-core drives the browser it is given; it downloads none.
if [[ ! -f $node_dir/node_modules/puppeteer-core/package.json ]]; then
    cp "$here/package.json" "$node_dir/package.json"
    (cd "$node_dir" && timeout 300 npm install --no-audit --no-fund --no-package-lock >"$node_dir/npm.log" 2>&1) ||
        fail "npm install puppeteer-core failed (see $node_dir/npm.log)"
fi

export NODE_PATH="$node_dir/node_modules"
exec timeout 300 node "$here/status_page.mjs" "$quickstart" "$browser" "$artifacts" "$node_dir"

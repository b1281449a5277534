#!/usr/bin/env bash
# Installs the npm side of the real-server matrix (express, vite, next) into a folder OUTSIDE the repository, so
# the apps the tests create there are not under this repository's .gitignore. Prints that folder.
#   test/RealServers/install.sh            install if the lock file changed, print the folder
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
deps="${FRESHSERVE_REAL_SERVERS:-${TMPDIR:-/tmp}/freshserve-real-servers}"
mkdir -p "$deps"
if ! cmp -s "$here/package-lock.json" "$deps/package-lock.json" || [ ! -d "$deps/node_modules" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$deps/"
  (cd "$deps" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
echo "$deps"

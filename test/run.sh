#!/usr/bin/env bash
# The one test command (README: `npm test`). Installs what is missing, builds, runs every test file.
set -euo pipefail
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1; }
missing=()
have redis-server || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && have apt-get; then
    echo "installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "roomcast's tests need: ${missing[*]}. Install them (apt-get install -y ${missing[*]}) and run again." >&2
    exit 1
  fi
fi

if [ ! -d node_modules ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund >/dev/null; fi
npm run --silent build

mapfile -t files < <(find dist/test -name '*.test.js' | sort)
# no --test-force-exit: on Node 20 it can end a file's process before all its results are reported (tests lost
# silently); every test closes what it opens, and --test-timeout bounds each test
node --test --test-timeout=120000 --test-reporter=spec "${files[@]}"

#!/bin/sh
# Set up and run the whole test suite on a fresh clone. Needs Python 3.11, pip
# and apt (for Chromium, which drives the browser tests, PostgreSQL, which the suite
# runs on a second time, and Node 20 or later with npm when the machine has none,
# which runs the Fedify peer). `sh tests/run.sh --sqlite-only` leaves PostgreSQL out.
set -eu
cd "$(dirname "$0")/.."
SQLITE_ONLY=""
SQLITE_MARKS=""
if [ "${1:-}" = "--sqlite-only" ]; then
    SQLITE_ONLY=1
    # Also without the tests that copy an SQLite node into a PostgreSQL server.
    SQLITE_MARKS="not needs_postgresql"
    shift
fi
if [ -z "$SQLITE_ONLY" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    # Debian's server; tests/conftest.py starts a throwaway cluster of its own with it.
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
# The independent servers of tests/integration/test_interop_peers.py (tests/peers/):
# Fedify on the machine's Node, from its lockfile; bovine-herd in a virtual environment
# of its own, because bovine pins cryptography and PyLD below the versions the node uses.
if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
(cd tests/peers/fedify && npm ci --no-audit --no-fund --silent)
python3 -m venv tests/peers/bovine/.venv
tests/peers/bovine/.venv/bin/pip install -q -r tests/peers/bovine/requirements.txt
# The npm client libraries (masto.js, megalodon) that tests/integration/test_client_libraries.py
# drives, and axe-core, which tests/browser/test_accessibility.py runs on the pages, from
# their committed lockfile.
npm ci --prefix tests/clients --no-audit --no-fund --silent
.venv/bin/python -m pytest -q --db=sqlite -m "$SQLITE_MARKS" "$@"
# Once more two years ahead on the node's clock (node/clock.py), so that no date in the
# demo or the tests can expire. The fuzz suite (tests/fuzz) reads no dates that could
# expire and has run its fixed budget in the first pass already.
SAMENSPRAAK_CLOCK_SHIFT_DAYS=730 .venv/bin/python -m pytest -q --db=sqlite -m "$SQLITE_MARKS" \
    --ignore=tests/fuzz "$@"
# And on PostgreSQL: tests/conftest.py starts a throwaway cluster with the server
# installed above and gives every node a database of its own (the fuzz suite has run).
if [ -z "$SQLITE_ONLY" ]; then
    .venv/bin/python -m pytest -q --db=postgresql --ignore=tests/fuzz "$@"
fi

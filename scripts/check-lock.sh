#!/usr/bin/env bash
# The lock file production installs from is current with setup.cfg, for `make test`.
#
# requirements/production.txt pins every package of the `production` extra, with hashes.
# setup.cfg keeps the ranges; the lock is what gets installed:
#
#   pip install --require-hashes --no-deps -r requirements/production.txt
#   pip install --no-deps .
#
# The check compiles the lock again into a copy of itself and compares. pip-compile keeps
# every pin that still satisfies setup.cfg, so a new release upstream does not fail the
# check; a range changed in setup.cfg that the lock no longer satisfies does. When the package
# index cannot be reached it says so plainly and passes, as scripts/pip-audit.sh does.
#
#   bash scripts/check-lock.sh            check (fails with one line saying how to fix it)
#   bash scripts/check-lock.sh --update   write the lock (after changing setup.cfg)
#   bash scripts/check-lock.sh --upgrade  write the lock with the newest allowed releases
#
#   PIP_COMPILE             the pip-compile to run (default .venv/bin/pip-compile)
#   PYTHON                  the Python whose pip asks the index first (default .venv/bin/python)
#   CHECK_LOCK_TIME_LIMIT   seconds for the whole compile (default 300)
set -uo pipefail

BIN="${BIN:-.venv/bin}"
PIP_COMPILE="${PIP_COMPILE:-$BIN/pip-compile}"
PYTHON="${PYTHON:-$BIN/python}"
LIMIT="${CHECK_LOCK_TIME_LIMIT:-300}"
LOCK="requirements/production.txt"
UNREACHABLE="check-lock: the package index could not be reached; the lock was not checked"
NETWORK_ERRORS='ConnectionError|ConnectTimeout|ReadTimeout|ProxyError|SSLError|Max retries exceeded|Failed to establish a new connection|Name or service not known|Temporary failure in name resolution|Network is unreachable|No route to host|Connection refused|timed out'

# One set of options, here only, so that a check compiles exactly as the lock was written.
# The header names this script, not a temporary path.
export CUSTOM_COMPILE_COMMAND="bash scripts/check-lock.sh --update"
compile() {
    timeout "$LIMIT" "$PIP_COMPILE" --quiet --no-config --generate-hashes --extra production \
        --strip-extras --no-emit-index-url --no-emit-find-links --resolver backtracking \
        "$@" setup.cfg
}

case "${1:-}" in
    --update) compile --output-file "$LOCK"; exit $? ;;
    --upgrade) compile --upgrade --output-file "$LOCK"; exit $? ;;
    "") ;;
    *) echo "usage: $0 [--update|--upgrade]" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ ! -f "$LOCK" ]; then
    echo "check-lock: $LOCK is missing; write it with: bash scripts/check-lock.sh --update" >&2
    exit 1
fi
cp "$LOCK" "$work/production.txt"

# Is the index there at all? Offline, pip-compile fails in ways that do not say so (it
# builds the project's metadata in a fresh environment first), so ask pip plainly: every
# index has pip itself, and not finding it means the index did not answer.
if ! timeout 60 "$PYTHON" -m pip index versions pip >/dev/null 2>"$work/errors"; then
    echo "$UNREACHABLE ($(grep -v '^\s*$' "$work/errors" | tail -n 1))"
    exit 0
fi

compile --output-file "$work/production.txt" 2>"$work/errors"
status=$?
if [ "$status" -eq 124 ]; then
    echo "$UNREACHABLE (no answer within ${LIMIT} seconds)"
    exit 0
fi
if [ "$status" -ne 0 ]; then
    if grep -qE "$NETWORK_ERRORS" "$work/errors"; then
        echo "$UNREACHABLE"
        exit 0
    fi
    echo "check-lock: pip-compile failed (exit status $status):" >&2
    cat "$work/errors" >&2
    exit 1
fi

if ! diff -u "$LOCK" "$work/production.txt" >"$work/diff"; then
    cat "$work/diff"
    echo "check-lock: $LOCK does not match setup.cfg; regenerate it with: bash scripts/check-lock.sh --update" >&2
    exit 1
fi
echo "check-lock: $LOCK is current with setup.cfg"

#!/usr/bin/env bash
# Known vulnerabilities in the Python packages, for `make test` (security.md).
#
# Audits, with pip-audit, first the lock file production installs from
# (requirements/production.txt: every pin, checked against its hashes, without pip), then the
# virtualenv's packages (the test and development tools too); the project itself (installed
# editable) is skipped. A known vulnerability in either fails. When the vulnerability data cannot be reached (no
# network, a proxy that refuses, PyPI's JSON API not answering for any package, or no answer
# within the time limit) it says so plainly and passes, so that an offline build can still
# be tested and the gap is visible in its output.
#
#   PIP_AUDIT              the pip-audit to run (default .venv/bin/pip-audit)
#   PIP_AUDIT_TIME_LIMIT   seconds for the whole audit (default 300)
set -uo pipefail

BIN="${BIN:-.venv/bin}"
PIP_AUDIT="${PIP_AUDIT:-$BIN/pip-audit}"
PYTHON="${PYTHON:-$BIN/python}"
LIMIT="${PIP_AUDIT_TIME_LIMIT:-300}"
LOCK="${LOCK:-requirements/production.txt}"
UNREACHABLE="pip-audit: the vulnerability database could not be reached; skipped"
NETWORK_ERRORS='ConnectionError|ConnectTimeout|ReadTimeout|ProxyError|SSLError|Max retries exceeded|Failed to establish a new connection|Name or service not known|Temporary failure in name resolution|Network is unreachable|No route to host|Connection refused|timed out'

report="$(mktemp)"
errors="$(mktemp)"
trap 'rm -f "$report" "$errors"' EXIT

# audit WHAT PIP-AUDIT-ARGUMENTS...: one audit, summed up in one line; 1 when it finds any.
audit() {
    local what="$1"
    shift
    : >"$report"
    timeout "$LIMIT" "$PIP_AUDIT" "$@" --format json --desc off --aliases off \
        --progress-spinner off --timeout 20 --output "$report" 2>"$errors"
    local status=$?

    if [ "$status" -eq 124 ]; then
        echo "$UNREACHABLE ($what: no answer within ${LIMIT} seconds)"
        return 0
    fi
    if [ ! -s "$report" ]; then
        if grep -qE "$NETWORK_ERRORS" "$errors"; then
            echo "$UNREACHABLE ($what)"
            return 0
        fi
        echo "pip-audit failed on $what (exit status $status):" >&2
        cat "$errors" >&2
        return 1
    fi

    "$PYTHON" - "$report" "$UNREACHABLE ($what)" "$what" <<'PY'
import json
import sys

path, unreachable, what = sys.argv[1], sys.argv[2], sys.argv[3]
with open(path, encoding="utf-8") as handle:
    dependencies = json.load(handle).get("dependencies", [])
audited = [d for d in dependencies if "skip_reason" not in d]
skipped = [d for d in dependencies if "skip_reason" in d]
found = [d for d in audited if d.get("vulns")]
if found:
    for dependency in found:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            print(f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})")
    count = sum(len(d["vulns"]) for d in found)
    print(f"pip-audit: {count} known vulnerabilities in {len(found)} packages ({what})")
    sys.exit(1)
if not audited:
    print(unreachable)
    sys.exit(0)
note = f"; {len(skipped)} could not be looked up" if skipped else ""
print(f"pip-audit: no known vulnerabilities in {len(audited)} packages ({what}){note}")
PY
}

failed=0
audit "$LOCK" --requirement "$LOCK" --require-hashes --disable-pip || failed=1
audit "installed" --local --skip-editable || failed=1
exit "$failed"

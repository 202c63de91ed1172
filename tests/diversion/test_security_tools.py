"""scripts/pip-audit.sh: findings fail; unreachable vulnerability data is said plainly and passes.

The script audits twice, the lock file production installs from and then the installed
packages, and says one line for each.

pip-audit itself is replaced by a stand-in that answers as pip-audit does (its JSON report,
its exit status, its error text), so these tests never ask PyPI anything; one test runs the
real pip-audit through a proxy that refuses every connection.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "pip-audit.sh"
UNREACHABLE = "pip-audit: the vulnerability database could not be reached; skipped"
LOCK = "requirements/production.txt"
AUDITS = (LOCK, "installed")


def each(line: str) -> str:
    """The output when both audits say the same, each naming what it audited."""
    return "\n".join(line.format(what=what) for what in AUDITS)


STAND_IN = """#!/usr/bin/env bash
if [ -n "${STAND_IN_CALLS:-}" ]; then echo "$*" >> "$STAND_IN_CALLS"; fi
out=""
while [ $# -gt 0 ]; do
    if [ "$1" = "--output" ]; then out="$2"; shift; fi
    shift
done
if [ -n "${STAND_IN_SLEEP:-}" ]; then sleep "$STAND_IN_SLEEP"; fi
if [ -n "${STAND_IN_REPORT:-}" ]; then printf '%s' "$STAND_IN_REPORT" > "$out"; fi
if [ -n "${STAND_IN_STDERR:-}" ]; then echo "$STAND_IN_STDERR" >&2; fi
exit "${STAND_IN_STATUS:-0}"
"""


def run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    stand_in = tmp_path / "pip-audit"
    stand_in.write_text(STAND_IN)
    stand_in.chmod(0o755)
    environment = {
        **os.environ,
        "PIP_AUDIT": str(stand_in),
        "PYTHON": sys.executable,
        **env,
    }
    return subprocess.run(
        ["bash", str(SCRIPT)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def report(*dependencies: dict[str, object]) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


CLEAN = {"name": "flask", "version": "3.1.0", "vulns": []}
NOT_FOUND = {
    "name": "jinja2",
    "skip_reason": "Dependency not found on PyPI and could not be audited: jinja2 (3.1.6)",
}


def test_no_known_vulnerabilities_passes(tmp_path: Path) -> None:
    done = run(tmp_path, STAND_IN_REPORT=report(CLEAN, NOT_FOUND))

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == each(
        "pip-audit: no known vulnerabilities in 1 packages ({what}); 1 could not be looked up"
    )


def test_the_lock_file_is_audited_by_its_hashes_and_the_environment_too(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    done = run(tmp_path, STAND_IN_REPORT=report(CLEAN), STAND_IN_CALLS=str(calls))

    assert done.returncode == 0, done.stderr
    lock_audit, installed_audit = calls.read_text().splitlines()
    assert lock_audit.startswith(f"--requirement {LOCK} --require-hashes --disable-pip ")
    assert installed_audit.startswith("--local --skip-editable ")
    assert (ROOT / LOCK).is_file()


def test_a_known_vulnerability_fails_naming_it(tmp_path: Path) -> None:
    vulnerable = {
        "name": "werkzeug",
        "version": "2.0.0",
        "vulns": [{"id": "PYSEC-2023-58", "fix_versions": ["2.2.3"]}],
    }
    done = run(tmp_path, STAND_IN_REPORT=report(CLEAN, vulnerable), STAND_IN_STATUS="1")

    assert done.returncode == 1
    assert "werkzeug 2.0.0: PYSEC-2023-58 (fixed in 2.2.3)" in done.stdout
    for what in AUDITS:
        assert f"1 known vulnerabilities in 1 packages ({what})" in done.stdout


def test_when_no_package_could_be_looked_up_the_database_was_not_reached(tmp_path: Path) -> None:
    done = run(tmp_path, STAND_IN_REPORT=report(NOT_FOUND, NOT_FOUND))

    assert done.returncode == 0
    assert done.stdout.strip() == each(UNREACHABLE + " ({what})")


@pytest.mark.parametrize(
    "error",
    [
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', port=443): "
        "Max retries exceeded",
        "Failed to establish a new connection: [Errno -3] Temporary failure in name resolution",
        "requests.exceptions.ProxyError: Unable to connect to proxy",
    ],
)
def test_a_network_failure_is_said_plainly_and_passes(tmp_path: Path, error: str) -> None:
    done = run(tmp_path, STAND_IN_STDERR=error, STAND_IN_STATUS="1")

    assert done.returncode == 0
    assert done.stdout.strip() == each(UNREACHABLE + " ({what})")


def test_no_answer_within_the_time_limit_is_said_plainly(tmp_path: Path) -> None:
    done = run(tmp_path, STAND_IN_SLEEP="5", PIP_AUDIT_TIME_LIMIT="1")

    assert done.returncode == 0
    assert done.stdout.strip() == each(UNREACHABLE + " ({what}: no answer within 1 seconds)")


def test_any_other_failure_fails_with_pip_audits_words(tmp_path: Path) -> None:
    done = run(
        tmp_path, STAND_IN_STDERR="error: unrecognized arguments: --bogus", STAND_IN_STATUS="2"
    )

    assert done.returncode == 1
    assert "unrecognized arguments" in done.stderr


def test_the_real_pip_audit_behind_a_refusing_proxy_says_it_could_not_reach_the_data(
    tmp_path: Path,
) -> None:
    # pip-audit is a test dependency (setup.cfg), so `make test` always has it.
    pip_audit = Path(sys.executable).parent / "pip-audit"
    assert pip_audit.exists(), "pip-audit is missing: run `make install`"
    refusing = "http://127.0.0.1:9"  # the discard port: nothing listens, nothing is asked
    done = run(
        tmp_path,
        PIP_AUDIT=str(pip_audit),
        HTTPS_PROXY=refusing,
        HTTP_PROXY=refusing,
        https_proxy=refusing,
        http_proxy=refusing,
        NO_PROXY="",
        no_proxy="",
        PIP_AUDIT_TIME_LIMIT="120",
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(UNREACHABLE)

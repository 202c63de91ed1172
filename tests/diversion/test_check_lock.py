"""scripts/check-lock.sh: a lock that no longer matches setup.cfg fails with one line saying how
to regenerate it; an index that cannot be reached is said plainly and passes.

pip-compile and pip are replaced by stand-ins, so these tests never ask the index anything.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check-lock.sh"
LOCK = ROOT / "requirements" / "production.txt"

# Writes its --output-file: unchanged, or with one line added when STAND_IN_CHANGE is set.
PIP_COMPILE = """#!/usr/bin/env bash
out=""
while [ $# -gt 0 ]; do
    if [ "$1" = "--output-file" ]; then out="$2"; shift; fi
    shift
done
if [ -n "${STAND_IN_CHANGE:-}" ]; then echo "$STAND_IN_CHANGE" >> "$out"; fi
exit 0
"""
# `python -m pip index versions pip`: answers, or not (STAND_IN_OFFLINE).
PYTHON = """#!/usr/bin/env bash
if [ -n "${STAND_IN_OFFLINE:-}" ]; then
    echo "ERROR: No matching distribution found for pip" >&2
    exit 1
fi
echo "pip (26.0)"
"""


def run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    for name, text in (("pip-compile", PIP_COMPILE), ("python", PYTHON)):
        stand_in = tmp_path / name
        stand_in.write_text(text)
        stand_in.chmod(0o755)
    return subprocess.run(
        ["bash", str(SCRIPT)],
        cwd=ROOT,
        env={**os.environ, "BIN": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_current_lock_passes(tmp_path: Path) -> None:
    before = LOCK.read_bytes()
    done = run(tmp_path)

    assert done.returncode == 0, done.stderr
    assert "is current with setup.cfg" in done.stdout
    assert LOCK.read_bytes() == before  # the check compiles into a copy


def test_a_stale_lock_fails_saying_how_to_regenerate_it(tmp_path: Path) -> None:
    done = run(tmp_path, STAND_IN_CHANGE="newpackage==1.0")

    assert done.returncode == 1
    assert "+newpackage==1.0" in done.stdout
    assert done.stderr.strip().splitlines() == [
        "check-lock: requirements/production.txt does not match setup.cfg; "
        "regenerate it with: bash scripts/check-lock.sh --update"
    ]


def test_an_unreachable_index_is_said_plainly_and_passes(tmp_path: Path) -> None:
    done = run(tmp_path, STAND_IN_OFFLINE="1")

    assert done.returncode == 0
    assert done.stdout.startswith(
        "check-lock: the package index could not be reached; the lock was not checked"
    )

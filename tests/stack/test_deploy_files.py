"""The runbook's files are the ones the stack runs: nginx accepts the site, and the systemd
units start the same commands as scripts/stack.sh."""

from __future__ import annotations

import configparser
import os
import secrets
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from diversion.config import ENV_KEYS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _certificate(folder: Path) -> tuple[Path, Path]:
    key, cert = folder / "site.key", folder / "site.crt"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=diversion.example.org", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return key, cert


def test_nginx_accepts_the_production_site(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    key, cert = _certificate(tmp_path)
    site = (DEPLOY / "nginx-site.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/diversion.example.org/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/diversion.example.org/privkey.pem", str(key))
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  include {tmp_path}/site.conf;\n}}\n"
    )

    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert checked.returncode == 0, checked.stderr
    # The stack serves the same location blocks the partnership installs.
    stack = (DEPLOY / "nginx-stack.conf").read_text()
    for line in ("proxy_set_header X-Forwarded-Proto $scheme;", "types { text/javascript mjs; }"):
        assert line in site and line in stack


def _exec(unit: str, key: str = "ExecStart") -> list[str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(DEPLOY / "systemd" / unit)
    return shlex.split(parser["Service"][key])


def test_the_systemd_units_run_what_the_stack_runs() -> None:
    stack = (ROOT / "scripts" / "stack.sh").read_text()
    web = _exec("diversion-web.service")
    assert Path(web[0]).name == "gunicorn"
    assert web[web.index("--config") + 1] == "deploy/gunicorn.conf.py"
    assert web[-1] == "wsgi:app"
    assert '--config "$ROOT/deploy/gunicorn.conf.py"' in stack and "wsgi:app" in stack

    assert _exec("diversion-web.service", "ExecStartPre")[1:] == ["--app", "wsgi", "db", "upgrade"]
    assert "--app wsgi db upgrade" in stack

    assert _exec("diversion-scheduler.service")[1:] == ["--app", "wsgi", "scheduler"]
    assert "--app wsgi scheduler" in stack


def test_gunicorn_with_two_workers_refuses_per_process_throttling_counts(tmp_path: Path) -> None:
    """deploy/gunicorn.conf.py hands the worker count to the app, which refuses memory://."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ENV_KEYS and not key.startswith("RATELIMIT")
    }
    env.update(
        DIVERSION_ENV="production",
        DATABASE_URL=f"sqlite:///{tmp_path / 'gunicorn.sqlite'}",
        SECRET_KEY=secrets.token_urlsafe(48),
        ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        LOOKUP_HASH_KEY=secrets.token_urlsafe(48),
    )
    started = subprocess.run(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            *("--config", "deploy/gunicorn.conf.py", "--workers", "2"),
            *("--bind", "127.0.0.1:0", "wsgi:app"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # The arbiter stops with "App failed to load" (status 4); when the second worker dies
    # while the arbiter is already halting for the first, gunicorn's own HaltServer escapes
    # the halt and Python exits 1 with the same message.
    assert started.returncode in (1, 4)
    assert "App failed to load" in started.stderr
    assert "Refusing to start: RATELIMIT_STORAGE_URI is memory:// with 2 web workers" in (
        started.stderr
    )

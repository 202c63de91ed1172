"""Load on the production stack: signed-in caseworkers over HTTPS, driven by Locust.

Run from the repository root: ``.venv/bin/python bench/load.py`` (``make bench`` installs
Locust, the ``bench`` extra). Progress goes to stderr; the last line on stdout is one JSON
object (docs/performance.md):

- the stack is scripts/stack.sh's production shape (nginx TLS -> gunicorn, 4 sync workers,
  PostgreSQL, Redis; no scheduler, so that only the pages load the machine), on ports of its
  own and a database of its own, ``bench_load_100k``, filled by ``flask --app wsgi
  generate-data --clients 100000 --appointments 500000 --seed 1`` (about ten minutes on the
  2-core machine) and kept between runs with the stack's keys in ``instance/bench/load-stack``
  (``--rebuild`` builds it again);
- 20 Locust users (headless, as a library), each a caseworker of the generated data with a
  signed-in session made on the server (devtools/load_mix.py), waiting 1 to 3 s between
  requests, for 2 minutes after they have all started, over her seven pages (home, client
  search, case, booking proposals, diary, the sitting-day list and its CSV) and, as often as
  each, ``/healthz`` behind the same proxy: the floor, measured in the same run;
- ``p50_ms``, ``p95_ms``, ``errors``, ``requests_per_s`` over the seven pages;
  ``floor_p50_ms`` and ``ratio`` (p50 / floor p50); ``pages`` (p50 and p95 of each page);
- ``growth``: p50 at 100,000 clients over p50 at 1,000 (``bench_load_1k``, the same users
  and pages for ``--growth-duration`` seconds);
- ``peak_rss_mb``: the largest resident size of any gunicorn worker, read from /proc every
  second of the 100,000-client runs;
- ``users_at_p95_200ms``: users stepped up (``--steps``, ``--step-duration`` seconds each,
  after the users have started) on the 100,000-client data until p95 passes 200 ms or a
  request fails; the most users that kept p95 at or under 200 ms with no error.

Locust runs in this process, on the same 2 cores as the stack (the figures include its share).
A run that PostgreSQL restarted under (another benchmark may) is made again once.
"""

from __future__ import annotations

# Locust patches the standard library for gevent when imported: first, before the rest.
import locust  # noqa: F401  isort: skip
import gevent  # isort: skip

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time as clock
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from locust import HttpUser, between, task
from locust.env import Environment
from requests.cookies import create_cookie

from devtools.load_mix import PAGES, WorkerPages, make_session, prepare
from diversion import clock as app_clock
from diversion.app import create_app

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "scripts" / "stack.sh"
STACK_DIR = ROOT / "instance" / "bench" / "load-stack"
SIZES = {"100k": (100_000, 500_000), "1k": (1_000, 5_000)}
SEED = 1
WORKERS = 4
TARGET = {"p95_ms": "<= 200", "errors": 0, "ratio": "<= 3", "growth": "<= 1.5"}
TARGET["users_at_p95_200ms"] = ">= 100"
P95_LIMIT_MS = 200.0
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)  # progress: stdout keeps the JSON alone


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the stack and its data ------------------------------------------------------------------


@dataclass
class BenchStack:
    """scripts/stack.sh with this benchmark's folder, ports, database and 4 workers."""

    label: str
    ports: dict[str, int] = field(
        default_factory=lambda: {k: free_port() for k in ("https", "app", "redis", "smtp")}
    )

    @property
    def database(self) -> str:
        return f"bench_load_{self.label}"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.ports['https']}"

    @property
    def ca(self) -> Path:
        return STACK_DIR / "tls" / "ca.crt"

    def script(self, action: str) -> None:
        for _ in range(120):  # PostgreSQL may be restarting (another benchmark restarts it)
            if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode == 0:
                break
            clock.sleep(1)
        env = {
            **os.environ,
            "STACK_DIR": str(STACK_DIR),
            "STACK_HTTPS_PORT": str(self.ports["https"]),
            "STACK_APP_PORT": str(self.ports["app"]),
            "STACK_REDIS_PORT": str(self.ports["redis"]),
            "STACK_SMTP_PORT": str(self.ports["smtp"]),
            "STACK_DB": self.database,
            "STACK_WORKERS": str(WORKERS),
            "STACK_SCHEDULERS": "0",
            "VENV_BIN": str(Path(sys.executable).parent),
        }
        down = action == "down"  # a stumble stopping the stack must not lose the figures
        command = ["bash", str(STACK), action]
        subprocess.run(command, cwd=ROOT, env=env, stdout=sys.stderr, check=not down)

    def settings(self) -> dict[str, str]:
        lines = (STACK_DIR / "env").read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def owner_env(self) -> dict[str, str]:
        """The app's settings as the database's owner, in development (where generate-data
        may write; the stack itself runs in production)."""
        env = self.settings()
        keys = ("SECRET_KEY", "ENCRYPTION_KEYS", "LOOKUP_HASH_KEY")
        return {
            **{key: env[key] for key in keys},
            "DATABASE_URL": env["DATABASE_OWNER_URL"],
            "DIVERSION_ENV": "development",
        }

    def gunicorn_workers(self) -> list[int]:
        master = (STACK_DIR / "run" / "gunicorn.pid").read_text().strip()
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return [int(pid) for pid in children]


def postmaster_started() -> str:
    """When PostgreSQL last started: a change means it restarted under the run."""
    admin = ["psql", "-X", "-At", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres"]
    command = [*admin, "-c", "SELECT pg_postmaster_start_time()"]
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    return out.stdout.strip()


def client_count(app: Any) -> int:
    from sqlalchemy import func, select

    from diversion.db import db
    from diversion.models import Client

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Client)) or 0


def ensure_data(stack: BenchStack, *, rebuild: bool) -> int | None:
    """Stack up on its database, built with generate-data unless already filled; returns
    the build's seconds (None when the cached database was reused)."""
    clients, appointments = SIZES[stack.label]
    stack.script("down")  # whatever a run cut short left running in the folder
    if rebuild:
        stack.script("drop")
    stack.script("up")
    app = create_app(stack.owner_env())
    found = client_count(app)
    app.extensions["diversion.db"][0].dispose()
    if found == clients:
        log(f"{stack.database}: {found:,} clients, reused")
        return None
    if found:
        log(f"{stack.database}: {found:,} clients, not {clients:,}: building it again")
        stack.script("drop")
        stack.script("up")
    started = clock.perf_counter()
    env = {**os.environ, **stack.owner_env()}
    generate = ["generate-data", "--clients", str(clients), "--appointments", str(appointments)]
    for attempt in range(1, 6):  # PostgreSQL may be restarted under it by another benchmark
        log(f"{stack.database}: generating {clients:,} clients, {appointments:,} appointments")
        built = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *generate, "--seed", str(SEED)],
            cwd=ROOT,
            env=env,
            stdout=sys.stderr,
            check=attempt == 5,
        )
        if built.returncode == 0:
            break
        log(f"generate-data failed (attempt {attempt}): dropping the database, again")
        stack.script("drop")
        stack.script("up")
    admin = ["psql", "-X", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", stack.database]
    subprocess.run([*admin, "-c", "VACUUM ANALYZE"], check=True)
    return round(clock.perf_counter() - started)


@dataclass
class Seats:
    """Each Locust user's caseworker and session cookie, handed out as users start."""

    pages: list[WorkerPages]
    cookies: list[str]
    taken: int = 0

    def take(self) -> tuple[WorkerPages, str]:
        n = self.taken
        self.taken += 1
        return self.pages[n % len(self.pages)], self.cookies[n % len(self.cookies)]


def seats_for(stack: BenchStack, users: int) -> Seats:
    """Pages for up to 20 caseworkers (booking cases planted), a session for each user."""
    app = create_app(stack.owner_env())
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    with app.app_context():
        pages = prepare(20, today=app_clock.today())
        tokens = [make_session(pages[n % len(pages)].worker_id) for n in range(users)]
    app.extensions["diversion.db"][0].dispose()
    cookies = [str(serializer.dumps({"sid": token, "_permanent": True})) for token in tokens]
    return Seats(pages=pages, cookies=cookies)


# -- the users and what they measure ---------------------------------------------------------


class Samples:
    """Response times (ms) per page name, and failures, from Locust's request event."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.started = clock.perf_counter()

    def reset(self) -> None:
        self.times.clear()
        self.errors.clear()
        self.started = clock.perf_counter()

    def on_request(self, name: str, response_time: float, exception: Any, **_: Any) -> None:
        if exception is not None:
            self.errors[name] += 1
        else:
            self.times[name].append(response_time)

    def summary(self) -> dict[str, Any]:
        pages = [t for name, times in self.times.items() if name in PAGES for t in times]
        floor = self.times.get("floor", [])
        seconds = clock.perf_counter() - self.started
        errors = sum(n for name, n in self.errors.items() if name in PAGES)
        p50, p95 = percentile(pages, 50), percentile(pages, 95)
        floor_p50 = percentile(floor, 50)
        return {
            "p50_ms": p50,
            "p95_ms": p95,
            "errors": errors,
            "floor_errors": self.errors.get("floor", 0),
            "requests_per_s": round((len(pages) + errors) / seconds, 1),
            "floor_p50_ms": floor_p50,
            "ratio": round(p50 / floor_p50, 2) if floor_p50 else None,
            "requests": len(pages),
            "pages": {
                name: {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}
                for name, times in sorted(self.times.items())
            },
        }


def percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return round(values[0], 1) if values else 0.0
    return round(statistics.quantiles(values, n=100, method="inclusive")[pct - 1], 1)


def signed_in(response: Any) -> None:
    """A page that ended on the sign-in form (a session refused) is a failure too."""
    if response.ok and "/sign-in" in response.url:
        response.failure("sent to the sign-in page")


def user_class(stack: BenchStack, seats: Seats) -> type[HttpUser]:
    class Caseworker(HttpUser):
        host = stack.url
        wait_time = between(1, 3)

        def on_start(self) -> None:
            self.pages, cookie = seats.take()
            self.client.verify = str(stack.ca)
            self.client.cookies.set_cookie(
                create_cookie("session", cookie, domain="127.0.0.1", path="/")
            )
            form = self.client.get("/clients", name="search form")
            found = CSRF.search(form.text)
            self.csrf = found.group(1) if found else ""

        def page(self, name: str) -> None:
            with self.client.get(self.pages.urls()[name], name=name, catch_response=True) as r:
                signed_in(r)

        @task
        def home(self) -> None:
            self.page("home")

        @task
        def search(self) -> None:
            # The search form's POST, answered with a redirect to the results (one request
            # in the figures, from the POST to the results page).
            with self.client.post(
                "/clients",
                data={"csrf_token": self.csrf, "q": self.pages.search_name},
                headers={"Referer": f"{stack.url}/clients"},
                name="search",
                catch_response=True,
            ) as response:
                signed_in(response)

        @task
        def case(self) -> None:
            self.page("case")

        @task
        def booking(self) -> None:
            self.page("booking")

        @task
        def diary(self) -> None:
            self.page("diary")

        @task
        def list(self) -> None:
            self.page("list")

        @task
        def list_csv(self) -> None:
            self.page("list_csv")

        @task
        def floor(self) -> None:
            self.client.get("/healthz", name="floor")

    return Caseworker


class Rss:
    """The peak resident size of each gunicorn worker, read from /proc once a second."""

    def __init__(self, stack: BenchStack) -> None:
        self.stack = stack
        self.peak_kb: dict[int, int] = {}
        self.running = True
        self.greenlet = gevent.spawn(self.sample)

    def sample(self) -> None:
        while self.running:
            for pid in self.stack.gunicorn_workers():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
                self.peak_kb[pid] = max(kb, self.peak_kb.get(pid, 0))
            gevent.sleep(1)

    def stop(self) -> float:
        self.running = False
        self.greenlet.join()
        return round(max(self.peak_kb.values(), default=0) / 1024, 1)


def run_load(
    env: Environment, samples: Samples, users: int, seconds: float, *, spawn_rate: float = 10
) -> dict[str, Any]:
    """`users` running (started at spawn_rate a second), then measured for `seconds`."""
    assert env.runner is not None
    env.runner.start(users, spawn_rate=spawn_rate)
    while env.runner.user_count < users:
        gevent.sleep(0.5)
    gevent.sleep(5)  # every user past her first requests
    samples.reset()
    gevent.sleep(seconds)
    return samples.summary()


def phase(
    stack: BenchStack, *, users: int, seconds: float, steps: list[int], step_seconds: float
) -> dict[str, Any]:
    """One data size: the load, then (when asked) the steps; RSS sampled throughout."""
    seats = seats_for(stack, max([users, *steps]))
    samples = Samples()
    env = Environment(user_classes=[user_class(stack, seats)])
    env.events.request.add_listener(samples.on_request)
    env.create_local_runner()
    rss = Rss(stack)
    try:
        log(f"{stack.label}: {users} users for {seconds:.0f} s")
        result = run_load(env, samples, users, seconds)
        log(f"  {json.dumps({k: v for k, v in result.items() if k != 'pages'})}")
        stepped: dict[int, dict[str, Any]] = {}
        best = 0
        for count in steps:
            step = run_load(env, samples, count, step_seconds, spawn_rate=20)
            stepped[count] = {k: step[k] for k in ("p50_ms", "p95_ms", "errors", "requests_per_s")}
            log(f"  step {count} users: {json.dumps(stepped[count])}")
            if step["p95_ms"] > P95_LIMIT_MS or step["errors"]:
                break
            best = count
    finally:
        assert env.runner is not None
        env.runner.quit()
        env.events.request.remove_listener(samples.on_request)
        peak = rss.stop()
    result["peak_rss_mb"] = peak
    if steps:
        result["users_at_p95_200ms"] = best
        result["steps"] = stepped
    return result


def measured(label: str, args: argparse.Namespace, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    """A phase on its stack (data built if needed), made again once if PostgreSQL restarted."""
    stack = BenchStack(label)
    build_s = None
    try:
        build_s = ensure_data(stack, rebuild=args.rebuild)
        for attempt in (1, 2):
            before = postmaster_started()
            result = phase(stack, users=args.users, **kwargs)
            if postmaster_started() == before:
                break
            log(f"PostgreSQL restarted during the run (attempt {attempt}): running it again")
    finally:
        stack.script("down")
    return result, build_s


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="build both databases again")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=120, help="seconds at 100k clients")
    parser.add_argument("--growth-duration", type=float, default=120, help="seconds at 1k")
    parser.add_argument("--steps", default="20,50,100,150,200,250,300", help="users per step")
    parser.add_argument("--step-duration", type=float, default=30)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    steps = [int(n) for n in args.steps.split(",") if n.strip()]
    load_before = os.getloadavg()
    big, big_build = measured(
        "100k", args, seconds=args.duration, steps=steps, step_seconds=args.step_duration
    )
    small, small_build = measured(
        "1k", args, seconds=args.growth_duration, steps=[], step_seconds=0
    )
    growth = round(big["p50_ms"] / small["p50_ms"], 2) if small["p50_ms"] else None
    print(
        json.dumps(
            {
                **{k: big[k] for k in ("p50_ms", "p95_ms", "errors", "requests_per_s")},
                "floor_p50_ms": big["floor_p50_ms"],
                "ratio": big["ratio"],
                "growth": growth,
                "peak_rss_mb": big["peak_rss_mb"],
                "users_at_p95_200ms": big.get("users_at_p95_200ms"),
                "users": args.users,
                "duration_s": args.duration,
                "pages": big["pages"],
                "steps": big.get("steps"),
                "small": {k: small[k] for k in ("p50_ms", "p95_ms", "errors", "floor_p50_ms")},
                "small_pages": small["pages"],
                "floor_errors": big["floor_errors"],
                "gunicorn_workers": WORKERS,
                "clients": SIZES["100k"][0],
                "appointments": SIZES["100k"][1],
                "build_s": {"100k": big_build, "1k": small_build},
                "loadavg_before": [round(x, 2) for x in load_before],
                "loadavg_after": [round(x, 2) for x in os.getloadavg()],
                "target": TARGET,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared by the benchmarks: a database with the real reference data, and reporting."""

from __future__ import annotations

import os
import platform
import shutil
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA_DIR = Path(os.environ.get("DATA_DIR", ROOT.parent / "shared" / "data"))
BENCH_DIR = ROOT / "instance" / "bench"
SECRET = "bench-secret-key-0123456789-0123456789-0123456789"


def bench_config(database_url: str, **overrides) -> dict:
    config = {
        "APP_ENV": "test",
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SITE_URL": "http://127.0.0.1",
        "MAIL_DEFAULT_SENDER": "Write to your MP <noreply@bench.test>",
        "MAIL_SUPPRESS_SEND": False,
        "REFERENCE_REFRESH_SECONDS": 30,
        "DATA_DIR": str(DATA_DIR),
    }
    config.update(overrides)
    return config


def _schema_fingerprint() -> str:
    import hashlib

    from app import models  # noqa: F401 - every table registered
    from app.extensions import db

    # A partial index's WHERE is an expression whose repr names its address:
    # its SQL text is what stays the same from one process to the next.
    shape = sorted(
        (t.name, sorted(c.name for c in t.columns),
         sorted(f"{i.name} {[c.name for c in i.columns]} "
                f"{sorted((k, str(v)) for k, v in i.dialect_kwargs.items())}" for i in t.indexes))
        for t in db.metadata.tables.values()
    )  # fmt: skip
    return hashlib.sha256(repr(shape).encode()).hexdigest()[:16]


def real_data_database() -> str:
    """A SQLite file with the real reference data, rebuilt when the data or schema changes."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / "real.db"
    url = f"sqlite:///{path}"
    stamp = BENCH_DIR / "real.stamp"
    source = max(p.stat().st_mtime for p in DATA_DIR.iterdir())
    wanted = f"{source} {_schema_fingerprint()}"
    if path.exists() and stamp.exists() and stamp.read_text() == wanted:
        return url
    path.unlink(missing_ok=True)
    print(f"Loading the real reference data from {DATA_DIR} (once) ...", flush=True)
    _load_real_data(url)
    stamp.write_text(wanted)
    return url


def _load_real_data(url: str) -> None:
    """Tables, the real reference data and the demo campaign, in an empty database."""
    from app import create_app
    from app.campaigns.demo import seed_demo_campaign
    from app.extensions import db
    from app.reference.data_load import load_reference_data

    app = create_app(bench_config(url))
    with app.app_context():
        db.create_all()
        load_reference_data(DATA_DIR)
        seed_demo_campaign()
        db.session.remove()
        db.engine.dispose()


def postcode_at(index, i: int) -> str:
    """The i-th postcode of the index, in its usual form ('SW1A 0AA')."""
    key, text = index.keys[i], ""
    while key:
        key, digit = divmod(key, 36)
        text = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[digit] + text
    return f"{text[:-3]} {text[-3:]}"


def sqlite_copy(name: str) -> str:
    path = BENCH_DIR / name
    shutil.copy(real_data_database().removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


def postgres_copy(server_url: str, name: str) -> str:
    from app.config import database_url

    base = make_url(database_url(server_url))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    _load_real_data(url)
    return url


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"
    return f"{system}, {cpu}, Python {platform.python_version()}"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def smtplib_loop(port: int, messages: list[tuple[str, str, bytes]]) -> float:
    """The baseline for the mail benchmarks: pre-built messages sent by a plain
    smtplib loop over one connection. Returns messages per second."""
    import smtplib

    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for sender, to, data in messages:
            smtp.sendmail(sender, [to], data)
    return len(messages) / (time.perf_counter() - started)


class SmtpSink:
    """bench/sink.py in its own process: `with SmtpSink() as sink: ... sink.stats()`."""

    def __enter__(self):
        import subprocess

        from devtools.mailcatcher import free_port

        self.port, self.http_port = free_port(), free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.sink", "--smtp-port", str(self.port), "--http-port", str(self.http_port)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            if self.process.stdout.readline().strip() != "ready":
                raise RuntimeError("the SMTP sink did not start")
        except BaseException:
            self.process.kill()
            raise
        return self

    def stats(self, reset: bool = False) -> dict:
        import json
        import urllib.request

        request = urllib.request.Request(
            f"http://127.0.0.1:{self.http_port}/", method="POST" if reset else "GET"
        )
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(10)


class Gunicorn:
    """An app served by gunicorn with the production settings of gunicorn.conf.py.

    `with Gunicorn("wsgi:app", env) as server: ... server.port`; ready once
    `ready_path` answers 200.
    """

    def __init__(self, app_uri: str, env: dict, ready_path: str, workers: int | None = None):
        self.app_uri, self.env, self.ready_path = app_uri, env, ready_path
        self.workers = workers or (os.cpu_count() or 1) + 1  # gunicorn.conf.py's own default

    def __enter__(self):
        import subprocess
        import urllib.request

        from devtools.mailcatcher import free_port

        self.port = free_port()
        command = [
            sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", self.app_uri,
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(self.url(self.ready_path), timeout=5) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(f"gunicorn {self.app_uri} did not start")
            time.sleep(0.2)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(30)


def wrk_script(name: str, requests: list[tuple[str, str, str | None]], headers: dict) -> Path:
    """A wrk Lua script cycling through (method, path, body) requests; each wrk
    thread starts at its own place in the list. done() prints a RESULT line."""

    def long_string(text: str) -> str:
        if "]==]" in text:
            raise ValueError("a request holds the Lua long-string closer")
        return f"[==[{text}]==]"

    rows = ",\n".join(
        f"{{{long_string(m)}, {long_string(p)}, {long_string(b) if b else 'nil'}}}"
        for m, p, b in requests
    )
    header_lines = "\n".join(
        f"wrk.headers[ {long_string(k)} ] = {long_string(v)}" for k, v in headers.items()
    )
    script = f"""
local requests = {{
{rows}
}}
{header_lines}
local started = 0
function setup(thread)
  thread:set("first", started)
  started = started + math.floor(#requests / 2)
end
local i = nil
function request()
  if i == nil then i = first or 0 end
  i = i % #requests + 1
  local r = requests[i]
  return wrk.format(r[1], r[2], nil, r[3])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p99_us": %d, "max_us": %d}}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"{name}.lua"
    path.write_text(script)
    return path


def run_wrk(url: str, script: Path, seconds: int, connections: int = 16) -> dict:
    """wrk against `url` with two threads (one per core of the machine the bench
    was written for); the RESULT figures plus requests per second."""
    import json
    import subprocess

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: sudo apt-get install wrk")
    done = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", str(script), url],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stdout} {done.stderr}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result

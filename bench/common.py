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

    shape = sorted((t.name, sorted(c.name for c in t.columns)) for t in db.metadata.tables.values())
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
    from app import create_app
    from app.extensions import db
    from app.services.campaigns import seed_demo_campaign
    from app.services.reference_data import load_reference_data

    path.unlink(missing_ok=True)
    print(f"Loading the real reference data from {DATA_DIR} (once) ...", flush=True)
    app = create_app(bench_config(url))
    with app.app_context():
        db.create_all()
        load_reference_data(DATA_DIR)
        seed_demo_campaign()
        db.session.remove()
        db.engine.dispose()
    stamp.write_text(wanted)
    return url


def sqlite_copy(name: str) -> str:
    path = BENCH_DIR / name
    shutil.copy(real_data_database().removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


def postgres_copy(server_url: str, name: str) -> str:
    from app import create_app
    from app.config import database_url
    from app.extensions import db
    from app.services.campaigns import seed_demo_campaign
    from app.services.reference_data import load_reference_data

    base = make_url(database_url(server_url))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    app = create_app(bench_config(url))
    with app.app_context():
        db.create_all()
        load_reference_data(DATA_DIR)
        seed_demo_campaign()
        db.session.remove()
        db.engine.dispose()
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

"""The site as docs/operations.md deploys it, on this machine.

Each step is the documented one, run as a subprocess with the production
environment file's variables (`APP_ENV=production`, so every security control
is on and a weak secret or an http SITE_URL would stop it):

    flask --app wsgi db upgrade; flask --app wsgi data load; flask --app wsgi admin create
    gunicorn -c gunicorn.conf.py wsgi:app      (the real settings file)
    flask --app wsgi worker
    haproxy -f deploy/haproxy.cfg              (TLS with a self-signed certificate)

on a PostgreSQL database of its own, with rate limits in Redis and a real
SMTP server as the relay. The site's name is https://site.localhost:<port>
(Chromium resolves *.localhost to this machine and trusts the certificate
through its public key's hash); a partner blog is served over HTTPS on
https://partner.localhost:<port>, another origin.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from bench.scaleout import Certificate, haproxy_env, own_database, wait_until
from devtools.mailcatcher import MailCatcher, free_port
from tests.builders.settings import ROOT

SECRET_KEY = "deployed-suite-secret-key-of-enough-randomness-4f9c2a"
METRICS_TOKEN = "deployed-metrics-token"
ADMIN_EMAIL = "ops@site.localhost"
ADMIN_PASSWORD = "a long passphrase for the deployed suite"
PARTNER = "the-test-gazette"
BIN = Path(sys.executable).parent  # the project's .venv/bin


@dataclass
class Deployment:
    folder: Path
    database_url: str
    redis_url: str
    reference_dir: Path
    mail: MailCatcher
    https_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    stats_port: int = field(default_factory=free_port)
    app_port: int = field(default_factory=free_port)
    partner_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self):
        self.certificate = Certificate(self.folder, ("site.localhost", "partner.localhost"))
        self.url = f"https://site.localhost:{self.https_port}"
        self.partner_url = f"https://partner.localhost:{self.partner_port}"
        self.db = create_engine(self.database_url)
        # The environment file (docs/operations.md, "Installing on a host").
        self.env = {
            **os.environ,
            "APP_ENV": "production",
            "SECRET_KEY": SECRET_KEY,
            "SITE_URL": self.url,
            "OPERATOR_NAME": "The Deployed Suite",
            "OPERATOR_CONTACT": "privacy@site.localhost",
            "MAIL_DEFAULT_SENDER": "Write to your MP <noreply@site.localhost>",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(self.mail.port),
            # Return paths that name each email, so bounce reports are read
            # (docs/deliverability.md).
            "BOUNCE_DOMAIN": "bounces.site.localhost",
            "DATABASE_URL": self.database_url,
            "RATELIMIT_STORAGE_URI": self.redis_url,
            "DATA_DIR": str(self.reference_dir),
            "TRUSTED_PROXY_COUNT": "1",
            "LOG_FORMAT": "json",
            "METRICS_TOKEN": METRICS_TOKEN,
            "BIND": f"127.0.0.1:{self.app_port}",
            "PROMETHEUS_MULTIPROC_DIR": str(self.folder / "metrics"),
            # Product settings, not controls: the reply question is asked as
            # soon as a letter is delivered (as for a demo), and the worker
            # looks for work five times a second instead of once.
            "QUESTIONNAIRE_AFTER_DAYS": "0",
            "WORKER_IDLE_SECONDS": "0.2",
            "REFERENCE_REFRESH_SECONDS": "1",  # new MPs seen a second after a load
            # Every person in this suite comes from 127.0.0.1 (HAProxy appends
            # the real client address, so it cannot be feigned): the
            # allowances per client address are raised to cover them all.
            # Per-address allowances and moderation stay as they are;
            # tests/scaleout holds a per-client limit across hosts.
            "RATELIMIT_SUBMIT_PER_IP": "200/hour",
            "MODERATION_MAX_PER_IP_PER_DAY": "200",
        }
        for name in ("FLASK_APP", "FLASK_DEBUG", "WTF_CSRF_ENABLED"):
            self.env.pop(name, None)
        (self.folder / "metrics").mkdir()

    # -- the documented steps ------------------------------------------------

    def flask(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT, env=self.env, input=stdin, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def install(self) -> Deployment:
        self.flask("db", "upgrade")
        self.flask("data", "load")
        self.flask("demo", "seed")  # a campaign to write to; an admin makes more
        self.flask("admin", "create", ADMIN_EMAIL, "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
        self.flask(
            "partner", "add", PARTNER, "--name", "The Test Gazette", "--origin", self.partner_url
        )
        return self

    def load_new_mps(self, changes: dict[str, tuple[str, str]]) -> None:
        """After an election: `flask data load` with the MPs' names and
        addresses changed ({old name: (new name, new address)})."""
        from dataclasses import replace

        from tests.builders.reference_data import SEATS, write_dataset

        seats = [
            replace(s, mp=changes[s.mp][0], email=changes[s.mp][1]) if s.mp in changes else s
            for s in SEATS
        ]
        folder = self.folder / f"reference-{len(list(self.folder.glob('reference-*')))}"
        self.flask("data", "load", "--dir", str(write_dataset(folder, seats=seats)))
        time.sleep(float(self.env["REFERENCE_REFRESH_SECONDS"]) + 0.5)

    def start(self) -> Deployment:
        self._spawn("web", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"])
        self.start_worker()
        wait_until(lambda: self._app_ready(), "gunicorn to answer /readyz", timeout=90)
        # One app host, named twice: the file balances over two.
        app = f"127.0.0.1:{self.app_port}"
        env = haproxy_env(self.certificate, [app, app], self.https_port, self.http_port,
                          self.stats_port)  # fmt: skip
        config = str(ROOT / "deploy" / "haproxy.cfg")
        subprocess.run(["haproxy", "-c", "-q", "-f", config], env=env, check=True)
        self._spawn("haproxy", ["haproxy", "-db", "-f", config], env=env)
        wait_until(lambda: self.get("/readyz").status == 200, "HAProxy to pass /readyz")
        self._serve_partner_blog()
        return self

    def start_worker(self) -> None:
        self._spawn("worker", [str(BIN / "flask"), "--app", "wsgi", "worker"])

    def restart_worker(self) -> None:
        """As `systemctl restart` does: SIGTERM, then start. A fresh worker
        runs each periodic job at once (app/outbox/jobs.py)."""
        self._stop("worker")
        self.start_worker()

    def stop(self) -> None:
        if getattr(self, "_partner", None):
            self._partner.shutdown()
        for name in list(self.processes):
            self._stop(name)
        self.db.dispose()

    # -- helpers ---------------------------------------------------------------

    def _spawn(self, name: str, command: list[str], env: dict | None = None) -> None:
        with (self.folder / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=env or self.env, stdout=log, stderr=log,
                start_new_session=True,
            )  # fmt: skip

    def _stop(self, name: str) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def _app_ready(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.app_port, timeout=5)
        try:
            conn.request("GET", "/readyz", headers={"X-Forwarded-Proto": "https"})
            return conn.getresponse().status == 200
        finally:
            conn.close()

    def _serve_partner_blog(self) -> None:
        from devtools.partner_blog import create_blog

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate.cert, self.certificate.key)
        blog = create_blog(self.url, partner=PARTNER)
        self._partner = make_server("127.0.0.1", self.partner_port, blog, ssl_context=context)
        threading.Thread(target=self._partner.serve_forever, daemon=True).start()

    def get(self, path: str, *, port: int | None = None, tls: bool = True, headers=None):
        """A request to HAProxy as a non-browser client would make it."""
        if tls:
            context = ssl.create_default_context(cafile=str(self.certificate.cert))
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", port or self.https_port, timeout=10, context=context
            )
            context.check_hostname = False  # connecting by address; the cert names the host
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port or self.http_port, timeout=10)
        try:
            host = f"site.localhost:{port or (self.https_port if tls else self.http_port)}"
            conn.request("GET", path, headers={"Host": host, **(headers or {})})
            response = conn.getresponse()
            response.body = response.read()
            return response
        finally:
            conn.close()

    def query(self, sql: str, **params):
        """What was stored: one query on the site's own database."""
        with self.db.connect() as conn:
            return conn.execute(text(sql), params).all()

    def hours_pass(self, hours: int) -> None:
        """As if `hours` had passed for what waits in the queue: each email's
        own pause and each mail domain's (tests that cannot wait an hour)."""
        earlier = {"hours": hours}
        with self.db.begin() as conn:
            conn.execute(text("UPDATE outbox_email"
                              " SET not_before = not_before - make_interval(hours => :hours)"),
                         earlier)  # fmt: skip
            conn.execute(text("UPDATE domain_pause SET until = until - make_interval(hours => :hours)"),
                         earlier)  # fmt: skip

    def wait_for_row(self, sql: str, timeout: float = 30, **params):
        deadline = time.monotonic() + timeout
        while True:
            rows = self.query(sql, **params)
            if rows or time.monotonic() > deadline:
                return rows
            time.sleep(0.2)

    def emails(self, to: str, containing: str = "", *, count: int = 1, timeout: float = 30):
        """Emails to `to` whose subject or text holds `containing`, once
        `count` of them have arrived."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.mail.to(to) if containing in m["Subject"] + m.text]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                subjects = [m["Subject"] for m in self.mail.to(to)]
                raise AssertionError(f"no email to {to} with {containing!r}; got {subjects}")
            time.sleep(0.1)

    def link(self, message, path: str) -> str:
        """The emailed link to `path`, on the site's own https address."""
        found = re.search(re.escape(self.url) + re.escape(path) + r"[^\s\]>)\"]+", message.text)
        assert found, f"no {path} link in {message['Subject']!r}"
        return found.group(0)

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name} ---\n" + log.read_text("utf-8", "replace")[-4000:]
            for log in sorted(self.folder.glob("*.log"))
        )


@contextlib.contextmanager
def deployment(folder: Path, database_server: str, redis_url: str, reference_dir: Path):
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # this run's own database number
    with own_database(database_server, "deployed") as database_url, MailCatcher() as mail:
        site = Deployment(folder, database_url, redis_url, reference_dir, mail)
        try:
            yield site.install().start()
        except Exception:
            print(site.logs())
            raise
        finally:
            site.stop()

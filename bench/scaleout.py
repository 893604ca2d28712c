"""Two app hosts behind HAProxy, with PostgreSQL, Redis and two workers.

    python -m bench.scaleout [--letters 24] [--database URL] [--redis URL] [--data DIR]

Starts deploy/haproxy.cfg (TLS, health checks on /readyz) in front of two
gunicorn servers configured as separate hosts (each its own port, metrics
directory and logs, JSON log lines), one delivery worker beside each, a real
SMTP server catching every email, and drives a campaign through it:

1. lookups through HAProxy (both hosts answer them);
2. an admin signs in on one host and carries on on the other (one session);
3. a rate limit spent on one host is refused on the other (Redis);
4. letters, each with its form from one host, submitted through HAProxy, and
   confirmed on the other host;
5. a data reload, seen by both hosts (the lookups' ETag names the version);
6. one app host killed (SIGKILL) in the middle of the letters, while lookups
   keep going through HAProxy;
7. at the end, every letter was delivered to its MP exactly once, every log
   line is JSON without a constituent's address or a link's token, and
   /metrics on the surviving host counted what its processes did.

It prints what it did, and raises if anything was lost, sent twice or leaked.
The database must be a PostgreSQL server's: a database of its own is
created for the run and dropped after. tests/scaleout/ runs it in CI.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import http.client
import json
import os
import re
import secrets
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import DATA_DIR, ROOT
from devtools.mailcatcher import MailCatcher, free_port

SECRET = "scaleout-secret-key-with-enough-randomness-0123456789"
METRICS_TOKEN = "scaleout-metrics-token"
ADMIN_EMAIL = "ops@scaleout.test"
ADMIN_PASSWORD = "a long passphrase for the scale-out run"
CAMPAIGN = "mp-expenses"
SITE = "https://scaleout.test"


def say(line: str) -> None:
    print(line, flush=True)


# -- a small HTTP client that keeps cookies whatever their Secure flag ------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


@dataclass
class Client:
    """Requests to one base URL. Direct to a host it sends what HAProxy would
    add (X-Forwarded-Proto: https, X-Forwarded-For), since the hosts trust one
    proxy; through HAProxy it speaks TLS to it."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)
    forwarded_for: str = "198.51.100.1"

    def request(self, method: str, path: str, *, form=None, json_body=None, headers=None):
        url = urllib.parse.urlsplit(self.base)
        if url.scheme == "https":
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            conn = http.client.HTTPSConnection(url.hostname, url.port, timeout=15, context=context)
        else:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
        sent = {"Host": "scaleout.test", **(headers or {})}
        if url.scheme == "http":
            sent.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": self.forwarded_for})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:  # a browser's form post: it names the page it came from
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent.setdefault("Referer", SITE + path)
        elif json_body is not None:
            body = json.dumps(json_body)
            sent["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            answer = Answer(response.status, dict(response.getheaders()), response.read())
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return answer
        finally:
            conn.close()

    def get(self, path: str, **kw) -> Answer:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw) -> Answer:
        return self.request("POST", path, **kw)


def csrf_token(page: Answer) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.text)
    if not found:
        raise AssertionError(f"no CSRF token on the page ({page.status})")
    return found.group(1)


# -- the processes ----------------------------------------------------------


@dataclass
class Host:
    """One app host: gunicorn and a delivery worker, with a metrics directory
    and log files of their own."""

    name: str
    env: dict
    folder: Path
    port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def client(self, forwarded_for: str = "198.51.100.1") -> Client:
        return Client(f"http://{self.address}", forwarded_for=forwarded_for)

    def start(self) -> Host:
        metrics_dir = self.folder / "metrics"
        metrics_dir.mkdir(parents=True)
        env = {**self.env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        web = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app",
               "--bind", self.address, "--workers", "2"]  # fmt: skip
        worker = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
        for role, command in (("web", web), ("worker", worker)):
            with (self.folder / f"{role}.log").open("wb") as log:  # the child keeps its own
                process = subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
                )
            self.processes.append(process)
        wait_until(lambda: self.client().get("/readyz").status == 200, f"{self.name} ready")
        return self

    def kill(self) -> None:
        """The host goes: gunicorn and its processes killed (SIGKILL), mid-request
        or not, and its worker stopped. SIGTERM lets the worker finish the email
        in hand: killed between the relay's "250 OK" and the database's commit,
        that one email would go again (SMTP has no two-phase commit)."""
        os.killpg(self.processes[0].pid, signal.SIGKILL)
        self.processes[0].wait()
        os.killpg(self.processes[1].pid, signal.SIGTERM)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def log_lines(self) -> list[str]:
        lines = []
        for role in ("web", "worker"):
            lines += (self.folder / f"{role}.log").read_text("utf-8", "replace").splitlines()
        return [line for line in lines if line.strip()]


def wait_until(check, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.2)


@dataclass
class Certificate:
    """A self-signed certificate for `names`, in `folder`; `bundle` is the
    chain and key in one file, as HAProxy wants it."""

    folder: Path
    names: tuple[str, ...] = ("scaleout.test",)

    def __post_init__(self):
        self.key, self.cert = self.folder / "key.pem", self.folder / "cert.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", f"/CN={self.names[0]}",
             "-addext", "subjectAltName=" + ",".join(f"DNS:{n}" for n in self.names),
             "-keyout", str(self.key), "-out", str(self.cert)],
            check=True, capture_output=True,
        )  # fmt: skip
        self.bundle = self.folder / "site.pem"
        self.bundle.write_bytes(self.cert.read_bytes() + self.key.read_bytes())

    def spki_hash(self) -> str:
        """base64(sha256(SubjectPublicKeyInfo)): what Chromium's
        --ignore-certificate-errors-spki-list trusts, for this key only."""
        public = subprocess.run(
            ["openssl", "x509", "-in", str(self.cert), "-pubkey", "-noout"],
            check=True, capture_output=True,
        ).stdout  # fmt: skip
        der = subprocess.run(
            ["openssl", "pkey", "-pubin", "-outform", "der"],
            input=public, check=True, capture_output=True,
        ).stdout  # fmt: skip
        return base64.b64encode(hashlib.sha256(der).digest()).decode()


def haproxy_env(
    certificate: Certificate, apps: list[str], https: int, http: int, stats: int
) -> dict:
    """deploy/haproxy.cfg's variables (each is described at the top of the file)."""
    return {
        **os.environ,
        "WTYM_LISTEN": f"127.0.0.1:{https}",
        "WTYM_LISTEN_HTTP": f"127.0.0.1:{http}",
        "WTYM_CERT": str(certificate.bundle),
        "WTYM_APP1": apps[0],
        "WTYM_APP2": apps[1],
        "WTYM_STATS": f"127.0.0.1:{stats}",
    }  # fmt: skip


class HAProxy:
    def __init__(self, folder: Path, app_addresses: list[str]):
        self.folder = folder
        self.port, self.http_port, self.stats_port = free_port(), free_port(), free_port()
        self.last_states: list[str] = []  # what the stats page last said of each server
        self.env = haproxy_env(Certificate(folder), app_addresses, self.port, self.http_port,
                               self.stats_port)  # fmt: skip

    def start(self) -> HAProxy:
        config = str(ROOT / "deploy" / "haproxy.cfg")
        subprocess.run(["haproxy", "-c", "-q", "-f", config], env=self.env, check=True)
        with (self.folder / "haproxy.log").open("wb") as log:
            self.process = subprocess.Popen(
                ["haproxy", "-db", "-f", config], env=self.env, stdout=log, stderr=log
            )
        try:
            wait_until(lambda: self.servers_up() == {"app1", "app2"}, "HAProxy to see both hosts")
        except TimeoutError:
            say(f"HAProxy's servers: {self.last_states}")
            raise
        return self

    def servers_up(self) -> set[str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.stats_port, timeout=5)
        try:
            conn.request("GET", "/;csv")
            rows = conn.getresponse().read().decode().splitlines()
        finally:
            conn.close()
        up = set()
        self.last_states = []
        for row in rows[1:]:
            cells = row.split(",")
            if len(cells) > 37 and cells[0] == "app":
                self.last_states.append(f"{cells[1]} {cells[17]} {cells[36]} {cells[37]}")
                if cells[17] == "UP" and cells[1] != "BACKEND":
                    up.add(cells[1])
        return up

    def client(self) -> Client:
        return Client(f"https://127.0.0.1:{self.port}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


# -- the run ----------------------------------------------------------------


@contextlib.contextmanager
def own_database(server_url: str, prefix: str = "scaleout"):
    """A PostgreSQL database for this run, dropped after. Its name is new
    each time: a database dropped and made again under the same name, one
    suite after another in one process, left the second's workers idle."""
    with database_named(server_url, f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}") as url:
        yield url


@contextlib.contextmanager
def database_named(server_url: str, name: str):
    """An empty PostgreSQL database `name` on that server (made anew), dropped after."""
    base = make_url(server_url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def host_env(database_url: str, redis_url: str, mail_port: int, data_dir: Path) -> dict:
    return {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": SECRET,
        "SITE_URL": SITE,
        "OPERATOR_CONTACT": "privacy@scaleout.test",
        "MAIL_DEFAULT_SENDER": "Write to your MP <noreply@scaleout.test>",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(mail_port),
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "DATA_DIR": str(data_dir),
        "TRUSTED_PROXY_COUNT": "1",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "METRICS_TOKEN": METRICS_TOKEN,
        "REFERENCE_REFRESH_SECONDS": "1",
        "WORKER_IDLE_SECONDS": "0.2",
        "DELIVERY_LEASE_SECONDS": "10",
        # Every letter comes from this machine: per-IP allowances and
        # moderation's per-network hold are raised so they do not interfere;
        # the confirmations' allowance is the one shown to hold across hosts.
        "RATELIMIT_SUBMIT_PER_IP": "100000/hour",
        "RATELIMIT_CONFIRM": "3/hour",
        "MODERATION_MAX_PER_IP_PER_DAY": "100000",
        "MODERATION_SIMILARITY": "2",
        "MIN_FILL_SECONDS": "0",  # forms filled at a machine's speed are not robots here
    }


def flask(env: dict, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT, env=env, input=stdin, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def letter(i: int, postcode: str) -> dict:
    return {
        "name": f"Constituent {i}",
        "email": f"constituent{i}@example.com",
        "address1": f"{i} High Street",
        "address2": "",
        "town": "Testington",
        "postcode": postcode,
        "subject": "Please publish MPs' expenses",
        "body": (
            "Dear MP,\n\nI am writing as one of your constituents, number "
            f"{i} of the scale-out run, because public money deserves public accounts. "
            "Please publish every claim in full.\n\nYours sincerely,\n"
            f"Constituent {i}"
        ),
    }


@dataclass
class Run:
    hosts: list[Host]
    proxy: HAProxy
    mail: MailCatcher
    postcode: str
    submitted: dict[str, int] = field(default_factory=dict)  # email -> attempts
    lookups: Counter = field(default_factory=Counter)

    def lookup_through_proxy(self) -> int | str:
        path = f"/api/v1/representatives?postcode={urllib.parse.quote(self.postcode)}"
        try:
            status: int | str = self.proxy.client().get(path).status
        except (http.client.HTTPException, ConnectionError):
            # A lookup in flight on the host that is killed is cut mid-answer:
            # no load balancer can finish an answer its server never wrote.
            status = "cut"
        self.lookups[status] += 1
        return status

    def submit(self, i: int) -> None:
        """A form from one host, sent through HAProxy; sent again on a failure
        (as the widget's retry would), with the same form ticket."""
        form_host = self.hosts[i % 2] if self.hosts[i % 2].processes[0].poll() is None else None
        source = form_host.client() if form_host else self.proxy.client()
        ticket = source.get(f"/api/v1/campaigns/{CAMPAIGN}").json()["form_ticket"]
        payload = {**letter(i, self.postcode), "form_ticket": ticket}
        for attempt in range(1, 6):
            answer = self.proxy.client().post(
                f"/api/v1/campaigns/{CAMPAIGN}/messages", json_body=payload
            )
            if answer.status == 202:
                self.submitted[payload["email"]] = attempt
                return
            if answer.status < 500:
                raise AssertionError(f"letter {i} refused: {answer.status} {answer.text}")
            time.sleep(0.5)
        raise AssertionError(f"letter {i} never accepted")

    def confirm(self, i: int) -> None:
        """Open the confirmation link on one live host and press the button on
        another when there is one, as if the two requests met different hosts."""
        address = f"constituent{i}@example.com"
        [email] = self.mail.wait_for(1, 60, to=address)
        link = re.search(r"https://scaleout\.test(/confirm/\S+)", email.text).group(1)
        live = [h for h in self.hosts if h.processes[0].poll() is None]
        opener = live[i % len(live)].client(forwarded_for=f"203.0.113.{i}")
        page = opener.get(link)
        assert page.status == 200, page.status
        presser = live[(i + 1) % len(live)].client(forwarded_for=f"203.0.113.{i}")
        presser.cookies = opener.cookies
        answer = presser.post(link, form={"csrf_token": csrf_token(page)})
        assert answer.status == 303, f"confirmation {i}: {answer.status}"


def admin_across_hosts(run: Run) -> None:
    """Sign in on one host (password), set up two-factor on the other, and use
    the dashboard on the first: one session, whichever host answers."""
    import pyotp

    a, b = run.hosts[0].client(), run.hosts[1].client()
    login = a.get("/admin/login")
    answer = a.post(
        "/admin/login",
        form={"csrf_token": csrf_token(login), "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
    )
    assert answer.status == 303, f"sign-in: {answer.status}"
    b.cookies = a.cookies
    enrol = b.get("/admin/enrol")
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', enrol.text).group(1)
    a.cookies = b.cookies
    done = a.post(
        "/admin/enrol", form={"csrf_token": csrf_token(enrol), "code": pyotp.TOTP(secret).now()}
    )
    assert done.status == 303, f"two-factor set-up: {done.status}"
    b.cookies = a.cookies
    dashboard = b.get("/admin/")
    assert dashboard.status == 200, dashboard.status
    assert "Sign out" in dashboard.text
    say("admin: signed in on host 1, set up two-factor on host 2, dashboard on host 2: one session")


def rate_limit_across_hosts(run: Run) -> None:
    """RATELIMIT_CONFIRM is 3/hour per address: three tries spread over both
    hosts use it up, and the fourth is refused whichever host it reaches."""
    first = run.hosts[0].client(forwarded_for="192.0.2.99")
    token = csrf_token(first.get("/admin/login"))  # a genuine form, from one session
    statuses = []
    for n in range(4):
        client = run.hosts[n % 2].client(forwarded_for="192.0.2.99")
        client.cookies = first.cookies
        statuses.append(client.post("/confirm/not-a-token", form={"csrf_token": token}).status)
    assert statuses == [404, 404, 404, 429], statuses
    say(f"rate limit: confirmations from one address on hosts 1, 2, 1, 2 -> {statuses}")


def etag_version(host: Host, postcode: str) -> str:
    path = f"/api/v1/representatives?postcode={urllib.parse.quote(postcode)}"
    return host.client().get(path).headers["ETag"].strip('"').split("-")[0]


def reload_seen_by_both(run: Run, env: dict, data_dir: Path) -> None:
    """After a `data load`, every process of both hosts answers from the new
    data within REFERENCE_REFRESH_SECONDS (each checks the version that often)."""
    before = {etag_version(h, run.postcode) for h in run.hosts for _ in range(4)}
    flask(env, "data", "load", "--dir", str(data_dir))
    time.sleep(float(env["REFERENCE_REFRESH_SECONDS"]) + 0.5)
    after = {etag_version(h, run.postcode) for h in run.hosts for _ in range(8)}
    assert len(after) == 1, f"hosts answer from versions {after}"
    assert not after & before, (before, after)
    say(f"data reload: both hosts moved from reference version {before} to {after}")


def scrape(host: Host) -> str:
    answer = host.client().get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answer.status == 200, answer.status
    return answer.text


def metric(text_format: str, name: str, **labels) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    total = 0.0
    for family in text_string_to_metric_families(text_format):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def check_logs(run: Run, tokens: list[str]) -> int:
    lines = [line for host in run.hosts for line in host.log_lines()]
    for line in lines:
        record = json.loads(line)  # raises on a line that is not JSON
        assert {"time", "level", "logger", "message"} <= set(record), record
        personal = re.search(r"constituent\d+@|High Street|public money deserves", line)
        assert not personal, f"personal data in a log: {line}"
        assert not any(token in line for token in tokens), f"a link's token in a log: {line}"
    return len(lines)


def run_scaleout(
    database_server: str, redis_url: str, data_dir: Path, letters: int, postcode: str
) -> dict:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    figures: dict = {}
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="scaleout-")))
        database_url = stack.enter_context(own_database(database_server))
        mail = stack.enter_context(MailCatcher())
        env = host_env(database_url, redis_url, mail.port, data_dir)
        flask(env, "db", "upgrade")
        flask(env, "data", "load")
        flask(env, "demo", "seed")
        flask(env, "admin", "create", ADMIN_EMAIL, "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
        say(f"database {make_url(database_url).database}: schema, reference data, demo campaign")

        hosts = []
        for n in (1, 2):
            host = Host(f"host {n}", env, folder / f"host{n}")
            stack.callback(host.stop)
            hosts.append(host.start())
        proxy = HAProxy(folder, [h.address for h in hosts])
        proxy.start()
        stack.callback(proxy.stop)
        say(f"HAProxy on :{proxy.port} (TLS) in front of {hosts[0].address} and {hosts[1].address}")
        run = Run(hosts, proxy, mail, postcode)

        for _ in range(20):
            assert run.lookup_through_proxy() == 200
        answered = [metric(scrape(h), "wtym_lookups_total", outcome="found") for h in hosts]
        assert all(answered), answered
        say(f"lookups: 20 through HAProxy, answered {answered[0]:.0f} by host 1, "
            f"{answered[1]:.0f} by host 2")  # fmt: skip

        admin_across_hosts(run)
        rate_limit_across_hosts(run)
        reload_seen_by_both(run, env, data_dir)

        # Letters, with a stream of lookups through HAProxy the whole time.
        stop = threading.Event()

        def keep_looking_up():
            while not stop.is_set():
                run.lookup_through_proxy()

        run.lookups.clear()
        looker = threading.Thread(target=keep_looking_up, daemon=True)
        looker.start()
        killed_at = letters // 2
        for i in range(letters):
            if i == killed_at:
                hosts[0].kill()
                say(f"host 1 gone after {i} letters: web server killed, worker stopped")
            run.submit(i)
            run.confirm(i)
        stop.set()
        looker.join()

        for i in range(letters):
            mail.wait_for(1, 60, to=f"constituent{i}@example.com")
        mp_letters = wait_for_letters(mail, letters)
        per_constituent = Counter(m["Reply-To"].addresses[0].addr_spec for m in mp_letters)
        twice = {k: v for k, v in per_constituent.items() if v > 1}
        assert not twice, f"sent twice: {twice}"
        assert len(per_constituent) == letters, f"{len(per_constituent)} of {letters} delivered"
        retried = sum(1 for attempts in run.submitted.values() if attempts > 1)
        say(f"letters: {letters} submitted ({retried} needed a second try), {letters} confirmed, "
            f"{len(mp_letters)} delivered to MPs, none twice")  # fmt: skip
        failed = sum(n for status, n in run.lookups.items() if status != 200)
        say(f"lookups during the letters: {sum(run.lookups.values())}, "
            f"{failed} not answered 200 ({dict(run.lookups)})")  # fmt: skip

        survivor = scrape(hosts[1])
        sent = metric(survivor, "wtym_emails_total", outcome="sent")
        confirmed = metric(survivor, "wtym_letters_confirmed_total")
        # After host 1 went, host 2 confirmed every letter and its worker sent every email.
        assert confirmed >= letters - killed_at, confirmed
        assert sent >= 2 * (letters - killed_at), sent
        say(f"metrics on host 2: {sent:.0f} emails sent by its worker, {confirmed:.0f} letters "
            "confirmed by its web processes")  # fmt: skip

        tokens = [
            re.search(r"/confirm/(\S+)", m.text).group(1)
            for m in mail.messages
            if "/confirm/" in m.text
        ]
        stop_all(hosts)
        lines = check_logs(run, tokens)
        say(f"logs: {lines} lines, every one JSON, none with a constituent's address or a token")
        figures.update(delivered=len(per_constituent), most_to_one=max(per_constituent.values()),
                       log_lines=lines, lookups=dict(run.lookups), retried=retried)  # fmt: skip
    return figures


def to_mps(mail: MailCatcher) -> list:
    """Letters delivered to MPs: everything not addressed to this run's own people."""
    return [
        m
        for m in list(mail.messages)
        if not any(r.endswith(("@example.com", "@scaleout.test")) for r in m.rcpt_tos)
    ]


def wait_for_letters(mail: MailCatcher, letters: int) -> list:
    deadline = time.monotonic() + 90
    while len({m["Reply-To"] for m in to_mps(mail)}) < letters and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # anything sent twice would have arrived by now
    return to_mps(mail)


def stop_all(hosts: list[Host]) -> None:
    for host in hosts:
        host.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=24)
    parser.add_argument(
        "--database",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL server (a database of the run's own is made there)",
    )
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--postcode", default="SW1A 1AA")
    args = parser.parse_args()
    run_scaleout(args.database, args.redis, args.data, args.letters, args.postcode)


if __name__ == "__main__":
    main()

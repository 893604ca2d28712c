"""Shared fixtures.

Database tests run on SQLite always and on PostgreSQL when TEST_DATABASE_URL
is set (CI sets it); each test gets an empty schema with the small reference
dataset of tests/datafiles.py and the demo campaign. No test reaches the
network: an autouse guard fails any SMTP connection to a port that is not
one of the test's own mail servers.
"""

from __future__ import annotations

import os
import shutil
import smtplib
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.reference.data_load import apply_reference_data, read_reference_data
from bench.scaleout import database_named
from devtools.mailcatcher import MailCatcher
from tests.builders.admins import ADMIN_PASSWORD, sign_in
from tests.builders.mail import ALLOWED_SMTP_PORTS
from tests.builders.reference_data import write_dataset
from tests.builders.settings import base_config

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        backends = ["sqlite"]
        if not metafunc.definition.get_closest_marker("sqlite_only"):
            backends.append("postgresql")
        metafunc.parametrize("backend", backends, indirect=True, scope="session")


def _worker_suffix(config) -> str:
    return getattr(config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def postgres_url(pytestconfig):
    """A database of our own on the PostgreSQL server, created for this test run."""
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    from app.config import database_url

    base = make_url(database_url(TEST_DATABASE_URL))
    name = f"{base.database}_{_worker_suffix(pytestconfig)}"
    with database_named(base.render_as_string(hide_password=False), name) as url:
        yield url


@pytest.fixture
def empty_database(backend, tmp_path, request):
    """A database with no tables, for migrations: a SQLite file, or a
    PostgreSQL database of this test module's own."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = make_url(request.getfixturevalue("postgres_url"))
    name = f"{url.database}_{request.module.__name__.rsplit('.', 1)[-1]}"
    with database_named(url.render_as_string(hide_password=False), name) as empty:
        yield empty


@pytest.fixture(scope="session")
def playwright_driver():
    """Playwright's driver, one per test process: its sync API runs an event
    loop in this thread, so a second one at the same time is refused."""
    from devtools.browser import CHROMIUM

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium")
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def redis_url(pytestconfig):
    """TEST_REDIS_URL with a database number of this test worker's own: the
    number it names, plus the worker's index (modulo Redis's 16), so a shared
    Redis is written only where the person running the tests said."""
    if not TEST_REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set: Redis rate-limit tests skipped")
    worker = _worker_suffix(pytestconfig)
    offset = int(worker[2:]) if worker.startswith("gw") else 0
    return with_redis_database(TEST_REDIS_URL, offset)


def with_redis_database(url: str, offset: int) -> str:
    """`url` pointing at its own database number plus `offset` (0-15)."""
    parts = urlsplit(url)
    given = parts.path.strip("/")
    number = (int(given) if given.isdigit() else 0) + offset
    return urlunsplit(parts._replace(path=f"/{number % 16}"))


@pytest.fixture(scope="session")
def reference_dir(tmp_path_factory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("reference"))


@pytest.fixture(scope="session")
def reference_data(reference_dir):
    return read_reference_data(reference_dir)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An empty schema built once; each test copies the file (much faster than create_all)."""
    path = tmp_path_factory.mktemp("schema") / "template.db"
    app = create_app(base_config(f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def postgres_schema(backend, request):
    """On PostgreSQL, the schema is created once per run and emptied per test."""
    if backend != "postgresql":
        return None
    url = request.getfixturevalue("postgres_url")
    app = create_app(base_config(url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return url


@pytest.fixture
def database_url(backend, tmp_path, request):
    if backend == "sqlite":
        path = tmp_path / "app.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_schema")
    engine = create_engine(url)
    with engine.begin() as conn:
        # A connection leaked by an earlier test would block TRUNCATE for ever.
        conn.execute(text("SET LOCAL lock_timeout = '10s'"))
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def make_app(database_url, reference_data):
    """make_app(**config) -> an app on this test's database, with reference data and the demo."""
    made = []

    def make(**overrides):
        app = create_app(base_config(database_url, **overrides))
        with app.app_context():
            if not made:
                from app.campaigns.demo import seed_demo_campaign

                apply_reference_data(reference_data)
                seed_demo_campaign()
            db.session.remove()
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(autouse=True)
def no_unexpected_smtp(monkeypatch):
    """Fail loudly if anything tries to send mail somewhere other than a test server."""
    real_connect = smtplib.SMTP.connect

    def guarded(self, host="localhost", port=0, source_address=None):
        if int(port) not in ALLOWED_SMTP_PORTS:
            pytest.fail(f"unexpected SMTP connection to {host}:{port}")
        return real_connect(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", guarded)


@pytest.fixture
def mail_server():
    """A real SMTP server for this test; the app is pointed at it by `mailed_app`."""
    catcher = MailCatcher().start()
    ALLOWED_SMTP_PORTS.add(catcher.port)
    yield catcher
    ALLOWED_SMTP_PORTS.discard(catcher.port)
    catcher.stop()


@pytest.fixture
def mailed_app(make_app, mail_server):
    """The app, sending to this test's mail server."""
    app = make_app(MAIL_PORT=mail_server.port)
    with app.app_context():
        yield app


def run_in_thread(target, *args, **kwargs) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, kwargs=kwargs, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def make_admin(app):
    """make_admin(email, role) -> (admin, totp secret), with two-factor already set up."""
    import pyotp

    from app.accounts.models import AdminUser
    from app.accounts.sign_in import create_admin

    def make(email="ada@example.org", role="admin"):
        admin = create_admin(email, ADMIN_PASSWORD, role)
        secret = pyotp.random_base32()
        db.session.get(AdminUser, admin.id).totp_secret = secret
        db.session.commit()
        return admin, secret

    return make


@pytest.fixture
def admin_client(app, make_admin):
    admin, secret = make_admin()
    client = app.test_client()
    assert sign_in(client, admin.email, secret).status_code == 303
    client.admin = admin
    return client


@pytest.fixture
def viewer_client(app, make_admin):
    viewer, secret = make_admin("vic@example.org", role="viewer")
    client = app.test_client()
    assert sign_in(client, viewer.email, secret).status_code == 303
    return client

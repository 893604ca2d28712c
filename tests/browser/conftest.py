"""Browser tests: Debian's Chromium driven by Playwright, against a live server.

Each test gets the app on a real socket, a delivery worker running in the
background (as in production), and a real SMTP server to read mail from.
"""

from __future__ import annotations

import threading

import pyotp
import pytest
from playwright.sync_api import expect

from app.accounts.models import AdminUser
from app.accounts.sign_in import create_admin
from app.extensions import db
from app.outbox.worker import run_worker
from devtools.browser import launch_chromium
from devtools.mailcatcher import free_port
from tests.builders.admins import ADMIN_PASSWORD
from tests.builders.processes import LiveServer

pytestmark = pytest.mark.browser


class BackgroundWorker:
    """The delivery worker, polling as it does in production."""

    def __init__(self, app):
        self.app = app
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        with self.app.app_context():
            run_worker(stop=self.stop_event)
            db.session.remove()

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stop_event.set()
        self.thread.join(10)


@pytest.fixture
def site_settings() -> dict:
    """More settings for `site`: a test module overrides this fixture."""
    return {}


@pytest.fixture
def site(make_app, mail_server, site_settings):
    """A running site whose SITE_URL (used in emailed links) is its own address."""
    port = free_port()
    app = make_app(
        **site_settings,
        MAIL_PORT=mail_server.port,
        SITE_URL=f"http://127.0.0.1:{port}",
        WTF_CSRF_ENABLED=True,
        MIN_FILL_SECONDS=1,
        WORKER_IDLE_SECONDS=0.1,
        QUESTIONNAIRE_AFTER_DAYS=0,  # did your MP reply? asked as soon as it is delivered
    )
    live = LiveServer(app, port).start()
    worker = BackgroundWorker(app).start()
    yield live
    worker.stop()
    live.stop()


@pytest.fixture
def inbox(mail_server):
    """The mail catcher's own web page, as bin/dev shows it: a writer's inbox."""
    from devtools.mailcatcher import create_viewer

    port = free_port()
    server = LiveServer(create_viewer(mail_server), port).start()
    yield server
    server.stop()


@pytest.fixture
def blog(site):
    """The fake partner blog (devtools/partner_blog.py) on another origin, registered as a partner."""
    from app.partners.registry import save_partner
    from devtools.partner_blog import create_blog

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with site.app.app_context():
        save_partner("test-blog", name="The Test Blog", origins=[url])
        db.session.remove()
    server = LiveServer(create_blog(site.url, partner="test-blog"), port).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(playwright_driver):
    browser = launch_chromium(playwright_driver)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def admin_secret(site):
    with site.app.app_context():
        admin = create_admin("ada@example.org", ADMIN_PASSWORD)
        secret = pyotp.random_base32()
        db.session.get(AdminUser, admin.id).totp_secret = secret
        db.session.commit()
        db.session.remove()
    return secret


def sign_in(page, site, secret):
    page.goto(f"{site.url}/admin/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()

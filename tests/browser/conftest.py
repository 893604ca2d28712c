"""Browser tests: Debian's Chromium driven by Playwright, against a live server.

Each test gets the app on a real socket, a delivery worker running in the
background (as in production), and a real SMTP server to read mail from.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from app.outbox.worker import run_worker
from devtools.browser import CHROMIUM, launch_chromium
from devtools.mailcatcher import free_port

pytestmark = pytest.mark.browser


class LiveServer:
    """The app served on a real socket by Werkzeug, in a background thread."""

    def __init__(self, app, port: int):
        self.app = app
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def wait_for_status(self, letter_id: int, status, timeout: float = 10.0):
        """Wait for a letter to reach a status. The SMTP server holds the letter a
        moment before the worker commits "sent", so checking at once would race."""
        from app.letters.models import Letter

        deadline = time.monotonic() + timeout
        with self.app.app_context():
            while True:
                letter = db.session.get(Letter, letter_id)
                if letter.status == status or time.monotonic() > deadline:
                    db.session.remove()
                    return letter.status
                db.session.remove()
                time.sleep(0.05)


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
def site(make_app, mail_server):
    """A running site whose SITE_URL (used in emailed links) is its own address."""
    port = free_port()
    app = make_app(
        MAIL_PORT=mail_server.port,
        SITE_URL=f"http://127.0.0.1:{port}",
        WTF_CSRF_ENABLED=True,
        MIN_FILL_SECONDS=1,
        WORKER_IDLE_SECONDS=0.1,
    )
    live = LiveServer(app, port).start()
    worker = BackgroundWorker(app).start()
    yield live
    worker.stop()
    live.stop()


@pytest.fixture
def blog(site):
    """The fake partner blog (devtools/partner_blog.py) on another origin, registered as a partner."""
    from app.partners.partners import save_partner
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
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()

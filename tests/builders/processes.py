"""The site's processes in tests: a worker's environment, and a live server."""

from __future__ import annotations

import os
import threading
import time

from werkzeug.serving import make_server

from app.extensions import db
from tests.builders.settings import SECRET


def worker_env(app, mail_port: int, **extra) -> dict:
    """The environment for `flask --app wsgi worker` against `app`'s database."""
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": SECRET,
        "SITE_URL": "http://localhost",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(mail_port),
        "MAIL_DEFAULT_SENDER": app.config["MAIL_DEFAULT_SENDER"],
        "LOG_LEVEL": "WARNING",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


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

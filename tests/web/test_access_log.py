"""The access log never holds a personal link's token: a real gunicorn serves
the personal links and its log is read back."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from devtools.mailcatcher import free_port
from tests.builders.settings import ROOT, SECRET

TOKENS = {
    "/confirm/": "c0nfirmT0kenSecret",
    "/alerts/confirm/": "subscr1beT0kenSecret",
    "/alerts/unsubscribe/": "unsubscr1beT0kenSecret",
    "/alerts/preferences/": "prefsT0kenSecret",
    "/a/": "cl1ckT0kenSecret",
    "/s/": "shareC0deSecret",
    "/your-data/": "yourDataT0kenSecret",
}


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError("gunicorn did not start")


def test_gunicorns_access_log_holds_no_personal_token(make_app, tmp_path):
    app = make_app()
    port, log = free_port(), tmp_path / "access.log"
    env = {**os.environ, "APP_ENV": "test", "SECRET_KEY": SECRET, "SITE_URL": "http://localhost",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "BIND": f"127.0.0.1:{port}",
           "WEB_CONCURRENCY": "1", "ACCESS_LOG": str(log)}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port)
        for prefix, token in TOKENS.items():
            path = f"{prefix}{token}" + ("/email" if prefix == "/s/" else "")
            # The tokens are not real: a 404 or a "link invalid" page.
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    lines = log.read_text()
    assert lines.count("<redacted>") == len(TOKENS), lines
    for token in TOKENS.values():
        assert token not in lines


def test_every_route_that_carries_a_token_is_redacted(app):
    """Walked from the routes themselves: a new personal link is covered as
    soon as its route names its secret `token` or `code`."""
    from werkzeug.routing import BuildError

    from app.web.access_log import PERSONAL_ARGUMENTS, RedactPersonalLinks, personal_link_pattern

    redact = RedactPersonalLinks(personal_link_pattern(app.url_map))
    adapter = app.url_map.bind("localhost")
    carrying = [r for r in app.url_map.iter_rules() if PERSONAL_ARGUMENTS & set(r.arguments)]
    assert len(carrying) >= 15  # every personal link the site has
    for rule in carrying:
        values = {name: f"Secret{name.title()}Value1" for name in rule.arguments}
        try:
            path = adapter.build(rule.endpoint, values, method=next(iter(rule.methods or {"GET"})))
        except BuildError:
            continue
        record = logging.LogRecord(
            "werkzeug", logging.INFO, "", 0, '"GET %s HTTP/1.1" 200', (path,), None
        )
        redact.filter(record)
        line = record.getMessage()
        for name in PERSONAL_ARGUMENTS & set(rule.arguments):
            assert values[name] not in line, f"{rule.rule}: {line}"
        assert "<redacted>" in line

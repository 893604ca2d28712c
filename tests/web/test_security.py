"""Headers, CSRF, cookies and rate limits."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from app.config import ConfigError, check_production
from app.extensions import db
from app.letters.models import Letter
from app.letters.submission import confirmation_token
from app.web.abuse import issue_form_ticket
from tests.builders.letters import LETTER, NO_MODERATION
from tests.builders.limits import limited_clients
from tests.builders.settings import ROOT

WRITE = "/c/mp-expenses/write"
SUBMIT = "/api/v1/campaigns/mp-expenses/messages"


def test_every_page_has_strict_security_headers(client):
    response = client.get("/c/mp-expenses")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http here


def test_hsts_over_https(client):
    response = client.get("/c/mp-expenses", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_have_no_inline_script_or_style(client):
    import re

    for url in ("/", "/c/mp-expenses", f"{WRITE}?postcode=TE1+1AA", f"{WRITE}?postcode=BT1+1AA"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\ssrc=)", html), url
        assert "<style" not in html, url
        assert " style=" not in html, url
        assert " onclick=" not in html, url


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


def test_compose_without_a_csrf_token_keeps_the_letter(csrf_app):
    client = csrf_app.test_client()
    form = {**LETTER, "form_ticket": issue_form_ticket(), "action": "send"}
    response = client.post(WRITE, data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "I run a small business" in html
    assert "csrf_token" in html  # a fresh token to try again with


def test_the_api_needs_no_csrf_token(csrf_app):
    client = csrf_app.test_client()
    ticket = client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]
    assert client.post(SUBMIT, json={**LETTER, "form_ticket": ticket}).status_code == 202


def test_production_cookies_are_secure(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True, WTF_CSRF_ENABLED=True)
    with app.app_context():
        response = app.test_client().get(f"{WRITE}?postcode=TE1+1AA")
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie


def test_production_refuses_a_cheap_password_hash():
    secure = {"SECRET_KEY": "k" * 32, "MAIL_DEFAULT_SENDER": "site@example.org",
              "SITE_URL": "https://example.org", "OPERATOR_CONTACT": "privacy@example.org"}  # fmt: skip
    check_production({**secure, "PASSWORD_HASH_PROFILE": "RFC_9106_LOW_MEMORY"})
    with pytest.raises(ConfigError, match="PASSWORD_HASH_PROFILE"):
        check_production({**secure, "PASSWORD_HASH_PROFILE": "CHEAPEST"})


def test_passwords_are_hashed_with_the_configured_profile(app):
    from app.accounts.sign_in import create_admin

    admin = create_admin("profile@example.com", "a long enough password")
    assert admin.password_hash.startswith("$argon2id$v=19$m=8,t=1,")  # the tests' CHEAPEST
    app.config["PASSWORD_HASH_PROFILE"] = "RFC_9106_LOW_MEMORY"
    strong = create_admin("strong@example.com", "a long enough password")
    assert strong.password_hash.startswith("$argon2id$v=19$m=65536,t=3,")


STORAGES = ["memory://", "redis"]


@pytest.fixture(params=STORAGES)
def limited(request, make_app):
    """make(**limits) -> a client with those limits, on memory:// or on Redis."""
    storage = request.param
    if storage == "redis":
        storage = request.getfixturevalue("redis_url")
    yield from limited_clients(make_app, storage)


def test_lookup_is_limited_per_ip_with_a_json_429(limited):
    client = limited(RATELIMIT_LOOKUP="3/minute")
    for _ in range(3):
        assert client.get("/api/v1/representatives?postcode=TE1 1AA").status_code == 200
    response = client.get("/api/v1/representatives?postcode=TE1 1AA")
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(response.headers["Retry-After"]) <= 60  # the minute's window
    # The widget shows the message: it says when, as the header does.
    error = response.get_json()["error"]
    assert error["retry_after"] == int(response.headers["Retry-After"])
    assert "You can try again in" in error["message"]
    # The microsite's lookup shares the same allowance.
    assert client.get(f"{WRITE}?postcode=TE1+1AA").status_code == 429
    other = client.get(
        "/api/v1/representatives?postcode=TE1 1AA", environ_base={"REMOTE_ADDR": "10.9.9.9"}
    )
    assert other.status_code == 200


def test_submit_is_limited_per_email(limited):
    client = limited(RATELIMIT_SUBMIT_PER_EMAIL="2/hour")
    ticket = lambda: client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]  # noqa: E731
    for ip in ("10.0.0.1", "10.0.0.2"):
        client.post(
            SUBMIT, json={**LETTER, "form_ticket": ticket()}, environ_base={"REMOTE_ADDR": ip}
        )
    response = client.post(
        SUBMIT, json={**LETTER, "form_ticket": ticket()}, environ_base={"REMOTE_ADDR": "10.0.0.3"}
    )
    assert response.status_code == 429


def test_lookup_windows_are_all_checked_and_the_full_one_sets_retry_after(limited):
    client = limited(RATELIMIT_LOOKUP="100/minute;2/hour")
    url = "/api/v1/representatives?postcode=TE1 1AA"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert 60 < int(client.get(url).headers["Retry-After"]) <= 3600  # the hour's window


def _send_letter(client, email: str, ip: str):
    ticket = client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]
    return client.post(
        SUBMIT,
        json={**LETTER, "email": email, "form_ticket": ticket},
        environ_base={"REMOTE_ADDR": ip},
    )


def _confirm(client, email: str, ip: str):
    letter = db.session.scalar(select(Letter).where(Letter.sender_email == email))
    return client.post(f"/confirm/{confirmation_token(letter)}", environ_base={"REMOTE_ADDR": ip})


def test_junk_naming_an_address_spends_none_of_its_allowance(limited):
    client = limited(RATELIMIT_SUBMIT_PER_EMAIL="2/hour")
    for ticket in (None, "forged", 12345, True, ""):
        junk = client.post(SUBMIT, json={**LETTER, "form_ticket": ticket},
                           environ_base={"REMOTE_ADDR": "10.6.6.6"})  # fmt: skip
        assert junk.status_code == 400
    assert _send_letter(client, LETTER["email"], "10.2.0.9").status_code == 202
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 1


def test_junk_for_an_mp_does_not_silence_its_constituents(limited):
    """Only confirmed letters count against an MP: unconfirmed junk from many
    addresses spends nothing of it."""
    client = limited(RATELIMIT_SUBMIT_PER_MP="3/hour")
    for n in range(10):
        assert _send_letter(client, f"junk{n}@example.com", f"10.7.0.{n}").status_code == 202
    assert _send_letter(client, "real@example.com", "10.7.1.1").status_code == 202
    assert _confirm(client, "real@example.com", "10.7.1.1").status_code == 303


def test_confirmations_are_limited_per_mp(limited):
    client = limited(RATELIMIT_SUBMIT_PER_MP="2/hour", **NO_MODERATION)
    for n in range(3):
        _send_letter(client, f"p{n}@example.com", f"10.1.0.{n}")
    codes = [_confirm(client, f"p{n}@example.com", f"10.1.0.{n}").status_code for n in range(3)]
    assert codes == [303, 303, 429]
    # Another MP is not affected.
    ticket = client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]
    client.post(
        SUBMIT,
        json={**LETTER, "postcode": "TE2 2BB", "email": "q@example.com", "form_ticket": ticket,
              "body": LETTER["body"].replace("Alice Able", "Bob Baker")},
        environ_base={"REMOTE_ADDR": "10.1.1.1"},
    )  # fmt: skip
    assert _confirm(client, "q@example.com", "10.1.1.1").status_code == 303


def test_share_visits_are_counted_once_per_visitor(limited):
    from app.sharing.models import ShareEvent, ShareKind

    client = limited()
    _send_letter(client, LETTER["email"], "10.8.0.1")
    code = db.session.scalar(select(Letter.share_code))
    for _ in range(100):
        assert (
            client.get(f"/s/{code}/x", environ_base={"REMOTE_ADDR": "10.8.8.8"}).status_code == 302
        )
    client.get(f"/s/{code}/x", environ_base={"REMOTE_ADDR": "10.8.8.9"})
    visits = db.session.scalar(select(func.count()).where(ShareEvent.kind == ShareKind.VISIT))
    assert visits == 2


def test_previews_do_not_count_but_sends_do(limited):
    client = limited(RATELIMIT_SUBMIT_PER_IP="1/hour")
    form = {**LETTER, "form_ticket": issue_form_ticket()}
    for _ in range(3):
        assert client.post(WRITE, data={**form, "action": "preview"}).status_code == 200
    assert client.post(WRITE, data={**form, "action": "send"}).status_code == 303
    response = client.post(WRITE, data={**form, "email": "b@example.com", "action": "send"})
    assert response.status_code == 429
    assert "too many times" in response.get_data(as_text=True)


def test_confirm_is_limited_per_ip(limited):
    client = limited(RATELIMIT_CONFIRM="2/hour")
    assert [client.post("/confirm/nope").status_code for _ in range(3)] == [404, 404, 429]


@pytest.mark.parametrize("strategy", ["fixed-window", "moving-window"])
def test_with_the_rate_limits_store_unreachable_requests_are_refused_and_nothing_kept(
    make_app, caplog, strategy
):
    # Nothing listens there. The fixed window (the default) is one Lua call;
    # any other strategy goes through the limits library's own calls.
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0", RATELIMIT_STRATEGY=strategy)
    client = app.test_client()
    ticket = client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]  # not limited

    lookup = client.get("/api/v1/representatives?postcode=TE1 1AA")
    letter = client.post(SUBMIT, json={**LETTER, "form_ticket": ticket})
    page = client.post(WRITE, data={**LETTER, "form_ticket": ticket, "action": "send"})

    assert lookup.status_code == 200  # its allowance is kept in the process
    assert letter.status_code == 503
    assert letter.get_json()["error"]["code"] == "unavailable"
    assert letter.headers["Retry-After"] == "30"
    assert page.status_code == 503
    assert "try again in a minute" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Letter)) == 0
    assert "rate limits unavailable" in caplog.text
    assert LETTER["email"] not in caplog.text


def _gunicorn_check(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env={**os.environ, "SECRET_KEY": "k" * 40, "MAIL_DEFAULT_SENDER": "site@example.org",
             "SITE_URL": "https://example.org", "DATABASE_URL": "sqlite:///:memory:",
             "OPERATOR_CONTACT": "privacy@example.org", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip


def test_production_refuses_per_process_rate_limits_with_several_processes():
    refused = _gunicorn_check(
        APP_ENV="production", RATELIMIT_STORAGE_URI="memory://", WEB_CONCURRENCY="3"
    )
    assert refused.returncode != 0
    assert "RATELIMIT_STORAGE_URI is memory:// with 3 processes" in refused.stderr + refused.stdout
    one = _gunicorn_check(
        APP_ENV="production", RATELIMIT_STORAGE_URI="memory://", WEB_CONCURRENCY="1"
    )
    assert one.returncode == 0, one.stderr
    shared = _gunicorn_check(
        APP_ENV="production", RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", WEB_CONCURRENCY="3"
    )
    assert shared.returncode == 0, shared.stderr

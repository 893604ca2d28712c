"""Who may use the dashboard: sign-in, two-factor, sessions, roles, throttling."""

from __future__ import annotations

import re

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.accounts.models import AdminSession, AdminUser
from app.extensions import db
from app.web.admin import SIGN_IN_ENDPOINTS
from tests.builders.admins import ADMIN_PASSWORD, sign_in, totp_code
from tests.builders.browsers import OWN_FORM


def admin_routes(app):
    """Every (url, method) under the admin blueprint, with placeholder arguments."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or rule.endpoint in SIGN_IN_ENDPOINTS:
            continue
        url = rule.build(dict.fromkeys(rule.arguments, 1), append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield url, method


def test_the_route_list_covers_the_dashboard(app):
    routes = list(admin_routes(app))
    assert len(routes) >= 25
    assert ("/admin/", "GET") in routes
    assert ("/admin/moderation/1/release", "POST") in routes


def test_every_admin_route_refuses_anyone_not_signed_in(app, client):
    for url, method in admin_routes(app):
        response = client.open(url, method=method)
        if method == "GET":
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/admin/login"), url
        else:
            assert response.status_code == 401, (method, url)


def test_a_viewer_can_look_but_not_change_anything(app, viewer_client):
    for url, method in admin_routes(app):
        if method != "GET" and url != "/admin/logout":
            assert viewer_client.open(url, method=method).status_code == 403, (method, url)
    assert viewer_client.get("/admin/").status_code == 200
    assert viewer_client.get("/admin/exports/letters.csv?personal=1").status_code == 403
    assert viewer_client.get("/admin/exports/subscribers.csv").status_code == 403
    assert viewer_client.get("/admin/exports/letters.csv").status_code == 200


def test_a_viewer_sees_no_subscribers_addresses(app, viewer_client, admin_client):
    from app.alerts.subscribers import record_consent

    record_consent("reader@example.com", source="site")
    db.session.commit()
    assert viewer_client.get("/admin/subscribers").status_code == 403
    assert "reader@example.com" not in viewer_client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/subscribers"' not in viewer_client.get("/admin/").get_data(as_text=True)
    assert "reader@example.com" in admin_client.get("/admin/subscribers").get_data(as_text=True)


def test_signing_in_needs_the_password_and_then_a_code(app, client, make_admin):
    admin, secret = make_admin()
    wrong = client.post("/admin/login", data={"email": admin.email, "password": "nope"})
    assert wrong.status_code == 200
    assert "do not match" in wrong.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302  # not signed in
    response = client.post("/admin/login", data={"email": admin.email, "password": ADMIN_PASSWORD})
    assert response.headers["Location"] == "/admin/verify"
    assert client.get("/admin/").status_code == 302  # a password alone is not enough
    response = client.post("/admin/verify", data={"code": "000000"})
    assert "not right" in response.get_data(as_text=True)
    response = client.post("/admin/verify", data={"code": totp_code(secret)})
    assert response.status_code == 303
    assert client.get("/admin/").status_code == 200


def test_an_unknown_account_gets_the_same_answer(client, make_admin):
    make_admin()
    known = client.post("/admin/login", data={"email": "ada@example.org", "password": "wrong"})
    unknown = client.post("/admin/login", data={"email": "nobody@example.org", "password": "wrong"})
    strip = lambda r: re.sub(r'name="csrf_token"[^>]*>|value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(known) == strip(unknown)


def test_a_used_code_is_refused_a_second_time(app, make_admin):
    admin, secret = make_admin()
    first, second = app.test_client(), app.test_client()
    code = totp_code(secret)
    first.post("/admin/login", data={"email": admin.email, "password": ADMIN_PASSWORD})
    assert first.post("/admin/verify", data={"code": code}).status_code == 303
    second.post("/admin/login", data={"email": admin.email, "password": ADMIN_PASSWORD})
    reused = second.post("/admin/verify", data={"code": code})
    assert reused.status_code == 200
    assert "already been used" in reused.get_data(as_text=True)
    assert second.get("/admin/").status_code == 302
    # The next code works.
    assert second.post("/admin/verify", data={"code": totp_code(secret, 1)}).status_code == 303


def test_a_new_admin_enrols_with_a_qr_code(app, client):
    from app.accounts.sign_in import create_admin

    create_admin("new@example.org", ADMIN_PASSWORD)
    response = client.post(
        "/admin/login", data={"email": "new@example.org", "password": ADMIN_PASSWORD}
    )
    assert response.headers["Location"] == "/admin/enrol"
    page = client.get("/admin/enrol").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    assert client.post("/admin/enrol", data={"code": "123456"}).status_code == 200
    assert client.post("/admin/enrol", data={"code": totp_code(secret)}).status_code == 303
    assert (
        db.session.scalar(select(AdminUser.totp_secret).where(AdminUser.email == "new@example.org"))
        == secret
    )
    assert client.get("/admin/").status_code == 200


def test_each_sign_in_is_a_new_session_and_sign_out_ends_it(app, make_admin):
    admin, secret = make_admin()
    client = app.test_client()
    sign_in(client, admin.email, secret)
    first = client.get_cookie("admin_session", path="/admin").value
    client.post("/admin/logout")
    assert client.get("/admin/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("admin_session", first, path="/admin")
    assert thief.get("/admin/").status_code == 302  # the old token is dead
    sign_in(client, admin.email, secret, steps_ahead=1)
    assert client.get_cookie("admin_session", path="/admin").value != first


def test_the_session_cookie_is_locked_down(make_app, make_admin):
    app = make_app(SESSION_COOKIE_SECURE=True)
    with app.app_context():
        admin, secret = make_admin()
        client = app.test_client()
        client.post("/admin/login", data={"email": admin.email, "password": ADMIN_PASSWORD})
        response = client.post("/admin/verify", data={"code": totp_code(secret)})
        cookie = next(
            c for c in response.headers.getlist("Set-Cookie") if c.startswith("admin_session=")
        )
        for flag in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/admin"):
            assert flag in cookie
        stored = db.session.scalars(select(AdminSession)).one()
        assert cookie.split(";")[0].split("=", 1)[1] not in stored.token_hash  # only a hash is kept


def test_sessions_expire_when_idle_and_after_a_working_day(app, make_admin):
    admin, secret = make_admin()
    with freeze_time("2026-11-23 09:00") as clock:
        client = app.test_client()
        sign_in(client, admin.email, secret)
        clock.tick(29 * 60)
        assert client.get("/admin/").status_code == 200
        clock.tick(31 * 60)
        assert client.get("/admin/").status_code == 302  # idle too long
    with freeze_time("2026-11-24 09:00") as clock:
        client = app.test_client()
        sign_in(client, admin.email, secret)
        for _ in range(17):
            clock.tick(29 * 60)
            client.get("/admin/")
        assert client.get("/admin/").status_code == 302  # past 8 hours, however busy


def test_a_stranger_cannot_lock_an_admin_out(make_app, make_admin):
    app = make_app(RATELIMIT_ADMIN_LOGIN_PER_ACCOUNT="3/15minute;5/hour")
    with app.app_context():
        admin, secret = make_admin()
        stranger = app.test_client()
        guesses = [
            stranger.post(
                "/admin/login",
                data={"email": admin.email, "password": "guess"},
                environ_base={"REMOTE_ADDR": "10.3.0.66"},
            )
            for _ in range(4)
        ]
        assert [r.status_code for r in guesses] == [200, 200, 200, 429]
        refused = guesses[-1]
        assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
        assert "You can try again in" in refused.get_data(as_text=True)
        # The admin, from their own address, signs in as usual.
        own = app.test_client()
        own.environ_base["REMOTE_ADDR"] = "10.3.0.7"
        assert sign_in(own, admin.email, secret).status_code == 303


def test_successful_sign_ins_never_count(make_app, make_admin):
    app = make_app(
        RATELIMIT_ADMIN_LOGIN_PER_ACCOUNT="3/15minute", RATELIMIT_ADMIN_LOGIN_PER_IP="3/hour"
    )
    with app.app_context():
        admin, _ = make_admin()
        client = app.test_client()
        for _ in range(6):
            response = client.post(
                "/admin/login", data={"email": admin.email, "password": ADMIN_PASSWORD}
            )
            assert response.status_code == 303


def test_sign_in_is_throttled_per_ip(make_app):
    app = make_app(RATELIMIT_ADMIN_LOGIN_PER_IP="3/hour")
    with app.app_context():
        client = app.test_client()
        codes = [
            client.post(
                "/admin/login", data={"email": f"u{i}@example.org", "password": "x"}
            ).status_code
            for i in range(4)
        ]
        assert codes == [200, 200, 200, 429]


def test_a_deactivated_admin_is_signed_out(app, admin_client):
    db.session.get(AdminUser, admin_client.admin.id).active = False
    db.session.commit()
    assert admin_client.get("/admin/").status_code == 302


def test_next_only_leads_inside_the_dashboard(app, client, make_admin):
    admin, secret = make_admin()
    client.post(
        "/admin/login?next=https://evil.example/x",
        data={"email": admin.email, "password": ADMIN_PASSWORD},
    )
    response = client.post("/admin/verify", data={"code": totp_code(secret)})
    assert response.headers["Location"] == "/admin/"
    client.post("/admin/logout")
    client.post(
        "/admin/login?next=/admin/letters", data={"email": admin.email, "password": ADMIN_PASSWORD}
    )
    response = client.post("/admin/verify", data={"code": totp_code(secret, 1)})
    assert response.headers["Location"] == "/admin/letters"


def test_admin_pages_are_never_cached(admin_client):
    response = admin_client.get("/admin/")
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_admin_cli_creates_lists_and_resets(runner, app):
    result = runner.invoke(args=["admin", "create", "cli@example.org", "--role", "viewer", "--password-stdin"],
                           input=ADMIN_PASSWORD + "\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created viewer cli@example.org" in result.output
    short = runner.invoke(
        args=["admin", "create", "x@example.org", "--password-stdin"], input="short\n"
    )
    assert short.exit_code == 1
    assert "at least 12 characters" in short.output
    assert (
        "cli@example.org\tviewer\tactive\t2FA not set up"
        in runner.invoke(args=["admin", "list"]).output
    )
    assert runner.invoke(args=["admin", "reset-2fa", "cli@example.org"]).exit_code == 0


def test_passwords_are_argon2id(app, make_admin):
    admin, _ = make_admin()
    assert db.session.get(AdminUser, admin.id).password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("path", ["/admin/login", "/admin/verify", "/admin/enrol"])
def test_sign_in_pages_need_csrf_tokens(make_app, path):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        assert (
            app.test_client()
            .post(path, data={"email": "a@b.c", "password": "x"}, headers=OWN_FORM)
            .status_code
            == 400  # the form again, with a token: nothing was done
        )

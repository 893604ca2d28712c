"""Admin accounts in tests: their password, TOTP codes and signing in."""

from __future__ import annotations

import time

import pyotp

ADMIN_PASSWORD = "correct horse battery staple"


def totp_code(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` 30-second steps later)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def sign_in(client, email: str, secret: str, *, steps_ahead: int = 0):
    """Sign in through the real pages: password, then a TOTP code."""
    response = client.post("/admin/login", data={"email": email, "password": ADMIN_PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client.post("/admin/verify", data={"code": totp_code(secret, steps_ahead)})


def signed_in_client(app, email: str = "ops@example.org", role: str = "admin"):
    """A test client of `app` signed in as a new admin with two-factor set up."""
    from app.accounts.models import AdminUser
    from app.accounts.sign_in import create_admin
    from app.extensions import db

    admin = create_admin(email, ADMIN_PASSWORD, role)
    secret = pyotp.random_base32()
    db.session.get(AdminUser, admin.id).totp_secret = secret
    db.session.commit()
    client = app.test_client()
    assert sign_in(client, email, secret).status_code == 303
    return client

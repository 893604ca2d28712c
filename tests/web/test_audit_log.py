"""The audit log holds what a security reviewer needs (failed sign-ins too),
not one row per letter a page happened to show, and says it in words."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import AuditEvent
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from tests.builders.admins import ADMIN_PASSWORD, sign_in
from tests.builders.letters import PERSONAL_BODY, confirmed_letter


def entries() -> list[AuditEvent]:
    db.session.commit()
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_failed_sign_ins_are_recorded_without_the_address_typed(app, make_admin):
    admin, _secret = make_admin()
    client = app.test_client()
    client.post("/admin/login", data={"email": admin.email, "password": "not the password!"})
    client.post("/admin/login", data={"email": "typo@example.org", "password": ADMIN_PASSWORD})
    client.post("/admin/login", data={"email": admin.email, "password": ADMIN_PASSWORD})
    client.post("/admin/verify", data={"code": "000000"})
    refused = [(e.action, e.target_id, e.detail) for e in entries() if "refused" in e.action]
    assert refused == [
        ("admin.sign_in_refused", str(admin.id), "wrong password"),
        ("admin.sign_in_refused", "", "no such admin"),
        ("admin.code_refused", str(admin.id), ""),
    ]
    assert not any("typo@example.org" in f"{e.actor} {e.detail}" for e in entries())


def test_a_moderation_page_is_one_entry_however_many_letters_it_shows(app, make_admin):
    for n in range(3):
        letter = confirmed_letter(email=f"w{n}@example.com", key=f"k{n}",
                                  body=PERSONAL_BODY.replace("small business", f"shop {n}"))  # fmt: skip
        held = db.session.get(Letter, letter.id)
        if held.status != LetterStatus.HELD:  # (moderation may have held it already)
            held.move_to(LetterStatus.HELD, detail="for the test")
        db.session.commit()
    admin, secret = make_admin()
    client = app.test_client()
    sign_in(client, admin.email, secret)
    client.get("/admin/moderation")
    viewed = [e for e in entries() if "viewed" in e.action]
    assert len(viewed) == 1
    assert viewed[0].action == "letters.bodies_viewed"
    assert viewed[0].detail.count(",") == 2  # the three letters shown, named once
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "letters read on the moderation page" in page
    assert "signed in" in page
    assert "admin.login" not in page

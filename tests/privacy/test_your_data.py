"""Your data, on request, end to end: the link goes by email to the address
alone; from it a download (JSON) and a deletion that keeps the counts. The
request page answers the same for a known and an unknown address."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from app.accounts.models import AuditEvent
from app.alerts.models import Subscriber, SubscriberStatus
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.reports import stats
from tests.builders.alerts import subscriber
from tests.builders.letters import confirmed_letter, submit
from tests.builders.outbox import deliver


def link_from(mail_server, address: str) -> str:
    [mail] = [m for m in mail_server.to(address) if m["Subject"].startswith("Your data")]
    return re.search(r"http://localhost(/your-data/\S+)", mail.text).group(1)


def test_download_and_delete_end_to_end(mailed_app, mail_server):
    client = mailed_app.test_client()
    sent = confirmed_letter(email="jane@example.com", key="sent")
    subscriber("jane@example.com")
    deliver()
    db.session.expire_all()  # (the test client's requests share this session)
    mail_server.clear()
    known = client.post("/your-data", data={"email": "Jane@Example.com"})
    unknown = client.post("/your-data", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)  # no oracle
    deliver()
    link = link_from(mail_server, "jane@example.com")

    download = client.post(link, data={"action": "download"})
    assert download.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(download.get_data(as_text=True))
    assert data["email"] == "jane@example.com"
    [letter] = data["letters"]
    assert letter["name"] == "Jane Smith"
    assert letter["status"] == "sent"
    assert data["alerts"]["status"] == "confirmed"
    assert data["alerts"]["consents"][0]["wording"]

    totals = stats.totals(None)
    asked = client.post(link, data={"action": "delete"})
    assert "Delete everything we hold about this address?" in asked.get_data(as_text=True)
    done = client.post(link, data={"action": "delete", "confirm": "yes"})
    assert "We erased 1 letter and 1 alert subscription" in done.get_data(as_text=True)
    db.session.expire_all()
    erased = db.session.get(Letter, sent.id)
    assert (erased.sender_name, erased.sender_email, erased.body) == ("", "", "")
    assert stats.totals(None) == totals  # counts kept
    gone = db.session.scalar(select(Subscriber))
    assert gone.email.startswith("erased:")
    assert gone.status == SubscriberStatus.UNSUBSCRIBED
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert {"privacy.data_downloaded", "privacy.data_deleted"} <= set(actions)
    details = " ".join(db.session.scalars(select(AuditEvent.detail)).all())
    assert "jane" not in details  # audited without personal data


def test_deleting_cancels_a_letter_not_yet_sent(mailed_app, mail_server):
    client = mailed_app.test_client()
    pending = submit(email="jane@example.com", key="p")
    client.post("/your-data", data={"email": "jane@example.com"})
    deliver()
    link = link_from(mail_server, "jane@example.com")
    client.post(link, data={"action": "delete", "confirm": "yes"})
    db.session.expire_all()
    assert db.session.get(Letter, pending.id).status == LetterStatus.CANCELLED
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 1


def test_a_forged_link_shows_nothing(client):
    response = client.get("/your-data/forged.token.here")
    assert response.status_code == 404
    assert "This link does not work" in response.get_data(as_text=True)


def test_the_link_carries_the_address_sealed_not_readable(mailed_app, mail_server):
    import base64
    from datetime import timedelta

    from freezegun import freeze_time

    from app.db import utcnow

    client = mailed_app.test_client()
    client.post("/your-data", data={"email": "private.person@example.com"})
    deliver()
    link = link_from(mail_server, "private.person@example.com")
    token = link.rsplit("/", 1)[1].split("?")[0]
    for part in token.split("."):
        decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        assert b"private.person" not in decoded  # nothing in history or a proxy's log
    assert client.get(link).status_code == 200
    tampered = link.replace(token, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    assert client.get(tampered).status_code == 404
    with freeze_time(utcnow() + timedelta(hours=25)):
        assert client.get(link).status_code != 200  # a day, then gone

"""A partner's own figures: its page (a signed link) and the API."""

from __future__ import annotations

import re
from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import update

from app.api_keys.keys import issue
from app.api_keys.models import Scope
from app.db import utcnow
from app.extensions import db
from app.letters.models import Attribution, Letter, LetterStatus, Source
from app.partners.registry import save_partner, set_active
from tests.builders.admins import sign_in
from tests.builders.letters import NO_MODERATION, confirmed_letter, submit


def through(partner, **changes):
    return confirmed_letter(
        attribution=Attribution(source=Source.WIDGET, partner_id=partner.id), **changes
    )


def seeded(make_app):
    app = make_app(**NO_MODERATION)
    ctx = app.app_context()
    ctx.push()
    gazette = save_partner("gazette", name="The Test Gazette", origins=["https://g.example"])
    other = save_partner("herald", name="The Test Herald", origins=["https://h.example"])
    first = through(gazette)
    through(gazette, email="sam@example.com", name="Sam Jones")
    through(other, email="kim@example.com", name="Kim Lee")
    submit(
        email="pat@example.com",
        name="Pat Moss",
        attribution=Attribution(source=Source.WIDGET, partner_id=gazette.id),
    )  # unconfirmed
    referred = confirmed_letter(email="ray@example.com", name="Ray Fox")
    db.session.execute(update(Letter).where(Letter.id == referred.id)
                       .values(referred_by_id=first.id))  # fmt: skip
    db.session.execute(update(Letter).where(Letter.id == first.id)
                       .values(status=LetterStatus.SENT, sent_at=utcnow()))  # fmt: skip
    db.session.commit()
    return app, ctx, gazette, first


def test_a_partner_sees_its_own_figures_through_its_link(make_app, make_admin):
    app, ctx, _gazette, first = seeded(make_app)
    try:
        admin, secret = make_admin()
        client = app.test_client()
        sign_in(client, admin.email, secret)
        listing = client.get("/admin/partners").get_data(as_text=True)
        link = re.search(r"http://localhost(/partners/figures/[^<\s]+)", listing)
        path = link.group(1)
        public = app.test_client()
        page = public.get(path)
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["Referrer-Policy"] == "no-referrer"
        html = page.get_data(as_text=True)
        assert "<dt>Letters confirmed</dt><dd>2</dd>" in html
        assert "<dt>Delivered to MPs</dt><dd>1</dd>" in html
        assert "<dt>Written by people your readers' letters brought</dt><dd>1</dd>" in html
        assert "<dd>1.00</dd>" in html  # one letter caused per letter delivered
        assert first.mp.name in html
        assert "The Test Herald" not in html
        assert public.get(path[:-2] + "xx").status_code == 404  # altered
        with freeze_time(utcnow() + timedelta(days=91)):
            assert public.get(path).status_code == 404  # expired
        set_active("gazette", False)
        assert public.get(path).status_code == 404  # the partner disabled
    finally:
        ctx.pop()


def test_the_api_gives_a_partner_the_same_figures(make_app):
    app, ctx, _gazette, _first = seeded(make_app)
    try:
        client = app.test_client()
        own = issue("Gazette", [Scope.READ_OUTREACHES], partner_slug="gazette").key
        body = client.get("/api/osdi/v1/figures", headers={"OSDI-API-Token": own}).get_json()
        assert body["confirmed"] == 2
        assert body["delivered"] == 1
        assert body["referred"] == 1
        assert body["k_factor"] == 1.0
        assert len(body["per_day"]) == 30
        assert sum(day["letters"] for day in body["per_day"]) == 2
        assert [row["letters"] for row in body["by_mp"]] == [2]
        organisation = issue("Ours", [Scope.READ_OUTREACHES]).key
        headers = {"OSDI-API-Token": organisation}
        assert client.get("/api/osdi/v1/figures", headers=headers).status_code == 400
        named = client.get("/api/osdi/v1/figures?partner=gazette", headers=headers).get_json()
        assert named == body
        people_only = issue("People", [Scope.READ_PEOPLE]).key
        assert client.get("/api/osdi/v1/figures?partner=gazette",
                          headers={"OSDI-API-Token": people_only}).status_code == 403  # fmt: skip
    finally:
        ctx.pop()

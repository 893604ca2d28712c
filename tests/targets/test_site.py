"""Targets on the site: the writer's choice on the letter form, and the admin
pages that load lists and set a campaign's targets (Flask's test client)."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from app.accounts.models import AuditEvent
from app.extensions import db
from app.letters.models import Letter
from app.targets.campaigns import settings_for
from app.targets.models import TargetList
from app.web.abuse import issue_form_ticket
from tests.builders.admins import sign_in
from tests.builders.letters import LETTER, demo_campaign
from tests.builders.targets import COUNCILLORS, NATIONAL, list_csv, targeted_campaign

WRITE = "/c/mp-expenses/write"


def page(response) -> str:
    return response.get_data(as_text=True)


def letter_form(**changes) -> dict:
    return {**LETTER, "form_ticket": issue_form_ticket(), "website": "", **changes}


def test_the_writer_sees_their_targets_ticked_and_their_mp(client):
    targeted_campaign(demo_campaign())
    text = page(client.get(f"{WRITE}?postcode=TE1+1AA"))
    assert "<h1>Write your letter</h1>" in text
    assert "<legend>Who to write to</legend>" in text
    for name in ("Alice Able", "Pat Quill", "Robin Vale", "Lee Moss", "Morgan Example"):
        assert name in text
    assert "Sam Reed" not in text  # the other district's
    assert text.count('name="targets"') == 5
    assert text.count("checked") == 5  # all ticked at first (the campaign's choice)


def test_the_preview_lists_each_recipient_and_sending_stores_them(client):
    campaign = targeted_campaign(demo_campaign())
    quill = (
        f"{db.session.scalar(select(TargetList.id).where(TargetList.slug == 'councillors'))}:quill"
    )
    preview = client.post(WRITE, data=letter_form(targets=["mp", quill]))
    text = page(preview)
    assert preview.status_code == 200
    assert "Alice Able, MP for Testington North" in text
    assert "Pat Quill, Councillor for Testington East" in text
    assert "Morgan Example" not in text
    assert f'<input type="hidden" name="targets" value="{quill}">' in text

    sent = client.post(WRITE, data=letter_form(targets=["mp", quill], action="send"))
    assert sent.status_code == 303
    letter = db.session.scalars(select(Letter)).one()
    assert letter.to_mp
    assert [r.name for r in letter.recipients] == ["Pat Quill"]
    assert letter.campaign_id == campaign.id


def test_choosing_no_one_is_explained_on_the_field_and_keeps_the_letter(client):
    targeted_campaign(demo_campaign(), most=2)
    refused = client.post(WRITE, data=letter_form(targets=[]))
    text = page(refused)
    assert refused.status_code == 422
    assert 'href="#targets-0">Choose at least one person to write to.</a>' in text
    assert 'id="targets-error"' in text
    assert 'aria-describedby="targets-hint targets-error"' in text
    assert LETTER["body"].splitlines()[2] in text  # nothing typed is lost
    too_many = client.post(WRITE, data=letter_form(targets=["mp", "1:quill", "1:vale"]))
    assert "Choose at most 2 people to write to." in page(too_many)
    assert db.session.scalars(select(Letter)).first() is None


def test_a_writer_with_no_one_to_write_to_is_told_so(client):
    targeted_campaign(demo_campaign(), mp="never", lists=("councillors",))
    text = page(client.get(f"{WRITE}?postcode=CF1+1AA"))  # none of these councils in Wales
    assert "This campaign has no one for you to write to" in text


def test_an_admin_loads_a_list_and_a_bad_file_changes_nothing(app, make_admin):
    admin, secret = make_admin()
    client = app.test_client()
    sign_in(client, admin.email, secret)
    bad = list_csv([{**COUNCILLORS[0], "area_type": "parish"}, {**COUNCILLORS[1], "email": ""}])
    refused = client.post("/admin/targets", content_type="multipart/form-data", data={
        "slug": "councillors", "name": "Testington councillors", "source": "made up for tests",
        "file": (io.BytesIO(bad.encode()), "councillors.csv"),
    })  # fmt: skip
    text = page(refused)
    assert refused.status_code == 422
    assert "Nothing was loaded: 2 problems" in text
    assert "line 3: give an email or a postal address (or both)" in text
    assert "line 2: area_type &#39;parish&#39; is not one of" in text
    assert db.session.scalar(select(TargetList)) is None

    good = list_csv(COUNCILLORS + NATIONAL)
    loaded = client.post("/admin/targets", content_type="multipart/form-data", data={
        "slug": "councillors", "name": "Testington councillors", "source": "made up for tests",
        "file": (io.BytesIO(good.encode()), "councillors.csv"),
    })  # fmt: skip
    assert loaded.status_code == 303
    listed = page(client.get(loaded.headers["Location"]))
    assert "Its 5 targets" in listed
    assert "Pat Quill" in listed
    assert "made up for tests" in listed

    campaign = demo_campaign()
    saved = client.post(f"/admin/campaigns/{campaign.id}/targets", data={
        "mp": "offered", "lists": ["councillors"], "choice": "some", "most": "3",
        "preselected": "y", "offer_at_random": "0", "excluded": "councillors:vale",
    })  # fmt: skip
    assert saved.status_code == 303
    settings = settings_for(campaign.id)
    assert (settings.mp, settings.lists, settings.most) == ("offered", ("councillors",), 3)
    assert settings.excluded == ("councillors:vale",)
    form = page(client.get(f"/admin/campaigns/{campaign.id}/targets"))
    assert "councillors:vale" in form

    wrong = client.post(f"/admin/campaigns/{campaign.id}/targets", data={
        "mp": "never", "choice": "some", "most": "0", "offer_at_random": "0", "excluded": "",
    })  # fmt: skip
    assert wrong.status_code == 422
    assert "a campaign that does not write to MPs needs a target list" in page(wrong)

    cleared = client.post(f"/admin/campaigns/{campaign.id}/targets/clear")
    assert cleared.status_code == 303
    assert settings_for(campaign.id) is None
    db.session.rollback()
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert [
        a for a in actions if a.startswith("targets.")] == ["targets.loaded", "targets.campaign_set", "targets.campaign_cleared"]  # fmt: skip


def test_a_viewer_sees_the_lists_but_cannot_load_one(app, make_admin):
    admin, secret = make_admin(role="viewer")
    client = app.test_client()
    sign_in(client, admin.email, secret)
    assert client.get("/admin/targets").status_code == 200
    refused = client.post("/admin/targets", content_type="multipart/form-data", data={
        "slug": "councillors", "file": (io.BytesIO(list_csv(COUNCILLORS).encode()), "c.csv"),
    })  # fmt: skip
    assert refused.status_code == 403


def test_the_dashboard_counts_letters_to_other_targets_by_body(admin_client):
    campaign = targeted_campaign(demo_campaign())
    client = admin_client
    quill = (
        f"{db.session.scalar(select(TargetList.id).where(TargetList.slug == 'councillors'))}:quill"
    )
    for n in range(2):
        sent = client.post(WRITE, data=letter_form(
            targets=["mp", quill], action="send", email=f"writer{n}@example.com"))  # fmt: skip
        assert sent.status_code == 303
    text = page(client.get(f"/admin/?campaign={campaign.slug}"))
    assert "Letters to others besides MPs, by body" in text
    row = re.search(r"<th scope=\"row\">Testington District Council</th>(.*?)</tr>", text).group(1)
    # One person written to, twice; neither letter confirmed yet, so both wait.
    assert re.findall(r'class="num">(\d+)<', row) == ["1", "0", "0", "2", "0", "0", "0"]

"""A campaign's momentum in public: counts on its page, a map of MPs who have heard."""

from __future__ import annotations

import itertools

import pytest

from app.campaigns.branding import contrast  # checked against WCAG figures in test_branding
from app.campaigns.editing import EDITABLE, CampaignInvalid, save_campaign
from app.extensions import db
from app.letters.submission import confirm_letter, confirmation_token
from app.reports import momentum as momentum_module
from tests.builders.letters import NO_MODERATION, PERSONAL_BODY, demo_campaign, submit
from tests.builders.outbox import deliver

CAMPAIGN = "/c/mp-expenses"


def delivered(n: int, postcode: str = "TE1 1AA", name: str = "Alice Able") -> None:
    for i in range(n):
        body = PERSONAL_BODY.replace("Alice Able", name).replace("Jane Smith", f"Writer {i}")
        letter = submit(email=f"w{postcode[:3]}{i}@example.com", name=f"Writer {i}",
                        postcode=postcode, body=body)  # fmt: skip
        confirm_letter(confirmation_token(letter))
    deliver()
    db.session.commit()


@pytest.fixture
def mailing(make_app, mail_server):
    """make_app(**config), delivering to this test's SMTP server, with no moderation."""

    def make(**config):
        return make_app(MAIL_PORT=mail_server.port, **NO_MODERATION, **config)

    return make


@pytest.fixture
def fresh(mailing):
    """An app that counts afresh on every page (no minute-long copy)."""
    app = mailing(MOMENTUM_CACHE_SECONDS=0)
    with app.app_context():
        yield app


def text(response) -> str:
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


def test_the_campaign_page_counts_people_and_mps(fresh):
    client = fresh.test_client()
    assert "No letters have reached MPs in this campaign yet. Yours could be the first." in text(
        client.get(CAMPAIGN)
    )
    delivered(1)
    assert "1 person has</strong> written to <strong>1 MP</strong>" in text(client.get(CAMPAIGN))
    delivered(2, postcode="TE2 2BB", name="Bob Baker")
    page = text(client.get(CAMPAIGN))
    assert "3 people have</strong> written to <strong>2 MPs</strong>" in page
    assert 'href="/c/mp-expenses/map"' in page
    assert "<progress" not in page  # no goal set
    api = client.get("/api/v1/campaigns/mp-expenses").get_json()
    assert api["momentum"] == {"letters": 3, "mps": 2, "goal": 0, "bodies": []}


def test_a_goal_shows_how_far_there_is_to_go(fresh):
    campaign = demo_campaign()
    fields = {key: getattr(campaign, key) for key in EDITABLE}
    with pytest.raises(CampaignInvalid) as refused:
        save_campaign(None, campaign.id, {**fields, "goal_letters": "lots"})
    assert "goal_letters" in refused.value.fields
    save_campaign(None, campaign.id, {**fields, "goal_letters": "8"})
    delivered(3)
    page = text(fresh.test_client().get(CAMPAIGN))
    assert "Our goal: 8 letters (37% there)" in page
    assert '<progress class="momentum__bar" max="8" value="3" aria-labelledby="goal-label">' in page


@pytest.mark.parametrize(
    ("path", "before", "after"),
    [
        (CAMPAIGN, "No letters have reached MPs", "1 person has</strong> written"),
        (f"{CAMPAIGN}/map", "0 of 7 MPs", "1 of 7 MPs"),  # the public map's counts too
    ],
)
def test_the_counts_are_kept_for_a_minute_then_counted_again(
    mailing, monkeypatch, path, before, after
):
    app = mailing()
    now = [1000.0]
    monkeypatch.setattr(momentum_module.time, "monotonic", lambda: now[0])
    client = app.test_client()
    with app.app_context():
        assert before in text(client.get(path))
        delivered(1)
        assert before in text(client.get(path))  # the kept copy
        now[0] += 61
        assert after in text(client.get(path))


def test_the_public_map_shows_counts_by_constituency_and_never_a_person(fresh):
    delivered(2)
    page = text(fresh.test_client().get(f"{CAMPAIGN}/map"))
    assert "<h1>Which MPs have heard from constituents</h1>" in page
    assert (
        "1 of 7 MPs have received at least one letter from someone they represent (2 letters delivered)"
        in page
    )
    assert 'aria-label="Testington North (Alice Able): 2 letters delivered"' in page
    assert '<th scope="row">Testington North</th><td>Alice Able</td><td class="num">2</td>' in page
    assert '<th scope="row">Testington South</th><td>Bob Baker</td><td class="num">0</td>' in page
    for personal in ("Writer 0", "wTE10@example.com", "High Street"):
        assert personal not in page


def test_a_draft_campaign_has_no_public_map(fresh):
    campaign = demo_campaign()
    fields = {key: getattr(campaign, key) for key in EDITABLE}
    save_campaign(None, campaign.id, {**fields, "status": "draft"})
    assert fresh.test_client().get(f"{CAMPAIGN}/map").status_code == 404
    assert fresh.test_client().get("/c/no-such-campaign/map").status_code == 404


@pytest.mark.parametrize("scale", ["letters", "replies"])
def test_each_step_of_a_map_stands_out_from_none_and_from_the_step_before(scale):
    from app.replies.responsiveness import legend as reply_legend
    from app.reports.hexmap import legend

    colours = [colour for colour, _ in (legend() if scale == "letters" else reply_legend())]
    none, steps = colours[0], colours[1:]
    assert all(contrast(step, none) >= 3 for step in steps), [contrast(s, none) for s in steps]
    # Darker at each step, by enough to tell apart (the legend and the table name each).
    pairs = list(itertools.pairwise(steps))
    assert all(contrast(a, b) >= 1.4 for a, b in pairs)
    assert all(contrast(a, "#ffffff") < contrast(b, "#ffffff") for a, b in pairs)

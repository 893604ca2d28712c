"""The server side of the widget: CORS per partner, the kill switch, attribution, the script."""

from __future__ import annotations

import gzip
import shutil
import subprocess

import pytest
from sqlalchemy import func, select

from app.config import ROOT
from app.extensions import db
from app.letters.models import Letter, Source
from app.partners.registry import save_partner
from app.partners.widget import current_release, embed_code, integrity_of
from tests.builders.letters import LETTER

BLOG = "https://blog.example.org"
SUBMIT = "/api/v1/campaigns/mp-expenses/messages?partner=the-blog"


@pytest.fixture
def partner(app):
    return save_partner("the-blog", name="The Blog", origins=[BLOG, "http://localhost:8001"])


def ticket(client) -> str:
    return client.get("/api/v1/campaigns/mp-expenses?partner=the-blog").get_json()["form_ticket"]


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Letter))


def test_a_registered_origin_is_echoed_without_credentials(client, partner):
    response = client.get(
        "/api/v1/representatives?postcode=TE1+1AA&partner=the-blog", headers={"Origin": BLOG}
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == BLOG
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Set-Cookie" not in response.headers


def test_the_preflight_allows_a_json_post_from_the_partner_only(client, partner):
    preflight = {"Origin": BLOG, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}  # fmt: skip
    response = client.options(SUBMIT, headers=preflight)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == BLOG
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"] == "Content-Type"
    stranger = client.options(SUBMIT, headers={**preflight, "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers


def test_an_unregistered_origin_gets_no_cors_and_cannot_submit(client, partner):
    response = client.get(
        "/api/v1/representatives?postcode=TE1+1AA&partner=the-blog",
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    response = client.post(
        SUBMIT,
        json={**LETTER, "form_ticket": ticket(client)},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "origin_not_allowed"
    assert stored() == 0


def test_another_partners_origin_is_not_enough(client, partner):
    save_partner("other", name="Other", origins=["https://other.example"])
    response = client.post(
        SUBMIT,
        json={**LETTER, "form_ticket": ticket(client)},
        headers={"Origin": "https://other.example"},
    )
    assert response.status_code == 403
    assert stored() == 0


def test_a_widget_submission_is_credited_to_the_partner_and_page(client, partner):
    page = f"{BLOG}/2026/11/expenses-again?utm=x"
    response = client.post(
        SUBMIT,
        json={**LETTER, "form_ticket": ticket(client), "page_url": page},
        headers={"Origin": BLOG},
    )
    assert response.status_code == 202
    assert response.headers["Access-Control-Allow-Origin"] == BLOG
    letter = db.session.scalars(select(Letter)).one()
    assert (letter.source, letter.partner_id, letter.embed_url) == (
        Source.WIDGET,
        partner.id,
        page,
    )


def test_a_page_url_off_the_partners_site_is_not_kept(client, partner):
    client.post(
        SUBMIT,
        json={**LETTER, "form_ticket": ticket(client), "page_url": "https://phish.example/login"},
        headers={"Origin": BLOG},
    )
    assert db.session.scalars(select(Letter)).one().embed_url is None


def test_the_kill_switch(client, partner, runner):
    assert runner.invoke(args=["partner", "disable", "the-blog"]).exit_code == 0
    campaign = client.get(
        "/api/v1/campaigns/mp-expenses?partner=the-blog", headers={"Origin": BLOG}
    )
    assert campaign.headers["Access-Control-Allow-Origin"] == BLOG  # the notice must be readable
    assert campaign.get_json()["partner"] == {
        "slug": "the-blog",
        "name": "The Blog",
        "active": False,
        "notice": "This campaign form isn't available on this site at the moment.",
    }
    lookup = client.get(
        "/api/v1/representatives?postcode=TE1+1AA&partner=the-blog", headers={"Origin": BLOG}
    )
    assert lookup.get_json()["error"]["code"] == "partner_disabled"
    submit = client.post(
        SUBMIT, json={**LETTER, "form_ticket": ticket(client)}, headers={"Origin": BLOG}
    )
    assert submit.status_code == 403
    assert stored() == 0
    runner.invoke(args=["partner", "enable", "the-blog"])
    assert client.get("/api/v1/campaigns/mp-expenses?partner=the-blog").get_json()["partner"][
        "active"
    ]


def test_an_unknown_partner_is_refused(client):
    response = client.get("/api/v1/representatives?postcode=TE1+1AA&partner=nobody")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "unknown_partner"


def test_preflights_are_not_counted_against_the_rate_limit(make_app):
    app = make_app(RATELIMIT_LOOKUP="2/minute")
    with app.app_context():
        save_partner("the-blog", name="The Blog", origins=[BLOG])
        client = app.test_client()
        url = "/api/v1/representatives?postcode=TE1+1AA&partner=the-blog"
        for _ in range(5):
            client.options(url, headers={"Origin": BLOG, "Access-Control-Request-Method": "GET"})
        assert client.get(url, headers={"Origin": BLOG}).status_code == 200


def test_submissions_are_limited_per_partner(make_app):
    app = make_app(RATELIMIT_SUBMIT_PER_PARTNER="1/hour")
    with app.app_context():
        save_partner("the-blog", name="The Blog", origins=[BLOG])
        client = app.test_client()
        first = client.post(
            SUBMIT, json={**LETTER, "form_ticket": ticket(client)}, headers={"Origin": BLOG}
        )
        second = client.post(
            SUBMIT,
            json={**LETTER, "email": "b@example.com", "form_ticket": ticket(client)},
            headers={"Origin": BLOG},
            environ_base={"REMOTE_ADDR": "10.2.2.2"},
        )
        assert (first.status_code, second.status_code) == (202, 429)
        assert second.headers["Access-Control-Allow-Origin"] == BLOG  # the widget can read the 429


def test_the_confirmation_page_offers_the_way_back_to_the_partner(client, partner):
    from app.letters.submission import confirmation_token

    client.post(
        SUBMIT,
        json={**LETTER, "form_ticket": ticket(client), "page_url": f"{BLOG}/post"},
        headers={"Origin": BLOG},
    )
    token = confirmation_token(db.session.scalars(select(Letter)).one())
    html = client.post(f"/confirm/{token}", follow_redirects=True).get_data(as_text=True)
    assert f'href="{BLOG}/post">Back to The Blog</a>' in html


def test_the_script_is_served_with_long_caching_and_cors(client):
    current = current_release()
    pinned = client.get(f"/widget/v1.{current.version}.js")
    assert pinned.status_code == 200
    assert pinned.data == current.body
    assert "immutable" in pinned.headers["Cache-Control"]
    assert "max-age=31536000" in pinned.headers["Cache-Control"]
    assert pinned.headers["Access-Control-Allow-Origin"] == "*"
    assert pinned.headers["Content-Type"].startswith("text/javascript")
    latest = client.get("/widget/v1.js")
    assert latest.data == current.body
    assert latest.headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/widget/v1.000000000000.js").status_code == 404
    assert client.get("/widget/v1.../../x.js").status_code == 404


def test_the_embed_code_carries_the_integrity_of_what_is_served(client, partner):
    code = embed_code(
        campaign="mp-expenses", partner="the-blog", accent="#123456", lang="cy", layout="compact"
    )
    assert (
        '<div data-campaign="mp-expenses" data-partner="the-blog" data-accent="#123456" data-lang="cy" data-layout="compact"></div>'
        in code
    )
    src = code.split('src="')[1].split('"')[0]
    served = client.get(src.replace("http://localhost", ""))
    assert f'integrity="{integrity_of(served.data)}"' in code
    assert 'crossorigin="anonymous"' in code
    assert "data-accent" not in embed_code(campaign="c", partner="p", accent="red;}</style>")


def test_the_widget_is_small():
    assert len(gzip.compress(current_release().body, 9)) < 15 * 1024


def test_every_pinned_release_is_what_its_name_says():
    from app.partners.widget import RELEASES, version_of

    for path in RELEASES.glob("v1.*.js"):
        assert path.name == f"v1.{version_of(path.read_bytes())}.js"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_built_widget_matches_its_source():
    if not (ROOT / "widget" / "node_modules" / "esbuild").exists():
        pytest.skip("widget/node_modules missing: run `npm ci` in widget/ (bin/test does)")
    result = subprocess.run(
        ["node", "build.mjs", "--check"], cwd=ROOT / "widget", capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_partner_cli(runner, app):
    result = runner.invoke(
        args=[
            "partner",
            "add",
            "news-site",
            "--name",
            "News",
            "--origin",
            "https://News.example.com/path",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "news-site: News (active) on https://news.example.com" in result.output
    assert (
        "news-site\tactive\tNews\thttps://news.example.com"
        in runner.invoke(args=["partner", "list"]).output
    )
    bad = runner.invoke(args=["partner", "add", "x", "--name", "X", "--origin", "ftp://nope"])
    assert bad.exit_code == 1
    embed = runner.invoke(args=["partner", "embed", "news-site"]).output
    assert 'data-partner="news-site"' in embed
    assert "integrity=" in embed

"""/metrics for Prometheus: guarded by a token, and moving with what the site does."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.extensions import db
from tests.builders.letters import LETTER, NO_MODERATION
from tests.builders.outbox import deliver

TOKEN = "a-scraper-token-of-some-length"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SUBMIT = "/api/v1/campaigns/mp-expenses/messages"


def scrape(client) -> dict[tuple, float]:
    """Every sample of /metrics, as {(name, sorted labels): value}."""
    db.session.commit()  # the client shares this test's session: end its snapshot
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def metered(make_app, mail_server):
    app = make_app(METRICS_TOKEN=TOKEN, MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        yield app


def test_metrics_are_not_there_without_a_token_configured(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token(metered):
    client = metered.test_client()
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"] == "Bearer"


def test_metrics_move_with_lookups_letters_and_emails(metered, mail_server):
    client = metered.test_client()
    before = scrape(client)

    assert client.get("/api/v1/representatives?postcode=TE1+1AA").status_code == 200
    assert client.get("/api/v1/representatives?postcode=nonsense").status_code == 400
    ticket = client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]
    assert client.post(SUBMIT, json={**LETTER, "form_ticket": ticket}).status_code == 202
    middle = scrape(client)
    assert value(middle, "wtym_outbox_waiting", kind="confirmation") == 1

    deliver()  # the confirmation email
    [confirmation] = mail_server.to(LETTER["email"])
    link = next(word for word in confirmation.text.split() if "/confirm/" in word)
    path = link.split("localhost", 1)[1]
    assert client.post(path).status_code in (200, 303)
    confirmed = scrape(client)
    assert value(confirmed, "wtym_outbox_waiting", kind="mp_letter") == 1
    assert value(confirmed, "wtym_outbox_oldest_waiting_seconds") >= 0
    deliver()  # the letter to the MP
    after = scrape(client)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("wtym_lookups_total", outcome="found") == 1
    assert moved("wtym_lookups_total", outcome="refused") == 1
    assert moved("wtym_letters_submitted_total", source="direct") == 1
    assert moved("wtym_letters_confirmed_total", outcome="queued") == 1
    assert moved("wtym_emails_total", kind="confirmation", outcome="sent") == 1
    assert moved("wtym_emails_total", kind="mp_letter", outcome="sent") == 1
    assert value(after, "wtym_outbox_waiting", kind="mp_letter") == 0
    assert value(after, "wtym_outbox_oldest_waiting_seconds") == 0
    route = {"route": "/api/v1/representatives", "method": "GET"}
    assert moved("wtym_http_requests_total", **route, status="200") == 1
    assert moved("wtym_http_requests_total", **route, status="400") == 1
    assert moved("wtym_http_request_duration_seconds_count", route=route["route"]) == 2


def test_a_refusal_by_a_rate_limit_is_counted(make_app):
    app = make_app(METRICS_TOKEN=TOKEN, RATELIMIT_LOOKUP="1/minute")
    client = app.test_client()
    with app.app_context():
        before = value(scrape(client), "wtym_rate_limit_refusals_total", scope="lookup")
        client.get("/api/v1/representatives?postcode=TE1+1AA")
        assert client.get("/api/v1/representatives?postcode=TE1+1AA").status_code == 429
        after = value(scrape(client), "wtym_rate_limit_refusals_total", scope="lookup")
    assert after - before == 1


def test_an_unknown_path_is_counted_under_one_label(metered):
    client = metered.test_client()
    client.get("/no/such/page/12345")
    samples = scrape(client)
    assert value(samples, "wtym_http_requests_total", route="(unmatched)", method="GET",
                 status="404") >= 1  # fmt: skip
    assert not any("12345" in str(labels) for _, labels in samples)


def test_a_made_up_method_is_counted_as_other(metered):
    client = metered.test_client()
    labels = {"route": "(unmatched)", "method": "other", "status": "405"}
    before = value(scrape(client), "wtym_http_requests_total", **labels)
    assert client.open("/c/mp-expenses", method="BREW").status_code == 405
    samples = scrape(client)
    assert value(samples, "wtym_http_requests_total", **labels) - before == 1
    assert not any("BREW" in str(labels) for _, labels in samples)

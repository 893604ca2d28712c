"""A letter's rate limits: per IP, partner and address counted together in
one round trip to Redis once the letter is valid; anything else sent counted
after its answer; a window already seen full refused before anything is read."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.adapters import redis_script
from app.adapters.rate_store import FullWindows
from app.extensions import db, rate_store
from app.letters.models import Letter
from tests.builders.letters import LETTER
from tests.builders.limits import limited_clients

SUBMIT = "/api/v1/campaigns/mp-expenses/messages"
pytestmark = pytest.mark.sqlite_only  # the counters, not the database, are under test


@pytest.fixture(params=["memory://", "redis"])
def limited(request, make_app):
    storage = request.param
    if storage == "redis":
        storage = request.getfixturevalue("redis_url")
    yield from limited_clients(make_app, storage)


@pytest.fixture
def on_redis(make_app, redis_url):
    yield from limited_clients(make_app, redis_url)


@pytest.fixture
def round_trips(monkeypatch):
    """The Lua calls made to Redis (each one round trip), as they happen."""
    calls = []
    real = redis_script.RedisScript.__call__

    def counted(self, keys, args):
        calls.append(list(keys))
        return real(self, keys, args)

    monkeypatch.setattr(redis_script.RedisScript, "__call__", counted)
    return calls


def _ticket(client) -> str:
    return client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]


def _send(client, ip: str, **changes):
    letter = {**LETTER, "form_ticket": _ticket(client), **changes}
    return client.post(SUBMIT, json=letter, environ_base={"REMOTE_ADDR": ip})


def _letters() -> int:
    return db.session.scalar(select(func.count()).select_from(Letter))


def test_a_valid_letter_costs_one_round_trip_for_all_its_limits(on_redis, round_trips):
    client = on_redis()
    assert _send(client, "10.3.0.1").status_code == 202
    assert len(round_trips) == 1
    keys = "\n".join(round_trips[0])  # the limits library's keys: .../holder/scope/amount/...
    assert "/10.3.0.1/submit-ip/" in keys
    assert "/email:jane@example.com/submit-email/" in keys


def test_junk_still_spends_its_ip_allowance_after_its_answer(limited):
    client = limited(RATELIMIT_SUBMIT_PER_IP="2/hour")
    junk = [_send(client, "10.4.0.1", form_ticket="forged").status_code for _ in range(3)]
    assert junk == [400, 400, 429]
    # A real letter from the same address is refused too, and nothing is stored.
    assert _send(client, "10.4.0.1").status_code == 429
    assert _letters() == 0
    assert _send(client, "10.4.0.2").status_code == 202  # another address


def test_a_letter_refused_for_its_address_still_counts_against_its_ip(limited):
    client = limited(RATELIMIT_SUBMIT_PER_EMAIL="1/hour", RATELIMIT_SUBMIT_PER_IP="3/hour")
    assert _send(client, "10.5.0.1").status_code == 202
    # Its address is used up: refused, and the send still counts for its IP,
    # so one address cannot try again and again for nothing.
    assert _send(client, "10.5.0.1", name="Someone Else").status_code == 429
    assert _send(client, "10.5.0.1", email="other@example.com").status_code == 202
    assert _send(client, "10.5.0.1", email="third@example.com").status_code == 429  # IP full
    assert _letters() == 2
    # The address's allowance was not spent by the refusals: another IP's
    # letter from a fresh address goes.
    assert _send(client, "10.5.0.2", email="fourth@example.com").status_code == 202


def test_a_send_met_by_a_database_fault_still_counts_and_keeps_its_answer(limited, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from app.web.api import routes

    client = limited(RATELIMIT_SUBMIT_PER_IP="2/hour")

    def database_away(slug):
        raise OperationalError("SELECT campaign", {}, ConnectionRefusedError("gone"))

    monkeypatch.setattr(routes, "open_campaign_rules", database_away)
    answers = [_send(client, "10.5.1.1").status_code for _ in range(2)]
    assert answers == [503, 503]  # the fault's own answer, not a rate limit's
    monkeypatch.undo()
    assert _send(client, "10.5.1.1").status_code == 429  # both were counted


def test_a_window_seen_full_is_refused_before_the_letter_is_read(on_redis, round_trips):
    client = on_redis(RATELIMIT_SUBMIT_PER_IP="1/hour")
    assert _send(client, "10.6.0.1").status_code == 202
    assert _send(client, "10.6.0.1", email="b@example.com").status_code == 429
    trips = len(round_trips)
    # Junk: refused as over the limit, with no round trip and before it is read.
    refused = client.post(SUBMIT, json={"junk": 1}, environ_base={"REMOTE_ADDR": "10.6.0.1"})
    assert refused.status_code == 429
    assert 3500 < int(refused.headers["Retry-After"]) <= 3600
    assert len(round_trips) == trips
    # Another address is asked of Redis as usual.
    assert _send(client, "10.6.0.2", email="c@example.com").status_code == 202
    assert len(round_trips) == trips + 1
    # Forgetting the counters (as the tests do) forgets what was seen.
    rate_store.reset()
    assert _send(client, "10.6.0.1", email="d@example.com").status_code == 202


def test_full_windows_are_kept_until_they_reset_and_bounded():
    now = [100.0]
    full = FullWindows(clock=lambda: now[0])
    full.remember("a", 30)
    assert full.refusal(["b", "a"]) == 30
    now[0] += 29.5
    assert full.refusal(["a"]) == pytest.approx(0.5)
    now[0] += 1
    assert full.refusal(["a"]) is None  # reset: Redis is asked again
    assert full.refusal([]) is None

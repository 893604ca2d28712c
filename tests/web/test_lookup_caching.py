"""A cheaper lookup: answers a CDN may keep, and limits that never wait on Redis."""

from __future__ import annotations

from limits import parse

from app.adapters.process_counters import ProcessCounters
from app.db import write_transaction
from app.reference.cache import bump_reference_version

LOOKUP = "/api/v1/representatives?postcode=TE1+1AA"
SUBMIT = "/api/v1/campaigns/mp-expenses/messages"


def test_an_answer_is_public_with_an_etag_and_revalidates_to_a_304(client):
    first = client.get(LOOKUP)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=300"
    etag = first.headers["ETag"]
    again = client.get(LOOKUP, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    # Another postcode's answer has its own tag.
    other = client.get("/api/v1/representatives?postcode=TE1+0AA", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_new_reference_data_changes_the_etag(client):
    etag = client.get(LOOKUP).headers["ETag"]
    with write_transaction() as session:
        bump_reference_version(session)  # as a `data load` or an MP's new address does
    fresh = client.get(LOOKUP, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] != etag
    assert fresh.get_json()["postcode"] == "TE1 1AA"


def test_errors_are_not_made_public(client):
    response = client.get("/api/v1/representatives?postcode=nonsense")
    assert response.status_code == 400
    assert "public" not in response.headers.get("Cache-Control", "")
    assert "ETag" not in response.headers


def test_lookups_go_on_and_are_limited_while_redis_is_out_of_reach(make_app):
    """The lookup's allowance is kept in the process: with the shared store
    gone, lookups still answer (and are still limited), while sending a letter,
    which needs the shared counters, is refused."""
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0", RATELIMIT_LOOKUP="3/minute")
    client = app.test_client()
    assert [client.get(LOOKUP).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.get(LOOKUP, environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.post(SUBMIT, json={"form_ticket": "x"}).status_code == 503


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_process_counters_refuse_without_counting_and_windows_start_at_first_use():
    clock = Clock(1_000_000.0)
    counters = ProcessCounters(clock)
    minute, hour = parse("2/minute"), parse("3/hour")
    windows = [(minute, ("10.0.0.1", "lookup")), (hour, ("10.0.0.1", "lookup"))]
    assert counters.take(windows) is None
    clock.now += 20
    assert counters.take(windows) is None
    assert counters.take(windows) == 40.0  # the minute is full: 40 s left of it
    clock.now += 40  # a new minute: one left of the hour, since the refusal counted nothing
    assert counters.take(windows) is None
    assert counters.take(windows) == 3600 - 60  # now the hour is full
    assert counters.take([(minute, ("10.0.0.2", "lookup"))]) is None  # someone else


def test_process_counters_forget_expired_windows_when_they_hold_many(monkeypatch):
    monkeypatch.setattr("app.adapters.process_counters.SWEEP_ABOVE", 10)
    clock = Clock(1_000_000.0)
    counters = ProcessCounters(clock)
    minute = parse("1/minute")
    for n in range(10):
        counters.take([(minute, (f"10.0.0.{n}", "lookup"))])
    clock.now += 61
    counters.take([(minute, ("10.0.1.1", "lookup"))])  # the 11th key: a sweep
    assert len(counters._counts) == 1

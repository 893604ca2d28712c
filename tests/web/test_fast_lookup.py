"""The lookup's fast path (app/web/api/fast_lookup.py) answers as Flask does.

Each request is sent twice: through the app as served (the fast path first)
and straight to Flask's own `wsgi_app`, past the middleware. The two answers
must match in status, body and headers.
"""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder, run_wsgi_app

from app import metrics

API = "/api/v1/representatives"
PLAIN = [  # answered by the fast path
    "postcode=TE1+1AA",
    "postcode=te11aa",
    "postcode=%20TE1%201AA%20",
    "postcode=BT7+1NN",  # Northern Ireland: a list to choose from
    "postcode=TE1+1AA&postcode=nonsense",  # the first value counts, as in Flask
    "postcode=TE1+1AA&partner=",
    "postcode=TE1+1AA&unrelated=%FF",
]
PASSED_ON = [  # left to Flask: errors, partners, other origins, revalidation, HEAD
    ("GET", "postcode=nonsense", {}),
    ("GET", "", {}),
    ("GET", "postcode=%FF%FE", {}),
    ("GET", "postcode=TE1+1AA&partner=no-such-blog", {}),
    ("GET", "postcode=TE1+1AA", {"Origin": "https://elsewhere.example"}),
    ("GET", "postcode=TE1+1AA", {"If-None-Match": '"r1-000000000000"'}),
    ("HEAD", "postcode=TE1+1AA", {}),
    ("POST", "postcode=TE1+1AA", {}),
]


def both_ways(app: Flask, method: str, query: str, headers: dict, scheme: str = "http"):
    """(served, flask_only) answers: (status, body, headers without Date)."""
    answers = []
    for wsgi in (app, lambda environ, start: Flask.wsgi_app(app, environ, start)):
        environ = EnvironBuilder(
            path=API, method=method, query_string=query, headers=headers,
            base_url=f"{scheme}://localhost",
        ).get_environ()  # fmt: skip
        body, status, sent = run_wsgi_app(wsgi, environ, buffered=True)
        answers.append((status, b"".join(body), sorted(sent.items())))
    return answers


@pytest.fixture
def lookup_app(make_app):
    app = make_app(RATELIMIT_LOOKUP="1000/minute", LANGUAGES=["en"])
    flask_calls: list[str] = []
    app.before_request(lambda: flask_calls.append("flask"))
    app.extensions["test.flask_calls"] = flask_calls
    return app


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("query", PLAIN)
def test_the_fast_path_answers_a_plain_lookup_as_flask_does(lookup_app, query, scheme):
    served, flask_only = both_ways(lookup_app, "GET", query, {}, scheme)
    assert served == flask_only
    assert served[0] == "200 OK"
    # The first of the two never reached Flask; the second did.
    assert lookup_app.extensions["test.flask_calls"] == ["flask"]


@pytest.mark.parametrize(("method", "query", "headers"), PASSED_ON)
def test_everything_else_is_left_to_flask(lookup_app, method, query, headers):
    served, flask_only = both_ways(lookup_app, method, query, headers)
    assert served[:2] == flask_only[:2]
    assert not served[0].startswith("5")
    assert lookup_app.extensions["test.flask_calls"] == ["flask", "flask"]


def test_both_paths_draw_on_one_allowance_and_flask_refuses(make_app):
    app = make_app(RATELIMIT_LOOKUP="3/minute")
    client = app.test_client()
    plain = f"{API}?postcode=TE1+1AA"
    statuses = [client.get(plain).status_code]  # fast path
    statuses.append(client.get(f"{API}?postcode=nonsense").status_code)  # Flask (a 400)
    statuses.append(client.get(plain).status_code)  # fast path
    refused = client.get(plain)  # used up: handed to Flask, which refuses it
    statuses.append(refused.status_code)
    assert statuses == [200, 400, 200, 429]
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"]["code"] == "rate_limited"


def test_the_fast_path_is_counted_for_metrics(lookup_app):
    def count(name: str, **labels) -> float:
        return metrics.REGISTRY.get_sample_value(name, labels) or 0.0

    route = {"route": API, "method": "GET", "status": "200"}
    before = (
        count("wtym_http_requests_total", **route),
        count("wtym_lookups_total", outcome="found"),
    )
    lookup_app.test_client().get(f"{API}?postcode=TE1+1AA")
    after = (
        count("wtym_http_requests_total", **route),
        count("wtym_lookups_total", outcome="found"),
    )
    assert after == (before[0] + 1, before[1] + 1)
    assert count("wtym_http_request_duration_seconds_count", route=API) > 0


def test_an_answer_in_words_asked_for_in_welsh_is_left_to_flask(make_app):
    """The API's language is the one its URL asks for (?lang=), never the
    browser's, so a cache keyed by URL serves each reader theirs."""
    app = make_app(LANGUAGES=["en", "cy"])
    flask_calls: list[str] = []
    app.before_request(lambda: flask_calls.append("flask"))
    client = app.test_client()
    english = client.get(f"{API}?postcode=BT7+1NN", headers={"Accept-Language": "cy"})
    assert english.get_json()["message"].startswith("Our postcode data covers")
    assert flask_calls == []  # English: the fast path's own
    welsh = client.get(f"{API}?postcode=BT7+1NN&lang=cy")
    assert welsh.get_json()["message"].startswith("Mae ein data cod post")
    assert flask_calls == ["flask"]
    assert welsh.headers["ETag"] != english.headers["ETag"]

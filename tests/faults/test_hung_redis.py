"""A Redis that accepts connections and never answers (SIGSTOP) costs a
limited request at most RATELIMIT_STORAGE_TIMEOUT_SECONDS, answered 503, and
pages that need no limit do not wait on it at all. The redis-server here is
the test's own, on a port of its own: the shared one is never stopped."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time

import pytest
import redis

from devtools.mailcatcher import free_port

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")


@pytest.fixture
def hung_redis(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    client.close()
    yield port, server
    server.send_signal(signal.SIGCONT)
    server.terminate()
    server.wait(10)


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_limited_requests_answer_within_a_second_and_other_pages_do_not_wait(make_app, hung_redis):
    port, server = hung_redis
    app = make_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0")
    client = app.test_client()
    confirm = "/confirm/not-a-token"  # limited by a shared allowance (RATELIMIT_CONFIRM)
    lookup = "/api/v1/representatives?postcode=TE1+1AA"  # limited in the process
    assert client.post(confirm).status_code == 404  # Redis answering: counted, allowed
    server.send_signal(signal.SIGSTOP)
    for _ in range(3):
        response, seconds = timed(lambda: client.post(confirm))
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert seconds < 1.0, f"a limited request waited {seconds:.2f}s on a hung Redis"
    for path in ("/c/mp-expenses", lookup):
        page, seconds = timed(lambda: client.get(path))  # noqa: B023 - called at once
        assert page.status_code == 200
        assert seconds < 0.5
    server.send_signal(signal.SIGCONT)
    assert client.post(confirm).status_code == 404  # back as soon as Redis is

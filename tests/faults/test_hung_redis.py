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


# Long enough that a request which waited on the hung Redis is told apart
# from one merely slowed by a busy machine (2 cores, tests in parallel): the
# checks below have that much slack, and still fail if a page waits.
TIMEOUT = 1.5


def test_limited_requests_answer_within_the_timeout_and_other_pages_do_not_wait(
    make_app, hung_redis
):
    port, server = hung_redis
    app = make_app(
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0",
        RATELIMIT_STORAGE_TIMEOUT_SECONDS=TIMEOUT,
    )
    client = app.test_client()
    confirm = "/confirm/not-a-token"  # limited by a shared allowance (RATELIMIT_CONFIRM)
    lookup = "/api/v1/representatives?postcode=TE1+1AA"  # limited in the process
    pages = ("/c/mp-expenses", lookup)
    assert client.post(confirm).status_code == 404  # Redis answering: counted, allowed
    healthy = max(timed(lambda: client.get(path))[1] for path in pages)  # noqa: B023 (and warm)
    server.send_signal(signal.SIGSTOP)
    for _ in range(2):
        response, seconds = timed(lambda: client.post(confirm))
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        # Bounded by the timeout (plus a loaded machine's slack), never hung.
        assert seconds < TIMEOUT + 1.0 + 2 * healthy, f"waited {seconds:.2f}s on a hung Redis"
    for path in pages:
        page, seconds = timed(lambda: client.get(path))  # noqa: B023 - called at once
        assert page.status_code == 200
        # One wait on Redis would cost the whole TIMEOUT.
        assert seconds < TIMEOUT, f"{path} took {seconds:.2f}s: it waited on Redis"
    server.send_signal(signal.SIGCONT)
    assert client.post(confirm).status_code == 404  # back as soon as Redis is

"""Two app hosts behind HAProxy (Debian's package), run by bench/scaleout.py.

Everything is real: HAProxy with deploy/haproxy.cfg and TLS, gunicorn with
gunicorn.conf.py, `flask worker` processes, PostgreSQL, Redis and an SMTP
server. The run raises if a letter is lost or sent twice, a session or a rate
limit does not hold across hosts, a data reload is not seen by both, or a log
line is not JSON or holds personal data; it prints what it did.
"""

from __future__ import annotations

import os
import shutil

import pytest

from bench.scaleout import run_scaleout
from tests.conftest import TEST_DATABASE_URL

LETTERS = 12
# With tests/deployed, in one xdist worker: two production set-ups at once
# starve each other on a 2-core machine.
pytestmark = pytest.mark.xdist_group("production-shaped")


@pytest.fixture
def haproxy():
    if shutil.which("haproxy") is None:
        if os.environ.get("CI"):
            pytest.fail("haproxy is not installed: .ci/run installs Debian's package")
        pytest.skip("haproxy is not installed (apt-get install haproxy)")


def test_a_campaign_through_two_hosts_loses_nothing_and_sends_nothing_twice(
    haproxy, redis_url, reference_dir, capsys
):
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set: the two-host run needs PostgreSQL")
    figures = run_scaleout(TEST_DATABASE_URL, redis_url, reference_dir, LETTERS, "TE1 1AA")
    printed = capsys.readouterr().out
    with capsys.disabled():
        print("\n" + printed)
    assert figures["delivered"] == LETTERS  # every writer's letter reached their MP...
    assert figures["most_to_one"] == 1  # ...once
    assert figures["log_lines"] > 0  # and there were log lines to check

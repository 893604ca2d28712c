"""The site targets' tests deliver through: a real SMTP server, bounces read."""

from __future__ import annotations

import pytest

from tests.bounces.builders import BOUNCE_DOMAIN
from tests.builders.letters import NO_MODERATION


@pytest.fixture
def site(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, BOUNCE_DOMAIN=BOUNCE_DOMAIN, **NO_MODERATION)
    with app.app_context():
        yield app

"""Mail in tests."""

from __future__ import annotations

# The SMTP ports tests may connect to: those of the MailCatchers they started.
# Any other connection fails the test (conftest's no_unexpected_smtp).
ALLOWED_SMTP_PORTS: set[int] = set()

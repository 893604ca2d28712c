"""An email of a letter that a server took, then refused in a bounce report
for the site's reasons (a blocklist, a failed authentication, a spam
filter: app/outbox/verdicts.py). It is booked on nobody: it goes again after
a pause, and after REFUSALS_BEFORE_HOLD refusals waits for an admin, since
sending more only deepens a block. A letter to its MP waits in the
moderation queue (app/bounces/handling.py); one of its other recipients is
held on its own (app/letters/recipients.py), whether its email went alone
or in its office's daily digest."""

from __future__ import annotations

from datetime import timedelta

PAUSES = (timedelta(hours=1), timedelta(hours=4))
REFUSALS_BEFORE_HOLD = len(PAUSES) + 1
# How a letter's history names such a refusal (the MP's are counted by it).
REFUSED = "refused for the site's reason"


def pause_after(refusals: int) -> timedelta | None:
    """How long the email waits after its `refusals`th refusal in all; None
    once it is to wait for an admin instead."""
    if refusals >= REFUSALS_BEFORE_HOLD:
        return None
    return PAUSES[refusals - 1]


def held_because(refusals: int, detail: str) -> str:
    return f"refused {refusals} times for the site's reasons: {detail}"

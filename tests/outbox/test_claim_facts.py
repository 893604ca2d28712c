"""Facts each email of a claim asks for are read once per claim."""

from __future__ import annotations

from sqlalchemy import event

from app.extensions import db
from app.letters.models import LetterStatus
from app.outbox.claim_facts import once_per_claim, one_claim
from app.outbox.claims import claim_due
from app.outbox.worker import deliver_claim
from tests.builders.letters import NO_MODERATION, confirmed_letter
from tests.builders.outbox import fresh


def test_a_fact_is_read_once_in_a_claim_and_each_time_outside_one():
    reads = []

    @once_per_claim
    def fact() -> int:
        reads.append(1)
        return len(reads)

    assert (fact(), fact()) == (1, 2)
    with one_claim():
        assert (fact(), fact(), fact()) == (3, 3, 3)
    with one_claim():
        assert fact() == 4
    assert len(reads) == 4


def test_a_batch_of_letters_asks_about_digests_and_dissolution_once(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        letters = [confirmed_letter(email=f"writer{n}@example.com") for n in range(6)]
        asked = []

        def record(conn, cursor, statement, *args):
            asked.extend(t for t in ("office_digest", "dissolution") if f"FROM {t}" in statement)

        claim = claim_due(50)  # the six letters (and their confirmations, not sent)
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            deliver_claim(claim)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert [fresh(letter).status for letter in letters] == [LetterStatus.SENT] * 6
        assert sorted(asked) == ["dissolution", "office_digest"]

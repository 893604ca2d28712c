"""How responsive MPs are: per MP and per party, letters delivered, writers
who answered the question, the share who said their MP replied, and the
median days from delivery to a writer reporting a reply. The same for each
body a campaign's other targets belong to (app/targets/: a council, the
Senedd, a department), from the writers' answers about each recipient.

An MP's or a party's rate is shown only once REPLY_RATE_MIN_ANSWERS writers
answered, so no one writer's answer can be read off the table.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import case, func, select

from app.extensions import db
from app.i18n import N_, gettext
from app.letters.models import Letter, LetterStatus, Recipient, RecipientStatus
from app.reference.models import MP, Constituency
from app.replies.models import Answer, ReplyQuestion
from app.reports.hexmap import NONE, bucket


@dataclass(frozen=True)
class Responsiveness:
    name: str  # an MP's name, or a party's
    detail: str  # the MP's constituency and party, or "" for a party
    delivered: int
    answered: int
    replied: int
    shown: bool  # enough answers to show the rate
    median_days: float | None
    gss_code: str = ""  # an MP's constituency; "" for a party or all

    @property
    def rate(self) -> float | None:
        return self.replied / self.answered if self.shown and self.answered else None


@dataclass(frozen=True)
class Figures:
    total: Responsiveness
    mps: list[Responsiveness]
    parties: list[Responsiveness]
    min_answers: int
    bodies: list[Responsiveness] = field(default_factory=list)  # other targets', by body


def responsiveness(campaign_id: int | None = None) -> Figures:
    minimum = current_app.config["REPLY_RATE_MIN_ANSWERS"]
    # Delivered to the MP: a letter written only to others is not the MP's.
    delivered = (Letter.status == LetterStatus.SENT) & Letter.to_mp.is_(True)
    scope = [delivered] + ([Letter.campaign_id == campaign_id] if campaign_id else [])
    counts = db.session.execute(
        select(
            MP.id, MP.name, MP.party, Constituency.name, Constituency.gss_code,
            func.count(Letter.id),
            func.count(ReplyQuestion.answer),
            func.sum(case((ReplyQuestion.answer == Answer.YES, 1), else_=0)),
        )
        .select_from(Letter)
        .join(MP, MP.id == Letter.mp_id)
        .join(Constituency, Constituency.id == Letter.constituency_id)
        .outerjoin(ReplyQuestion, ReplyQuestion.letter_id == Letter.id)
        .where(*scope)
        .group_by(MP.id, MP.name, MP.party, Constituency.name, Constituency.gss_code)
    ).all()  # fmt: skip
    days: dict[int, list[float]] = {}
    for mp_id, sent_at, answered_at in db.session.execute(
        select(Letter.mp_id, Letter.sent_at, ReplyQuestion.answered_at)
        .join(ReplyQuestion, ReplyQuestion.letter_id == Letter.id)
        .where(*scope, ReplyQuestion.answer == Answer.YES)
    ):
        if sent_at and answered_at:
            days.setdefault(mp_id, []).append((answered_at - sent_at).total_seconds() / 86400)

    mps = []
    by_party: dict[str, list[tuple[int, int, int, list[float]]]] = {}
    for mp_id, name, party, seat, gss_code, sent, answered, replied in counts:
        replied = int(replied or 0)
        mp_days = days.get(mp_id, [])
        mps.append(_row(name, f"{seat}, {party or 'no party'}", sent, answered, replied, mp_days,
                        minimum, gss_code))  # fmt: skip
        by_party.setdefault(party or "No party", []).append((sent, answered, replied, mp_days))
    parties = [
        _row(party, "", sum(t[0] for t in tallies), sum(t[1] for t in tallies),
             sum(t[2] for t in tallies), [d for t in tallies for d in t[3]], minimum)
        for party, tallies in by_party.items()
    ]  # fmt: skip
    all_days = [d for ds in days.values() for d in ds]
    total = _row("All MPs", "", sum(r.delivered for r in mps), sum(r.answered for r in mps),
                 sum(r.replied for r in mps), all_days, minimum)  # fmt: skip
    order = lambda r: (-r.delivered, r.name)  # noqa: E731
    return Figures(total, sorted(mps, key=order), sorted(parties, key=order), minimum,
                   sorted(_bodies(campaign_id, minimum), key=order))  # fmt: skip


def _bodies(campaign_id: int | None, minimum: int) -> list[Responsiveness]:
    """Per body of the recipients besides MPs: those delivered to, the
    writers who answered about them, and who say they replied."""
    scope = [Recipient.status == RecipientStatus.SENT, Letter.erased_at.is_(None)]
    if campaign_id:
        scope.append(Letter.campaign_id == campaign_id)
    rows = db.session.execute(
        select(Recipient.body, Recipient.answer, Recipient.sent_at, Recipient.answered_at)
        .join(Letter, Letter.id == Recipient.letter_id)
        .where(*scope)
    )
    tallies: dict[str, list] = {}
    for body, answer, sent_at, answered_at in rows:
        tally = tallies.setdefault(body, [0, 0, 0, []])
        tally[0] += 1
        tally[1] += answer is not None
        if answer == Answer.YES:
            tally[2] += 1
            if sent_at and answered_at:
                tally[3].append((answered_at - sent_at).total_seconds() / 86400)
    return [_row(body, "", sent, answered, replied, days, minimum)
            for body, (sent, answered, replied, days) in tallies.items()]  # fmt: skip


def _row(name, detail, delivered, answered, replied, days, minimum, gss="") -> Responsiveness:
    shown = answered >= minimum
    median = statistics.median(days) if shown and days else None
    return Responsiveness(name, detail, delivered, answered, replied, shown, median, gss)


# Reply rate -> fill, for the map: a sequential purple scale, darker for
# more replies, each step at least 3:1 against the light grey of
# constituencies without enough answers (as app/reports/hexmap.BUCKETS).
NOT_SHOWN = (NONE, N_("fewer than the answers needed, or no letters"))
RATE_BUCKETS = (
    (0.0, "#807dba", N_("under %(high)s say their MP replied")),
    (0.25, "#6a51a3", N_("%(low)s to %(high)s")),
    (0.5, "#54278f", N_("%(low)s to %(high)s")),
    (0.75, "#2d004b", N_("%(low)s or more")),
)


def legend() -> list[tuple[str, str]]:
    """(colour, label) for the reply map's steps, in the reader's language:
    "under 25% say their MP replied", "25% to 49%", ..."""
    steps = [(NOT_SHOWN[0], gettext(NOT_SHOWN[1]))]
    for i, (low, colour, label) in enumerate(RATE_BUCKETS):
        upper = RATE_BUCKETS[i + 1][0] if i + 1 < len(RATE_BUCKETS) else 1.0
        high = upper if i == 0 else upper - 0.01
        steps.append((colour, gettext(label, low=f"{low:.0%}", high=f"{high:.0%}")))
    return steps


def rate_fill(rate: float | None) -> str:
    """The fill for an MP's reply rate, or for none shown."""
    return NOT_SHOWN[0] if rate is None else bucket(rate, RATE_BUCKETS)[0]

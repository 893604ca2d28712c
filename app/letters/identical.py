"""The House of Lords' rule for campaigns: no more than six identical messages
to its members on one subject (app/targets/models.py, HOUSE_OF_LORDS).

A target list can carry such a limit (`most_identical`). A letter to one of
its members is compared with the campaign's letters already confirmed to
that list's members: identical or near-identical ones (their four-word
shingles, the measure moderation uses, at NEAR_IDENTICAL or more) are
counted, and at the limit the letter is refused at the form with the
reason, or, if a burst of them was confirmed at once, held for a moderator
at confirmation.

Whole texts are compared, not their writers' own words: letters that are
all the campaign's suggested text are exactly what the rule is about. The
greeting (the one line naming the recipient) and the writer's name are left
out, since they differ from letter to letter whatever the rest says.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.i18n import gettext
from app.letters.models import Letter, LetterStatus, Recipient
from app.letters.own_words import shingles, words
from app.reference.cache import cached
from app.targets.models import Target, TargetList

NEAR_IDENTICAL = 0.8  # the share of four-word shingles two letters have in common
COMPARED = 2000  # the campaign's latest letters to the list compared, at most
CONFIRMED = (
    LetterStatus.HELD, LetterStatus.QUEUED, LetterStatus.SENT, LetterStatus.WAITING,
    LetterStatus.POSTED,
)  # fmt: skip


def too_many_identical(
    campaign_id: int,
    body: str,
    sender_name: str,
    target_ids: Sequence[int],
    *,
    letter_id: int | None = None,
) -> str | None:
    """Why a letter with `body` to `target_ids` breaks a list's limit, for
    the writer to read; None if it does not. `letter_id`: the letter itself,
    when it is already stored."""
    if not target_ids:
        return None
    # At the form, from this process's copy (most letters go to no limited
    # list); at confirmation, which enforces the rule, from the database.
    limited = _limited_lists(target_ids) if letter_id is None else _limited_now(target_ids)
    if not limited:
        return None
    if letter_id is not None:
        # At confirmation, in its write transaction: confirmations of letters
        # to one limited list take turns (PostgreSQL; SQLite's write lock
        # already does), so two at the same instant cannot both pass.
        db.session.execute(
            select(TargetList.id)
            .where(TargetList.id.in_([list_id for list_id, _, _ in limited]))
            .order_by(TargetList.id)
            .with_for_update()
        ).all()
    mine = _fingerprint(body, sender_name)
    for list_id, name, most in limited:
        if _similar_letters(campaign_id, list_id, mine, letter_id, most):
            return gettext(
                "%(list)s ask campaigns to send no more than %(most)d identical letters to "
                "their members on one subject, and %(most)d letters much like yours have "
                "already gone to them in this campaign. Please put it in your own words, "
                "or write to someone else.",
                list=name, most=most,
            )  # fmt: skip
    return None


def _limited_now(target_ids: Sequence[int]) -> list[tuple[int, str, int]]:
    """The lists with a limit that `target_ids` belong to: (id, name, most)."""
    rows = db.session.execute(
        select(TargetList.id, TargetList.name, TargetList.most_identical)
        .join(Target, Target.list_id == TargetList.id)
        .where(Target.id.in_(target_ids), TargetList.most_identical.is_not(None))
        .distinct()
    )
    return sorted((list_id, name, most) for list_id, name, most in rows if most is not None)


@dataclass(frozen=True)
class _Limited:
    """Every target of a list with a limit, and its list's (id, name, most);
    and the newest target id when this copy was made."""

    lists: dict[int, tuple[int, str, int]]
    newest_id: int


def _limited_lists(target_ids: Sequence[int]) -> list[tuple[int, str, int]]:
    """As _limited_now, from this process's copy (rebuilt when the reference
    version moves, as loading a list makes it); from the database for a
    target loaded since the copy was made."""
    known = cached("limited_targets", _read_limited).get()
    if max(target_ids) > known.newest_id:
        return _limited_now(target_ids)
    return sorted({known.lists[t] for t in target_ids if t in known.lists})


def _read_limited(_previous, _version) -> _Limited:
    rows = db.session.execute(
        select(Target.id, TargetList.id, TargetList.name, TargetList.most_identical)
        .join(TargetList, Target.list_id == TargetList.id)
        .where(TargetList.most_identical.is_not(None))
    )
    newest = db.session.scalar(select(func.max(Target.id))) or 0
    lists = {t: (list_id, name, most) for t, list_id, name, most in rows if most is not None}
    return _Limited(lists, newest)


def _similar_letters(
    campaign_id: int, list_id: int, mine: set[int], letter_id: int | None, enough: int
) -> bool:
    """Whether `enough` of the list's latest letters are (near-)identical to
    `mine`: it stops reading at the `enough`th."""
    to_the_list = select(Recipient.letter_id).join(Target, Target.id == Recipient.target_id)
    to_the_list = to_the_list.where(Target.list_id == list_id)
    earlier = db.session.execute(
        select(Letter.body, Letter.sender_name)
        .where(
            Letter.campaign_id == campaign_id,
            Letter.status.in_(CONFIRMED),
            Letter.id.in_(to_the_list),
            Letter.id != (letter_id or 0),
        )
        .order_by(Letter.id.desc())
        .limit(COMPARED)
    )
    found = 0
    for body, sender in earlier:
        if _similarity(mine, _earlier_fingerprint(body, sender)) >= NEAR_IDENTICAL:
            found += 1
            if found >= enough:
                return True
    return False


def _fingerprint(body: str, sender_name: str) -> set[int]:
    first, _, rest = body.strip().partition("\n")
    text = rest if len(first) <= 120 and first.rstrip().endswith(",") else body
    return shingles(words(text, (sender_name,)))


@functools.lru_cache(maxsize=2 * COMPARED)
def _earlier_fingerprint(body: str, sender_name: str) -> array[int]:
    """An earlier letter's fingerprint, kept by this process: shingling is
    nearly all the check's cost (~470 ms for COMPARED personal letters,
    which it reads to the end; docs/performance.md), and a letter's text
    does not change once confirmed (erasing it changes the key). Kept as
    an array, a tenth of a set's memory: ~1.6 KB for a 200-word letter."""
    return array("q", _fingerprint(body, sender_name))


def _similarity(mine: set[int], other: array[int]) -> float:
    """Jaccard: the share of their shingles the two have in common."""
    if not mine or not other:
        return float(not mine and not other)
    shared = len(mine.intersection(other))
    return shared / (len(mine) + len(other) - shared)

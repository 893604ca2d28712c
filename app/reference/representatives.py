"""Representatives: from a postcode to the constituency and its sitting MP.

Lookups are answered from an in-process snapshot of the 650 seats and the
postcode index (app/reference/cache.py), so the hot path never touches the
database; the snapshot is rebuilt when `data load` or an admin changes
something.
Delivery never uses the snapshot: the worker reads the MP's address from the
database at send time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import metrics
from app.adapters.mapit import MapItSource, MapItUnavailable
from app.extensions import db
from app.i18n import N_, gettext
from app.reference.cache import VersionedCache, cached
from app.reference.models import MP, Constituency, StoredPostcodeIndex, in_reader_language
from app.reference.postcodes import (
    NO_SLOT,
    UNPLACED,
    LookupUnavailable,
    Placed,
    PostcodeError,
    PostcodeIndex,
    compact,
    in_special_area,
    place_postcode,
    pretty,
)

PARLIAMENT_CONTACT = "https://www.parliament.uk/get-involved/contact-an-mp-or-lord/"
POSTAL_ADDRESS = "House of Commons, London SW1A 0AA"
NOT_LOADED = N_("The postcode data has not been loaded yet. Please try again later.")


@dataclass(frozen=True, slots=True)
class MPCard:
    id: int
    name: str
    party: str
    member_id: int | None
    can_email: bool
    vacant: bool

    @property
    def status(self) -> str:
        return "vacant" if self.vacant else ("ok" if self.can_email else "no_email")

    @property
    def contact_url(self) -> str:
        if self.member_id:
            return f"https://members.parliament.uk/member/{self.member_id}/contact"
        return PARLIAMENT_CONTACT


@dataclass(frozen=True, slots=True)
class Seat:
    constituency_id: int
    gss_code: str
    name: str  # in English
    country: str
    mp: MPCard
    name_cy: str | None = None

    @property
    def local_name(self) -> str:
        """The constituency's name in the reader's language."""
        return in_reader_language(self.name, self.name_cy)

    @property
    def can_email(self) -> bool:
        return self.mp.can_email

    def unreachable_reason(self) -> str | None:
        """Why a constituent cannot write here by email, in words for them; None if they can."""
        if self.mp.vacant:
            return gettext(
                "The seat for %(constituency)s is vacant: there is no MP until a by-election "
                "is held. You can still write to the House of Commons, %(address)s, or find "
                "other ways to be heard at %(contact)s.",
                constituency=self.name, address=POSTAL_ADDRESS, contact=PARLIAMENT_CONTACT,
            )  # fmt: skip
        if not self.mp.can_email:
            return gettext(
                "We don't have a working email address for %(name)s. You can contact them "
                "through their page on the UK Parliament website, or by post at %(address)s.",
                name=self.mp.name, address=POSTAL_ADDRESS,
            )  # fmt: skip
        return None


# Built on every lookup: plain slotted classes, as frozen ones cost more to
# build (docs/performance.md).
@dataclass(slots=True)
class Found:
    postcode: str
    seat: Seat


@dataclass(slots=True)
class Choose:
    """The constituent must pick their constituency from `seats`."""

    postcode: str
    reason: str  # "northern_ireland" or "no_constituency"
    seats: tuple[Seat, ...]

    @property
    def explanation(self) -> str:
        if self.reason == "northern_ireland":
            return gettext(
                "Our postcode data covers Great Britain only, so we can't tell which "
                "Northern Ireland constituency you are in. Please choose yours from the list."
            )
        return gettext(
            "%(postcode)s is a real postcode, but it isn't tied to one constituency (it may "
            "belong to a large organisation or a PO box). Please choose the constituency you "
            "live in.",
            postcode=self.postcode,
        )


class ChoiceRequired(Exception):
    """The postcode needs a constituency chosen from a list before writing."""

    def __init__(self, choose: Choose):
        super().__init__(choose.explanation)
        self.choose = choose


class WrongConstituency(Exception):
    """The postcode given does not belong to the MP being written to."""


class NotLoaded(LookupUnavailable):
    """No reference data has been loaded yet (`flask data load`)."""


@dataclass(frozen=True)
class Snapshot:
    version: int  # the reference data's version (app/reference/cache.py)
    index_id: int | None
    index: PostcodeIndex | None
    locate: Callable[[str], str | None]  # the configured postcode source
    by_gss: dict[str, Seat]
    by_id: dict[int, Seat]
    northern_ireland: tuple[Seat, ...]
    great_britain: tuple[Seat, ...]
    # The embedded index's slots as seats (None for a code with no seat);
    # empty when a remote source is configured.
    seat_by_slot: tuple[Seat | None, ...] = ()


def _build_snapshot(previous: Snapshot | None, version: int | None) -> Snapshot:
    if version is None:
        raise NotLoaded(gettext(NOT_LOADED))
    index_id = db.session.scalar(select(StoredPostcodeIndex.id))
    index = previous.index if previous and previous.index_id == index_id else None
    if index is None and index_id is not None:
        row = db.session.get_one(StoredPostcodeIndex, index_id)
        index = PostcodeIndex.from_bytes(row.keys, row.slots, json.loads(row.slot_codes))
    mps = db.session.scalars(select(MP).options(joinedload(MP.constituency))).all()
    seats = [_seat(mp.constituency, mp) for mp in mps]
    with_mp = {s.constituency_id for s in seats}
    constituencies = db.session.scalars(select(Constituency))
    seats += [_seat(c, None) for c in constituencies if c.id not in with_mp]
    seats.sort(key=lambda s: s.name)
    by_gss = {s.gss_code: s for s in seats}
    locate = _locator(index)
    seat_by_slot: tuple[Seat | None, ...] = ()
    if index is not None and locate == index.locate:  # the embedded index answers
        seat_by_slot = tuple(by_gss.get(code) for code in index.codes)
    return Snapshot(
        version=version,
        index_id=index_id,
        index=index,
        locate=locate,
        by_gss=by_gss,
        by_id={s.constituency_id: s for s in seats},
        northern_ireland=tuple(s for s in seats if s.country == "Northern Ireland"),
        great_britain=tuple(s for s in seats if s.country != "Northern Ireland"),
        seat_by_slot=seat_by_slot,
    )


def _seat(constituency: Constituency, mp: MP | None) -> Seat:
    card = (
        MPCard(
            id=mp.id,
            name=mp.name,
            party=mp.party,
            member_id=mp.member_id,
            can_email=mp.email is not None,
            vacant=mp.is_vacant,
        )
        if mp is not None
        else MPCard(id=0, name="Vacant", party="", member_id=None, can_email=False, vacant=True)
    )
    return Seat(
        constituency.id, constituency.gss_code, constituency.name, constituency.country, card,
        constituency.name_cy,
    )  # fmt: skip


def reference_loaded() -> bool:
    """For /readyz: constituencies and MPs loaded, and a postcode source to use."""
    try:
        snapshot = reference_cache().get()
    except LookupUnavailable:
        return False
    remote = bool(current_app.config["POSTCODE_LOOKUP_URL"])
    return bool(snapshot.by_gss) and (snapshot.index is not None or remote)


def answering_version() -> int:
    """The version of the reference data that lookups answer from now."""
    return reference_cache().get().version


def reference_cache() -> VersionedCache[Snapshot]:
    return cached("reference_snapshot", _build_snapshot)


def _locator(index: PostcodeIndex | None) -> Callable[[str], str | None]:
    url = current_app.config["POSTCODE_LOOKUP_URL"]
    if url:
        return _mapit_locator(MapItSource(url, current_app.config["POSTCODE_LOOKUP_TIMEOUT"]))
    if index is None:
        return _not_loaded
    return index.locate


LOOKUP_UNAVAILABLE = N_("We can't look up postcodes right now. Please try again in a few minutes.")


def _mapit_locator(source: MapItSource) -> Callable[[str], str | None]:
    def locate(compact_postcode: str) -> str | None:
        try:
            return source.locate(compact_postcode)
        except MapItUnavailable as exc:
            raise LookupUnavailable(gettext(LOOKUP_UNAVAILABLE)) from exc

    return locate


def _not_loaded(_postcode: str) -> str | None:
    raise NotLoaded(gettext(NOT_LOADED))


def find_mp(raw_postcode: str) -> Found | Choose:
    """The seat for a postcode, or the list to choose from.

    Raises InvalidPostcode, UnknownPostcode, NoMPForArea or LookupUnavailable.
    """
    snapshot = reference_cache().get()
    # The fast path, for most lookups: the text is exactly a real postcode in
    # an ordinary area of the embedded index (no regex, no repair).
    text = compact(raw_postcode)
    index = snapshot.index  # there is one when there are seat_by_slot
    if snapshot.seat_by_slot and index is not None and not in_special_area(text):
        slot = index.slot_of(text)
        if slot is not None and slot != NO_SLOT:
            seat = snapshot.seat_by_slot[slot]
            if seat is not None:
                return Found(pretty(text), seat)
    placed: Placed = place_postcode(text, snapshot.locate)
    if placed.gss_code != UNPLACED:
        seat = snapshot.by_gss.get(placed.gss_code)
        if seat is not None:
            return Found(placed.postcode, seat)
    if placed.northern_ireland:
        return Choose(placed.postcode, "northern_ireland", snapshot.northern_ireland)
    return Choose(placed.postcode, "no_constituency", snapshot.great_britain)


def look_up(raw_postcode: str) -> Found | Choose:
    """`find_mp` for a person's lookup (the page's or the API's), counted by
    outcome for /metrics; letters and sign-ups resolve their postcodes uncounted."""
    try:
        result = find_mp(raw_postcode)
    except LookupUnavailable:
        metrics.LOOKUPS.labels("unavailable").inc()  # the site's problem, not the postcode's
        raise
    except PostcodeError:
        metrics.LOOKUPS.labels("refused").inc()
        raise
    count_lookup(result)
    return result


def count_lookup(result: Found | Choose) -> None:
    metrics.LOOKUPS.labels("found" if isinstance(result, Found) else "choose").inc()


def resolve_seat(raw_postcode: str, chosen_gss: str | None = None) -> tuple[str, Seat, bool]:
    """The (postcode, seat, chosen-by-constituent) a letter from this postcode goes to.

    `chosen_gss` must be the postcode's own constituency, or one of the
    choices offered for it. Raises ChoiceRequired, WrongConstituency and the
    postcode errors of `find_mp`.
    """
    result = find_mp(raw_postcode)
    if isinstance(result, Found):
        if chosen_gss and chosen_gss != result.seat.gss_code:
            raise WrongConstituency(
                gettext(
                    "%(postcode)s is in %(constituency)s. Please check your postcode.",
                    postcode=result.postcode,
                    constituency=result.seat.local_name,
                )
            )
        return result.postcode, result.seat, False
    for seat in result.seats:
        if seat.gss_code == chosen_gss:
            return result.postcode, seat, True
    raise ChoiceRequired(result)


def seat_by_gss(gss_code: str) -> Seat | None:
    return reference_cache().get().by_gss.get(gss_code)


def seat_by_constituency_id(constituency_id: int) -> Seat | None:
    return reference_cache().get().by_id.get(constituency_id)

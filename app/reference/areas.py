"""The local areas a postcode lies in: its country, county, council and ward.

Code-Point Open gives each postcode the GSS codes of its country, county
(two-tier England only), district or unitary council and ward or electoral
division. `flask data load` keeps them as an `AreaIndex`, parallel to the
postcode index (the same key order), so placing a postcode in its areas is
the postcode lookup's one binary search and four array reads. Targets
(app/targets/) are keyed by these codes.
"""

from __future__ import annotations

import json
import sys
from array import array
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from app.extensions import db
from app.reference.cache import cached
from app.reference.models import StoredPostcodeIndex
from app.reference.postcodes import NO_SLOT, compact
from app.reference.representatives import reference_cache


class AreaType(StrEnum):
    """A kind of area a target serves, and so a postcode can be placed in."""

    CONSTITUENCY = "constituency"  # Westminster, 2024
    COUNTRY = "country"
    COUNTY = "county"  # the upper tier of a two-tier English area
    COUNCIL = "council"  # a district, unitary, metropolitan or London borough council
    WARD = "ward"  # or electoral division
    SENEDD = "senedd"  # a Senedd constituency from 2026: app/reference/senedd.py
    NONE = "none"  # a national target: anyone may write to it


# Code-Point Open's columns, in the order an AreaIndex keeps them.
COLUMNS = {
    AreaType.COUNTRY: "Country_code",
    AreaType.COUNTY: "Admin_county_code",
    AreaType.COUNCIL: "Admin_district_code",
    AreaType.WARD: "Admin_ward_code",
}
_PER_POSTCODE = len(COLUMNS)


@dataclass(frozen=True)
class Areas:
    """A postcode's areas: {AreaType: GSS code}, only those it has."""

    codes: dict[AreaType, str]

    def __contains__(self, code: str) -> bool:
        return code in self.codes.values()


NOWHERE = Areas({})


class AreaIndex:
    """Four uint16 slots a postcode (country, county, council, ward), indexing
    `codes`, in the postcode index's key order; NO_SLOT where it has none."""

    __slots__ = ("codes", "slots")

    def __init__(self, slots: array, codes: list[str]):
        if slots.typecode != "H" or len(slots) % _PER_POSTCODE:
            raise ValueError("slots must be uint16, four a postcode")
        self.slots = slots
        self.codes = codes

    def areas_at(self, position: int) -> Areas:
        start = position * _PER_POSTCODE
        found = {}
        for offset, kind in enumerate(COLUMNS):
            slot = self.slots[start + offset]
            if slot != NO_SLOT:
                found[kind] = self.codes[slot]
        return Areas(found)

    def __len__(self) -> int:
        return len(self.slots) // _PER_POSTCODE

    @classmethod
    def build(cls, rows: list[tuple[str, ...]]) -> AreaIndex:
        """From each postcode's four codes ("" for none), in key order."""
        codes = sorted({code for row in rows for code in row if code})
        if len(codes) >= NO_SLOT:
            raise ValueError("too many areas for a uint16 slot")
        slot_of = {code: i for i, code in enumerate(codes)}
        slots = array("H", (slot_of.get(code, NO_SLOT) for row in rows for code in row))
        return cls(slots, codes)

    def to_bytes(self) -> bytes:
        slots = array("H", self.slots)
        if sys.byteorder == "big":
            slots.byteswap()
        return slots.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, codes: list[str]) -> AreaIndex:
        slots = array("H")
        slots.frombytes(data)
        if sys.byteorder == "big":
            slots.byteswap()
        return cls(slots, codes)

    def known_codes(self) -> frozenset[str]:
        return frozenset(self.codes)


@dataclass(frozen=True)
class _Loaded:
    index_id: int | None  # the postcode index these areas follow
    areas: AreaIndex | None
    loaded_at: datetime | None = None  # with the id, names one load (SQLite reuses ids)


def _build(previous: _Loaded | None, version: int | None) -> _Loaded:
    # A version bump for other reference data (an MP's address, a campaign's
    # targets) keeps the areas already loaded: only a new index brings new ones.
    stored = db.session.execute(
        select(StoredPostcodeIndex.id, StoredPostcodeIndex.loaded_at)
    ).first()
    same_load = (
        stored is not None
        and previous is not None
        and ((previous.index_id, previous.loaded_at) == tuple(stored))
    )
    if same_load and previous is not None and previous.areas is not None:
        return previous
    row = db.session.execute(
        select(StoredPostcodeIndex.id, StoredPostcodeIndex.areas, StoredPostcodeIndex.area_codes,
               StoredPostcodeIndex.loaded_at)
    ).first()  # fmt: skip
    if row is None or row.areas is None or row.area_codes is None:
        return _Loaded(None, None)
    areas = AreaIndex.from_bytes(row.areas, json.loads(row.area_codes))
    return _Loaded(row.id, areas, row.loaded_at)


def _loaded() -> _Loaded:
    return cached("areas", _build).get()


def areas_of(postcode: str) -> Areas:
    """The areas a real postcode lies in; NOWHERE for one the data does not
    know, or when the loaded data has no areas (an older `data load`, or a
    remote postcode source). For the moments after a `data load` when the
    postcode lookup still holds the old index, NOWHERE too, rather than
    another postcode's areas."""
    placing = areas_with_load(postcode)
    return NOWHERE if placing is None else placing[0]


def areas_with_load(postcode: str) -> tuple[Areas, datetime] | None:
    """The areas a postcode lies in (NOWHERE for one the data does not
    know) and when the data that says so was loaded; None while this
    process's data places no postcode (see areas_of)."""
    found = _placing_data()
    if found is None:
        return None
    index, loaded = found
    position = index.position_of(compact(postcode))
    return (NOWHERE if position is None else loaded.areas.areas_at(position)), loaded.loaded_at


def areas_loaded() -> bool:
    """Whether the loaded data places postcodes in areas (an older `data
    load`, or a remote postcode source, does not)."""
    return _placing_data() is not None


def loaded_areas_load() -> datetime | None:
    """When this process's copy of the areas was loaded; None as areas_loaded."""
    found = _placing_data()
    return None if found is None else found[1].loaded_at


def _placing_data():
    """This process's postcode index and the areas that follow it; None
    while they do not place postcodes, or are from two different loads."""
    snapshot = reference_cache().get()
    loaded = _loaded()
    if (
        snapshot.index is None
        or loaded.areas is None
        or loaded.loaded_at is None
        or loaded.index_id != snapshot.index_id
    ):
        return None
    return snapshot.index, loaded


def newest_load() -> datetime | None:
    """When the postcode data in the database was loaded, if it places
    postcodes in areas; read from the database, not this process's copy,
    and without loading the areas (megabytes)."""
    return db.session.scalar(
        select(StoredPostcodeIndex.loaded_at).where(StoredPostcodeIndex.areas.is_not(None))
    )


def known_area_codes() -> frozenset[str]:
    """Every area code the loaded postcodes lie in: a target list's codes are
    checked against it."""
    areas = _loaded().areas
    return areas.known_codes() if areas is not None else frozenset()

"""Postcodes: normalise what a person typed, and place it in a constituency.

The pipeline, top to bottom:

    raw text -> compact form ("SW1A0AA") -> format check (with O/0, I/1 repair)
    -> places with no MP (Crown dependencies, BFPO, overseas territories)
    -> Northern Ireland (not covered by the data: the constituent chooses)
    -> the postcode source: does it exist, and in which constituency?

The embedded source is `PostcodeIndex`: every GB postcode read as a base-36
integer in one sorted int64 array, with a parallel uint16 array of
constituency slots. A lookup is a binary search within the postcode's
district (a few hundred keys, not 1.7 million); there are no per-postcode
Python objects, ~17 MB in all.
"""

from __future__ import annotations

import itertools
import re
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

from app.i18n import N_, gettext

# A postcode that exists but that the data places in no constituency (868
# large-user postcodes such as BD98 1GA).
UNPLACED = ""
NO_SLOT = 0xFFFF

# A postcode's shape (compact, upper case), naming its area.
_SHAPE = re.compile(r"([A-Z]{1,2})[0-9][A-Z0-9]?[0-9][A-Z]{2}")
NORTHERN_IRELAND = "BT"  # the one postcode area of Northern Ireland
# Areas that need more than a lookup: Northern Ireland, Crown dependencies, BFPO.
SPECIAL_AREAS = frozenset({NORTHERN_IRELAND, "JE", "GY", "IM", "BF"})
_BFPO = re.compile(r"BFPO[0-9]{1,4}")
_OUTWARD_AREA = re.compile(r"[A-Z]{1,2}")

# Common typing slips, by what the position must hold.
_AS_DIGIT = {"O": "0", "I": "1"}
_AS_LETTER = {"0": "O", "1": "I"}
_EITHER = {"O": "0", "0": "O", "I": "1", "1": "I"}


class PostcodeError(Exception):
    """Base class: a postcode we cannot turn into an MP. `message` is for people."""

    code = "postcode_error"
    status = 400

    def __init__(self, explanation: str, postcode: str | None = None):
        super().__init__(explanation)
        self.explanation = explanation
        self.postcode = postcode


class InvalidPostcode(PostcodeError):
    """The text is not shaped like a full UK postcode."""

    code = "invalid_postcode"
    status = 400


class UnknownPostcode(PostcodeError):
    """Shaped like a postcode, but no such postcode exists."""

    code = "unknown_postcode"
    status = 404


class NoMPForArea(PostcodeError):
    """A real place that elects no MP to the UK Parliament."""

    code = "no_mp_for_area"
    status = 404


class LookupUnavailable(PostcodeError):
    """The postcode source could not be reached; try again later."""

    code = "lookup_unavailable"
    status = 503


def _no_mp(place: str, body: str) -> str:
    """Why `place` (marked with N_, as `body` is) has no MP, in the reader's language."""
    return gettext(
        "%(place)s does not elect an MP to the UK Parliament. %(more)s",
        place=gettext(place),
        more=gettext(body),
    )


# Outward areas whose people have no MP: (place, why), translated when said.
NO_MP_AREAS = {
    "JE": (
        N_("Jersey"),
        N_(
            "Jersey is a Crown dependency with its own parliament, the States Assembly; "
            "you can contact your Deputy through https://statesassembly.je."
        ),
    ),
    "GY": (
        N_("Guernsey"),
        N_(
            "The Bailiwick of Guernsey is a Crown dependency with its own parliaments "
            "(the States of Guernsey, of Alderney and the Chief Pleas of Sark)."
        ),
    ),
    "IM": (
        N_("The Isle of Man"),
        N_(
            "It is a Crown dependency with its own parliament, Tynwald; you can contact "
            "your Member of the House of Keys through tynwald.org.im."
        ),
    ),
}
BFPO_MESSAGE = N_(
    "BFPO addresses do not belong to a constituency. If you are in the armed forces "
    "or a member of their family, please use the postcode of your home address in the UK: "
    "that is where you are registered to vote."
)
# Overseas territories with UK-style postcodes.
OVERSEAS_TERRITORIES = {
    "ASCN1ZZ": N_("Ascension Island"),
    "STHL1ZZ": N_("Saint Helena"),
    "TDCU1ZZ": N_("Tristan da Cunha"),
    "BBND1ZZ": N_("The British Indian Ocean Territory"),
    "BIQQ1ZZ": N_("The British Antarctic Territory"),
    "FIQQ1ZZ": N_("The Falkland Islands"),
    "GX111AA": N_("Gibraltar"),
    "PCRN1ZZ": N_("The Pitcairn Islands"),
    "SIQQ1ZZ": N_("South Georgia and the South Sandwich Islands"),
    "TKCA1ZZ": N_("The Turks and Caicos Islands"),
}
INVALID_MESSAGE = N_("Please enter a full UK postcode, such as SW1A 0AA.")


def compact(raw: str) -> str:
    """Upper case with all whitespace removed: 'sw1a 0aa ' -> 'SW1A0AA'."""
    return "".join(raw.split()).upper()


def pretty(compact_postcode: str) -> str:
    """'SW1A0AA' -> 'SW1A 0AA'."""
    return f"{compact_postcode[:-3]} {compact_postcode[-3:]}"


def is_well_formed(compact_postcode: str) -> bool:
    return _SHAPE.fullmatch(compact_postcode) is not None


def in_special_area(compact_postcode: str) -> bool:
    """Whether a postcode needs more than a lookup (every special area has
    two letters, so its first two characters say it, without a regex)."""
    return compact_postcode[:2] in SPECIAL_AREAS


def repairs(compact_postcode: str) -> list[str]:
    """Well-formed readings of a postcode with O/0 and I/1 slips, most literal first.

    The inward code (last three) is always digit-letter-letter, so slips there
    have one reading. In the outward code only the first character is sure to
    be a letter; elsewhere both readings are kept and the data decides.
    """
    if not 5 <= len(compact_postcode) <= 7:
        return []
    outward, inward = compact_postcode[:-3], compact_postcode[-3:]
    inward = (
        _AS_DIGIT.get(inward[0], inward[0])
        + _AS_LETTER.get(inward[1], inward[1])
        + _AS_LETTER.get(inward[2], inward[2])
    )
    choices = [[_AS_LETTER.get(outward[0], outward[0])]]
    choices += [[c, _EITHER[c]] if c in _EITHER else [c] for c in outward[1:]]
    readings = []
    for letters in itertools.product(*choices):
        candidate = "".join(letters) + inward
        if candidate not in readings and is_well_formed(candidate):
            readings.append(candidate)
    return readings


def outward_area(compact_postcode: str) -> str:
    """The postcode area: the leading letters ('SW1A0AA' -> 'SW')."""
    match = _OUTWARD_AREA.match(compact_postcode)
    return match.group(0) if match else ""


def is_northern_ireland(compact_postcode: str) -> bool:
    return outward_area(compact_postcode) == NORTHERN_IRELAND


def _check_not_postcode_shaped_places(text: str) -> None:
    """BFPO numbers and overseas territories, whose codes are not GB-shaped."""
    if _BFPO.fullmatch(text):
        raise NoMPForArea(gettext(BFPO_MESSAGE))
    if text in OVERSEAS_TERRITORIES:
        raise NoMPForArea(
            _no_mp(OVERSEAS_TERRITORIES[text], N_("It is a British Overseas Territory.")),
            pretty(text),
        )


def check_area_has_mp(compact_postcode: str) -> None:
    """Raise NoMPForArea for places with no MP: Crown dependencies, BFPO, territories."""
    _check_not_postcode_shaped_places(compact_postcode)
    if compact_postcode.startswith("BF1"):  # the BFPO postcode district
        raise NoMPForArea(gettext(BFPO_MESSAGE), pretty(compact_postcode))
    area = outward_area(compact_postcode)
    if area in NO_MP_AREAS:
        raise NoMPForArea(_no_mp(*NO_MP_AREAS[area]), pretty(compact_postcode))


@dataclass(slots=True)  # built on every lookup; frozen costs more to build (docs/performance.md)
class Placed:
    """Where a postcode is: `gss_code` is UNPLACED when the data gives no constituency."""

    postcode: str  # pretty form
    gss_code: str

    @property
    def northern_ireland(self) -> bool:
        return is_northern_ireland(self.postcode)


# What a postcode source answers: the constituency's GSS code, UNPLACED for a
# real postcode with no constituency, or None for a postcode that does not exist.
Locate = Callable[[str], "str | None"]


def place_postcode(raw: str, locate: Locate) -> Placed:
    """Turn what a person typed into a real postcode and its constituency.

    Raises InvalidPostcode, UnknownPostcode, NoMPForArea (or LookupUnavailable
    from a remote source). Northern Ireland postcodes are returned UNPLACED:
    the data does not cover them, and a GB answer must never be given.
    """
    text = "".join(raw.split()).upper()
    # The fast path, for the great majority: well formed, in an ordinary
    # area, and found as typed.
    shape = _SHAPE.fullmatch(text)
    if shape is not None and not in_special_area(text):
        where = locate(text)
        if where is not None:
            return Placed(f"{text[:-3]} {text[-3:]}", where)
    return _place_carefully(text, shape is not None, locate)


def _place_carefully(text: str, literal: bool, locate: Locate) -> Placed:
    """Typos, places with no MP, Northern Ireland, and postcodes that do not exist."""
    if literal:
        first = text
    else:
        readings = repairs(text)
        if not readings:
            _check_not_postcode_shaped_places(text)
            raise InvalidPostcode(gettext(INVALID_MESSAGE))
        first = readings[0]
    check_area_has_mp(first)
    if is_northern_ireland(first):
        # Code-Point Open is GB only, so existence cannot be checked here.
        return Placed(pretty(first), UNPLACED)
    if literal:
        where = locate(text)
        if where is not None:
            return Placed(pretty(text), where)
    for reading in repairs(text):
        if reading != text:
            where = locate(reading)
            if where is not None:
                return Placed(pretty(reading), where)
    raise UnknownPostcode(
        gettext(
            "We can't find the postcode %(postcode)s. Please check it: it may have a typo.",
            postcode=pretty(first),
        ),
        pretty(first),
    )


INWARD = 36**3  # every inward code is three base-36 digits, so key // INWARD is the district


class PostcodeIndex:
    """Every GB postcode and its constituency, in two flat arrays.

    `districts` maps each outward district (key // INWARD) to its slice of
    the arrays, so a lookup searches a few hundred keys, not 1.7 million.
    """

    __slots__ = ("codes", "districts", "keys", "slots")

    def __init__(self, keys: array, slots: array, codes: list[str]):
        if keys.typecode != "q" or slots.typecode != "H" or len(keys) != len(slots):
            raise ValueError("keys must be int64, slots uint16, of equal length")
        self.keys = keys
        self.slots = slots
        self.codes = codes
        self.districts = _district_ranges(keys)

    def __len__(self) -> int:
        return len(self.keys)

    def locate(self, compact_postcode: str) -> str | None:
        """The GSS code for a compact postcode, UNPLACED, or None if it does not exist."""
        slot = self.slot_of(compact_postcode)
        if slot is None:
            return None
        return UNPLACED if slot == NO_SLOT else self.codes[slot]

    def slot_of(self, compact_postcode: str) -> int | None:
        """The slot (index into `codes`, or NO_SLOT) of a real postcode, None for any other text."""
        i = self.position_of(compact_postcode)
        return None if i is None else self.slots[i]

    def position_of(self, compact_postcode: str) -> int | None:
        """Where a real postcode is in key order (the areas' index shares it),
        None for any other text.

        Safe on anything a person typed: the text is read as base 36 only when
        that reading is one-to-one (ASCII letters and digits, a letter first,
        so no sign, underscore or leading zero), and then it is a hit only if
        it is exactly a real postcode.
        """
        if not (
            5 <= len(compact_postcode) <= 7
            and compact_postcode.isalnum()
            and compact_postcode.isascii()
            and compact_postcode[0].isalpha()
        ):
            return None
        key = int(compact_postcode, 36)
        span = self.districts.get(key // INWARD)
        if span is None:
            return None
        keys = self.keys
        i = bisect_left(keys, key, span[0], span[1])
        if i == span[1] or keys[i] != key:
            return None
        return i

    def code_at(self, i: int) -> str:
        """The GSS code (or UNPLACED) of the i-th postcode in key order."""
        slot = self.slots[i]
        return UNPLACED if slot == NO_SLOT else self.codes[slot]

    @classmethod
    def build(cls, pairs: list) -> PostcodeIndex:
        """From (postcode key, GSS code or UNPLACED, ...) tuples, in any order:
        sorted in place, so a caller's extra items follow their postcodes."""
        pairs.sort()
        codes = sorted({pair[1] for pair in pairs if pair[1]})
        if len(codes) >= NO_SLOT:
            raise ValueError("too many constituencies for a uint16 slot")
        slot_of = {code: i for i, code in enumerate(codes)}
        keys = array("q", (pair[0] for pair in pairs))
        slots = array("H", (slot_of.get(pair[1], NO_SLOT) for pair in pairs))
        return cls(keys, slots, codes)

    def to_bytes(self) -> tuple[bytes, bytes]:
        """Little-endian bytes of the two arrays, for storage."""
        keys, slots = array("q", self.keys), array("H", self.slots)
        if sys.byteorder == "big":
            keys.byteswap()
            slots.byteswap()
        return keys.tobytes(), slots.tobytes()

    @classmethod
    def from_bytes(cls, keys_bytes: bytes, slots_bytes: bytes, codes: list[str]) -> PostcodeIndex:
        keys, slots = array("q"), array("H")
        keys.frombytes(keys_bytes)
        slots.frombytes(slots_bytes)
        if sys.byteorder == "big":
            keys.byteswap()
            slots.byteswap()
        return cls(keys, slots, codes)


def _district_ranges(keys: array) -> dict[int, tuple[int, int]]:
    """{district: (first index, index past the last)} for sorted keys."""
    ranges: dict[int, tuple[int, int]] = {}
    start, current = 0, None
    for i, key in enumerate(keys):
        district = key // INWARD
        if district != current:
            if current is not None:
                ranges[current] = (start, i)
            start, current = i, district
    if current is not None:
        ranges[current] = (start, len(keys))
    return ranges


def postcode_key(compact_postcode: str) -> int:
    """A compact postcode read as a base-36 number, as the range data does."""
    return int(compact_postcode, 36)

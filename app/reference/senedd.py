"""The Senedd's constituencies from 2026, placed through Westminster's.

Each of the 16 is formed from two contiguous 2024 Westminster constituencies
(Senedd Cymru (Members and Elections) Act 2024), so a postcode's Senedd
constituency follows from the constituency the postcode lookup already
finds: no boundary file is needed. The pairing ships with the project in
senedd_2026.csv, with its source and licence; a target list names a Senedd
constituency by the short name (slug) given there.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PAIRING = Path(__file__).with_name("senedd_2026.csv")


@dataclass(frozen=True)
class SeneddConstituency:
    slug: str  # "caerdydd-penarth": a target list's area_code
    name: str  # its one official name, in Welsh: "Caerdydd Penarth"
    westminster: tuple[str, ...]  # the GSS codes of the two it is formed from


@cache
def senedd_constituencies() -> dict[str, SeneddConstituency]:
    """Every Senedd constituency, by slug."""
    pairs: dict[str, tuple[str, list[str]]] = {}
    with PAIRING.open(encoding="utf-8", newline="") as file:
        rows = csv.DictReader(line for line in file if not line.startswith("#"))
        for row in rows:
            pairs.setdefault(row["senedd_slug"], (row["senedd_name"], []))[1].append(
                row["westminster_gss_code"]
            )
    return {
        slug: SeneddConstituency(slug, name, tuple(codes)) for slug, (name, codes) in pairs.items()
    }


@cache
def _by_westminster() -> dict[str, str]:
    constituencies = senedd_constituencies().values()
    return {code: senedd.slug for senedd in constituencies for code in senedd.westminster}


def senedd_of(constituency_gss: str) -> str | None:
    """The slug of the Senedd constituency a Westminster constituency is part
    of; None outside Wales."""
    return _by_westminster().get(constituency_gss)

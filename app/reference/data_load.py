"""Loading the reference data: constituencies, sitting MPs and every GB postcode.

`read_reference_data(directory)` parses and checks every file first, naming
the file and line of anything malformed; only then does
`apply_reference_data(data)` write it, in one transaction, updating rows in
place and reporting what changed. Formats: ../shared/data/README.md.
"""

from __future__ import annotations

import csv
import gzip
import itertools
import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select

from app.db import write_transaction
from app.reference.areas import COLUMNS as AREA_COLUMNS
from app.reference.areas import AreaIndex
from app.reference.cache import bump_reference_version
from app.reference.models import MP, Constituency, StoredPostcodeIndex
from app.reference.postcodes import UNPLACED, PostcodeIndex, compact, is_well_formed

RANGES_FILE = "pcon_2024_ranges.json"
CONSTITUENCIES_FILE = "pcon_2024_constituencies.json"
MPS_FILE = "mps.csv"
POSTCODES_FILES = ("codepo_gb.csv.gz", "codepo_gb.csv")

_GSS = re.compile(r"[ENSW]\d{8}")
COUNTRIES = {"E": "England", "W": "Wales", "S": "Scotland", "N": "Northern Ireland"}
# Parliament's display names give some MPs a courtesy title ("Mr Connor
# Rand") and most none ("Alex Baker"): dropped, so every name reads alike.
# Titles that are earned or conferred (Dr, Sir, Dame) are kept.
_COURTESY_TITLE = re.compile(r"^(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+(?=\S)")


# mySociety's file gives Caerfyrddin (W07000087) the Welsh name "Carmarthen",
# which is English: the constituency has one official name in both languages,
# Caerfyrddin (the Parliamentary Constituencies Order 2023, as Ynys Môn and
# Llanelli do; the UK Parliament's own list, mps.csv, names it so too).
WELSH_NAME_FIXED: dict[str, str | None] = {"W07000087": None}


def without_courtesy_title(name: str) -> str:
    return _COURTESY_TITLE.sub("", name)


MPS_COLUMNS = ("pcon_code", "member_id", "full_title", "display_as", "party_text", "member_email")


class DataFileError(Exception):
    """A reference data file is missing or malformed; names the file and line."""

    def __init__(self, path: Path | str, message: str, line: int | None = None):
        where = f"{Path(path).name}" + (f", line {line}" if line else "")
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line


@dataclass(frozen=True)
class ConstituencyRow:
    mysociety_id: str
    gss_code: str
    name: str
    name_cy: str | None
    three_code: str


@dataclass(frozen=True)
class MPRow:
    gss_code: str
    member_id: int | None
    name: str
    full_title: str
    party: str
    email: str
    region: str
    vacant: bool


@dataclass
class ReferenceData:
    constituencies: list[ConstituencyRow]
    mps: dict[str, MPRow]
    index: PostcodeIndex
    areas: AreaIndex | None = None  # None: the Code-Point file had no admin columns
    skipped: Skipped = field(default_factory=lambda: Skipped())


@dataclass
class ChangeReport:
    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)

    def __str__(self) -> str:
        return "\n".join(self.lines)


def _line_of(text: str, needle: str) -> int | None:
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def _read_json(path: Path) -> tuple[dict, str]:
    if not path.exists():
        raise DataFileError(path, "file not found")
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(path, f"not valid JSON ({exc.msg})", exc.lineno) from exc
    if not isinstance(data, dict):
        raise DataFileError(path, "expected a JSON object at the top", 1)
    return data, text


def read_constituencies(path: Path) -> list[ConstituencyRow]:
    data, text = _read_json(path)
    rows = []
    for mysociety_id, entry in data.items():
        line = _line_of(text, f'"{mysociety_id}"')
        if not isinstance(entry, dict):
            raise DataFileError(path, f"{mysociety_id}: expected an object", line)
        gss = entry.get("parlcon_2024_gss_code")
        name = entry.get("parlcon_2024_name")
        if not isinstance(gss, str) or not _GSS.fullmatch(gss):
            raise DataFileError(path, f"{mysociety_id}: bad or missing GSS code {gss!r}", line)
        if not isinstance(name, str) or not name.strip():
            raise DataFileError(path, f"{mysociety_id}: missing name", line)
        rows.append(
            ConstituencyRow(
                mysociety_id=mysociety_id,
                gss_code=gss,
                name=name.strip(),
                name_cy=WELSH_NAME_FIXED.get(gss, entry.get("parlcon_2024_name_cy") or None),
                three_code=str(entry.get("parlcon_2024_three_code") or ""),
            )
        )
    if not rows:
        raise DataFileError(path, "no constituencies in the file", 1)
    return rows


@dataclass(frozen=True)
class RangeLookup:
    """Range starts and, per range, a mySociety id or None."""

    starts: list[int]
    ids: list[str | None]

    def id_for(self, key: int) -> str | None:
        i = bisect_right(self.starts, key) - 1
        return self.ids[i] if i >= 0 else None


def read_ranges(path: Path) -> RangeLookup:
    data, _ = _read_json(path)
    try:
        deltas, value_key, values = data["postcode_keys"], data["value_key"], data["value_values"]
    except KeyError as exc:
        raise DataFileError(path, f"missing the {exc.args[0]!r} list", 1) from exc
    if not all(isinstance(x, list) for x in (deltas, value_key, values)):
        raise DataFileError(path, "postcode_keys, value_key and value_values must be lists", 1)
    if len(deltas) != len(value_key):
        raise DataFileError(
            path, f"{len(deltas)} postcode_keys but {len(value_key)} value_key entries", 1
        )
    for name, items in (("postcode_keys", deltas), ("value_key", value_key)):
        bad = next((i for i, x in enumerate(items) if type(x) is not int), None)
        if bad is not None:
            raise DataFileError(path, f"{name}[{bad}] is not a whole number: {items[bad]!r}", 1)
    starts = list(itertools.accumulate(deltas))
    if any(b < a for a, b in itertools.pairwise(starts)):
        raise DataFileError(path, "postcode_keys do not add up to a sorted list", 1)
    # Decode: first two kept; later 0 means "as two places earlier"; then minus one.
    resolved: list[int] = []
    for i, v in enumerate(value_key):
        resolved.append(resolved[i - 2] if i >= 2 and v == 0 else v)
    ids = [values[j - 1] if 0 <= j - 1 < len(values) else None for j in resolved]
    return RangeLookup(starts, ids)


def read_mps(path: Path, known_gss: set[str]) -> dict[str, MPRow]:
    if not path.exists():
        raise DataFileError(path, "file not found")
    mps: dict[str, MPRow] = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in MPS_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataFileError(path, f"missing column(s): {', '.join(missing)}", 1)
        for row in reader:
            line = reader.line_num
            gss = (row["pcon_code"] or "").strip()
            if not _GSS.fullmatch(gss):
                raise DataFileError(path, f"bad constituency code {gss!r}", line)
            if gss not in known_gss:
                raise DataFileError(
                    path, f"constituency {gss} is not in {CONSTITUENCIES_FILE}", line
                )
            if gss in mps:
                raise DataFileError(path, f"a second MP for constituency {gss}", line)
            name = without_courtesy_title((row["display_as"] or "").strip())
            vacant = "vacant" in {name.lower(), (row["full_title"] or "").strip().lower()}
            member = (row["member_id"] or "").strip()
            if not vacant and not member.isdigit():
                raise DataFileError(path, f"member_id {member!r} is not a number", line)
            mps[gss] = MPRow(
                gss_code=gss,
                member_id=int(member) if member.isdigit() and not vacant else None,
                name="Vacant" if vacant else name,
                full_title=(row["full_title"] or "").strip(),
                party="" if vacant else (row["party_text"] or "").strip(),
                email="" if vacant else (row["member_email"] or "").strip(),
                region=(row.get("region_name") or "").strip(),
                vacant=vacant,
            )
    return mps


@dataclass(frozen=True)
class Skipped:
    """Rows of Code-Point Open that are not postcodes (the 2023 file has 3,780 'N2000...' ids)."""

    count: int = 0
    first_line: int | None = None
    first_value: str = ""


def read_postcodes(
    path: Path, ranges: RangeLookup, gss_of: dict[str, str]
) -> tuple[PostcodeIndex, AreaIndex | None, Skipped]:
    """Every postcode in Code-Point Open, placed in its constituency by the ranges.

    Structural damage (header, column count, unreadable bytes) refuses the
    file; a few rows that are not postcodes at all are skipped and reported,
    but more than 1% of them means the file is not what we think it is.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    pairs: list[tuple[int, str, int]] = []  # (key, GSS code, row), the row to sort areas by
    areas: list[tuple[str, ...]] = []
    id_for = ranges.id_for
    skipped, first = 0, None
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if not header or header[0].strip() != "Postcode":
                raise DataFileError(path, "expected a header starting with 'Postcode'", 1)
            columns = len(header)
            area_columns = _area_columns(header)
            for row in reader:
                if not row:
                    continue
                if len(row) != columns:
                    raise DataFileError(
                        path, f"expected {columns} columns, found {len(row)}", reader.line_num
                    )
                text = compact(row[0])
                if not is_well_formed(text):
                    skipped += 1
                    first = first or (reader.line_num, row[0])
                    continue
                key = int(text, 36)
                mysociety_id = id_for(key)
                pairs.append((
                    key, gss_of.get(mysociety_id, UNPLACED) if mysociety_id else UNPLACED,
                    len(pairs),
                ))  # fmt: skip
                if area_columns:
                    areas.append(tuple(row[i].strip() for i in area_columns))
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise DataFileError(path, f"cannot be read ({exc})") from exc
    if not pairs:
        raise DataFileError(path, "no postcodes in the file", 1)
    if skipped > max(10, len(pairs) // 100) and first is not None:  # (it is: rows were skipped)
        raise DataFileError(
            path, f"{skipped:,} rows are not postcodes, such as {first[1]!r}", first[0]
        )
    index = PostcodeIndex.build(pairs)  # (sorts pairs by key)
    area_index = AreaIndex.build([areas[row] for _, _, row in pairs]) if areas else None
    return index, area_index, Skipped(skipped, *first) if first else Skipped()


def _area_columns(header: list[str]) -> tuple[int, ...]:
    """Where Code-Point's admin codes are, in `AreaIndex` order; () when the
    file lacks any of them (the areas are then not loaded)."""
    names = [name.strip() for name in header]
    if not all(column in names for column in AREA_COLUMNS.values()):
        return ()
    return tuple(names.index(column) for column in AREA_COLUMNS.values())


def read_reference_data(directory: Path | str) -> ReferenceData:
    """Parse and check every file in `directory`. Writes nothing."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataFileError(directory, "is not a directory")
    constituencies = read_constituencies(directory / CONSTITUENCIES_FILE)
    ranges = read_ranges(directory / RANGES_FILE)
    gss_of = {c.mysociety_id: c.gss_code for c in constituencies}
    unknown = {i for i in ranges.ids if i is not None} - gss_of.keys()
    if unknown:
        raise DataFileError(
            directory / RANGES_FILE, f"unknown constituency id(s): {', '.join(sorted(unknown)[:5])}"
        )
    mps = read_mps(directory / MPS_FILE, {c.gss_code for c in constituencies})
    postcodes_path = next(
        (directory / name for name in POSTCODES_FILES if (directory / name).exists()), None
    )
    if postcodes_path is None:
        raise DataFileError(directory / POSTCODES_FILES[0], "file not found")
    index, areas, skipped = read_postcodes(postcodes_path, ranges, gss_of)
    return ReferenceData(constituencies, mps, index, areas, skipped)


def apply_reference_data(data: ReferenceData) -> ChangeReport:
    """Write parsed reference data in one transaction; return what changed."""
    report = ChangeReport()
    with write_transaction() as session:
        by_gss = {c.gss_code: c for c in session.scalars(select(Constituency))}
        _apply_constituencies(session, data.constituencies, by_gss, report)
        session.flush()
        _apply_mps(session, data, by_gss, report)
        _apply_postcodes(session, data.index, data.areas, report)
        if data.skipped.count:
            report.add(
                f"  skipped {data.skipped.count:,} rows that are not postcodes "
                f"(such as {data.skipped.first_value!r} on line {data.skipped.first_line:,})"
            )
        bump_reference_version(session)
    return report


def _apply_constituencies(session, rows, by_gss, report: ChangeReport) -> None:
    added, renamed = 0, []
    for row in rows:
        constituency = by_gss.get(row.gss_code)
        if constituency is None:
            constituency = Constituency(gss_code=row.gss_code)
            session.add(constituency)
            by_gss[row.gss_code] = constituency
            added += 1
        elif constituency.name != row.name:
            renamed.append(f"  renamed: {constituency.name} -> {row.name}")
        constituency.mysociety_id = row.mysociety_id
        constituency.name = row.name
        constituency.name_cy = row.name_cy
        constituency.three_code = row.three_code
        constituency.country = COUNTRIES[row.gss_code[0]]
    gone = len(by_gss.keys() - {r.gss_code for r in rows})
    report.add(
        f"Constituencies: {len(rows)} ({added} new, {len(renamed)} renamed"
        + (f", {gone} no longer in the data, kept for history" if gone else "")
        + ")"
    )
    report.lines.extend(renamed)


def _apply_mps(session, data: ReferenceData, by_gss, report: ChangeReport) -> None:
    existing = {mp.constituency_id: mp for mp in session.scalars(select(MP))}
    counts = {"new": 0, "replaced": 0, "updated": 0}
    details = []
    for gss, row in sorted(data.mps.items()):
        constituency = by_gss[gss]
        if row.region:
            constituency.region = row.region
        mp = existing.get(constituency.id)
        if mp is None:
            mp = MP(constituency=constituency)
            session.add(mp)
            counts["new"] += 1
        elif mp.member_id != row.member_id or mp.is_vacant != row.vacant:
            counts["replaced"] += 1
            details.append(f"  new MP for {constituency.name}: {mp.name} -> {row.name}")
            if mp.email_override:
                details.append(f"    (the email override for {mp.name} was cleared)")
            mp.email_override = None
        else:
            changed = [
                label
                for label, old, new in (
                    ("name", mp.name, row.name),
                    ("party", mp.party, row.party),
                    ("email", mp.source_email, row.email),
                    ("title", mp.full_title, row.full_title),
                )
                if old != new
            ]
            if changed:
                counts["updated"] += 1
                details.append(f"  {row.name} ({constituency.name}): {', '.join(changed)} changed")
        mp.member_id = row.member_id
        mp.name = row.name
        mp.full_title = row.full_title
        mp.party = row.party
        mp.source_email = row.email
        mp.is_vacant = row.vacant
    missing = [c for gss, c in by_gss.items() if gss not in data.mps]
    for constituency in missing:
        mp = existing.get(constituency.id)
        if mp is not None and not mp.is_vacant:
            details.append(f"  {constituency.name}: no MP in the data; marked vacant")
            mp.is_vacant, mp.member_id, mp.name, mp.email_override = True, None, "Vacant", None
    no_email = sum(1 for r in data.mps.values() if not r.vacant and "@" not in r.email)
    vacant = sum(1 for r in data.mps.values() if r.vacant)
    report.add(
        f"MPs: {len(data.mps)} ({counts['new']} new, {counts['replaced']} replaced, "
        f"{counts['updated']} updated; {no_email} without a usable email, {vacant} vacant)"
    )
    report.lines.extend(details[:200])
    if len(details) > 200:
        report.add(f"  ... and {len(details) - 200} more")


def _apply_postcodes(
    session, index: PostcodeIndex, areas: AreaIndex | None, report: ChangeReport
) -> None:
    old_row = session.scalars(select(StoredPostcodeIndex)).first()
    keys_bytes, slots_bytes = index.to_bytes()
    if old_row is None:
        report.add(f"Postcodes: {len(index):,} ({len(index):,} new)")
    else:
        old = PostcodeIndex.from_bytes(old_row.keys, old_row.slots, json.loads(old_row.slot_codes))
        added, removed, moved = _diff(old, index)
        report.add(
            f"Postcodes: {len(index):,} ({added:,} new, {removed:,} removed, "
            f"{moved:,} moved to another constituency)"
        )
    session.execute(delete(StoredPostcodeIndex))
    session.add(
        StoredPostcodeIndex(
            keys=keys_bytes,
            slots=slots_bytes,
            slot_codes=json.dumps(index.codes),
            postcode_count=len(index),
            areas=areas.to_bytes() if areas is not None else None,
            area_codes=json.dumps(areas.codes) if areas is not None else None,
        )
    )
    if areas is not None:
        report.add(f"Areas (countries, counties, councils, wards): {len(areas.codes):,}")


def _diff(old: PostcodeIndex, new: PostcodeIndex) -> tuple[int, int, int]:
    """Added, removed and moved postcodes between two indexes (one merge pass)."""
    i = j = added = removed = moved = 0
    ok, nk = old.keys, new.keys
    while i < len(ok) and j < len(nk):
        if ok[i] == nk[j]:
            if old.code_at(i) != new.code_at(j):
                moved += 1
            i += 1
            j += 1
        elif ok[i] < nk[j]:
            removed += 1
            i += 1
        else:
            added += 1
            j += 1
    return added + len(nk) - j, removed + len(ok) - i, moved


def load_reference_data(directory: Path | str) -> ChangeReport:
    """Read then apply: what `flask data load` does."""
    return apply_reference_data(read_reference_data(directory))

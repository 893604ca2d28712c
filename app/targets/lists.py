"""Loading a target list: a CSV file, every row checked before anything is written.

The format (docs/targets.md), one row a person or office:

    ref,name,role,body,email,postal_address,area_type,area_code

- `ref`: the row's own reference, unique in the file and kept from one
  version to the next (the source's own id, or a slug);
- `area_type`: constituency, country, county, council, ward, senedd, or
  none (a national target: a minister, a regulator), and `area_code` the GSS
  code of an area of that type a postcode can be placed in (docs/targets.md
  lists the prefixes), or for senedd the constituency's short name
  (app/reference/senedd_2026.csv); empty for none;
- `email` or `postal_address`, or both: a target with no email address gets
  its letters printed and posted by their writers.

A bad file changes nothing and gets every problem, by line. A good one
replaces the list (if it exists) as a new version.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update

from app.db import utcnow, write_transaction
from app.extensions import db
from app.reference.areas import AreaType, known_area_codes
from app.reference.cache import bump_reference_version, check_now
from app.reference.models import Constituency
from app.reference.senedd import senedd_constituencies
from app.targets.models import Target, TargetList
from app.text import has_control_characters, is_single_line

COLUMNS = ("ref", "name", "role", "body", "email", "postal_address", "area_type", "area_code")
REQUIRED = ("ref", "name", "role", "body", "area_type")
MOST_ROWS = 50_000
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
LENGTHS = {"ref": 60, "name": 120, "role": 120, "body": 120, "email": 254, "postal_address": 300}

# The GSS prefixes of each kind of area Code-Point Open (or the 2024
# constituencies) can place a postcode in.
PREFIXES = {
    AreaType.CONSTITUENCY: ("E14", "W07", "S14", "N05"),
    AreaType.COUNTRY: ("E92", "W92", "S92"),
    AreaType.COUNTY: ("E10",),
    AreaType.COUNCIL: ("E06", "E07", "E08", "E09", "W06", "S12"),
    AreaType.WARD: ("E05", "W05", "S13"),
}
GSS = re.compile(r"^[EWSN]\d{8}$")


@dataclass(frozen=True)
class Problem:
    line: int  # the file's line (1 is the header)
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class BadList(Exception):
    """The file was refused; nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s), first: {problems[0]}")
        self.problems = problems


@dataclass(frozen=True)
class Loaded:
    target_list: TargetList
    added: int
    retired: int


def read_rows(data: str) -> list[dict[str, str]]:
    """The file's rows, each checked; raises BadList with every problem."""
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff"), newline=""))
    problems: list[Problem] = []
    rows: list[dict[str, str]] = []
    try:
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [name for name in COLUMNS if name not in header]
        if missing:
            raise BadList(
                [Problem(1, f"the header lacks {', '.join(missing)} (see docs/targets.md)")]
            )
        reader.fieldnames = header
        _read(reader, _known_codes(), problems, rows, {})
    except csv.Error as exc:  # a field past the csv module's limit, a NUL byte
        message = f"this is not a CSV file we can read ({exc})"
        raise BadList([Problem(reader.line_num, message)]) from None
    if not rows and not problems:
        problems.append(Problem(1, "the file has no rows"))
    if problems:
        raise BadList(problems)
    return rows


def _read(reader, known, problems: list[Problem], rows: list, refs: dict[str, int]) -> None:
    for row in reader:
        line = reader.line_num
        if len(rows) >= MOST_ROWS:
            raise BadList([Problem(line, f"a list has at most {MOST_ROWS:,} rows")])
        if None in row:  # more fields than the header has
            problems.append(Problem(line, "more fields than the header"))
            continue
        clean = {name: (row.get(name) or "").strip() for name in COLUMNS}
        found = _row_problems(clean, known)
        if clean["ref"] in refs:
            found.append(f"ref {clean['ref']!r} is also on line {refs[clean['ref']]}")
        refs.setdefault(clean["ref"], line)
        problems.extend(Problem(line, message) for message in found)
        rows.append(clean)


def _known_codes() -> dict[AreaType, frozenset[str]]:
    areas = known_area_codes()
    constituencies = frozenset(db.session.scalars(select(Constituency.gss_code)))
    return {kind: constituencies if kind == AreaType.CONSTITUENCY else areas for kind in PREFIXES}


def _row_problems(row: dict[str, str], known: dict[AreaType, frozenset[str]]) -> list[str]:
    found = [f"{name} is empty" for name in REQUIRED if not row[name]]
    for name, most in LENGTHS.items():
        if len(row[name]) > most:
            found.append(f"{name} is longer than {most} characters")
    for name in ("ref", "name", "role", "body", "email", "area_code"):
        if not is_single_line(row[name]) or has_control_characters(row[name]):
            found.append(f"{name} has a line break or a control character")
    if has_control_characters(row["postal_address"].replace("\n", " ")):
        found.append("postal_address has a control character")
    if not row["email"] and not row["postal_address"]:
        found.append("give an email or a postal address (or both)")
    if row["email"]:
        try:
            row["email"] = validate_email(row["email"], check_deliverability=False).normalized
        except EmailNotValidError as exc:
            found.append(f"email {row['email']!r} is not an email address ({exc})")
    found.extend(_area_problems(row, known))
    return found


def _area_problems(row: dict[str, str], known: dict[AreaType, frozenset[str]]) -> list[str]:
    kind = row["area_type"] = row["area_type"].lower()
    if kind not in AreaType.__members__.values():
        return [f"area_type {kind!r} is not one of {', '.join(AreaType)}"]
    if kind == AreaType.SENEDD:
        return _senedd_problems(row)
    code = row["area_code"] = row["area_code"].upper()
    if kind == AreaType.NONE:
        return (
            [f"a national target (area_type none) has no area_code, not {code!r}"] if code else []
        )
    if not GSS.match(code):
        return [f"area_code {code!r} is not a GSS code (a letter and eight digits)"]
    if not code.startswith(PREFIXES[AreaType(kind)]):
        prefixes = ", ".join(PREFIXES[AreaType(kind)])
        return [f"area_code {code} is not a {kind} code (those start {prefixes})"]
    if not known[AreaType(kind)]:
        return [f"no {kind} areas are loaded: run `flask data load` with Code-Point Open"]
    if code not in known[AreaType(kind)]:
        return [f"area_code {code} is not a {kind} any loaded postcode lies in"]
    return []


def _senedd_problems(row: dict[str, str]) -> list[str]:
    """A Senedd constituency is named by its slug ("caerdydd-penarth"); its
    Welsh name as the Commission writes it ("Caerdydd Penarth") is taken too."""
    constituencies = senedd_constituencies()
    given = row["area_code"].casefold()
    by_name = {senedd.name.casefold(): slug for slug, senedd in constituencies.items()}
    slug = given if given in constituencies else by_name.get(given)
    if slug is None:
        return [
            f"area_code {row['area_code']!r} is not a Senedd constituency "
            f"(one of {', '.join(sorted(constituencies))})"
        ]
    row["area_code"] = slug
    return []


def load_list(
    slug: str,
    data: str,
    *,
    name: str = "",
    source: str = "",
    actor: str = "cli",
    most_identical: int | None = None,
) -> Loaded:
    """Check every row, then store the list (a new version if it exists) in
    one transaction. With `most_identical`, a campaign's letters to its
    members may be identical that many times at most (the House of Lords:
    models.HOUSE_OF_LORDS). Raises BadList, with nothing written."""
    if not SLUG.match(slug):
        raise BadList([Problem(0, "a list's name is lower-case letters, digits and hyphens")])
    for what, value, most in (("its name", name, 120), ("its source", source, 300)):
        if len(value) > most or not is_single_line(value) or has_control_characters(value):
            raise BadList([Problem(0, f"{what} is one line of at most {most} characters")])
    rows = read_rows(data)
    now = utcnow()
    with write_transaction() as session:
        target_list = session.scalar(
            select(TargetList).where(TargetList.slug == slug).with_for_update()
        )
        if target_list is None:
            target_list = TargetList(slug=slug, name=name or slug, source=source, version=0)
            session.add(target_list)
            session.flush()
        target_list.version += 1
        target_list.name = name or target_list.name
        target_list.source = source or target_list.source
        target_list.loaded_at, target_list.loaded_by = now, actor
        target_list.target_count = len(rows)
        if most_identical is not None:
            target_list.most_identical = most_identical or None
        retired = session.execute(
            update(Target)
            .where(Target.list_id == target_list.id, Target.retired_at.is_(None))
            .values(retired_at=now)
        ).rowcount
        session.add_all(
            Target(
                list_id=target_list.id, version=target_list.version, ref=row["ref"],
                name=row["name"], role=row["role"], body=row["body"],
                email=row["email"] or None, postal_address=row["postal_address"] or None,
                area_type=row["area_type"], area_code=row["area_code"] or None,
            )
            for row in rows
        )  # fmt: skip
        bump_reference_version(session)  # every process's copy of the offers is rebuilt
    check_now()  # this process's copies: at once
    return Loaded(target_list, added=len(rows), retired=retired or 0)


def mark_bounced(session, target_id: int) -> None:
    """The target's address failed for its own reasons: letters to it are
    posted from now on, or it is not offered without a postal address
    (app/targets/models.py). In the caller's transaction."""
    marked = session.execute(
        update(Target)
        .where(Target.id == target_id, Target.bounced_at.is_(None))
        .values(bounced_at=utcnow())
    ).rowcount
    if marked:
        bump_reference_version(session)  # every process's copy of the offers is rebuilt


def all_lists() -> list[TargetList]:
    return list(db.session.scalars(select(TargetList).order_by(TargetList.name)))


def current_targets(list_id: int) -> list[Target]:
    return list(
        db.session.scalars(
            select(Target)
            .where(Target.list_id == list_id, Target.retired_at.is_(None))
            .order_by(Target.body, Target.name)
        )
    )


def count_current(list_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(Target.list_id == list_id, Target.retired_at.is_(None))
        )
        or 0
    )

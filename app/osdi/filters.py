"""The `filter` parameter: the subset of OData that OSDI uses, for dates.

OSDI filters collections with a query such as
`modified_date gt '2026-12-01T00:00:00Z'`: a field, an operator (eq, ne,
gt, ge, lt, le) and a quoted value, joined by `and`. The site answers the
ones a CRM needs to sync (`modified_date` and `created_date`); anything
else is refused with a clear error, never ignored (a CRM that believed its
filter was applied would miss or double records).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

FIELDS = ("modified_date", "created_date")
OPERATORS: dict[str, Callable] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt,
    "ge": operator.ge, "lt": operator.lt, "le": operator.le,
}  # fmt: skip
_CONDITION = re.compile(
    r"\s*(?P<field>[a-z_]+)\s+(?P<op>[a-z]+)\s+'(?P<value>[^']*)'\s*", re.IGNORECASE
)


class FilterError(ValueError):
    """A filter the site cannot apply; the message says why, for the CRM's logs."""


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: datetime  # naive UTC, as stored

    def applied_to(self, column):
        return OPERATORS[self.op](column, self.value)


def parse(text: str | None) -> list[Condition]:
    """The conditions of a filter (all must hold); none for no filter."""
    if text is None or not text.strip():
        return []
    if len(text) > 500:
        raise FilterError("The filter is longer than 500 characters.")
    conditions = []
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        found = _CONDITION.fullmatch(part)
        if found is None:
            raise FilterError(
                "A filter is a field, an operator and a quoted date, joined by 'and':"
                " modified_date gt '2026-12-01T00:00:00Z'."
            )
        field, op = found["field"].lower(), found["op"].lower()
        if field not in FIELDS:
            raise FilterError(f"Only {' and '.join(FIELDS)} can be filtered on, not {field!r}.")
        if op not in OPERATORS:
            raise FilterError(f"The operators are {', '.join(OPERATORS)}; not {op!r}.")
        conditions.append(Condition(field, op, _moment(found["value"])))
    return conditions


def _moment(value: str) -> datetime:
    """An ISO 8601 date or time; one without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError) as exc:
        raise FilterError(f"{value!r} is not an ISO 8601 date or time.") from exc
    return moment

"""Pages of a collection, as OSDI gives them: `page` and `per_page` in,
`total_pages`, `per_page`, `page`, `total_records` and the next and previous
pages' links out. Records are in the order they were made, so a CRM paging
through while records are added sees each one once."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000  # past this the offset overflows the database's integers


class PagingError(ValueError):
    pass


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int

    @classmethod
    def from_args(cls, args) -> Page:
        try:
            number = int(args.get("page", 1))
            per_page = int(args.get("per_page", DEFAULT_PER_PAGE))
        except ValueError as exc:
            raise PagingError("page and per_page are whole numbers.") from exc
        if not 1 <= number <= MAX_PAGE or not 1 <= per_page <= MAX_PER_PAGE:
            raise PagingError(
                f"page is from 1 to {MAX_PAGE:,}; per_page is from 1 to {MAX_PER_PAGE}."
            )
        return cls(number, per_page)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    def total_pages(self, total_records: int) -> int:
        return max(1, -(-total_records // self.per_page))

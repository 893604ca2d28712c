"""Facts that each email of a claim asks for, read once per claim.

Is Parliament dissolved? Which offices take a campaign's letters as a daily
digest? Every letter to an MP asks both, and asking the database for each
email cost more than building it (docs/performance.md). A fact read at a
claim's start is at most half a lease old (DELIVERY_LEASE_SECONDS / 2) when
its last email is built, as it would have been had that email been the
first: a change made meanwhile holds from the next claim on. A builder
that would hold a letter back on a fact's word (an office on its daily
digest) asks afresh first: a letter is never left with nothing to send it.

    @once_per_claim
    def offices_on_digest() -> frozenset[...]: ...

Outside a claim (a web page, a test calling a builder) the fact is read
each time it is asked for.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_facts: ContextVar[dict | None] = ContextVar("claim_facts", default=None)


@contextlib.contextmanager
def one_claim() -> Iterator[None]:
    """While a claim's emails are built: each fact is read at most once."""
    token = _facts.set({})
    try:
        yield
    finally:
        _facts.reset(token)


def once_per_claim(read: Callable[[], T]) -> Callable[[], T]:
    @functools.wraps(read)
    def fact() -> T:
        facts = _facts.get()
        if facts is None:
            return read()
        if read not in facts:
            facts[read] = read()
        return facts[read]

    return fact

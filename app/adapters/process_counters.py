"""Fixed-window counters kept in this process's memory: no network round trip.

For allowances that guard only this process's own work (a postcode lookup
is public data that costs microseconds to answer), counting in Redis would
cost more than the request. Each process counts on its own, so a client
spread over P processes on H hosts may get up to P x H times the allowance:
it protects a process from one busy client, not the service as a whole.

A window starts at its key's first request and lasts the limit's length, as
in the `limits` library's fixed window (in Redis or in memory), so Retry-After
means the same whichever store counted. The library's MemoryStorage would
do, but it starts a timer thread every 10 ms while counting to expire keys;
here expired keys are swept when there are many.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from limits import RateLimitItem

Window = tuple[RateLimitItem, tuple[str, str]]  # a limit and (key, scope)
SWEEP_ABOVE = 50_000  # keys held before expired ones are dropped


class ProcessCounters:
    def __init__(self, clock=time.time):
        self._clock = clock
        self._lock = threading.Lock()
        # (length, amount, key, scope) -> [window's end, requests counted]
        self._counts: dict[tuple, list] = {}

    def take(self, windows: Sequence[Window]) -> float | None:
        """Count one request in every window if all have room and return None;
        otherwise count nothing and return the seconds until the full one resets."""
        now = self._clock()
        with self._lock:
            entries = []
            for item, identifiers in windows:
                length = item.get_expiry()
                key = (length, item.amount, *identifiers)
                entry = self._counts.get(key)
                if entry is None or entry[0] <= now:
                    entry = self._counts[key] = [now + length, 0]
                if entry[1] >= item.amount:
                    return entry[0] - now
                entries.append(entry)
            for entry in entries:
                entry[1] += 1
            if len(self._counts) > SWEEP_ABOVE:
                self._counts = {k: e for k, e in self._counts.items() if e[0] > now}
        return None

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

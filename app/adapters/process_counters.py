"""Fixed-window counters kept in this process's memory: no network round trip.

For allowances that guard only this process's own work (a postcode lookup
is public data that costs microseconds to answer), counting in Redis would
cost more than the request. Each process counts on its own, so a client
spread over P processes on H hosts may get up to P x H times the allowance:
it protects a process from one busy client, not the service as a whole.

The `limits` library's MemoryStorage would do, but it starts a timer thread
every 10 ms while counting to expire keys; here a window's counters are
simply dropped when the window turns over.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from limits import RateLimitItem

Window = tuple[RateLimitItem, tuple[str, str]]  # a limit and (key, scope)


class ProcessCounters:
    def __init__(self, clock=time.time):
        self._clock = clock
        self._lock = threading.Lock()
        # Per window length: (the window's number, {(amount, key, scope): count}).
        self._windows: dict[int, tuple[int, dict[tuple, int]]] = {}

    def take(self, windows: Sequence[Window]) -> float | None:
        """Count one request in every window if all have room and return None;
        otherwise count nothing and return the seconds until the full one resets."""
        now = self._clock()
        with self._lock:
            counters = []
            for item, identifiers in windows:
                length = item.get_expiry()
                number = int(now // length)
                current = self._windows.get(length)
                if current is None or current[0] != number:
                    current = self._windows[length] = (number, {})
                key = (item.amount, *identifiers)  # the window's length is the dict's
                counts = current[1]
                if counts.get(key, 0) >= item.amount:
                    return (number + 1) * length - now
                counters.append((counts, key))
            for counts, key in counters:
                counts[key] = counts.get(key, 0) + 1
        return None

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

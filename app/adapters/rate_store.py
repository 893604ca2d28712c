"""The rate limits' counters: the `limits` library, through its public API.

`RATELIMIT_STORAGE_URI` picks the storage (memory:// in one process, Redis
to share counters between processes and hosts) and `RATELIMIT_STRATEGY` the
strategy (fixed-window by default), as Flask-Limiter would read them; the
views' limits are checked by app/web/limits.py, all of a view's windows in
one call to `RateStore.take`.

With Redis and the fixed window, `take` is one Lua script (one round trip
for all of a view's windows, counting them only if every one has room) sent
on a connection each thread holds (app/adapters/redis_script.py). Other
storages and strategies test every window, then count them.

A window the script reports full is remembered in the process until it
resets (`FullWindows`): a fixed window's count only grows until then, so
every request needing it would be refused, and is, without a round trip.
Clearing a counter in Redis by hand therefore takes effect in each process
only when the window would have reset.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Sequence

from flask import Flask, current_app
from limits.storage import RedisStorage, storage_from_string
from limits.strategies import STRATEGIES, FixedWindowRateLimiter, RateLimiter
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.adapters.process_counters import SWEEP_ABOVE, ProcessCounters, Window
from app.adapters.redis_script import RedisScript


class StoreUnavailable(Exception):
    """The counters cannot be reached (Redis down or not answering)."""


class RateStore:
    """A Flask extension holding each app's rate limiter."""

    def init_app(self, app: Flask) -> None:
        uri = app.config["RATELIMIT_STORAGE_URI"]
        options = dict(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
        if uri.startswith(("redis://", "rediss://", "redis+unix://")):
            # A hung Redis (accepting, never answering) must cost a request a
            # quarter of a second, not the client's default wait: the request
            # is refused (503) and the process is free for the next one.
            timeout = app.config["RATELIMIT_STORAGE_TIMEOUT_SECONDS"]
            options.setdefault("socket_timeout", timeout)
            options.setdefault("socket_connect_timeout", timeout)
        storage = storage_from_string(uri, **options)
        strategy = app.config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
        app.extensions["rate_store"] = STRATEGIES[strategy](storage)
        app.extensions["process_counters"] = ProcessCounters()
        app.extensions["full_windows"] = FullWindows()

    @property
    def limiter(self) -> RateLimiter:
        return current_app.extensions["rate_store"]

    def take_in_process(self, windows: Sequence[Window]) -> float | None:
        """As `take`, counted in this process alone (app/adapters/process_counters.py)."""
        return current_app.extensions["process_counters"].take(windows) if windows else None

    def take(self, windows: Sequence[Window]) -> float | None:
        """Count one request in every window if all have room and return None;
        otherwise count nothing and return the seconds until the full one resets."""
        if not windows:
            return None
        strategy = self.limiter
        try:
            if isinstance(strategy, FixedWindowRateLimiter) and isinstance(
                strategy.storage, RedisStorage
            ):
                full = current_app.extensions["full_windows"]
                return _take_in_redis(strategy.storage, full, windows)
            for item, identifiers in windows:
                if not strategy.test(item, *identifiers):
                    return strategy.get_window_stats(item, *identifiers).reset_time - time.time()
            for item, identifiers in windows:
                strategy.hit(item, *identifiers)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        return None

    def knows_a_full_window(self) -> bool:
        """Whether this process has seen any window full that has not reset
        since: usually not, and then `known_full` has nothing to look up."""
        return bool(current_app.extensions["full_windows"])

    def known_full(self, windows: Sequence[Window]) -> float | None:
        """Seconds until the first of these windows this process has seen
        full resets, or None: no round trip (the Lua script's windows only)."""
        strategy = self.limiter
        if not isinstance(strategy.storage, RedisStorage):
            return None
        keys = [_redis_key(strategy.storage, window) for window in windows]
        return current_app.extensions["full_windows"].refusal(keys)

    def full(self, windows: Sequence[Window]) -> float | None:
        """Seconds until the first full window resets, or None if all have room.
        Counts nothing (for allowances spent only by failures)."""
        strategy = self.limiter
        try:
            for item, identifiers in windows:
                if not strategy.test(item, *identifiers):
                    return strategy.get_window_stats(item, *identifiers).reset_time - time.time()
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        return None

    def count(self, windows: Sequence[Window]) -> None:
        """Count one in every window, whatever room is left."""
        strategy = self.limiter
        try:
            for item, identifiers in windows:
                strategy.hit(item, *identifiers)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    def reachable(self) -> bool:
        """For /readyz: the counters answer (always, for memory://)."""
        try:
            return bool(self.limiter.storage.check())
        except (RedisConnectionError, RedisTimeoutError):
            return False

    def reset(self) -> None:
        """Forget every counter (tests)."""
        self.limiter.storage.reset()
        current_app.extensions["process_counters"].reset()
        current_app.extensions["full_windows"].reset()


class FullWindows:
    """Redis counters this process has seen full, each until it resets."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()  # a process may serve requests on threads
        self._until: dict[str, float] = {}  # a counter's key -> when it resets

    def __bool__(self) -> bool:
        return bool(self._until)

    def refusal(self, keys: Sequence[str]) -> float | None:
        """Seconds until the first of `keys` known full resets, or None."""
        if not self._until:  # the usual case, without taking the lock
            return None
        now = self._clock()
        with self._lock:
            for key in keys:
                until = self._until.get(key)
                if until is not None:
                    if until > now:
                        return until - now
                    del self._until[key]
        return None

    def remember(self, key: str, seconds: float) -> None:
        now = self._clock()
        with self._lock:
            if len(self._until) >= SWEEP_ABOVE:  # many clients refused at once
                self._until = {k: until for k, until in self._until.items() if until > now}
                if len(self._until) >= SWEEP_ABOVE:
                    self._until.clear()  # only a shortcut: Redis still refuses them
            self._until[key] = now + seconds

    def reset(self) -> None:
        with self._lock:
            self._until.clear()


# KEYS: the windows' counters. ARGV: each window's amount and length in
# seconds, in KEYS' order. Returns 0 and counts every window, or the full
# window's place in KEYS (from 1) and the milliseconds until it resets, and
# counts none.
_TAKE_ALL = """
for i, key in ipairs(KEYS) do
    local used = tonumber(redis.call("get", key) or "0")
    if used >= tonumber(ARGV[2 * i - 1]) then
        return {i, math.max(redis.call("pttl", key), 1)}
    end
end
for i, key in ipairs(KEYS) do
    if redis.call("incr", key) == 1 then
        redis.call("expire", key, ARGV[2 * i])
    end
end
return 0
"""

_scripts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _take_in_redis(
    storage: RedisStorage, full: FullWindows, windows: Sequence[Window]
) -> float | None:
    keys = [_redis_key(storage, window) for window in windows]
    known = full.refusal(keys)
    if known is not None:
        return known
    script = _scripts.get(storage)
    if script is None:
        pool = storage.get_connection().connection_pool  # type: ignore[attr-defined]  # limits types its client as a protocol; it is a redis.Redis
        script = _scripts[storage] = RedisScript(pool, _TAKE_ALL)
    args: list[object] = []
    for item, _ in windows:
        args += [item.amount, item.get_expiry()]
    answer = script(keys, args)
    if not answer:
        return None
    place, wait_ms = answer
    full.remember(keys[int(place) - 1], int(wait_ms) / 1000)
    return int(wait_ms) / 1000


def _redis_key(storage: RedisStorage, window: Window) -> str:
    item, identifiers = window
    return storage.prefixed_key(item.key_for(*identifiers))

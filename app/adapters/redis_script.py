"""A Lua script run on Redis the short way: on a connection each thread holds.

The rate limits run one script per limited request (app/web/limits.py).
Through redis-py's client (a pooled connection taken and given back, retry
wrappers, events and metrics around every command) more than half of a
call's CPU went to that layer; sent on a held connection, little more than
the round trip itself is left (docs/performance.md). The connection is
redis-py's own class made with the pool's settings, so TLS, passwords, unix
sockets and timeouts are as configured.

What redis-py's client would have done for us, done here: a connection found
cut (Redis restarted, a proxy dropped it while idle) is reopened and the call
tried once more; a script the server has forgotten (a restart, SCRIPT FLUSH)
is sent whole; a process forked after a call (gunicorn's preload) opens its
own connection instead of sharing its parent's socket.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence

from redis import ConnectionPool
from redis.exceptions import ConnectionError, NoScriptError


class RedisScript:
    def __init__(self, pool: ConnectionPool, source: str):
        self._pool = pool  # its settings only: the connections are held here
        self._source = source
        # Redis names a script by its SHA-1: an identifier, not a security measure.
        self._sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()
        self._local = threading.local()

    def __call__(self, keys: Sequence[str], args: Sequence[object]):
        connection = self._connection()
        try:
            return self._run(connection, keys, args)
        except ConnectionError:
            # A cut connection (Redis restarted, a proxy dropped it while
            # idle): redis-py has closed it, and the next send opens a new
            # socket. A second failure means Redis is really away, and is
            # raised. A timeout is not retried: Redis is there but not
            # answering, and a second full wait would only double the delay.
            return self._run(connection, keys, args)

    def _run(self, connection, keys, args):
        try:
            connection.send_command("EVALSHA", self._sha, len(keys), *keys, *args)
            return connection.read_response()
        except NoScriptError:
            connection.send_command("EVAL", self._source, len(keys), *keys, *args)
            return connection.read_response()

    def _connection(self):
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.connection = self._pool.connection_class(**self._pool.connection_kwargs)
            local.pid = os.getpid()
        return local.connection

"""The rate limits' script runner on a real Redis: what redis-py's client did for us."""

from __future__ import annotations

import os

import pytest
import redis

from app.adapters.redis_script import RedisScript

# Counts KEYS[1] and returns the new count.
COUNT = "return redis.call('incr', KEYS[1])"


@pytest.fixture
def server(redis_url):
    client = redis.Redis.from_url(redis_url)
    client.delete("test:count")
    yield client
    client.delete("test:count")
    client.close()


@pytest.fixture
def script(server):
    return RedisScript(server.connection_pool, COUNT)


def local_port(script: RedisScript) -> int:
    return script._connection()._sock.getsockname()[1]


def test_a_connection_redis_cut_is_reopened_and_the_call_made(server, script):
    assert script(["test:count"], []) == 1
    server.client_kill(f"127.0.0.1:{local_port(script)}")
    assert script(["test:count"], []) == 2
    assert int(server.get("test:count")) == 2  # counted once, not lost, not twice


def test_a_script_redis_has_forgotten_is_sent_whole(server, script):
    assert script(["test:count"], []) == 1
    server.script_flush()
    assert script(["test:count"], []) == 2


def test_an_unreachable_redis_raises_its_connection_error():
    pool = redis.ConnectionPool.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=1)
    with pytest.raises(redis.exceptions.ConnectionError):
        RedisScript(pool, COUNT)(["test:count"], [])


def test_a_forked_process_opens_its_own_connection(server, script):
    """gunicorn forks its workers after loading the app: two processes
    writing on one socket would read each other's replies."""
    script(["test:count"], [])
    parents = local_port(script)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its count and its socket's port
        try:
            count = script(["test:count"], [])
            os.write(write_end, f"{count} {local_port(script)}".encode())
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    count, childs = os.read(read_end, 100).decode().split()
    os.close(read_end)
    os.close(write_end)
    assert count == "2"
    assert int(childs) != parents
    assert script(["test:count"], []) == 3
    assert local_port(script) == parents

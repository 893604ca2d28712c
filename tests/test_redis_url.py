"""The tests write to the Redis database number TEST_REDIS_URL names, offset
by the test worker's index, and never to one the person did not give."""

from __future__ import annotations

import pytest

from tests.conftest import with_redis_database


@pytest.mark.parametrize(
    ("url", "offset", "expected"),
    [
        ("redis://127.0.0.1:6379/0", 0, "redis://127.0.0.1:6379/0"),
        ("redis://127.0.0.1:6379/0", 1, "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379/9", 0, "redis://127.0.0.1:6379/9"),
        ("redis://127.0.0.1:6379/9", 2, "redis://127.0.0.1:6379/11"),
        ("redis://127.0.0.1:6379/15", 1, "redis://127.0.0.1:6379/0"),
        ("redis://:secret@cache.example:6380", 3, "redis://:secret@cache.example:6380/3"),
    ],
)
def test_the_database_number_given_is_honoured(url, offset, expected):
    assert with_redis_database(url, offset) == expected

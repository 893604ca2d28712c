"""How much of a letter is in its writer's own words.

A letter is cut into overlapping four-word shingles; words covered by a
shingle that also occurs in the campaign's suggested text are the
campaign's, the rest are the writer's. Names that differ between letters
only because the MPs differ (the MP's name, the constituency, the sender's
name) are replaced by placeholders first. Moderation compares letters with
the same shingles; the compose page and the widget run the same rules in
JavaScript, live while people type: one module (widget/src/ownwords.js),
bundled into the widget and built into app/static/js/own-words.js for the
pages. tests/letters/test_own_words_agree.py checks the three agree.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

SHINGLE_WORDS = 4
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_WORD_ANY_CASE = re.compile(_WORD.pattern, re.IGNORECASE)  # finds words where they stand


def _hash(shingle: str) -> int:
    # A signed 64-bit integer: it fits BIGINT on PostgreSQL and INTEGER on SQLite.
    digest = hashlib.blake2b(shingle.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def shingle_at(tokens: list[str], i: int) -> int:
    return _hash(" ".join(tokens[i : i + SHINGLE_WORDS]))


def words(text: str, names: tuple[str, ...] = ()) -> list[str]:
    text = text.lower()
    for i, name in enumerate(n for n in names if n):
        text = text.replace(name.lower(), f" name{i} ")
    return _WORD.findall(text.replace("\u2019", "'"))  # typographic apostrophes


def shingles(tokens: list[str]) -> set[int]:
    if len(tokens) < SHINGLE_WORDS:
        return {_hash(" ".join(tokens))} if tokens else set()
    return {shingle_at(tokens, i) for i in range(len(tokens) - SHINGLE_WORDS + 1)}


@dataclass(frozen=True)
class OwnWords:
    shingles: set[int]  # the letter's shingles not in the template
    word_count: int  # words of the letter not covered by the template
    total_words: int = 0

    @property
    def share(self) -> float:
        """The share of the letter's words in the writer's own words (0 to 1)."""
        return self.word_count / self.total_words if self.total_words else 0.0

    @property
    def percent(self) -> int:
        """Whole percent, halves rounded up, as the pages' JavaScript rounds."""
        return math.floor(self.share * 100 + 0.5)


def measure(body: str, template: str, names: tuple[str, ...]) -> OwnWords:
    """`body` against the filled `template`, with `names` made placeholders."""
    template_shingles = shingles(words(template, names))
    tokens = words(body, names)
    covered = [False] * len(tokens)
    own: set[int] = set()
    for i in range(max(len(tokens) - SHINGLE_WORDS + 1, 0)):
        shingle = shingle_at(tokens, i)
        if shingle in template_shingles:
            covered[i : i + SHINGLE_WORDS] = [True] * SHINGLE_WORDS
        else:
            own.add(shingle)
    own_count = covered.count(False) if len(tokens) >= SHINGLE_WORDS else len(tokens)
    return OwnWords(own, own_count, len(tokens))


def shared_passages(text: str, other: str) -> list[tuple[str, bool]]:
    """`text` cut into runs, each True where its words also stand in `other`,
    four or more in a row (the shingles moderation compares), for a moderator
    to see what two letters share. The runs joined give `text` back."""
    # Found in the text itself (typographic apostrophes made plain, which keeps
    # every offset), so each run is cut from the text as it was written.
    found = list(_WORD_ANY_CASE.finditer(text.replace("\u2019", "'")))
    tokens = [m.group().lower() for m in found]
    theirs = shingles(words(other))
    covered = [False] * len(tokens)
    for i in range(len(tokens) - SHINGLE_WORDS + 1):
        if shingle_at(tokens, i) in theirs:
            covered[i : i + SHINGLE_WORDS] = [True] * SHINGLE_WORDS
    runs: list[tuple[str, bool]] = []
    position, i = 0, 0
    while i < len(tokens):
        if not covered[i]:
            i += 1
            continue
        last = i
        while last + 1 < len(tokens) and covered[last + 1]:
            last += 1
        start, end = found[i].start(), found[last].end()
        if start > position:
            runs.append((text[position:start], False))
        runs.append((text[start:end], True))
        position, i = end, last + 1
    if position < len(text):
        runs.append((text[position:], False))
    return runs

"""The embeddable widget's script: its released versions, integrity hashes, embed code.

`widget/dist/v1.js` is the current build (checked in; a test fails if it
drifts from widget/src). Every build also writes
`widget/dist/releases/v1.<hash>.js`, and those are served for ever with
immutable caching: a partner's embed code names one release and its
Subresource Integrity hash, so a new build never breaks a page that embedded
an older one.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

from app.config import ROOT
from app.i18n import offered_codes
from app.links import external_url

DIST = ROOT / "widget" / "dist"
CURRENT = DIST / "v1.js"
RELEASES = DIST / "releases"
RELEASE_NAME = re.compile(r"v1\.([0-9a-f]{12})\.js")
ACCENT = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")


@dataclass(frozen=True)
class Release:
    version: str  # the first 12 hex digits of the file's SHA-256
    body: bytes
    integrity: str  # for the script tag's integrity attribute


def version_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:12]


def integrity_of(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


@lru_cache(maxsize=16)
def _read(path: Path, mtime: float) -> Release:
    body = path.read_bytes()
    return Release(version_of(body), body, integrity_of(body))


def current_release() -> Release:
    return _read(CURRENT, CURRENT.stat().st_mtime)


def release(version: str) -> Release | None:
    """A released build by version, or None."""
    if not re.fullmatch(r"[0-9a-f]{12}", version):
        return None
    path = RELEASES / f"v1.{version}.js"
    if not path.exists():
        return None
    found = _read(path, path.stat().st_mtime)
    return found if found.version == version else None


def script_url(version: str | None = None) -> str:
    return external_url("widget.release", version=version or current_release().version)


def embed_code(
    *, campaign: str, partner: str, accent: str | None = None, lang: str | None = None,
    layout: str | None = None,
) -> str:  # fmt: skip
    """The two lines a partner pastes into a page."""
    attrs = [f'data-campaign="{escape(campaign)}"', f'data-partner="{escape(partner)}"']
    if accent and ACCENT.fullmatch(accent):
        attrs.append(f'data-accent="{accent}"')
    if lang in offered_codes():
        attrs.append(f'data-lang="{lang}"')
    if layout in ("full", "compact"):
        attrs.append(f'data-layout="{layout}"')
    current = current_release()
    return (
        f"<div {' '.join(attrs)}></div>\n"
        f'<script async src="{script_url(current.version)}" '
        f'integrity="{current.integrity}" crossorigin="anonymous"></script>'
    )

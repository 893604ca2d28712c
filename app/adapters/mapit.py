"""A MapIt-compatible postcode source (https://mapit.mysociety.org/docs/).

Optional: set POSTCODE_LOOKUP_URL to use it instead of the embedded index.
It answers the same question as PostcodeIndex.locate: the Westminster
constituency's GSS code, "" (placed in no constituency), or None when the
postcode does not exist; MapItUnavailable when MapIt cannot answer.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request

log = logging.getLogger(__name__)
UNPLACED = ""


class MapItUnavailable(Exception):
    """MapIt could not be reached, or answered with an error of its own."""


class MapItSource:
    def __init__(self, base_url: str, timeout: float = 3.0):
        if not base_url.startswith(("https://", "http://")):
            raise ValueError("POSTCODE_LOOKUP_URL must be an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def locate(self, compact_postcode: str) -> str | None:
        url = f"{self.base_url}/postcode/{urllib.parse.quote(compact_postcode)}"
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code in (400, 404):  # MapIt: 400 invalid, 404 unknown postcode
                return None
            log.warning("MapIt answered HTTP %s", exc.code)
            raise MapItUnavailable(f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            log.warning("MapIt unreachable: %s", type(exc).__name__)
            raise MapItUnavailable(type(exc).__name__) from exc
        return _westminster_gss(payload)


def _westminster_gss(payload: dict) -> str:
    """The current Westminster constituency (area type WMC) in a MapIt answer."""
    areas = payload.get("areas") or {}
    area_id = (payload.get("shortcuts") or {}).get("WMC")
    area = areas.get(str(area_id)) if area_id is not None else None
    if area is None:
        wmc = [a for a in areas.values() if a.get("type") == "WMC"]
        area = max(wmc, key=lambda a: a.get("generation_high") or 0) if wmc else None
    gss = ((area or {}).get("codes") or {}).get("gss")
    return gss or UNPLACED

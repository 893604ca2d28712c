"""HTML checked by an independent validator: the Nu Html Checker (vnu.jar).

Two steps, for any Playwright test in Chromium:

    documents = record_documents(page, [])   # before the page goes anywhere
    ...                                      # visit pages, fill in forms
    assert validate(documents) == []         # every HTML document it was sent

`record_documents` keeps the HTML the server sent (not the DOM after scripts
ran), for the main frame and same-origin iframes, whatever the status.
`validate` runs the checker once over them all and returns its errors and
warnings, one readable line each. The checker is the `vnu-jar` npm package
(widget/node_modules, from `cd widget && npm ci`), run with Java (Debian's
`default-jre-headless`); `require_checker` says clearly when either is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from base64 import b64decode
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "widget" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Messages the checker gets wrong, by their exact text, each with the reason.
# None today: add one only with a comment saying why it is a false positive.
IGNORED_MESSAGES: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Document:
    """One HTML document as the server sent it."""

    url: str
    status: int
    body: str


class CheckerMissing(RuntimeError):
    """Java or vnu.jar is not installed."""


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def missing() -> str | None:
    """Why the checker cannot run here, or None when it can."""
    if not VNU_JAR.is_file():
        return f"no Nu Html Checker at {VNU_JAR}: cd widget && npm ci"
    if _java() is None:
        return "no Java to run the Nu Html Checker: apt install default-jre-headless"
    return None


def require_checker(skip: Callable[[str], object] | None = None) -> None:
    """Raise CheckerMissing if Java or vnu.jar is missing.

    Given `skip` (e.g. `pytest.skip`), call it with the reason instead, except
    in CI (the environment variable CI is set), where a missing checker fails.
    """
    reason = missing()
    if reason is None:
        return
    if skip is not None and not os.environ.get("CI"):
        skip(reason)
    raise CheckerMissing(reason)


def record_documents(page, sink: list[Document]) -> list[Document]:
    """Append to `sink` every HTML document `page` is sent from now on; return `sink`.

    `page` is a Playwright Page in Chromium. Kept: each response of content
    type text/html loaded as a document, into the main frame or a same-origin
    iframe, whatever its status. The body is the server's HTML, as sent,
    decoded as UTF-8 (any other bytes kept as they were, surrogate-escaped,
    so the checker sees exactly what was sent).
    Redirects are left out: browsers show no body for them. Not seen: pop-ups
    (other pages: record them too) and cross-origin iframes (other processes).

    Chromium's DevTools protocol pauses each document's response until its
    body is read, so a test may navigate on at once without losing one.
    """
    session = page.context.new_cdp_session(page)

    def paused(event: dict) -> None:
        request_id = event["requestId"]
        try:
            status = event.get("responseStatusCode")
            headers = {h["name"].lower(): h["value"] for h in event.get("responseHeaders", [])}
            content_type = headers.get("content-type", "")
            redirect = status is not None and 300 <= status < 400 and "location" in headers
            if status is None or redirect or not content_type.startswith("text/html"):
                return
            body = session.send("Fetch.getResponseBody", {"requestId": request_id})
            raw = body["body"].encode() if not body["base64Encoded"] else b64decode(body["body"])
            text = raw.decode("utf-8", errors="surrogateescape")
            sink.append(Document(event["request"]["url"], status, text))
        finally:
            session.send("Fetch.continueRequest", {"requestId": request_id})

    session.on("Fetch.requestPaused", paused)
    pattern = {"urlPattern": "*", "resourceType": "Document", "requestStage": "Response"}
    session.send("Fetch.enable", {"patterns": [pattern]})
    return sink


def validate(documents: list[Document], *, warnings: bool = True) -> list[str]:
    """The checker's errors and warnings in `documents`, one line each:
    "URL: line N: message" for an error, "URL: line N: warning: message".

    An empty list means valid HTML. One run of the checker over them all;
    documents with the same body are checked once (under the first URL).
    `warnings=False` reports errors only (the checker's --errors-only); its
    notes ("info" with no subtype: hints, not faults) are never reported.
    Raises CheckerMissing if Java or vnu.jar is missing.
    """
    require_checker()
    unique: dict[str, str] = {}  # body -> first URL
    for document in documents:
        unique.setdefault(document.body, document.url)
    if not unique:
        return []
    with tempfile.TemporaryDirectory(prefix="html-check-") as folder:
        urls: dict[str, str] = {}  # file name -> URL
        for number, (body, url) in enumerate(unique.items()):
            name = f"document-{number:04d}.html"
            (Path(folder) / name).write_bytes(body.encode("utf-8", errors="surrogateescape"))
            urls[name] = url
        command = [str(_java()), "-jar", str(VNU_JAR), "--format", "json", "--stdout"]
        command += [*([] if warnings else ["--errors-only"]), "--exit-zero-always"]
        run = subprocess.run(
            [*command, *sorted(urls)], cwd=folder, capture_output=True, text=True, timeout=600
        )
    try:
        messages = json.loads(run.stdout)["messages"]
    except (ValueError, KeyError) as error:
        raise RuntimeError(f"the Nu Html Checker said: {run.stdout}{run.stderr}") from error
    lines = []
    for message in messages:
        kind, text = message.get("type"), message.get("message", "")
        if kind == "info" and message.get("subType") != "warning":
            continue  # a note, not a fault
        if text in IGNORED_MESSAGES:
            continue
        name = message.get("url", "").rsplit("/", 1)[-1]
        where = urls.get(name, message.get("url", "?"))
        line = message.get("lastLine", message.get("firstLine"))
        at = f"line {line}: " if line is not None else ""
        label = {"error": "", "info": "warning: "}.get(kind, f"{kind}: ")
        lines.append(f"{where}: {at}{label}{text}")
    return lines

"""Test catalogues: the site's Welsh one with every translation marked, so a
page or an email shows at once which of its words went through gettext."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from tests.builders.settings import ROOT

TRANSLATIONS = ROOT / "app" / "translations"
WELSH = TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.po"
OPEN, CLOSE = "\u27ea", "\u27eb"  # ⟪ ⟫: what a marking catalogue puts round every translation


def catalogue_at(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def marking_catalogue(directory: Path, code: str = "cy") -> str:
    """A catalogue for `code` whose every translation is its msgid in ⟪ ⟫: any
    text on a page outside those marks never went through gettext. Written as
    .po (which the widget's build reads) and .mo (which the site reads) under
    `directory`, a folder to add to BABEL_TRANSLATION_DIRECTORIES."""
    catalogue = catalogue_at(WELSH)
    catalogue.locale = code
    for message in catalogue:
        if message.id:
            if isinstance(message.id, tuple):
                message.string = tuple(f"{OPEN}{message.id[1]}{CLOSE}" for _ in message.string)
            else:
                message.string = f"{OPEN}{message.id}{CLOSE}"
    target = directory / code / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as out:
        write_mo(out, catalogue)
    with (target / "messages.po").open("wb") as out:
        write_po(out, catalogue, width=76)
    return str(directory)

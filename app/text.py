"""Text shared by pages and emails: safe Markdown, and campaign placeholders."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "h2", "h3", "h4", "code", "pre",
}  # fmt: skip

PLACEHOLDERS = ("{mp_name}", "{constituency}", "{constituent_name}")


@lru_cache(maxsize=256)
def markdown_to_html(text: str) -> Markup:
    """Markdown to HTML that is safe to put in a page: raw HTML is never passed through.

    markdown-it escapes any HTML in the source; nh3 then keeps only the
    listed tags and safe link schemes, and adds rel=noopener to links.
    """
    html = _markdown.render(text or "")
    return Markup(  # noqa: S704 - nh3 has just sanitised it
        nh3.clean(
            html,
            tags=_ALLOWED_TAGS,
            attributes={"a": {"href", "title"}},
            url_schemes={"https", "http", "mailto"},
            link_rel="noopener noreferrer",
        )
    )


def markdown_to_text(text: str) -> str:
    """Markdown as readable plain text for the text part of an email."""
    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r"\1 (\2)", text or "")
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    return re.sub(r"^#{1,6}\s*", "", text, flags=re.MULTILINE).strip()


def fill_placeholders(
    template: str, *, mp_name: str, constituency: str, constituent_name: str | None = None
) -> str:
    """Fill the campaign placeholders. Plain replacement, so braces elsewhere are harmless.

    {constituent_name} stays as it is until the name is known.
    """
    text = template.replace("{mp_name}", mp_name).replace("{constituency}", constituency)
    if constituent_name:
        text = text.replace("{constituent_name}", constituent_name)
    return text


def normalise_for_comparison(text: str) -> str:
    """Lower case, whitespace collapsed: to tell an untouched template from an edited one."""
    return " ".join(text.lower().split())


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85]")


def has_control_characters(text: str) -> bool:
    """NUL, other C0/C1 controls, and bidirectional overrides (used to disguise text)."""
    return _CONTROL.search(text) is not None


def is_single_line(text: str) -> bool:
    """No CR, LF or other line breaks: required of anything that reaches a mail header."""
    return _LINE_BREAK.search(text) is None


def is_header_safe(text: str) -> bool:
    """One line with no control character of any class: what may go into a
    mail header (a vertical tab pasted from a word processor included)."""
    return is_single_line(text) and not has_control_characters(text)


def normalise_email(address: str) -> str:
    """One key per mailbox: how every address is compared and stored as a key
    (one letter per constituent per campaign, one subscriber per address, one
    admin per address, the per-address rate limit)."""
    return address.strip().lower()


Named = TypeVar("Named", bound=StrEnum)


def members_named(kind: type[Named], names, what: str) -> list[Named]:
    """The members of `kind` that `names` name, in order; ValueError naming
    the first unknown one and every choice (for a command line or a form)."""
    chosen = []
    for name in names:
        try:
            chosen.append(kind(name))
        except ValueError as exc:
            known = ", ".join(member.value for member in kind)
            raise ValueError(f"No {what} {name!r}: the {what}s are {known}.") from exc
    return chosen

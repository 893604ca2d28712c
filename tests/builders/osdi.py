"""Checking the OSDI API's answers against the specification's own examples.

An answer conforms when every field it shares with the example of its kind
has the same JSON type (recursively, list items against the example's
items), every other field is one of the few documented extensions, every
link is an {"href": ...} object under an IANA or "osdi:" relation, and the
fields every resource or collection must have are there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "osdi" / "spec_examples"
# Fields beyond the specification, documented in docs/osdi.md.
EXTENSIONS = {"consents", "status", "name", "constituency", "constituency_gss"}
RELATIONS = re.compile(r"(self|next|previous|curies|docs|osdi:[a-z_]+)")
RESOURCE_FIELDS = ("identifiers", "created_date", "modified_date", "_links")
COLLECTION_FIELDS = ("total_pages", "per_page", "page", "total_records", "_links", "_embedded")


def example(name: str):
    return json.loads((EXAMPLES / f"{name}.json").read_text())


# A resource's examples: its own, and the items of its collection's.
COLLECTIONS = {
    "person": ("people_collection", "osdi:people"),
    "advocacy_campaign": ("advocacy_campaigns_collection", "osdi:advocacy_campaigns"),
    "outreach": ("outreaches_collection", "osdi:outreaches"),
    "tag": ("tags_collection", "osdi:tags"),
    "tagging": ("taggings_collection", "osdi:taggings"),
}


def item_example(name: str):
    collection, relation = COLLECTIONS[name]
    return _merged([example(name), *example(collection)["_embedded"][relation]])


def _merged(items: list):
    """The example's list items as one shape: dicts merged key by key."""
    dicts = [item for item in items if isinstance(item, dict)]
    if not dicts:
        return items[0] if items else None
    merged: dict = {}
    for item in dicts:
        for key, value in item.items():
            if key in merged and isinstance(merged[key], list) and isinstance(value, list):
                merged[key] = merged[key] + value
            elif key in merged and isinstance(merged[key], dict) and isinstance(value, dict):
                merged[key] = {**merged[key], **value}
            else:
                merged.setdefault(key, value)
    return merged


def _kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}[type(value)]


def problems(ours, spec, path: str = "$") -> list[str]:
    found: list[str] = []
    if isinstance(ours, dict) and isinstance(spec, dict):
        for key, value in ours.items():
            where = f"{path}.{key}"
            if key == "_links":
                found += _links(value, where)
            elif key in spec:
                found += problems(value, spec[key], where)
            elif key not in EXTENSIONS:
                found.append(f"{where}: not in the specification's example")
        return found
    if isinstance(ours, list) and isinstance(spec, list):
        shape = _merged(spec)
        for index, item in enumerate(ours):
            if shape is not None:
                found += problems(item, shape, f"{path}[{index}]")
        return found
    if _kind(ours) != _kind(spec):
        found.append(f"{path}: {_kind(ours)} where the example has {_kind(spec)}")
    return found


def _links(links, path: str) -> list[str]:
    found = []
    if not isinstance(links, dict):
        return [f"{path}: not an object"]
    for relation, target in links.items():
        if not RELATIONS.fullmatch(relation):
            found.append(f"{path}.{relation}: not an IANA or osdi: relation")
        for link in target if isinstance(target, list) else [target]:
            if not isinstance(link, dict) or not isinstance(link.get("href"), str):
                found.append(f"{path}.{relation}: a link without an href")
    return found


def resource_problems(ours: dict, name: str) -> list[str]:
    found = [f"$.{field}: missing" for field in RESOURCE_FIELDS if field not in ours]
    if "self" not in ours.get("_links", {}):
        found.append("$._links.self: missing")
    return found + problems(ours, item_example(name))


def collection_problems(ours: dict, name: str, item_name: str, relation: str) -> list[str]:
    """Paging and links against the collection's example; each item against
    every example of its kind (the single one and the collection's own)."""
    found = [f"$.{field}: missing" for field in COLLECTION_FIELDS if field not in ours]
    spec = example(name)
    found += problems({k: v for k, v in ours.items() if k != "_embedded"}, spec)
    for index, item in enumerate(ours.get("_embedded", {}).get(relation, [])):
        found += [f"$._embedded[{index}]{p[1:]}" for p in resource_problems(item, item_name)]
    return found

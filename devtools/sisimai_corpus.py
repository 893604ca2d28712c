"""Vendor sisimai's public corpus of real bounce emails into tests/bounces/sisimai/.

`python -m devtools.sisimai_corpus --set-of-emails PATH --go-sisimai PATH`
(two git repositories, bare or not: github.com/sisimai/set-of-emails and
github.com/sisimai/go-sisimai) rewrites tests/bounces/sisimai/: the emails
of set-of-emails' maildir/bsd that sisimai's own test-suite has an
expectation for, the non-bounces of maildir/not, set-of-emails' LICENSE, a
README naming the commits read, and expected.json, the reason (and status,
reply code, hard-bounce flag, feedback type) go-sisimai's fact/*_test.go
tables expect for each recipient of each email. Files are copied byte for
byte from the commits' blobs; nothing is changed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "bounces" / "sisimai"

# fact/*_test.go: `func TestLhostAmazonSES(t *testing.T) { publiclist := [][]IsExpected{ rows };
# EngineTest(t, "AmazonSES", publiclist, true)` (`;` or a new line between). A message's
# rows open with `{{`.
_FUNC = re.compile(r"^func (Test\w+)\(", re.M)
_PUBLIC = re.compile(
    r"publiclist := \[\]\[\]IsExpected\{(.*?)\};?\s*EngineTest\(t, \"(\w+)\", publiclist, true\)",
    re.S,
)
_ROW = re.compile(
    r'(\{)?\{\s*"(\w+)"\s*,\s*(\d+)\s*,\s*"([^"]*)"\s*,\s*"([^"]*)"\s*,\s*"([^"]*)"\s*,'
    r'\s*(true|false)\s*,\s*"([^"]*)"\s*\}'
)
_COMMENT_LINE = re.compile(r"^\s*//.*$", re.M)
KEYS = ("reasons", "statuses", "replycodes", "hard", "feedback_types")


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout


def blob(repo: Path, path: str) -> bytes:
    return git(repo, "cat-file", "blob", f"HEAD:{path}")


def listing(repo: Path, folder: str) -> list[str]:
    return git(repo, "ls-tree", "-r", "--name-only", "HEAD", folder).decode().split()


def file_prefix(test_name: str, engine: str) -> str:
    """fact/09-lhost-code_test.go's EngineTest(): lhost-<engine>, rhost-<engine>
    or <engine> (RFC3464, RFC3834, ARF), the engine name in lower case."""
    if test_name.startswith("TestLhost"):
        return "lhost-" + engine.lower()
    if test_name.startswith("TestRhost"):
        return "rhost-" + engine.lower()
    return engine.lower()


def expectations(go_sisimai: Path) -> dict[str, dict[str, list]]:
    """{"lhost-postfix-01.eml": {"reasons": [...], ...}} from every public table."""
    expected: dict[str, dict[str, list]] = {}
    for path in listing(go_sisimai, "fact"):
        if not path.endswith("_test.go"):
            continue
        text = _COMMENT_LINE.sub("", blob(go_sisimai, path).decode())
        table = _PUBLIC.search(text)
        if table is None:
            if "publiclist" in text:
                raise SystemExit(f"{path}: a publiclist table this script cannot read")
            continue
        prefix = file_prefix(_FUNC.search(text).group(1), table.group(2))
        messages: list[tuple[str, list[tuple]]] = []
        rows = _ROW.findall(table.group(1))
        for opens, label, _index, status, reply, reason, hard, another in rows:
            if opens:  # a new message
                messages.append((f"{prefix}-{label}.eml", []))
            messages[-1][1].append((reason, status, reply, hard == "true", another))
        for name, message_rows in messages:
            columns = {
                key: list(col)
                for key, col in zip(KEYS, zip(*message_rows, strict=True), strict=True)
            }
            if expected.get(name, columns) != columns:
                raise SystemExit(f"{path}: {name} is expected twice, differently")
            expected[name] = columns  # a message repeated word for word (rfc3464-01) counts once
    return expected


README = """\
# sisimai's public corpus of bounce emails

Real bounce reports, delivery status notifications, auto-replies and
complaints (ARF) from many mail servers, collected by the
[sisimai](https://libsisimai.org/) project, with the reason sisimai's own
test-suite expects for each. tests/bounces/test_sisimai_corpus.py measures
how app/bounces/reports.py reads them.

- `maildir/` — every email of set-of-emails' `maildir/bsd/` that
  go-sisimai's test tables have an expectation for ({emails} emails), and the
  {nots} emails of `maildir/not/` (not bounces), copied byte for byte from
  the commit below. No file has been changed.
- `expected.json` — per file (its path under `maildir/`): `reasons`,
  `statuses`, `replycodes`, `hard` (sisimai's hard-bounce flag) and
  `feedback_types` (sisimai's `AnotherOne` column: the ARF Feedback-Type),
  one entry per recipient sisimai reports, in its order;
  `{{"reasons": ["not-bounce"]}}` for the files of `maildir/not/`.
- `LICENSE` — set-of-emails' licence (BSD 2-Clause), verbatim.

## Sources

- https://github.com/sisimai/set-of-emails at commit {set_commit}
  (`maildir/bsd/*.eml`, `maildir/not/*.eml`, `LICENSE`)
- https://github.com/sisimai/go-sisimai at commit {go_commit}
  (`fact/*_test.go`)

## How expected.json was made

`python -m devtools.sisimai_corpus --set-of-emails PATH --go-sisimai PATH`
reads each `fact/*_test.go` file's `publiclist` table (rows `{{"LABEL",
INDEX, "STATUS", "REPLYCODE", "REASON", HARDBOUNCE, "ANOTHERONE"}}`, several
rows for a message with several recipients; commented-out rows and the
`secretlist` tables, whose emails are private, are skipped) and names each
message's file as `EngineTest()` in `fact/09-lhost-code_test.go` does:
`lhost-<engine>-LABEL.eml` for `TestLhost*`, `rhost-<engine>-LABEL.eml` for
`TestRhost*`, `<engine>-LABEL.eml` otherwise (rfc3464, rfc3834, arf), the
engine name in lower case. A message listed twice word for word
(rfc3464-01) counts once. The two repositories' snapshots are of different
dates, so some emails have no expectation (not copied) and some expectations
no email (left out):

- emails without an expectation ({unexpected_count}): {unexpected}
- expectations without an email ({orphans_count}): {orphans}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set-of-emails", type=Path, required=True)
    parser.add_argument("--go-sisimai", type=Path, required=True)
    args = parser.parse_args()
    emails, go = args.set_of_emails, args.go_sisimai

    expected = expectations(go)
    bsd = {Path(p).name: p for p in listing(emails, "maildir/bsd") if p.endswith(".eml")}
    nots = [p for p in listing(emails, "maildir/not") if p.endswith(".eml")]
    unexpected = sorted(set(bsd) - set(expected))
    orphans = sorted(set(expected) - set(bsd))
    kept = {name: expected[name] for name in sorted(set(bsd) & set(expected))}

    shutil.rmtree(OUT / "maildir", ignore_errors=True)
    (OUT / "maildir" / "not").mkdir(parents=True)
    for name in kept:
        (OUT / "maildir" / name).write_bytes(blob(emails, bsd[name]))
    for path in nots:
        (OUT / "maildir" / "not" / Path(path).name).write_bytes(blob(emails, path))
        kept[f"not/{Path(path).name}"] = {"reasons": ["not-bounce"]}

    lines = [f"  {json.dumps(name)}: {json.dumps(value)}" for name, value in kept.items()]
    (OUT / "expected.json").write_text("{\n" + ",\n".join(lines) + "\n}\n")
    (OUT / "LICENSE").write_bytes(blob(emails, "LICENSE"))
    (OUT / "README.md").write_text(
        README.format(
            emails=len(kept) - len(nots),
            nots=len(nots),
            set_commit=git(emails, "rev-parse", "HEAD").decode().strip(),
            go_commit=git(go, "rev-parse", "HEAD").decode().strip(),
            unexpected_count=len(unexpected),
            unexpected=", ".join(f"`{n}`" for n in unexpected) or "none",
            orphans_count=len(orphans),
            orphans=", ".join(f"`{n}`" for n in orphans) or "none",
        )
    )
    print(f"{len(kept) - len(nots)} emails with expectations, {len(nots)} not bounces")
    print(f"emails without an expectation ({len(unexpected)}): {' '.join(unexpected)}")
    print(f"expectations without an email ({len(orphans)}): {' '.join(orphans)}")


if __name__ == "__main__":
    main()

"""Loading target lists: every row checked first, versions, and the command."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.targets.campaigns import settings_for
from app.targets.lists import BadList, current_targets, load_list
from app.targets.models import Target, TargetList
from tests.builders.letters import demo_campaign
from tests.builders.targets import COUNCILLORS, NATIONAL, list_csv, load


def test_a_good_list_is_stored_with_its_source(app):
    loaded = load("councillors", COUNCILLORS + NATIONAL, name="Testington councillors",
                  source="made up for tests")  # fmt: skip
    assert (loaded.added, loaded.retired, loaded.target_list.version) == (5, 0, 1)
    stored = current_targets(loaded.target_list.id)
    assert {t.ref for t in stored} == {"quill", "vale", "reed", "moss", "minister"}
    minister = next(t for t in stored if t.ref == "minister")
    assert (minister.area_type, minister.area_code) == ("none", None)
    assert db.session.get(TargetList, loaded.target_list.id).source == "made up for tests"


def test_a_bad_file_gets_every_problem_by_line_and_changes_nothing(app):
    load("councillors", COUNCILLORS)
    rows = [
        {**COUNCILLORS[0]},  # line 2: fine
        {**COUNCILLORS[1], "email": "not an address"},  # line 3
        {**COUNCILLORS[2], "area_code": "E05999901"},  # line 4: a ward's code as a council
        {**COUNCILLORS[3], "area_type": "parish"},  # line 5
        {**NATIONAL[0], "email": "", "postal_address": ""},  # line 6
        {**COUNCILLORS[0], "name": ""},  # line 7: and its ref is line 2's
        {**COUNCILLORS[1], "ref": "nowhere", "area_code": "E07000001"},  # line 8: no such place
        {**NATIONAL[0], "ref": "national", "area_code": "E07999901"},  # line 9
    ]
    with pytest.raises(BadList) as refused:
        load("councillors", rows)
    said = [str(problem) for problem in refused.value.problems]
    assert any(s.startswith("line 3: email 'not an address'") for s in said)
    assert "line 4: area_code E05999901 is not a council code (those start E06, E07, E08, " \
           "E09, W06, S12)" in said  # fmt: skip
    assert any(s.startswith("line 5: area_type 'parish' is not one of") for s in said)
    assert "line 6: give an email or a postal address (or both)" in said
    assert "line 7: name is empty" in said
    assert "line 7: ref 'quill' is also on line 2" in said
    assert "line 8: area_code E07000001 is not a council any loaded postcode lies in" in said
    assert any(
        s.startswith("line 9: a national target (area_type none) has no area_code") for s in said
    )
    assert len(said) == 8
    # Nothing changed: the first version is still the current one.
    [stored] = db.session.scalars(select(TargetList)).all()
    assert stored.version == 1
    assert db.session.scalar(select(func.count()).select_from(Target)) == len(COUNCILLORS)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ("", "line 1: the header lacks ref, name"),
        ("ref,name\nx,y\n", "line 1: the header lacks role, body, email"),
        (list_csv([]), "line 1: the file has no rows"),
        (list_csv(COUNCILLORS[:1]) + "extra,fields,here,and,more,than,the,header,has\n",
         "line 3: more fields than the header"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_list_is_refused(app, data, problem):
    with pytest.raises(BadList) as refused:
        load_list("councillors", data)
    assert str(refused.value.problems[0]).startswith(problem)
    assert db.session.scalar(select(func.count()).select_from(TargetList)) == 0


def test_loading_again_makes_a_new_version_and_retires_the_old_rows(app):
    first = load("councillors", COUNCILLORS).target_list
    old_ids = {t.id for t in current_targets(first.id)}
    changed = [{**COUNCILLORS[0], "name": "Pat Quill-Newname"}, *COUNCILLORS[2:]]
    again = load("councillors", changed)
    assert (again.target_list.id, again.target_list.version) == (first.id, 2)
    assert (again.added, again.retired) == (3, 4)
    current = current_targets(first.id)
    assert {t.ref for t in current} == {"quill", "reed", "moss"}
    assert not old_ids & {t.id for t in current}
    # The old rows stay, retired, for the letters written to them.
    retired = db.session.scalars(select(Target).where(Target.id.in_(old_ids))).all()
    assert len(retired) == 4
    assert all(t.retired_at is not None for t in retired)


def test_a_list_is_loaded_from_the_command_line(app, runner, tmp_path):
    path = tmp_path / "councillors.csv"
    path.write_text(list_csv(COUNCILLORS), encoding="utf-8")
    result = runner.invoke(args=["targets", "load", "councillors", str(path),
                                 "--source", "made up for tests"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "councillors version 1: 4 targets" in result.output
    listed = runner.invoke(args=["targets", "list"])
    assert "councillors\tversion 1\t4 targets\tmade up for tests" in listed.output

    path.write_text(list_csv([{**COUNCILLORS[0], "area_type": "parish"}]), encoding="utf-8")
    refused = runner.invoke(args=["targets", "load", "councillors", str(path)])
    assert refused.exit_code == 1
    assert f"{path}: line 2: area_type 'parish'" in refused.output
    assert "nothing loaded: 1 problem(s)" in refused.output
    assert "version 1" in runner.invoke(args=["targets", "list"]).output


def test_the_purge_deletes_replaced_rows_no_letter_went_to(app):
    """Retention (app/privacy/schedule.py): a replaced list's rows go at the next
    purge, except those a letter was written to, which say who it went to."""
    import secrets

    from app.letters.models import Attribution, Letter
    from app.letters.submission import submit_letter
    from app.privacy.retention import purge
    from tests.builders.letters import demo_campaign, draft

    first = load("councillors", COUNCILLORS).target_list
    quill = next(t for t in current_targets(first.id) if t.ref == "quill")
    letter_id = submit_letter(campaign=demo_campaign(), draft=draft(), attribution=Attribution(),
                              submission_key=secrets.token_hex(16), target_ids=[quill.id])  # fmt: skip
    load("councillors", COUNCILLORS)  # a new version: the first's four rows retired
    purge()
    kept = db.session.scalars(select(Target).where(Target.retired_at.is_not(None))).all()
    assert [t.id for t in kept] == [quill.id]
    assert db.session.get(Letter, letter_id).recipients[0].name == "Pat Quill"


def test_the_docs_command_marks_supporters_and_opponents(app, runner):
    """The example in docs/targets.md, exactly as written there."""
    load("councillors", COUNCILLORS)
    docs = Path(__file__).parents[2].joinpath("docs", "targets.md").read_text(encoding="utf-8")
    example = docs.split("## Supporters and opponents")[1].split("```")[1]
    args = shlex.split(example.replace("\\\n", " "))
    assert args[:3] == ["bin/flask", "targets", "campaign"]
    result = runner.invoke(args=args[1:])
    assert result.exit_code == 0, result.output
    settings = settings_for(demo_campaign().id)
    assert (settings.supporters, settings.opponents) == (("councillors:quill",),
                                                         ("councillors:vale",))  # fmt: skip
    assert [v.stance for v in settings.variants] == ["supporter", "opponent"]
    assert settings.variants[1].opening == "Please think again."


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ("ref,name,role,body,email,postal_address,area_type,area_code\n"
         f'a,"{"x" * 200_000}",r,b,a@example.org,,none,\n', "not a CSV file we can read"),
        ("ref,name,role,body,email,postal_address,area_type,area_code\na,n\x00,r,b,,p,none,\n",
         "name has a line break or a control character"),
    ],
)  # fmt: skip
def test_a_file_the_csv_reader_refuses_is_a_problem_not_a_crash(app, data, said):
    with pytest.raises(BadList) as refused:
        load_list("odd", data)
    assert said in str(refused.value.problems[0])
    assert db.session.scalar(select(TargetList)) is None


def test_a_lists_name_and_source_are_held_to_their_lengths(app):
    with pytest.raises(BadList, match="its source is one line of at most 300"):
        load("councillors", COUNCILLORS, source="s" * 301)
    with pytest.raises(BadList, match="its name is one line"):
        load("councillors", COUNCILLORS, name="two\nlines")

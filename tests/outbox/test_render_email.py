"""render_email: what Jinja's own render gives, without its per-render copy of
the globals, and a template's fault still named at its line."""

from __future__ import annotations

import traceback

import pytest
from flask import Flask
from jinja2 import FileSystemLoader, UndefinedError

from app.outbox.mime import render_email

TEMPLATES = {
    "email/letter.txt": (
        "{{ greeting }} {{ name }},\n{% include 'email/_footer.txt' %}{{ shout('done') }}"
    ),
    "email/_footer.txt": "-- {{ site }} ({{ name }})\n",
    "email/broken.txt": "line one\n{{ letter.missing.attribute }}\n",
}


@pytest.fixture
def app(tmp_path):
    for name, text in TEMPLATES.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    app = Flask(__name__)
    app.jinja_loader = FileSystemLoader(tmp_path)
    app.add_template_global("a global site", "site")
    app.add_template_global(lambda text: text.upper(), "shout")
    app.add_template_global("Hello", "greeting")
    with app.app_context():
        yield app


def test_it_renders_as_jinja_does_with_globals_includes_and_shadowing(app):
    ours = render_email("letter.txt", name="Jane", greeting="Dear")
    theirs = app.jinja_env.get_template("email/letter.txt").render(name="Jane", greeting="Dear")
    assert (
        ours == theirs == "Dear Jane,\n-- a global site (Jane)DONE"
    )  # (an include's last newline goes)


def test_a_variable_left_out_is_the_global_again_next_time(app):
    render_email("letter.txt", name="Jane", greeting="Dear")
    assert render_email("letter.txt", name="Jo").startswith("Hello Jo,")


def test_a_fault_in_a_template_names_its_line(app):
    with pytest.raises(UndefinedError, match="missing") as raised:
        render_email("broken.txt", letter={})
    frames = traceback.extract_tb(raised.value.__traceback__)
    assert (str(app.jinja_loader.searchpath[0]) + "/email/broken.txt", 2) in [
        (frame.filename, frame.lineno) for frame in frames
    ]

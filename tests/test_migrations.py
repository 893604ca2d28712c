"""The migrations build exactly the schema the models describe, and unwind cleanly."""

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db
from tests.builders.settings import base_config


def test_migration_head_matches_the_models(empty_database):
    app = create_app(base_config(empty_database))
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        # Alembic does not compare index predicates: check the partial index
        # that lets a constituent write again after a letter expired.
        assert "WHERE" in _index_definition("uq_message_one_active_per_campaign").upper()
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def _index_definition(name: str) -> str:
    if db.engine.dialect.name == "sqlite":
        query = text("SELECT sql FROM sqlite_master WHERE name = :name")
    else:
        query = text("SELECT indexdef FROM pg_indexes WHERE indexname = :name")
    with db.engine.connect() as conn:
        return conn.execute(query, {"name": name}).scalar_one()


def test_upgrading_a_database_with_letters_in_it_keeps_them(empty_database):
    """Each revision in turn, on a database that already holds a letter and its history."""
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    app = create_app(base_config(empty_database))
    with app.app_context():
        config = Migrate().get_config(directory=app.extensions["migrate"].directory)
        revisions = list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))
        flask_migrate.upgrade(revision=revisions[0].revision)
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO constituency (id, gss_code, mysociety_id, three_code, name, country, region) "
                    "VALUES (1, 'E14001063', 'UKPARL.2025.ALD', 'ALD', 'Aldershot', 'England', '')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO mp (id, constituency_id, name, full_title, party, source_email, is_vacant, updated_at) "
                    "VALUES (1, 1, 'Alex Baker', '', 'Labour', 'a@example.org', false, '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO campaign (id, slug, title, summary, intro_markdown, subject_template, body_template, "
                    "status, thank_you_markdown, share_text, group_url, group_label, created_at, updated_at) "
                    "VALUES (1, 'c', 'C', '', '', '', '', 'live', '', '', '', '', '2026-01-01', '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO message (id, public_id, submission_key, campaign_id, constituency_id, mp_id, status, "
                    "sender_name, sender_email, sender_email_key, address1, address2, town, postcode, "
                    "constituency_chosen, subject, body, source, ip_hash, created_at) VALUES (1, 'p', 'k', 1, 1, 1, "
                    "'sent', 'Jane', 'j@example.com', 'j@example.com', '1 St', '', 'T', 'GU11 1AA', false, 's', 'b', "
                    "'direct', '', '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO message_event (message_id, created_at, to_status, detail, actor) "
                    "VALUES (1, '2026-01-01', 'sent', '', 'system')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO outbox_email (kind, status, message_id, attempts, not_before, created_at, priority) "
                    "VALUES ('mp_letter', 'sent', 1, 1, '2026-01-01', '2026-01-01', 0)"
                )
            )
        for revision in revisions[1:]:
            flask_migrate.upgrade(revision=revision.revision)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM message_event")).scalar_one() == 1
            assert conn.execute(text("SELECT sender_name FROM message")).scalar_one() == "Jane"
        db.engine.dispose()


def test_welsh_texts_move_to_rows_and_back(empty_database):
    """cd6a5b4c3e2f turns the *_cy columns into campaign_text rows: a campaign
    with Welsh gets one row, one without gets none; downgrading puts them back."""
    app = create_app(base_config(empty_database))
    with app.app_context():
        flask_migrate.upgrade(revision="bc5f4a3b2d1e")
        with db.engine.begin() as conn:
            for id_, title_cy in ((1, "Teitl"), (2, "")):
                conn.execute(
                    text(
                        "INSERT INTO campaign (id, slug, title, summary, intro_markdown, "
                        "subject_template, body_template, status, thank_you_markdown, share_text, "
                        "group_url, group_label, title_cy, follow_up_template_cy, created_at, "
                        "updated_at) VALUES (:id, :slug, 'T', '', '', '', '', 'live', '', '', '', "
                        "'', :title_cy, :follow_up, '2026-01-01', '2026-01-01')"
                    ),
                    {
                        "id": id_,
                        "slug": f"c{id_}",
                        "title_cy": title_cy,
                        "follow_up": "Annwyl" if title_cy else "",
                    },
                )
        flask_migrate.upgrade(revision="cd6a5b4c3e2f")
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT campaign_id, language, title, follow_up_template FROM campaign_text")
            ).all()
        assert [tuple(row) for row in rows] == [(1, "cy", "Teitl", "Annwyl")]
        flask_migrate.downgrade(revision="bc5f4a3b2d1e")
        with db.engine.connect() as conn:
            back = conn.execute(text("SELECT id, title_cy FROM campaign ORDER BY id")).all()
        assert [tuple(row) for row in back] == [(1, "Teitl"), (2, "")]
        flask_migrate.downgrade(revision="base")
        db.engine.dispose()

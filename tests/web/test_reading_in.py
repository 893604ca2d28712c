"""An email is built in its reader's language, its catalogue found once
(app/i18n.py's `reading_in`); a switch inside it still switches."""

from __future__ import annotations

from flask import render_template_string

from app.i18n import current_language, force_locale, gettext, ngettext, reading_in

FOR_THEM = "For %(name)s, %(role)s."


def test_strings_and_templates_follow_the_reader_and_a_switch_inside(app):
    with app.test_request_context("/"):
        assert current_language() == "en"
        with reading_in("cy"):
            assert current_language() == "cy"
            assert gettext(FOR_THEM, name="Pat", role="Cyng.") == "Ar gyfer Pat, Cyng.."
            assert (
                render_template_string("{{ _('For %(name)s, %(role)s.', name='Pat', role='X') }}")
                == "Ar gyfer Pat, X."
            )
            with force_locale("en"):  # another reader's string, built inside
                assert current_language() == "en"
                assert gettext(FOR_THEM, name="Pat", role="X") == "For Pat, X."
            assert current_language() == "cy"
            delivered = (
                "%(name)s: %(num)s letter delivered",
                "%(name)s: %(num)s letters delivered",
            )
            assert ngettext(*delivered, 2, name="Bro") == "Bro: 2 lythyr wedi'u danfon"
        assert current_language() == "en"
        assert gettext(FOR_THEM, name="Pat", role="X") == "For Pat, X."

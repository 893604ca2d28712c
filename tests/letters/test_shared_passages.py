"""What two letters share, marked for a moderator."""

from __future__ import annotations

from app.letters.own_words import shared_passages


def test_runs_rebuild_the_text_and_mark_only_what_the_other_letter_has():
    text = "I agree with \u201cthe campaign\u2019s aims\u201d, and I think every MP should publish it all."
    other = "Every MP should publish it all: I agree with the campaign's aims."
    runs = shared_passages(text, other)
    assert "".join(run for run, _ in runs) == text
    marked = [run for run, shared in runs if shared]
    assert marked == [
        "I agree with \u201cthe campaign\u2019s aims",
        "every MP should publish it all",
    ]


def test_nothing_is_marked_when_no_four_words_in_a_row_are_shared():
    runs = shared_passages(
        "Please publish the receipts now.", "Publish them, please; receipts now."
    )
    assert runs == [("Please publish the receipts now.", False)]
    assert shared_passages("", "anything") == []

"""Answers staff edit: seeding, edits, versions, restore (actions/db/responses.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from actions.db import responses as answers
from actions.db.models import AuditEntry
from actions.db.session import in_transaction
from core.responses import LEICHT, STANDARD

SAVED = ("utter_saved", STANDARD, "Gespeichert: {reference}.")
HELLO = ("utter_hello", STANDARD, "Hallo!")
HELLO_LEICHT = ("utter_hello", LEICHT, "Hallo.\nSchön, dass Sie da sind.")


def seed(url, *shipped):
    return in_transaction(url, lambda s: answers.seed(s, shipped))


def text_of(url, name):
    return in_transaction(url, lambda s: answers.get(s, name, STANDARD).text)


def test_seeding_twice_adds_once(database_url):
    first, again = seed(database_url, SAVED, HELLO), seed(database_url, SAVED, HELLO)
    assert (first.created, again.created, again.updated) == (2, 0, 0)
    assert in_transaction(database_url, answers.edited) == {}


def test_an_edit_is_kept_over_a_new_release_and_counted(database_url):
    seed(database_url, SAVED)
    before = in_transaction(database_url, answers.revision)
    in_transaction(
        database_url,
        lambda s: answers.edit(
            s, "utter_saved", STANDARD, "Danke! {reference}", "anna"
        ),
    )
    assert in_transaction(database_url, answers.revision) > before
    report = seed(database_url, ("utter_saved", STANDARD, "Neu: {reference}"))
    assert (report.updated, report.kept) == (1, 1)
    assert text_of(database_url, "utter_saved") == "Danke! {reference}"
    assert in_transaction(database_url, answers.edited) == {
        ("utter_saved", STANDARD): "Danke! {reference}"
    }


def test_an_unedited_answer_follows_the_release(database_url):
    seed(database_url, HELLO)
    seed(database_url, ("utter_hello", STANDARD, "Guten Tag!"))
    assert text_of(database_url, "utter_hello") == "Guten Tag!"


def test_a_bad_edit_is_refused_and_changes_nothing(database_url):
    seed(database_url, SAVED)
    with pytest.raises(answers.AnswerError) as refused:
        in_transaction(
            database_url,
            lambda s: answers.edit(s, "utter_saved", STANDARD, "Gespeichert.", "anna"),
        )
    assert "Platzhalter {reference} fehlt" in refused.value.problems[0]
    assert text_of(database_url, "utter_saved") == SAVED[2]


def test_restore_brings_back_an_earlier_text_and_everything_is_audited(database_url):
    seed(database_url, HELLO)
    for text in ("Moin!", "Servus!"):
        in_transaction(
            database_url,
            lambda s, t=text: answers.edit(s, "utter_hello", STANDARD, t, "anna"),
        )

    def first_version(session):
        row = answers.get(session, "utter_hello", STANDARD)
        return row.versions[-1].id  # newest first: the last is the first edit

    version = in_transaction(database_url, first_version)
    in_transaction(
        database_url,
        lambda s: answers.restore(s, "utter_hello", STANDARD, version, "rita"),
    )
    assert text_of(database_url, "utter_hello") == "Hallo!"
    # Back at the shipped text: no longer an edit, so a release updates it again.
    assert in_transaction(database_url, answers.edited) == {}
    actions = in_transaction(
        database_url,
        lambda s: [
            e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ],
    )
    assert actions == ["answer_edited", "answer_edited", "answer_restored"]


def test_reset_and_unknown_versions(database_url):
    seed(database_url, HELLO, SAVED)
    in_transaction(
        database_url, lambda s: answers.edit(s, "utter_hello", STANDARD, "Moin!", "a")
    )
    in_transaction(
        database_url, lambda s: answers.reset(s, "utter_hello", STANDARD, "a")
    )
    assert text_of(database_url, "utter_hello") == "Hallo!"
    with pytest.raises(answers.AnswerError):
        in_transaction(
            database_url, lambda s: answers.restore(s, "utter_saved", STANDARD, 1, "a")
        )


def test_each_variant_is_its_own_answer(database_url):
    seed(database_url, HELLO, HELLO_LEICHT)
    in_transaction(
        database_url, lambda s: answers.edit(s, "utter_hello", LEICHT, "Hallo.", "a")
    )
    assert in_transaction(database_url, answers.edited) == {
        ("utter_hello", LEICHT): "Hallo."
    }
    assert text_of(database_url, "utter_hello") == "Hallo!"


def test_a_review_is_set_by_hand_audited_and_cleared_by_an_edit(database_url):
    seed(database_url, HELLO, HELLO_LEICHT)

    def reviewed(session):
        return answers.get(session, "utter_hello", LEICHT).reviewed_by

    in_transaction(
        database_url,
        lambda s: answers.set_reviewed(s, "utter_hello", LEICHT, True, "pruefgruppe"),
    )
    assert in_transaction(database_url, reviewed) == "pruefgruppe"
    in_transaction(
        database_url, lambda s: answers.edit(s, "utter_hello", LEICHT, "Hallo.", "a")
    )
    assert in_transaction(database_url, reviewed) is None
    actions = in_transaction(
        database_url,
        lambda s: [
            e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ],
    )
    assert actions == ["answer_reviewed", "answer_edited"]
